"""The last step of `guard rollback --apply`: the index and work tree brought to the
rollback commit at the plan's paths alone, each checked first, and an apply cut
short anywhere in that step finished by the next `guard rollback`; and the audit
it prints afterwards, which says what a fresh `guard audit` says.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import git
from tests.e2e.test_audit_git import BYPASS, WORKLOG, audit, commit, head, seed, start, write
from tests.e2e.test_rollback import release_branch

MARKER = ".git/guard-rollback.json"

# A git that changes a file the plan restores just as the rollback takes its last look
# (the call that reads the index against the old tip), after git status looked.
MEANWHILE = """#!/bin/sh
case " $* " in
*" diff-index "*) sh -c "$MEANWHILE" ;;
esac
exec "$REAL_GIT" "$@"
"""


def after_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("audit after rollback: "))


def fresh(invoke, repo: Path) -> str:
    """What `guard audit` says now, as the rollback's line after says it."""
    _, report = audit(invoke, repo)
    summary = report["summary"]
    return (
        f"audit after rollback: verdict {summary['verdict']}, "
        f"net_violations {summary['net_violations']}"
    )


@pytest.mark.parametrize("case", ["checked-out", "own-start", "other-branch", "untracked"])
def test_the_audit_after_a_rollback_says_what_a_fresh_audit_says(
    repo: Path, invoke, case: str
) -> None:
    args: list[str] = []
    if case in ("own-start", "other-branch"):
        release_branch(repo)
        start(invoke, repo)
        git(repo, "switch", "-q", "release")
        commit(repo, "hot", {"src/app.py": "HOT\n", "src/old.py": "OLD = False\n"})
        if case == "other-branch":  # main keeps a violation of its own
            git(repo, "switch", "-q", "main")
            commit(repo, "main fix", {"src/util.py": "UTIL\n"})
            args = ["--ref", "release"]
    else:
        seed(repo)
        start(invoke, repo)
        commit(repo, "fix", {"src/app.py": "FIX\n", "src/new.py": "N = 1\n"})
        git(repo, "rm", "-q", "src/old.py")
        git(repo, "commit", "-q", "-m", "drop old")
        commit(repo, "worklog", {"docs/worklog.md": WORKLOG})
        if case == "untracked":
            write(repo, "src/scratch.py", "S = 1\n")
    done = invoke(["rollback", "--apply", *args], cwd=repo)
    assert done.code == (1 if case == "untracked" else 0), done.err
    assert after_line(done.text) == fresh(invoke, repo)
    expected = {
        "checked-out": "verdict restored, net_violations 0",
        "own-start": "verdict restored, net_violations 0",
        "other-branch": "verdict violated, net_violations 1",
        "untracked": "verdict violated, net_violations 1",
    }[case]
    assert after_line(done.text).endswith(expected)


@pytest.mark.parametrize(
    ("change", "kept"),
    [
        ("printf 'my edit\\n' > src/app.py", "my edit\n"),
        ("chmod +x src/app.py", "def app():\n    return 5\n"),
        ("rm src/app.py", None),
        ("git add src/app.py 2>/dev/null; printf 'x\\n' > src/util.py; git add src/util.py", None),
    ],
)
def test_a_change_made_after_git_status_looked_is_never_overwritten(
    repo: Path, invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str, kept: str
) -> None:
    """The last look, path by path, sees what git status could not have: an edit, a
    mode change, a deletion or a staged change made while the rollback was planning."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "def app():\n    return 5\n", "src/util.py": "U\n"})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(MEANWHILE)
    (bin_dir / "git").chmod(0o755)
    real_git = shutil.which("git")
    assert real_git is not None
    monkeypatch.setenv("REAL_GIT", real_git)
    monkeypatch.setenv("MEANWHILE", f"cd {repo} && {change}")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    tip = head(repo)
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 1
    assert done.err.startswith("guard: paths the rollback restores have uncommitted changes (")
    assert head(repo) == tip and not (repo / MARKER).exists()
    assert git(repo, "for-each-ref", "refs/guard/") == ""
    if kept is None:
        assert git(repo, "status", "--porcelain") != ""
    else:
        assert (repo / "src/app.py").read_text() == kept


def interrupted(repo: Path, invoke) -> tuple[str, str]:
    """A rollback applied in full, then the marker put back: the old tip and the new."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n", "src/util.py": "UTIL\n", "src/new.py": "N\n"})
    old = head(repo)
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    new = head(repo)
    (repo / MARKER).write_text(
        json.dumps({"ref": "refs/heads/main", "old": old, "new": new, "from": "refs/heads/main"})
    )
    return old, new


