"""`guard demo`: the README's first command replays the whole story and checks it."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo's temporary directories go under the test's own, which pytest removes:
    a kept demo repository must not stay behind in the system's /tmp after the run."""
    path = tmp_path / "scratch"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return path


def test_demo_replays_enforce_audit_and_rollback(invoke, tmp_path: Path, scratch: Path) -> None:
    result = invoke(["demo", "--keep"], cwd=tmp_path)
    assert result.code == 0, result.err
    text = result.text
    for expected in (
        "$ guard session start --mode read-only --reason 'investigate the flaky payment tests'",
        "session-guard: blocked this commit",
        "audit after rollback: verdict restored, net_violations 0",
        "demo finished: the session was declared, enforced, audited and rolled back",
    ):
        assert expected in text, expected
    # The newcomer sees the summary first, and the demo runs the command it ends with.
    summary = text.split("$ guard audit\n", 1)[1].split("\n$ ", 1)[0]
    for expected in (
        "  │ VIOLATED  session ",
        "  tests/unit/                 24  24 modified          test",
        "  src/payments/                2  1 added, 1 modified  production",
        "violation (claims docs only)  2 production, 1 test  docs: documentation-only changes",
        "  3-5  3 commits     violation                     24 test               "
        "migrate tests, part 1 ... 3",
        "  Violations: 27, by folder above",
        "  Undo: guard rollback --apply restores 26 path(s) and deletes 1, in one commit",
        "  Every commit, path and command: guard audit --verbose, or --format json or html",
    ):
        assert expected in summary, expected
    assert "tests/unit/test_payment_1.py" not in summary
    assert (
        text.split("$ guard audit\n", 1)[1]
        .split("\n$ ", 1)[1]
        .startswith("guard rollback --apply\n")
    )
    kept = Path(text.rstrip().rsplit(" ", 1)[-1])
    assert kept.parent == scratch and kept.name.startswith("guard-demo-")
    assert (kept / "tests/e2e/test_results/WORKLOG.md").is_file()
    assert not (kept / "src/payments/retry.py").exists()
    assert "THRESHOLD = 5\n" in (kept / "src/payments/breaker.py").read_text()


def test_demo_cleans_up_after_itself(invoke, tmp_path: Path, scratch: Path) -> None:
    result = invoke(["demo"], cwd=tmp_path)
    assert result.code == 0, result.err
    assert "is kept at" not in result.text
    assert list(scratch.iterdir()) == []
