"""The -z parsers (pure) and the git questions, on real repositories."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard import gitio, gitparse
from guard.changes import Change, Commit
from guard.errors import GitError
from tests.conftest import git

Z = "0" * 40
A = "a" * 40


def raw(status: str, *paths: bytes, modes: tuple[str, str] = ("100644", "100644")) -> bytes:
    record = f":{modes[0]} {modes[1]} {Z} {A} {status}".encode()
    return b"\0".join([record, *paths]) + b"\0"


def test_parse_raw_reads_every_status_renames_and_copies() -> None:
    out = (
        raw("M", b"src/a.py")
        + raw("A", b"docs/x y.md", modes=("000000", "100644"))
        + raw("D", b"old\nname")
        + raw("T", b"link", modes=("100644", "120000"))
        + raw("R087", b"src/old.py", b"tests/new.py")
        + raw("C100", b"src/base.py", b"src/copy.py")
        + raw("M", b"vendor/lib", modes=("160000", "160000"))
    )
    changes, end = gitparse.parse_raw(out.decode("utf-8", "surrogateescape").split("\0"))
    assert changes == [
        Change("M", "src/a.py", "100644", "100644", None, A, Z),
        Change("A", "docs/x y.md", "000000", "100644", None, A, Z),
        Change("D", "old\nname", "100644", "100644", None, A, Z),
        Change("T", "link", "100644", "120000", None, A, Z),
        Change("R", "tests/new.py", "100644", "100644", "src/old.py", A, Z),
        Change("A", "src/copy.py", "000000", "100644", None, A),
        Change("M", "vendor/lib", "160000", "160000", None, A, Z),
    ]
    assert changes[-1].is_gitlink and not changes[0].is_gitlink
    assert end == len(out.split(b"\0")) - 1


def test_parse_log_reads_headers_messages_and_records() -> None:
    out = (
        b"\x01"
        + A.encode()
        + b" "
        + Z.encode()
        + b"\0Ann <a@x>\0"
        + b"2026-01-01T00:00:00+00:00"
        + b"\0fix: a \x01 odd subject\n\nbody: text\n\0\n"
        + raw("M", b":starts-with-colon")
        + b"\x01"
        + Z.encode()
        + b" \0Bo <b@x>\0"
        + b"2026-01-02T00:00:00+00:00\0root\n\0"
    )
    first, second = gitparse.parse_log(out)
    assert first == Commit(
        A,
        (Z,),
        "fix: a \x01 odd subject",
        (Change("M", ":starts-with-colon", "100644", "100644", None, A, Z),),
        "Ann <a@x>",
        "2026-01-01T00:00:00+00:00",
        "fix: a \x01 odd subject\n\nbody: text",
    )
    assert second == Commit(Z, (), "root", (), "Bo <b@x>", "2026-01-02T00:00:00+00:00", "root")


names = st.binary(min_size=1, max_size=30).filter(lambda b: b"\0" not in b)


@settings(max_examples=200)
@given(st.lists(names, min_size=1, max_size=8))
def test_parse_raw_round_trips_any_path_git_can_store(paths: list[bytes]) -> None:
    out = b"".join(raw("M", p) for p in paths)
    changes, _ = gitparse.parse_raw(out.decode("utf-8", "surrogateescape").split("\0"))
    assert [os.fsencode(c.path) for c in changes] == paths


def test_questions_on_a_real_repository(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    assert gitio.head() == (None, "refs/heads/main")
    (repo / "a.md").write_text("a\n")
    git(repo, "add", "a.md")
    assert [c[:4] for c in gitio.staged_changes()] == [("A", "a.md", "000000", "100644")]
    git(repo, "commit", "-qm", "first")
    first = gitio.resolve("HEAD")
    assert first is not None and gitio.head() == (first, "refs/heads/main")
    (repo / "b.py").write_text("b\n")
    git(repo, "add", "b.py")
    git(repo, "commit", "-qm", "second")
    second = gitio.resolve("HEAD")
    assert second is not None
    assert gitio.paths(gitio.diff(first, second)) == {"b.py"}
    assert gitio.paths(gitio.diff(gitio.empty_tree(), None)) == {"a.md", "b.py"}
    assert gitio.commits_since(second, [first]) == [second]
    assert [c.subject for c in gitio.read_commits([second, first])] == ["second", "first"]
    assert gitio.read_commits([]) == []
    assert gitio.ref_tips() == {"refs/heads/main": second}
    assert gitio.is_ancestor(first, second) and not gitio.is_ancestor(second, first)
    assert gitio.resolve("no-such-ref") is None
    assert gitio.config_get("no.such") is None
    assert gitio.common_dir() == str(repo / ".git")
    assert gitio.hooks_dir() == str(repo / ".git" / "hooks")


@pytest.mark.parametrize("name", ["plain", "line\nbreak"])
def test_dirs_names_both_git_directories_of_a_worktree(tmp_path: Path, name: str) -> None:
    repo = tmp_path / name
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "start")
    git(repo, "worktree", "add", "-q", str(tmp_path / "linked"))
    common = str(repo / ".git")
    assert gitio.dirs(str(repo)) == (common, common)
    linked = gitio.dirs(str(tmp_path / "linked"))
    assert linked == (common, str(repo / ".git" / "worktrees" / "linked"))
    with pytest.raises(GitError):
        gitio.dirs(str(tmp_path))


def test_outside_a_repository(tmp_path: Path) -> None:
    assert gitio.locate(str(tmp_path)) is None
    with pytest.raises(GitError):
        gitio.common_dir(str(tmp_path))


def test_a_missing_git_is_a_git_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    assert gitio.locate() is None


def log_output() -> bytes:
    """A log as git writes it with LOG_FORMAT: records that look like headers and
    records, an empty commit, a rename, a copy, a merge, a message with odd bytes."""

    def header(sha: str, parents: str, message: bytes) -> bytes:
        return b"\x01%s %s\0Ann <a@x>\x002026-01-01T00:00:00+00:00\0%s\0" % (
            sha.encode(),
            parents.encode(),
            message,
        )

    return (
        header(A, Z, b"fix: odd \x01 subject\n\nbody\n")
        + b"\n"
        + raw("M", b":starts-with-colon")
        + raw("A", b"\x01looks-like-a-header", modes=("000000", "100644"))
        + raw("R090", b"src/old.py", b"\n:looks-like-a-record")
        + b"\n"
        + header("b" * 40, f"{Z} {A}", b"Merge branch 'side'\n")
        + b"\n"
        + raw("C100", b"src/base.py", b"src/copy.py")
        + raw("D", "caf\u00e9/\xff".encode("utf-8", "surrogateescape"))
        + b"\n"
        + header("c" * 40, "", b"empty\n")
        + b"\n"
        + header(Z, "", b"root\n")
        + b"\n"
        + raw("A", b"README.md", modes=("000000", "100644"))
    )


@given(st.lists(st.integers(min_value=0, max_value=len(log_output())), max_size=12))
@settings(max_examples=300)
def test_the_log_parser_gives_the_same_commits_whatever_pieces_git_writes(
    cuts: list[int],
) -> None:
    """git writes the log in pieces of any size; the streaming parser keeps a commit
    only once its records are complete, so any split gives the whole-output answer."""
    out = log_output()
    whole = gitparse.parse_log(out)
    assert [c.sha for c in whole] == [A, "b" * 40, "c" * 40, Z]
    assert [len(c.changes) for c in whole] == [3, 2, 0, 1]
    assert whole[0].changes[1].path == "\x01looks-like-a-header"
    assert whole[0].changes[2] == Change(
        "R", "\n:looks-like-a-record", "100644", "100644", "src/old.py", A, Z
    )
    assert whole[1].parents == (Z, A)
    parser = gitparse.LogParser()
    edges = sorted({0, *cuts, len(out)})
    for begin, end in itertools.pairwise(edges):
        parser.feed(out[begin:end])
    assert parser.close() == whole


def test_the_start_tree_lists_modes_and_ids(repo: Path) -> None:
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    (repo / "caf\u00e9.md").write_text("x\n")
    for odd in ("tab\tname", '"quoted"', "back\\slash"):
        (repo / odd).write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "more")
    entries = gitio.tree_entries("HEAD", str(repo))
    blob = git(repo, "rev-parse", "HEAD:run.sh").strip()
    assert entries["run.sh"] == f"100755 {blob}"
    assert {"caf\u00e9.md", "tab\tname", '"quoted"', "back\\slash"} <= set(entries)
    with pytest.raises(GitError, match="ls-tree failed"):
        gitio.tree_entries("no-such-rev", str(repo))


def test_blob_ids_hash_the_file_a_path_names_however_it_is_spelt(repo: Path) -> None:
    """A name with a line break, or one opening with a quote (which git would unquote),
    is hashed as the file it names, as its content and as `git add` stores it."""
    names = ["plain.txt", "two\nlines.txt", '"quoted".txt', 'back\\\\slash"q.txt']
    for number, name in enumerate(names):
        (repo / name).write_text(f"content {number}\n")
    expected = [
        git(repo, "hash-object", "--stdin", input=f"content {n}\n".encode()).strip()
        for n in range(4)
    ]
    assert gitio.blob_ids(names, str(repo)) == expected
    assert gitio.blob_ids(names, str(repo), filters=False) == expected
