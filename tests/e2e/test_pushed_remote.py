"""A session's forbidden commit pushed past every hook, then undone only here: the
remote still holds it, and the audit must say so.

Real git (the system's and the newest here), real hooks from `guard install`, a real
bare `origin`. The commit is made with the hooks off (`-c core.hooksPath=/dev/null`)
and pushed with `--no-verify`, so nothing refuses it; then `git reset --hard` takes it
off the branch. The remote-tracking ref's reflog (`update by push`) is what records
that this clone put it on the remote.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git
from tests.e2e.test_push_paths import clone_in_session

PROD = "def app():\n    return 2\n"
OFF = ("-c", "core.hooksPath=/dev/null")


@pytest.fixture
def work(tmp_path: Path, invoke) -> tuple[Path, Path, str]:
    """A clone of a bare `origin`, with the hooks, in a read-only session; and the
    start commit."""
    repo, bare = clone_in_session(tmp_path, invoke)
    return repo, bare, git(repo, "rev-parse", "HEAD").strip()


def bypassed_commit(repo: Path, path: str = "src/app.py", text: str = PROD) -> str:
    (repo / path).write_text(text)
    git(repo, *OFF, "commit", "-q", "-am", "docs: notes")
    return git(repo, "rev-parse", "HEAD").strip()


def audit(invoke, repo: Path, *more: str) -> tuple[int, dict]:
    done = invoke(["audit", "--format", "json", *more], cwd=repo)
    return done.code, json.loads(done.text)


def remote_findings(report: dict) -> list[str]:
    return [i["detail"] for i in report["integrity"] if i["kind"] == "unrestored-remote"]


def tip(repo: Path, rev: str) -> str | None:
    done = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--verify", "-q", rev],
        capture_output=True,
        text=True,
    )
    return done.stdout.strip() or None


def test_a_pushed_commit_reset_away_here_is_still_on_the_remote(
    work: tuple[Path, Path, str], invoke
) -> None:
    repo, bare, start = work
    bad = bypassed_commit(repo)
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "reset", "-q", "--hard", start)
    assert tip(bare, "main") == bad
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "violated", report["summary"]
    assert report["summary"]["net_violations"] == 1
    [detail] = remote_findings(report)
    assert "refs/remotes/origin/main" in detail and "src/app.py" in detail
    assert "git push" in detail  # what to do: only a push changes the remote
    assert report["rollback"] == []  # nothing here to roll back
    # `guard rollback` does not claim the remote is as at start.
    plan = invoke(["rollback"], cwd=repo)
    assert "every path the mode forbids is as it was at start" not in plan.text
    assert "refs/remotes/origin/main" in plan.text
    applied = invoke(["rollback", "--apply"], cwd=repo)
    assert applied.code != 0
    assert "no path the mode forbids differs" not in applied.err
    assert "refs/remotes/origin/main" in applied.text + applied.err
    # The final audit `session stop` stores says the same.
    assert invoke(["session", "stop"], cwd=repo).code == 0
    code, stored = audit(invoke, repo)
    assert code == 1
    assert stored["summary"]["verdict"] == "violated"
    assert remote_findings(stored) == [detail]
    # After the session, as the README says: bring the branch to what was pushed, roll
    # it back, push the rollback commit.
    sid = stored["session"]["id"]
    git(repo, "merge", "-q", "--ff-only", "refs/remotes/origin/main")
    assert invoke(["rollback", "--session", sid, "--apply"], cwd=repo).code == 1
    git(repo, "push", "-q", "origin", "HEAD:main")
    code, report = audit(invoke, repo, "--session", sid)
    assert report["summary"]["verdict"] == "restored", report["integrity"]
    assert tip(bare, "main") == tip(repo, "HEAD")


def test_the_rollback_commit_pushed_restores_the_remote(
    work: tuple[Path, Path, str], invoke
) -> None:
    """Not reset: the branch here still holds the pushed commit. `--apply` commits the
    rollback and says the remote still holds the change; pushing it ends that."""
    repo, _, _ = work
    bypassed_commit(repo)
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    applied = invoke(["rollback", "--apply"], cwd=repo)
    assert applied.code == 1, applied.err
    assert "not restored on the remote: refs/remotes/origin/main" in applied.err
    assert "git push origin HEAD:main" in applied.err
    git(repo, "push", "-q", "origin", "HEAD:main")  # the pre-push hook lets a restore through
    code, report = audit(invoke, repo)
    assert code == 1  # violations happened
    assert report["summary"]["verdict"] == "restored", report["integrity"]
    assert remote_findings(report) == []


@pytest.mark.parametrize(
    ("remote", "refspec", "tracking"),
    [
        ("backup", "main", "refs/remotes/backup/main"),  # another remote's name
        ("origin", "HEAD:refs/heads/other", "refs/remotes/origin/other"),  # another branch
        ("origin", "+HEAD:main", "refs/remotes/origin/main"),  # a forced push
    ],
)
def test_every_remote_tracking_ref_a_push_updates_is_read(
    work: tuple[Path, Path, str], invoke, remote: str, refspec: str, tracking: str
) -> None:
    repo, bare, start = work
    if remote != "origin":
        git(repo, "remote", "add", remote, str(bare))
        git(repo, "fetch", "-q", remote)
    bad = bypassed_commit(repo)
    git(repo, "push", "-q", "--no-verify", remote, refspec)
    git(repo, "reset", "-q", "--hard", start)
    assert tip(repo, tracking) == bad
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "violated"
    [detail] = remote_findings(report)
    assert detail.startswith(f"{tracking}: ")


def test_the_start_pushed_back_restores_the_remote(work: tuple[Path, Path, str], invoke) -> None:
    """A forced push of the start (a rewrite of the remote's branch, which no hook
    refuses: it brings no commit) leaves the remote as it was."""
    repo, _, start = work
    bypassed_commit(repo)
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "reset", "-q", "--hard", start)
    git(repo, "push", "-q", "--force", "origin", "main")
    code, report = audit(invoke, repo)
    assert code == 1  # violations happened
    assert report["summary"]["verdict"] == "restored"
    assert remote_findings(report) == []


def teammate(tmp_path: Path, bare: Path) -> Path:
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "-q", str(bare), str(mate))
    return mate


def test_a_fetch_over_what_was_pushed_leaves_it_judged(
    work: tuple[Path, Path, str], invoke, tmp_path: Path
) -> None:
    """A teammate's commit on top, fetched: the remote-tracking ref moved by fetch, yet
    what this clone pushed is still on the remote; the teammate's commit is not the
    session's."""
    repo, bare, start = work
    bypassed_commit(repo)
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "reset", "-q", "--hard", start)
    mate = teammate(tmp_path, bare)
    (mate / "src" / "other.py").write_text("x = 1\n")
    git(mate, "add", "-A")
    git(mate, "commit", "-q", "-m", "hotfix")
    git(mate, "push", "-q", "origin", "main")
    hotfix = git(mate, "rev-parse", "HEAD").strip()
    git(repo, "fetch", "-q", "origin")
    assert tip(repo, "refs/remotes/origin/main") == hotfix
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "violated"
    [detail] = remote_findings(report)
    assert "src/app.py" in detail and "src/other.py" not in detail
    assert hotfix not in [c["sha"] for c in report["commits"]]


