"""Upstream is not the session's work (issue 16 item 3), with real git: a bare remote,
the session's clone and a teammate's clone that pushes a hotfix to a production path
while a read-only session runs. What arrived by fetch may be fast-forwarded or merged;
a session commit parked on a remote-tracking ref may not."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard import upstream
from tests.conftest import git
from tests.e2e.test_repo_states import (
    ABORTED,
    BYPASS,
    audit,
    commit,
    err,
    head,
    install,
    refused,
    seed,
    sh,
    start,
    write,
)

HOTFIX = "def cart():\n    return 'hotfixed'\n"


class Remote:
    def __init__(self, bare: Path, mine: Path, mate: Path) -> None:
        self.bare, self.mine, self.mate = bare, mine, mate

    def hotfix(self, content: str = HOTFIX) -> str:
        """The teammate pushes a production change to main."""
        write(self.mate, "src/shop/cart.py", content)
        git(self.mate, "commit", "-qam", "hotfix: cart")
        git(self.mate, "push", "-q", "origin", "main")
        return head(self.mate)


@pytest.fixture
def remote(tmp_path: Path, invoke) -> Remote:
    bare, mine, mate = tmp_path / "origin.git", tmp_path / "mine", tmp_path / "mate"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    mine.mkdir()
    git(mine, "init", "-q", "-b", "main")
    seed(mine, {"src/shop/cart.py": "def cart():\n    return 1\n", "docs/log.md": "log\n"})
    git(mine, "remote", "add", "origin", str(bare))
    git(mine, "push", "-q", "-u", "origin", "main")
    git(tmp_path, "clone", "-q", str(bare), str(mate))
    install(invoke, mine)
    start(invoke, mine)
    return Remote(bare, mine, mate)


def test_pull_ff_only_of_a_teammates_hotfix_is_upstream(remote: Remote, invoke) -> None:
    hotfix = remote.hotfix()
    assert sh(remote.mine, "fetch", "-q").returncode == 0
    done = sh(remote.mine, "pull", "-q", "--ff-only")
    assert done.returncode == 0, err(done)
    assert head(remote.mine) == hotfix
    code, report = audit(invoke, remote.mine)
    assert code == 0, (
        report["summary"],
        report["integrity"],
        report["upstream"],
        report["commits"],
    )
    assert report["summary"]["verdict"] == "clean"
    assert report["commits"] == []
    assert [c["sha"] for c in report["upstream"]] == [hotfix]
    assert report["upstream"][0]["changes"][0]["path"] == "src/shop/cart.py"
    assert report["rollback"] == []


def test_pull_merge_of_upstream_over_session_docs(remote: Remote, invoke) -> None:
    assert commit(remote.mine, "docs/log.md", "found it\n").returncode == 0
    hotfix = remote.hotfix()
    done = sh(remote.mine, "pull", "-q", "--no-rebase", "--no-edit")
    assert done.returncode == 0, err(done)
    merge = head(remote.mine)
    assert git(remote.mine, "rev-parse", "HEAD^2").strip() == hotfix
    code, report = audit(invoke, remote.mine)
    assert code == 0, (
        report["summary"],
        report["integrity"],
        report["upstream"],
        report["commits"],
    )
    assert [c["sha"] for c in report["upstream"]] == [hotfix]
    rows = {c["sha"]: c for c in report["commits"]}
    assert rows[merge]["verdict"] == "clean"
    assert rows[merge]["changes"] == []  # all it brings is upstream's
    assert report["summary"]["violations"] == 0


def test_the_merge_of_upstream_over_session_docs_pushes(remote: Remote, invoke) -> None:
    """The pre-push hook judges a merge of upstream as the audit does: by what it
    changes beyond upstream's content (here nothing), not by its first parent."""
    assert commit(remote.mine, "docs/log.md", "found it\n").returncode == 0
    remote.hotfix()
    assert sh(remote.mine, "pull", "-q", "--no-rebase", "--no-edit").returncode == 0
    done = sh(remote.mine, "push", "-q", "origin", "main")
    assert done.returncode == 0, err(done)
    assert head(remote.bare, "main") == head(remote.mine)
    code, report = audit(invoke, remote.mine)
    assert code == 0, (report["summary"], report["integrity"])
    # A production change of its own on top is still refused.
    write(remote.mine, "src/shop/cart.py", "def cart():\n    return 'mine'\n")
    git(remote.mine, *BYPASS, "commit", "-q", "-am", "evil")
    refused(sh(remote.mine, "push", "-q", "origin", "main"), 1, "src/shop/cart.py")