def test_a_write_cut_short_after_the_index_is_finished(repo: Path, invoke) -> None:
    """Killed after the index entries were written, while checkout-index wrote the
    files: the index is new, some files old, one not there yet. The next `guard
    rollback` writes the rest; an edit made since stops it, edit kept."""
    old, new = interrupted(repo, invoke)
    write(repo, "src/app.py", "FIX\n")  # old content still
    write(repo, "src/new.py", "N\n")  # not deleted yet
    (repo / "src/util.py").unlink()  # removed, not written yet
    write(repo, "src/new.py", "my own edit\n")
    blocked = invoke(["rollback"], cwd=repo)
    assert blocked.code == 1
    assert "changed since: src/new.py" in blocked.err
    assert (repo / "src/new.py").read_text() == "my own edit\n"
    assert (repo / MARKER).exists()
    write(repo, "src/new.py", "N\n")  # the user moves the edit away
    finished = invoke(["rollback"], cwd=repo)
    assert finished.code == 0, finished.err
    assert finished.text.startswith(
        f"finished an interrupted rollback: the tree now matches {new[:12]}"
    )
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / "src/app.py").read_text() == "def app():\n    return 1\n"
    assert not (repo / "src/new.py").exists() and not (repo / MARKER).exists()
    assert head(repo, "HEAD~1") == old


def test_finishing_never_removes_what_stands_where_a_file_comes_back(repo: Path, invoke) -> None:
    """A folder with someone's file where the interrupted write would put a file, and
    a file where it needs a folder: both named, neither touched."""
    seed(repo)
    commit(repo, "deep", {"src/deep/mod.py": "D = 1\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "src/app.py", "src/deep/mod.py")
    git(repo, "commit", "-q", "-m", "drop two")
    old = head(repo)
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    new = head(repo)
    git(repo, "read-tree", old)  # back to before the write: index old, files gone
    (repo / "src/app.py").unlink()
    shutil.rmtree(repo / "src/deep")
    write(repo, "src/app.py/mine.txt", "mine\n")
    write(repo, "src/deep", "a file where a folder comes back\n")
    (repo / MARKER).write_text(
        json.dumps({"ref": "refs/heads/main", "old": old, "new": new, "from": "refs/heads/main"})
    )
    blocked = invoke(["rollback"], cwd=repo)
    assert blocked.code == 1
    assert "changed since: src/app.py/mine.txt, src/deep" in blocked.err
    assert (repo / "src/app.py/mine.txt").read_text() == "mine\n"
    assert (repo / "src/deep").read_text() == "a file where a folder comes back\n"


@pytest.mark.parametrize("populated", [True, False])
def test_a_submodule_pointer_the_session_added_goes_and_its_checkout_stays(
    repo: Path, invoke, populated: bool
) -> None:
    """As git does it: the pointer leaves the index; its folder goes only when empty.
    What stays in it is then untracked work, left to the user, as a fresh audit says."""
    first = seed(repo)
    start(invoke, repo)
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{first},src/vendor/lib")
    git(repo, "commit", "-q", "-m", "vendor a library")
    (repo / "src/vendor/lib").mkdir(parents=True)
    if populated:
        write(repo, "src/vendor/lib/code.py", "the submodule's own work\n")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == (1 if populated else 0), done.err
    assert after_line(done.text) == fresh(invoke, repo)
    assert git(repo, "ls-files", "src/vendor") == ""
    if populated:
        assert (repo / "src/vendor/lib/code.py").read_text() == "the submodule's own work\n"
    else:
        assert not (repo / "src/vendor").exists()


def test_links_executables_and_converted_line_endings_are_rolled_back(repo: Path, invoke) -> None:
    """A link's target, an executable's content and a file git checks out with CRLF
    (its blob has LF): each checked as git stores it, each put back."""
    seed(repo)
    (repo / "src/current").symlink_to("app.py")
    write(repo, ".gitattributes", "*.txt text eol=crlf\n")
    write(repo, "src/notes.txt", "one\ntwo\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a link, a script, a text file")
    (repo / "src/tool.sh").chmod(0o755)
    git(repo, "add", "src/tool.sh")
    git(repo, "commit", "-q", "-m", "executable")
    start_sha = start(invoke, repo)["start_head"]
    (repo / "src/current").unlink()
    (repo / "src/current").symlink_to("util.py")
    write(repo, "src/tool.sh", "#!/bin/sh\necho changed\n")
    (repo / "src/notes.txt").write_bytes(b"one\r\nthree\r\n")  # as git checks it out
    git(repo, "add", "-A")
    git(repo, *BYPASS, "commit", "-q", "-m", "change them")
    assert git(repo, "show", "HEAD:src/notes.txt") == "one\nthree\n"
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "HEAD") == ""
    assert git(repo, "status", "--porcelain") == ""
    assert os.readlink(repo / "src/current") == "app.py"
    assert os.access(repo / "src/tool.sh", os.X_OK)
    assert (repo / "src/notes.txt").read_bytes() == b"one\r\ntwo\r\n"


@pytest.mark.parametrize("case", ["bumped", "added"])
def test_the_audit_after_a_submodule_rollback_sees_its_checkout_as_git_does(
    repo: Path, invoke, tmp_path: Path, case: str
) -> None:
    """The rollback puts a submodule pointer back and leaves the submodule's checkout
    alone (as git's checkout does): the checkout is then uncommitted work of its own,
    and the audit it prints says so, as a fresh one does."""
    library = tmp_path / "library"
    library.mkdir()
    git(library, "init", "-q", "-b", "main")
    one = commit(library, "one", {"f": "1\n"})
    commit(library, "two", {"f": "2\n"})
    seed(repo)
    if case == "bumped":
        git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
        git(repo / "lib", "checkout", "-q", one)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "vendor the library at one")
    start(invoke, repo)
    if case == "bumped":
        git(repo / "lib", "checkout", "-q", "main")
        git(repo, "add", "lib")
    else:
        git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "lib")
    git(repo, "commit", "-q", "-m", "the library")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert after_line(done.text) == fresh(invoke, repo)
    assert done.code == 1, done.err
    assert (repo / "lib/f").read_text() == "2\n"  # the checkout is the submodule's