def test_a_teammates_fetched_work_is_no_finding(
    work: tuple[Path, Path, str], invoke, tmp_path: Path
) -> None:
    repo, bare, _ = work
    mate = teammate(tmp_path, bare)
    (mate / "src" / "app.py").write_text(PROD)
    git(mate, "commit", "-q", "-am", "hotfix")
    git(mate, "push", "-q", "origin", "main:main", "main:refs/heads/release")
    git(repo, "fetch", "-q", "origin")
    code, report = audit(invoke, repo)
    assert code == 0, report["integrity"]
    assert report["summary"]["verdict"] == "clean"


def test_a_push_that_writes_no_reflog_is_still_read(work: tuple[Path, Path, str], invoke) -> None:
    """`-c core.logAllRefUpdates=false` creates the new remote-tracking ref without a
    reflog, so no entry says it was pushed; but it holds a commit this clone's HEAD
    reflog records making during the session, which only a push (or a hand) put there."""
    repo, _, start = work
    bypassed_commit(repo)
    git(repo, "-c", "core.logAllRefUpdates=false", "push", "-q", "--no-verify", "origin",
        "HEAD:refs/heads/other")  # fmt: skip
    git(repo, "reset", "-q", "--hard", start)
    assert not (repo / ".git" / "logs" / "refs" / "remotes" / "origin" / "other").exists()
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "violated"
    [detail] = remote_findings(report)
    assert detail.startswith("refs/remotes/origin/other: ")


def test_a_clone_s_remote_tracking_refs_without_reflogs_are_no_push(
    work: tuple[Path, Path, str], invoke, tmp_path: Path
) -> None:
    """`git clone` writes its remote-tracking branches with no reflog: they hold
    nothing the session made, so they are not read as pushed."""
    repo, bare, _ = work
    for name in ("b1", "b2"):
        git(repo, "push", "-q", "origin", f"main:refs/heads/{name}")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    assert not (clone / ".git" / "logs" / "refs" / "remotes" / "origin" / "b1").exists()
    assert invoke(["install"], cwd=clone).code == 0
    assert invoke(["session", "start", "--reason", "triage"], cwd=clone).code == 0
    start = git(clone, "rev-parse", "HEAD").strip()
    bypassed_commit(clone)  # made, never pushed, reset away
    git(clone, "reset", "-q", "--hard", start)
    code, report = audit(invoke, clone)
    assert code == 1
    assert report["summary"]["verdict"] == "restored"
    assert remote_findings(report) == []


def test_a_fix_on_the_remote_fetched_here_restores_it(
    work: tuple[Path, Path, str], invoke, tmp_path: Path
) -> None:
    """A teammate reverts the pushed change on the remote; once fetched, the remote no
    longer holds it. Moving the remote-tracking ref from this repository itself (`git
    fetch .`, no fetch from a remote) tells nothing."""
    repo, bare, start = work
    bypassed_commit(repo)
    git(repo, "push", "-q", "--no-verify", "origin", "main")
    git(repo, "reset", "-q", "--hard", start)
    forged = subprocess.run(
        ["git", "-C", str(repo), "fetch", "-q", ".", f"+{start}:refs/remotes/origin/main"],
        capture_output=True,
    )
    assert forged.returncode == 0, forged.stderr
    code, report = audit(invoke, repo)
    assert report["summary"]["verdict"] == "violated"
    mate = teammate(tmp_path, bare)
    git(mate, "revert", "--no-edit", "HEAD")
    git(mate, "push", "-q", "origin", "main")
    git(repo, "fetch", "-q", "origin")
    code, report = audit(invoke, repo)
    assert code == 1  # the violation happened
    assert report["summary"]["verdict"] == "restored", report["integrity"]
    assert remote_findings(report) == []
