"""`guard install` and `guard uninstall`: what they did, and what they refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git


def test_install_and_uninstall_report_what_they_did(invoke, repo: Path) -> None:
    hooks = repo / ".git" / "hooks"
    (hooks / "pre-commit").write_text("#!/bin/sh\nexit 0\n")
    first = invoke(["install", "--hooks", "pre-commit"], cwd=repo)
    assert first.text.splitlines() == [
        f"pre-commit: kept the existing hook as {hooks}/pre-commit.guard-chained; "
        "it still runs first",
        f"pre-commit: installed {hooks}/pre-commit",
    ]
    assert invoke(["uninstall"], cwd=repo).text == "pre-commit: restored the previous hook\n"
    assert (hooks / "pre-commit").read_text() == "#!/bin/sh\nexit 0\n"
    left = invoke(["uninstall"], cwd=repo)
    assert (
        left.text == f"pre-commit: left {hooks}/pre-commit alone (session-guard did not write it)\n"
    )
    (hooks / "pre-commit").unlink()
    assert invoke(["uninstall"], cwd=repo).text == "nothing to remove\n"


def test_unknown_hooks_are_a_usage_error(invoke, repo: Path) -> None:
    bad_hooks = invoke(["install", "--hooks", "pre-commit,post-commit"], cwd=repo)
    assert bad_hooks.code == 2
    assert bad_hooks.err == (
        "guard: --hooks 'pre-commit,post-commit': unknown hook 'post-commit'\n"
        "hint: choose from pre-commit, reference-transaction, pre-push\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ["install"],
        ["install", "--agent", "claude"],
        ["uninstall"],
        ["uninstall", "--agent", "codex"],
    ],
)
def test_outside_a_repository_it_says_so_and_exits_4(
    invoke, tmp_path: Path, args: list[str]
) -> None:
    result = invoke(args, cwd=tmp_path)
    assert (result.code, result.err) == (
        4,
        "guard: not a git repository (or git is missing)\nhint: run this inside one\n",
    )
    assert result.out == b""
    assert list(tmp_path.iterdir()) == []


def test_install_never_writes_into_a_tracked_hook(repo: Path, invoke) -> None:
    hooks = repo / ".githooks"
    hooks.mkdir()
    (hooks / "pre-commit").write_text("#!/bin/sh\nexec make lint\n")
    (hooks / "pre-commit").chmod(0o755)
    git(repo, "add", ".githooks")
    git(repo, "commit", "-qm", "team hooks")
    git(repo, "config", "core.hooksPath", ".githooks")
    done = invoke(["install"], cwd=repo)
    assert done.code == 2
    assert done.err.startswith(
        f"guard: the hooks directory {hooks} holds tracked hooks (pre-commit): session-guard "
        "never writes into a tracked file (the change would ship)\nhint: call the guard from "
    )
    assert sorted(p.name for p in hooks.iterdir()) == ["pre-commit"]
    assert (hooks / "pre-commit").read_text() == "#!/bin/sh\nexec make lint\n"
    assert git(repo, "status", "--porcelain") == ""
