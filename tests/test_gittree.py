"""`guard.gittree`: what paths hold in a commit's tree, read a folder at a time, held
against `git ls-tree -r`, which lists the whole tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from guard import gitparse, gittree
from guard.errors import GitError
from tests.conftest import commit_files, git

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@pytest.fixture
def tree(repo: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A commit with nested folders, an executable, a symlink, a submodule pointer, a
    file where a folder might be expected, and names git must not misread: spaces,
    line breaks (which git's one-name-a-line input cannot carry), bytes not UTF-8."""
    monkeypatch.chdir(repo)
    commit_files(
        repo,
        {
            "README.md": "# top\n",
            "src/app.py": "A = 1\n",
            "src/deep/er/still.py": "S = 1\n",
            "tools": "a file, not a folder\n",
            "docs/a b.md": "spaces\n",
            "docs/new\nline.md": "a newline in the name\n",
            "odd\nfolder/in it/deep.py": "a newline in a folder's name\n",
            "odd\nfolder/top.py": "T = 1\n",
        },
        "start",
    )
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    os.symlink("src/app.py", repo / "link")
    (repo / os.fsdecode(b"caf\xe9.md")).write_text("latin-1 name\n")
    git(repo, "add", "-A")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'1' * 40},vendor/lib")
    git(repo, "commit", "-q", "-m", "more")
    return git(repo, "rev-parse", "HEAD").strip()


def listed(repo: Path, rev: str) -> dict[str, str]:
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", rev).encode("utf-8", "surrogateescape")
    return gitparse.parse_tree(out)


def test_states_are_what_ls_tree_lists(repo: Path, tree: str) -> None:
    everything = listed(repo, tree)
    assert len(everything) == 12
    assert gittree.states(tree, everything) == everything


def test_no_file_is_none(repo: Path, tree: str) -> None:
    """A folder, a path below a file, one below a submodule, and one never there."""
    asked = ["src", "src/deep", "tools/README.md", "vendor/lib/x.c", "nowhere/at/all.py", "gone"]
    asked += ["odd\nfolder/in it", "odd\nfolder/top.py/x", "odd\nfolder/none/x.py"]
    assert gittree.states(tree, asked) == dict.fromkeys(asked)


def test_a_sha256_repository_is_read_with_its_longer_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tree names each entry by a raw id of the repository's hash: 32 bytes here."""
    repo = tmp_path / "sha256"
    repo.mkdir()
    git(repo, "init", "-q", "--object-format=sha256")
    monkeypatch.chdir(repo)
    files = {"a.py": "A\n", "src/deep/b.py": "B\n", "src/z.md": "Z\n", "zz/c.py": "C\n"}
    rev = commit_files(repo, files, "start")
    everything = listed(repo, rev)
    assert len(everything) == 4
    assert all(len(state.split()[1]) == 64 for state in everything.values())
    assert gittree.states(rev, [*everything, "src/deep", "src/none.py"]) == {
        **everything,
        "src/deep": None,
        "src/none.py": None,
    }


def test_no_commit_and_the_empty_tree_hold_nothing(repo: Path, tree: str) -> None:
    assert gittree.states(None, ["src/app.py"]) == {"src/app.py": None}
    assert gittree.states(EMPTY_TREE, ["src/app.py", "README.md"]) == {
        "src/app.py": None,
        "README.md": None,
    }


def test_a_mode_is_given_as_git_s_diffs_give_it(repo: Path, tree: str) -> None:
    """An old tree may record a file as 100664; git reads (and diffs) it as 100644."""
    blob = git(repo, "hash-object", "-w", "--stdin", input=b"old\n").strip()
    odd = git(repo, "mktree", input=f"100664 blob {blob}\told.txt\n".encode()).strip()
    assert gittree.states(odd, ["old.txt"]) == {"old.txt": f"100644 {blob}"}
    assert listed(repo, odd) == {"old.txt": f"100644 {blob}"}


def test_modes_are_read_as_git_reads_them_whatever_a_tree_stores(repo: Path, tree: str) -> None:
    """Other tools (and old git) wrote modes git never writes: a folder as 040000 or
    40755, a file as 0100644, a symlink as 120755. git reads each by its number, so
    the paths below such a folder are there, and every mode is the canonical one."""
    blob = git(repo, "hash-object", "-w", "--stdin", input=b"text\n").strip()

    def literal(*entries: tuple[str, str, str]) -> str:
        body = b"".join(f"{m} {n}\0".encode() + bytes.fromhex(o) for m, n, o in entries)
        return git(repo, "hash-object", "-t", "tree", "-w", "--literally", "--stdin", input=body)

    inner = literal(("100644", "a.py", blob)).strip()
    odd = literal(
        ("120755", "link", blob),
        ("40755", "loose", inner),
        ("040000", "padded", inner),
        ("0100644", "zero.txt", blob),
    ).strip()
    everything = listed(repo, odd)
    assert everything == {
        "link": f"120000 {blob}",
        "loose/a.py": f"100644 {blob}",
        "padded/a.py": f"100644 {blob}",
        "zero.txt": f"100644 {blob}",
    }
    assert gittree.states(odd, [*everything, "padded", "loose"]) == {
        **everything,
        "padded": None,
        "loose": None,
    }
    broken = literal(("10064x", "bad", blob)).strip()  # git itself refuses to read it
    with pytest.raises(GitError, match="10064x"):
        gittree.states(broken, ["bad"])


def test_a_commit_git_does_not_have_is_a_git_error(repo: Path, tree: str) -> None:
    with pytest.raises(GitError):
        gittree.states("2" * 40, ["src/app.py"])


def test_a_start_answers_from_what_it_was_told_then_from_git(repo: Path, tree: str) -> None:
    """Told paths are answered at once; any other counts as a miss (changed) until
    `fetch` reads it from git, after which it is answered as git has it."""
    app = listed(repo, tree)["src/app.py"]
    start = gittree.Start(tree, {"README.md": None})
    assert start.unchanged("README.md", None)
    assert not start.unchanged("src/app.py", app)
    assert not start.unchanged("src/app.py", app)
    assert (start.misses, start.missing) == (2, {"src/app.py"})
    start.fetch()
    assert start.unchanged("src/app.py", app)
    assert not start.unchanged("src/app.py", None)
    assert (start.misses, start.missing) == (2, set())


def test_a_complete_start_needs_no_git() -> None:
    start = gittree.Start("3" * 40, {"a.py": "100644 " + "4" * 40}, complete=True)
    assert start.unchanged("b.py", None)
    assert not start.unchanged("b.py", "100644 " + "4" * 40)
    assert start.misses == 0
