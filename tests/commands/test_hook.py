"""`guard check --staged` and `guard hook ...`: the click-parsed hook entry points."""

from __future__ import annotations

from pathlib import Path

from tests.commands.test_session import committed
from tests.conftest import git


def test_check_staged_and_hook_commands_pass_without_a_session(invoke, repo: Path) -> None:
    committed(repo)
    (repo / "app.py").write_text("x\n")
    git(repo, "add", "app.py")
    assert invoke(["check", "--staged"], cwd=repo).code == 0
    assert invoke(["hook", "reference-transaction", "prepared"], stdin=b"", cwd=repo).code == 0
    assert invoke(["hook", "pre-push", "origin", "url"], stdin=b"", cwd=repo).code == 0
    invoke(["session", "start"], cwd=repo)
    blocked = invoke(["check", "--staged"], cwd=repo)
    assert blocked.code == 1
    assert "    app.py  production  (no rule matched: the policy default)" in blocked.err
