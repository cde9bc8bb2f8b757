"""The audit's bulk reads of history: the streamed log and the reflogs, on real
repositories."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from guard import githistory
from guard.errors import GitError
from tests.conftest import commit_files, git


def test_a_missing_git_is_a_git_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GitError, match="not installed"):
        githistory.history(["--branches"], [])


def test_history_streams_the_commits_git_log_lists(repo: Path) -> None:
    """Long messages: the log comes in many pipe-sized pieces."""
    for number in range(40):
        (repo / f"f{number % 7}.txt").write_text(f"{number}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"commit {number}\n\n" + "why " * 5000)
    root = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    history = githistory.History(["--branches"], [root], cwd=str(repo))
    listed = git(repo, "rev-list", "--branches", "--not", root).split()
    commits = history.commits()
    assert [c.sha for c in commits] == listed and len(listed) == 39
    assert [c.changes[0].path for c in commits[:2]] == ["f4.txt", "f3.txt"]
    everything = githistory.history(["HEAD"], [], cwd=str(repo))
    assert [c.subject for c in everything][-1] == "commit 0"
    assert githistory.history([], [root], cwd=str(repo)) == []


def test_history_reports_what_git_says(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git log failed: fatal: not a git repository"):
        githistory.history(["--branches"], [], cwd=str(tmp_path))


def test_reflog_tip_reads_the_reflog_file_as_git_does(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    git(repo, "commit", "-q", "--allow-empty", "-m", "two")
    common = str(repo / ".git")
    tip = git(repo, "rev-parse", "HEAD").strip()
    assert githistory.reflog_tip("refs/heads/main", common, str(repo)) == tip
    assert githistory.reflog_tip("refs/heads/main", None, str(repo)) == tip
    sha = git(repo, "rev-parse", "HEAD~1").strip()
    (repo / ".git/refs/heads/direct").write_text(sha + "\n")  # written past git: no reflog
    assert githistory.reflog_tip("refs/heads/direct", common, str(repo)) is None
    (repo / ".git/logs/refs/heads/direct").write_text("")  # an emptied reflog
    assert githistory.reflog_tip("refs/heads/direct", common, str(repo)) is None


def _age(objects: Path, seconds: int) -> None:
    """Every object file and fan-out folder made `seconds` older."""
    for path in [objects, *objects.rglob("*")]:
        stat = path.stat()
        os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_only_objects_written_since_are_read(repo: Path) -> None:
    """Loose objects in folders unchanged since, and packs whose index is older, are
    not read, even when git has refreshed the time of the `.pack` itself."""
    commit_files(repo, {"a.txt": "a\n", "b.txt": "b\n"}, "old")
    git(repo, "repack", "-q", "-a", "-d")
    objects = repo / ".git" / "objects"
    _age(objects, 1000)
    [pack] = objects.glob("pack/*.pack")
    os.utime(pack)  # what git does when asked to write an object the pack holds
    since = int(time.time())
    assert githistory.written_since(str(objects), since, str(repo)) == []
    new = commit_files(repo, {"c.txt": "c\n"}, "new")
    written = githistory.written_since(str(objects), since, str(repo))
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    blob = git(repo, "rev-parse", "HEAD:c.txt").strip()
    assert sorted(written) == sorted([new, tree, blob])
    # A pack written since holds what git keeps for good (a fetch's, a repack's):
    # not read. A cruft pack holds the unreachable objects `git gc` keeps: read.
    git(repo, "repack", "-q", "-a", "-d")
    assert githistory.written_since(str(objects), since, str(repo)) == []
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "repack", "-q", "--cruft", "-d")
    assert sorted(githistory.written_since(str(objects), since, str(repo))) == sorted(
        [new, tree, blob]
    )