def test_an_evil_merge_of_upstream_is_judged(remote: Remote) -> None:
    """A merge that adds its own production change beside upstream's is refused."""
    remote.hotfix()
    git(remote.mine, "fetch", "-q")
    assert sh(remote.mine, "merge", "-q", "--no-commit", "--no-ff", "origin/main").returncode == 0
    write(remote.mine, "src/shop/pay.py", "evil = 1\n")
    git(remote.mine, "add", "src/shop/pay.py")
    done = sh(remote.mine, "commit", "-q", "--no-verify", "--no-edit")
    refused(done, 128, ABORTED, "src/shop/pay.py")
    assert "src/shop/cart.py" not in err(done)


def test_a_conflicted_upstream_merge_commits_after_resolution(remote: Remote) -> None:
    """pre-commit: a merge of upstream, resolved as upstream has it, is upstream's."""
    assert commit(remote.mine, "docs/log.md", "mine\n").returncode == 0
    write(remote.mate, "docs/log.md", "theirs\n")
    git(remote.mate, "commit", "-qam", "mate: log")
    remote.hotfix()
    assert sh(remote.mine, "pull", "-q", "--no-rebase").returncode != 0  # docs conflict
    write(remote.mine, "docs/log.md", "both\n")
    git(remote.mine, "add", "docs/log.md")
    done = sh(remote.mine, "commit", "-q", "--no-edit")
    assert done.returncode == 0, err(done)


def test_update_ref_of_a_remote_tracking_ref_to_a_session_commit(remote: Remote, invoke) -> None:
    write(remote.mine, "src/shop/cart.py", HOTFIX)
    git(remote.mine, "add", "-A")
    tree = git(remote.mine, "write-tree").strip()
    evil = git(remote.mine, "commit-tree", tree, "-p", "HEAD", "-m", "hotfix").strip()
    git(remote.mine, "reset", "-q", "--hard")
    git(remote.mine, "update-ref", "refs/remotes/origin/main", evil)  # not judged: a remote ref
    refused(sh(remote.mine, "merge", "-q", "--ff-only", "origin/main"), 128, ABORTED)
    # A real fetch from the repository itself gives it no remote origin either.
    git(remote.mine, "fetch", "-q", ".", f"{evil}:refs/remotes/origin/parked")
    refused(sh(remote.mine, "merge", "-q", "--ff-only", "origin/parked"), 128, ABORTED)
    assert (
        upstream.commits(upstream.trail(0, str(remote.mine)), [], str(remote.mine)) == frozenset()
    )


