"""Odd repositories, hostile input and races, each with real git and real processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import git

GUARD = [sys.executable, "-m", "guard"]


def run(repo: Path, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(args, cwd=repo, input=stdin, capture_output=True, check=False)


def seed(repo: Path) -> None:
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    (repo / "README.md").write_text("# app\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")


def test_two_session_starts_at_once_exactly_one_wins(repo: Path) -> None:
    seed(repo)
    starts = [
        subprocess.Popen(
            [*GUARD, "session", "start", "--json"],
            cwd=repo,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = []
    for process in starts:
        out, err = process.communicate()
        results.append((process.returncode, out, err))
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1, 1, 1], results
    winner = next(json.loads(out) for code, out, _ in results if code == 0)
    losers = [err for code, _, err in results if code == 1]
    assert all(b"a session is already active" in err for err in losers)
    status = json.loads(run(repo, *GUARD, "session", "status", "--json").stdout)
    assert status["id"] == winner["id"]
    verified = run(repo, *GUARD, "session", "verify")
    assert verified.returncode == 0, verified.stderr


def test_garbage_on_hook_stdin_is_harmless(repo: Path) -> None:
    seed(repo)
    run(repo, *GUARD, "session", "start")
    for hook, args in (("reference-transaction", ["prepared"]), ("pre-push", ["origin", "x"])):
        done = run(repo, *GUARD, "hook", hook, *args, stdin=b"\xff\xfe garbage\n\n1 2\nz y x w v\n")
        assert done.returncode == 0, done.stderr
        assert done.stderr == b""


def test_editing_the_policy_during_a_session_changes_nothing(repo: Path, invoke) -> None:
    seed(repo)
    assert invoke(["install"], cwd=repo).code == 0
    assert invoke(["session", "start"], cwd=repo).code == 0
    (repo / ".guard.yaml").write_text(
        "version: 1\nextends: default\nrules:\n  - category: docs\n    paths: ['src/']\n"
    )
    (repo / "src" / "app.py").write_text("x = 2\n")
    git(repo, "add", "src/app.py")
    done = run(repo, "git", "commit", "-qm", "sneaky")
    assert done.returncode == 1
    assert b"src/app.py  production" in done.stderr
    # ... while classify, outside any session, follows the edited file.
    classified = invoke(["classify", "--json", "src/app.py"], cwd=repo)
    assert json.loads(classified.out)[0]["category"] == "docs"


def test_a_session_in_an_empty_repository(repo: Path, invoke) -> None:
    assert invoke(["install"], cwd=repo).code == 0
    started = invoke(["session", "start", "--json"], cwd=repo)
    assert started.code == 0, started.err
    assert json.loads(started.out)["start_head"] is None
    (repo / "notes.md").write_text("first look\n")
    git(repo, "add", "notes.md")
    assert run(repo, "git", "commit", "-qm", "notes").returncode == 0
    (repo / "main.go").write_text("package main\n")
    git(repo, "add", "main.go")
    assert run(repo, "git", "commit", "-qm", "code").returncode == 1
    assert run(repo, "git", "commit", "-qm", "code", "--no-verify").returncode == 128
    audit = invoke(["audit", "--format", "json"], cwd=repo)
    report = json.loads(audit.out)
    assert audit.code == 1
    assert [c["subject"] for c in report["commits"]] == ["notes"]
    assert report["working_tree"][0]["path"] == "main.go"
    assert report["summary"]["verdict"] == "violated"


def test_hooks_reading_state_while_sessions_stop_and_start_never_misread(repo: Path) -> None:
    """A hook reads under a shared lock: it sees a whole session or none, never half
    of one being archived (which would fail closed with exit 3)."""
    seed(repo)
    (repo / "src" / "app.py").write_text("x = 3\n")
    git(repo, "add", "src/app.py")
    cycler = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys\n"
            "for _ in range(15):\n"
            "    for verb in ('start', 'stop'):\n"
            "        subprocess.run([sys.executable, '-m', 'guard', 'session', verb],"
            " capture_output=True, check=True)\n",
        ],
        cwd=repo,
    )
    codes = []
    while cycler.poll() is None:
        codes.append(run(repo, *GUARD, "check", "--staged").returncode)
    assert cycler.returncode == 0
    assert codes, "the checks never ran"
    assert set(codes) <= {0, 1}, codes
