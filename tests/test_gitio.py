"""The -z parsers (pure) and the git questions, on real repositories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard import gitio
from guard.errors import GitError
from guard.session import Change, Commit
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
    changes, end = gitio.parse_raw(out.decode("utf-8", "surrogateescape").split("\0"))
    assert changes == [
        Change("M", "src/a.py", "100644", "100644", None, A),
        Change("A", "docs/x y.md", "000000", "100644", None, A),
        Change("D", "old\nname", "100644", "100644", None, A),
        Change("T", "link", "100644", "120000", None, A),
        Change("R", "tests/new.py", "100644", "100644", "src/old.py", A),
        Change("A", "src/copy.py", "000000", "100644", None, A),
        Change("M", "vendor/lib", "160000", "160000", None, A),
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
    first, second = gitio.parse_log(out)
    assert first == Commit(
        A,
        (Z,),
        "fix: a \x01 odd subject",
        (Change("M", ":starts-with-colon", "100644", "100644", None, A),),
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
    changes, _ = gitio.parse_raw(out.decode("utf-8", "surrogateescape").split("\0"))
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
    with pytest.raises(GitError) as info:
        gitio.run(["rev-parse", "--verify", "nope"])
    assert info.value.exit_code == 4
    assert "git rev-parse failed: fatal: Needed a single revision" in info.value.message


def test_outside_a_repository(tmp_path: Path) -> None:
    assert gitio.locate(str(tmp_path)) is None
    with pytest.raises(GitError):
        gitio.common_dir(str(tmp_path))


def test_a_missing_git_is_a_git_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GitError) as info:
        gitio.run(["status"])
    assert info.value.message == "git is not installed or not on PATH"
    assert gitio.attempt(["status"]) is None
    assert gitio.locate() is None