def test_finishing_never_deletes_through_a_link(repo: Path, invoke, tmp_path: Path) -> None:
    """Interrupted before its write; since then the folder of a file it deletes became
    a link to a folder elsewhere holding a file of that name. That file is not the
    path's (git never looks through a link at a folder): it stays."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "a library", {"lib/new.py": "N = 1\n"})
    old = head(repo)
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    new = head(repo)
    git(repo, "read-tree", old)  # back to before the write: the index old
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "new.py").write_text("N = 1\n")  # the same content, someone else's file
    (repo / "lib").symlink_to(outside)
    (repo / MARKER).write_text(
        json.dumps({"ref": "refs/heads/main", "old": old, "new": new, "from": "refs/heads/main"})
    )
    invoke(["rollback"], cwd=repo)
    assert (outside / "new.py").read_text() == "N = 1\n"


def test_links_checked_out_as_files_are_rolled_back(repo: Path, invoke) -> None:
    """With core.symlinks=false (a file system without links, or a checkout made as if)
    git writes a link as a file holding its target: that file is the link, unedited."""
    seed(repo)
    git(repo, "config", "core.symlinks", "false")
    blob = git(repo, "hash-object", "-w", "--stdin", input=b"app.py").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"120000,{blob},src/current")
    git(repo, "commit", "-q", "-m", "a link")
    git(repo, "checkout", "--", "src/current")
    assert (repo / "src/current").read_bytes() == b"app.py"
    start_sha = start(invoke, repo)["start_head"]
    (repo / "src/current").write_bytes(b"util.py")
    git(repo, "add", "src/current")
    git(repo, "commit", "-q", "-m", "point it elsewhere")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "HEAD") == ""
    assert git(repo, "status", "--porcelain") == ""
    assert (repo / "src/current").read_bytes() == b"app.py"
