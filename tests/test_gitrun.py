"""The one git runner: git's failures as GitError with git's own words, in the
foreground and in the background."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from guard import gitrun
from guard.errors import GitError
from tests.conftest import git


def test_the_runner_loads_nothing_of_the_judge() -> None:
    """The pre-commit hook starts `git diff --cached` through the runner before it
    loads anything else, so git lists the index while Python loads the judge: the
    runner needs only the standard library and the error tree."""
    script = (
        "import sys\n"
        "import guard.gitrun\n"
        "print(sorted(m for m in sys.modules if m.startswith('guard') or m == 'typing'))\n"
    )
    # Without coverage's subprocess measurement, which imports modules of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    done = subprocess.run(
        [sys.executable, "-I", "-c", script], capture_output=True, text=True, env=env
    )
    assert (done.stdout, done.stderr) == ("['guard', 'guard.errors', 'guard.gitrun']\n", "")


def test_a_failing_command_is_a_git_error_with_gits_message(repo: Path) -> None:
    with pytest.raises(GitError) as info:
        gitrun.run(["rev-parse", "--verify", "nope"], cwd=str(repo))
    assert info.value.exit_code == 4
    assert "git rev-parse failed: fatal: Needed a single revision" in info.value.message
    assert gitrun.attempt(["rev-parse", "--verify", "nope"], cwd=str(repo)) is None
    git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    head = git(repo, "rev-parse", "HEAD").strip()
    assert gitrun.run_line(["rev-parse", "HEAD"], cwd=str(repo)) == head


def test_a_missing_git_is_a_git_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(GitError) as info:
        gitrun.run(["status"])
    assert info.value.message == "git is not installed or not on PATH"
    assert gitrun.attempt(["status"]) is None
    with pytest.raises(GitError, match="not installed"):
        gitrun.Pending(["status"]).result()


def test_a_background_command_reports_what_git_says(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git status failed: fatal: not a git repository"):
        gitrun.Pending(["status"], str(tmp_path)).result()


def test_a_broken_sink_is_reported_and_git_is_stopped(repo: Path) -> None:
    def sink(data: bytes) -> None:
        raise ValueError("a parser bug")

    git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    pending = gitrun.Pending(["log", "--format=%H"], str(repo), sink=sink)
    with pytest.raises(ValueError, match="a parser bug"):
        pending.result()
    assert pending.process is not None and pending.process.returncode is not None
