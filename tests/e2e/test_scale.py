"""Sizes that break argument lists: 50,000 refs during a session, a 10,000-path rollback.

Every list that grows with the repository or the plan (the start tips, the paths,
the rollback commit's message) must travel on standard input or in a file: one
argument holds at most 128 KiB on Linux, the whole command line about 2 MiB.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import git

TAGS = 50_000


def sh(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def write(repo: Path, path: str, content: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)


def test_a_session_with_50000_refs_commits_audits_and_pushes(repo: Path, invoke) -> None:
    write(repo, "src/app.py", "A = 1\n")
    write(repo, "docs/worklog.md", "# Worklog\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    tip = git(repo, "rev-parse", "HEAD").strip()
    # 50,000 tags, packed as `git pack-refs` writes them (loose refs would take minutes).
    packed = "".join(f"{tip} refs/tags/release-{n:06d}\n" for n in range(TAGS))
    (repo / ".git/packed-refs").write_text(
        "# pack-refs with: peeled fully-peeled sorted \n" + packed
    )
    remote = repo.parent / "remote.git"
    git(repo.parent, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    assert invoke(["install"], cwd=repo).code == 0
    started = invoke(["session", "start", "--json"], cwd=repo)
    assert started.code == 0, started.err
    assert len(json.loads((repo / ".git/guard/session.json").read_text())["refs"]) == TAGS + 1

    write(repo, "docs/worklog.md", "# Worklog\nfound it\n")
    git(repo, "commit", "-qam", "docs: worklog")  # through every hook
    write(repo, "src/app.py", "A = 2\n")
    blocked = sh(repo, "commit", "--no-verify", "-qam", "fix")
    assert blocked.returncode != 0
    assert "session-guard: blocked this ref update" in blocked.stderr
    assert "src/app.py" in blocked.stderr
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-qam", "fix, hooks off")
    pushed = sh(repo, "push", "origin", "main")
    assert pushed.returncode != 0 and "session-guard: blocked pushing refs/heads/main" in (
        pushed.stderr
    )

    audited = invoke(["audit", "--format", "json"], cwd=repo)
    assert audited.code == 1, audited.err
    report = json.loads(audited.out)
    assert [c["subject"] for c in report["commits"]] == ["fix, hooks off", "docs: worklog"]
    assert report["summary"]["net_violations"] == 1
    assert [s["path"] for s in report["rollback"]] == ["src/app.py"]


def test_a_rollback_of_10000_paths_is_one_commit(repo: Path, invoke) -> None:
    for n in range(2_000):
        write(repo, f"src/legacy/module_with_a_long_descriptive_name_{n:05d}.py", f"N = {n}\n")
    write(repo, "docs/worklog.md", "# Worklog\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "start")
    assert invoke(["install"], cwd=repo).code == 0
    assert invoke(["session", "start"], cwd=repo).code == 0
    for n in range(2_000):  # modified
        write(repo, f"src/legacy/module_with_a_long_descriptive_name_{n:05d}.py", "changed\n")
    for n in range(8_000):  # added
        write(repo, f"src/generated/another_generated_module_name_{n:05d}.py", "x\n")
    write(repo, "docs/worklog.md", "# Worklog\nkept\n")
    git(repo, "add", "-A")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "docs: the big drift")
    before = git(repo, "rev-parse", "HEAD").strip()

    applied = invoke(["rollback", "--apply"], cwd=repo)
    assert applied.code == 0, applied.err
    assert "2000 restored, 8000 deleted" in applied.text
    assert git(repo, "rev-parse", "HEAD~1").strip() == before  # one new commit
    assert git(repo, "diff", "--name-only", "HEAD~2", "HEAD").split() == ["docs/worklog.md"]
    assert (repo / "docs/worklog.md").read_text() == "# Worklog\nkept\n"
    message = git(repo, "log", "-1", "--format=%B")
    assert "  production: 8000 deleted\n  production: 2000 restored\n" in message
    assert message.count("\n- ") == 20 and "Guard-Rollback: " in message
    assert "... and 9980 more: the full list is this commit's note" in message
    note = git(repo, "notes", "--ref=guard-rollback", "show", "HEAD").splitlines()
    assert len(note) == 10_000
    assert note[0] == "- delete src/generated/another_generated_module_name_00000.py (production)"
    assert git(repo, "status", "--porcelain") == ""