def test_a_session_commit_pushed_and_fetched_back_is_not_upstream(remote: Remote, invoke) -> None:
    git(remote.mine, "switch", "-q", "-c", "side")
    write(remote.mine, "src/shop/cart.py", HOTFIX)
    git(remote.mine, "add", "-A")
    git(remote.mine, *BYPASS, "commit", "-q", "--no-verify", "-m", "x")
    evil = head(remote.mine)
    git(remote.mine, "push", "-q", "--no-verify", "origin", "side:main")
    git(remote.mine, "fetch", "-q")
    git(remote.mine, "switch", "-q", "main")
    refused(sh(remote.mine, "merge", "-q", "--ff-only", "origin/main"), 128, ABORTED)
    # Pushed to a URL (no remote-tracking ref records the push), then fetched back: the
    # HEAD reflog still records making it here.
    git(remote.mine, "push", "-q", "--no-verify", str(remote.bare), "side:refs/heads/other")
    git(remote.mine, "fetch", "-q", "origin", "other:refs/remotes/origin/other")
    refused(sh(remote.mine, "merge", "-q", "--ff-only", "origin/other"), 128, ABORTED)
    mine = str(remote.mine)
    assert evil not in upstream.commits(upstream.trail(0, mine), [], mine)
    code, report = audit(invoke, remote.mine)
    assert code == 1
    assert report["upstream"] == []
    assert evil in [c["sha"] for c in report["commits"]]


def test_a_teammates_commit_on_top_of_a_pushed_session_commit(remote: Remote, invoke) -> None:
    """Pushing the session's docs, then fetching a hotfix on top: only the hotfix is
    upstream; the session's own commit stays the session's."""
    assert commit(remote.mine, "docs/log.md", "found it\n").returncode == 0
    mine = head(remote.mine)
    assert sh(remote.mine, "push", "-q", "origin", "main").returncode == 0
    git(remote.mate, "pull", "-q", "--ff-only")
    hotfix = remote.hotfix()
    assert sh(remote.mine, "pull", "-q", "--ff-only").returncode == 0
    code, report = audit(invoke, remote.mine)
    assert code == 0, (
        report["summary"],
        report["integrity"],
        report["upstream"],
        report["commits"],
    )
    assert [c["sha"] for c in report["upstream"]] == [hotfix]
    assert [c["sha"] for c in report["commits"]] == [mine]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("fetch: fast-forward", True),
        ("fetch -q origin: fast-forward", True),
        ("fetch origin main:refs/remotes/origin/y: storing head", True),
        ("pull --ff-only: fast-forward", True),
        ("fetch --prune origin: forced-update", True),
        ("fetch . HEAD:refs/remotes/origin/p: storing head", False),
        ("update by push", False),
        ("", False),
        ("fetch", False),
        ("branch: Created from HEAD", False),
        (": fast-forward", False),
    ],
)
def test_which_reflog_messages_are_fetches(message: str, expected: bool) -> None:
    assert upstream.fetched(message) is expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("commit: docs", True),
        ("commit (merge): Merge branch", True),
        ("pull --no-rebase: Merge made by the 'ort' strategy.", True),
        ("pull --ff-only: Fast-forward", False),
        ("merge origin/main: Fast-forward", False),
        ("rebase (start): checkout origin/main", False),
        ("rebase (pick): docs", True),
        ("checkout: moving from main to side", False),
        ("reset: moving to HEAD", False),
    ],
)
def test_which_head_reflog_messages_made_a_commit(message: str, expected: bool) -> None:
    assert upstream.made(message) is expected


def test_a_detached_checkout_of_upstream_is_no_violation(remote: Remote, invoke) -> None:
    """The on-call engineer looks at what the team pushed: `git checkout --detach
    origin/main` after a fetch. The teammate's commit is upstream, in every report."""
    hotfix = remote.hotfix()
    assert sh(remote.mine, "fetch", "-q").returncode == 0
    done = sh(remote.mine, "checkout", "-q", "--detach", "origin/main")
    assert done.returncode == 0, err(done)
    code, report = audit(invoke, remote.mine)
    assert (code, report["summary"]["verdict"]) == (0, "clean")
    assert [c["sha"] for c in report["upstream"]] == [hotfix]
    text = invoke(["audit"], cwd=remote.mine).text
    assert "Upstream (arrived by fetch, not the session's work)" in text
    assert f"{hotfix[:12]}  hotfix: cart" in text
    markdown = invoke(["audit", "--format", "markdown"], cwd=remote.mine).text
    assert f"- `{hotfix[:12]}` hotfix: cart" in markdown
