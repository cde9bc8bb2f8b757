"""`guard install` and `guard uninstall`: what they did, and what they refuse."""

from __future__ import annotations

import os
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


LEFTHOOK_SCRIPT = (
    '#!/bin/sh\n# lefthook\'s own script says LEFTHOOK\ncall_lefthook run "pre-commit" "$@"\n'
)


def lefthook_repo(repo: Path) -> Path:
    (repo / "lefthook.yml").write_text("pre-commit:\n  jobs:\n    - run: make lint\n")
    git(repo, "add", "lefthook.yml")
    git(repo, "commit", "-qm", "lefthook")
    return repo / ".git" / "hooks"


def test_install_declares_the_guards_job_at_the_hooks_lefthook_claims(invoke, repo: Path) -> None:
    hooks = lefthook_repo(repo)
    done = invoke(["install"], cwd=repo)
    assert done.text.splitlines() == [
        "pre-commit: armed: written when a session starts, removed when it stops",
        "pre-commit: lefthook's configuration names it: once lefthook installs its script "
        "there, the guard runs as its job",
        "reference-transaction: armed: written when a session starts, removed when it stops",
        "pre-push: armed: written when a session starts, removed when it stops",
        f"wrote {repo}/lefthook-local.yml, lefthook's local configuration, to bring the "
        "guard's job in",
    ]
    config = (repo / ".git" / "guard" / "lefthook.yml").read_text()
    assert "\npre-commit:\n" in config and "pre-push" not in config
    assert git(repo, "status", "--porcelain") == ""
    # lefthook installed its script, moving an earlier shim (that chained a hook) aside.
    (hooks / "pre-commit").write_text(LEFTHOOK_SCRIPT)
    (hooks / "pre-commit.old").write_text("#!/bin/sh\n# session-guard hook shim (pre-commit)\n")
    (hooks / "pre-commit.guard-chained").write_text("#!/bin/sh\nexit 0\n")
    lines = invoke(["install", "--hooks", "pre-commit"], cwd=repo).text.splitlines()
    assert lines == [
        f"moved {hooks}/pre-commit.guard-chained to {hooks}/pre-commit.old, where lefthook "
        "keeps the hook it replaced",
        "pre-commit: lefthook runs it, and the guard as its job",
    ]
    assert (hooks / "pre-commit.old").read_text() == "#!/bin/sh\nexit 0\n"
    assert (hooks / "pre-commit").read_text() == LEFTHOOK_SCRIPT
    assert invoke(["uninstall"], cwd=repo).text.splitlines() == [
        "pre-commit: took the guard's job out of lefthook's configuration",
        f"removed {repo}/lefthook-local.yml",
    ]
    assert not (repo / "lefthook-local.yml").exists()
    assert not (repo / ".git" / "guard" / "lefthook.yml").exists()
    assert (hooks / "pre-commit").read_text() == LEFTHOOK_SCRIPT


def test_install_gives_lefthook_back_a_script_an_earlier_install_chained(
    invoke, repo: Path
) -> None:
    hooks = lefthook_repo(repo)
    (hooks / "pre-commit").write_text(LEFTHOOK_SCRIPT)
    assert invoke(["install", "--hooks", "pre-commit"], cwd=repo).code == 0
    (hooks / "pre-commit").replace(hooks / "pre-commit.guard-chained")
    (hooks / "pre-commit").write_text("#!/bin/sh\n# session-guard hook shim (pre-commit)\n")
    lines = invoke(["install", "--hooks", "pre-commit"], cwd=repo).text.splitlines()
    assert lines == ["pre-commit: lefthook runs it, and the guard as its job"]
    assert (hooks / "pre-commit").read_text() == LEFTHOOK_SCRIPT
    assert not (hooks / "pre-commit.guard-chained").exists()


def test_install_refuses_a_tracked_lefthook_local_configuration(invoke, repo: Path) -> None:
    lefthook_repo(repo)
    (repo / "lefthook-local.yml").write_text("pre-push: {}\n")
    git(repo, "add", "lefthook-local.yml")
    done = invoke(["install"], cwd=repo)
    assert done.code == 2
    assert done.err.startswith(
        f"guard: lefthook runs hooks the guard needs, and its local configuration "
        f"{repo}/lefthook-local.yml is tracked: it is the team's file, and a change to it "
        "would ship, so the guard cannot add its job there\nhint: add "
    )
    assert not (repo / ".git" / "guard" / "installed.json").exists()


def test_session_start_arms_what_it_can_and_warns_of_the_rest(invoke, repo: Path) -> None:
    hooks = lefthook_repo(repo)
    assert invoke(["install"], cwd=repo).code == 0
    (hooks / "pre-commit").write_text(LEFTHOOK_SCRIPT)
    (repo / "lefthook-local.yml").unlink()
    (repo / "lefthook-local.json").write_text("{}")  # lefthook reads it; the guard cannot edit it
    started = invoke(["session", "start"], cwd=repo)
    assert started.code == 0
    assert started.err.startswith("warning: session-guard's pre-commit hook(s) are not installed")
    assert (hooks / "pre-commit").read_text() == LEFTHOOK_SCRIPT
    assert "session-guard hook shim" in (hooks / "reference-transaction").read_text()
    assert invoke(["session", "stop"], cwd=repo).code == 0
    team = repo / ".githooks"
    team.mkdir()
    (team / "pre-commit").write_text("#!/bin/sh\n")
    git(repo, "add", ".githooks")
    git(repo, "config", "core.hooksPath", ".githooks")
    started = invoke(["session", "start"], cwd=repo)  # never writes into tracked hooks
    assert "pre-commit, reference-transaction, pre-push hook(s) are not installed" in started.err
    assert sorted(p.name for p in team.iterdir()) == ["pre-commit"]
    assert invoke(["session", "stop"], cwd=repo).code == 0
    git(repo, "config", "core.hooksPath", os.devnull)  # hooks turned off altogether
    started = invoke(["session", "start"], cwd=repo)
    assert "pre-commit, reference-transaction, pre-push hook(s) are not installed" in started.err
