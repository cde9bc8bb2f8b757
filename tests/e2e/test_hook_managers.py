"""End to end with the real lefthook and husky (no mocks), installed from the npm registry.

Each test checks what a user notices: after the tools' installers have run, in either
order and again during the session, a docs commit passes, a production commit is
refused, a push of a commit that bypassed the hooks is refused, and the tool's own
hook still runs (it writes a marker file outside the repository).

npm and Node.js are part of the test environment, as git is: `.ci/run` installs them
when the machine has none. A missing npm fails these tests rather than skipping them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import git
from tests.e2e import npm_tools
from tests.e2e.test_precommit_framework import GUARD, commit, head, ok, run, stage

TOOLS = ("lefthook@2.2.2", "husky@9.1.7")
PROD = "x = 1\n"


@pytest.fixture(scope="session")
def node_bin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """lefthook and husky, installed once per test run into a temporary folder."""
    # No install scripts: lefthook's postinstall would run `lefthook install` somewhere.
    return npm_tools.install(tmp_path_factory, *TOOLS) / ".bin"


@pytest.fixture(autouse=True)
def tools_on_path(node_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{node_bin}{os.pathsep}{os.environ['PATH']}")
    for name in ("LEFTHOOK", "LEFTHOOK_EXCLUDE", "LEFTHOOK_CONFIG", "HUSKY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def remote(repo: Path, tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(repo, "init", "-q", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    return bare


def seed(repo: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "initial")
    git(repo, "push", "-q", "origin", "main")


def ran(marker: Path) -> bool:
    """Whether the tool's own hook ran since the last look (it writes `marker`)."""
    found = marker.exists()
    marker.unlink(missing_ok=True)
    return found


def assert_enforced(repo: Path, markers: dict[str, Path]) -> None:
    """Docs pass, production is refused by the guard's pre-commit, a commit that
    bypassed every hook is refused at push, and the tool's own hooks still run."""
    stage(repo, "docs/notes.md", f"a finding {head(repo)}\n")
    done = commit(repo, "docs: notes")
    assert done.returncode == 0, done.stdout
    assert ran(markers["pre-commit"]), done.stdout

    stage(repo, "src/app.py", PROD)
    before = head(repo)
    done = commit(repo, "fix")
    assert done.returncode == 1, done.stdout
    assert "session-guard: blocked this commit" in done.stdout
    assert head(repo) == before and ran(markers["pre-commit"])

    sneaked = run(repo, "git", "-c", "core.hooksPath=/dev/null", "commit", "-qm", "sneak")
    assert sneaked.returncode == 0, sneaked.stdout
    done = run(repo, "git", "push", "-q", "origin", "main")
    assert done.returncode != 0, done.stdout
    assert "session-guard: blocked pushing refs/heads/main" in done.stdout
    assert ran(markers["pre-push"]), done.stdout
    git(repo, "reset", "-q", "--keep", before)  # the rollback is back to the start content


def statuses(repo: Path) -> dict[str, str]:
    return json.loads(ok(repo, GUARD, "session", "status", "--json"))["hooks"]


ALL_ENFORCED = dict.fromkeys(("pre-commit", "reference-transaction", "pre-push"), "enforced")

# --------------------------------------------------------------------------- lefthook


def lefthook_config(tmp_path: Path) -> tuple[str, dict[str, Path]]:
    markers = {hook: tmp_path / f"lefthook-{hook}" for hook in ("pre-commit", "pre-push")}
    text = "".join(
        f"{hook}:\n  jobs:\n    - name: mark\n      run: touch '{marker}'\n"
        for hook, marker in markers.items()
    )
    return text, markers


@pytest.mark.parametrize("order", ["lefthook first", "guard first"])
def test_guard_and_lefthook_install_coexist_in_either_order(
    repo: Path, remote: Path, tmp_path: Path, order: str
) -> None:
    """lefthook runs only the jobs of its configuration and never the `.old` hook it
    moves aside: the guard is a job there at the hooks lefthook claims, and its own
    shim at reference-transaction, which lefthook leaves alone."""
    text, markers = lefthook_config(tmp_path)
    seed(repo, {"lefthook.yml": text, "README.md": "app\n"})
    installers = [["lefthook", "install"], [GUARD, "install"]]
    for argv in installers if order == "lefthook first" else installers[::-1]:
        ok(repo, *argv)
    ok(repo, "lefthook", "install")  # again, as its npm postinstall does
    ok(repo, GUARD, "install")
    ok(repo, GUARD, "session", "start")
    assert statuses(repo) == ALL_ENFORCED
    assert_enforced(repo, markers)
    hooks = repo / ".git" / "hooks"
    assert sorted(p.name for p in hooks.iterdir() if not p.name.endswith(".sample")) == [
        "pre-commit",
        "pre-push",
        "reference-transaction",
    ]
    assert git(repo, "status", "--porcelain") == ""  # lefthook-local.yml is excluded
    # The commit assert_enforced sneaked past every hook was reset away, but the HEAD
    # reflog records making it: a violation that happened, its effect gone.
    assert "final audit: restored: " in ok(repo, GUARD, "session", "stop")


def test_lefthook_install_during_a_session_keeps_the_guard_running(
    repo: Path, remote: Path, tmp_path: Path
) -> None:
    """The reported case: the guard's shims are in place for a session when
    `lefthook install` renames them to `<hook>.old`. The guard's job in lefthook's
    configuration was there already, so every check keeps running; the audit reports
    that the hooks changed."""
    text, markers = lefthook_config(tmp_path)
    seed(repo, {"lefthook.yml": text, "README.md": "app\n"})
    ok(repo, GUARD, "install")
    ok(repo, GUARD, "session", "start")
    assert statuses(repo) == ALL_ENFORCED
    installed = ok(repo, "lefthook", "install")
    assert "pre-commit.old" in installed and "pre-push.old" in installed
    assert statuses(repo) == {**ALL_ENFORCED, "pre-commit": "changed", "pre-push": "changed"}
    assert_enforced(repo, markers)
    stopped = run(repo, GUARD, "audit", "--format", "json")
    assert {i["kind"] for i in json.loads(stopped.stdout)["integrity"]} == {"hooks-changed"}
    ok(repo, GUARD, "session", "stop")
    hooks = repo / ".git" / "hooks"
    assert not (hooks / "pre-commit.old").exists()  # the guard's displaced shim, dropped


def test_lefthook_taking_a_hook_the_guard_did_not_expect_is_reported(
    repo: Path, remote: Path, tmp_path: Path
) -> None:
    """lefthook.yml appears during the session: nothing declared the guard's job, so
    after `lefthook install` its pre-commit no longer runs the guard. Status says so,
    the ref update still refuses the commit, and `guard install` puts the job back."""
    seed(repo, {"README.md": "app\n"})
    ok(repo, GUARD, "install")
    ok(repo, GUARD, "session", "start")
    text, markers = lefthook_config(tmp_path)
    (repo / "lefthook.yml").write_text(text)
    ok(repo, "lefthook", "install")
    assert statuses(repo) == {**ALL_ENFORCED, "pre-commit": "replaced", "pre-push": "replaced"}
    status = ok(repo, GUARD, "session", "status")
    assert "  hooks:   pre-commit: no longer runs the guard" in status
    stage(repo, "src/app.py", PROD)
    done = commit(repo, "fix")
    assert done.returncode == 128, done.stdout
    assert "session-guard: blocked this ref update" in done.stdout
    assert ran(markers["pre-commit"])
    lines = ok(repo, GUARD, "install").splitlines()
    assert "pre-commit: lefthook runs it, and the guard as its job" in lines
    assert statuses(repo) == {**ALL_ENFORCED, "pre-commit": "changed", "pre-push": "changed"}
    git(repo, "restore", "--staged", "src/app.py")
    (repo / "src" / "app.py").unlink()
    ok(repo, GUARD, "session", "stop")


def test_guard_uninstall_leaves_lefthook_and_its_local_configuration_as_they_were(
    repo: Path, remote: Path, tmp_path: Path
) -> None:
    text, markers = lefthook_config(tmp_path)
    local = "pre-commit:\n  jobs:\n    - name: mine\n      run: touch '{}'\n".format(
        tmp_path / "mine"
    )
    seed(repo, {"lefthook.yml": text, "README.md": "app\n", ".gitignore": "lefthook-local.yml\n"})
    (repo / "lefthook-local.yml").write_text(local)
    ok(repo, "lefthook", "install")
    lines = ok(repo, GUARD, "install").splitlines()
    assert f"added the guard's configuration to `extends` in {repo}/lefthook-local.yml" in lines
    ok(repo, GUARD, "session", "start")
    stage(repo, "src/app.py", PROD)
    assert commit(repo, "fix").returncode == 1
    assert ran(markers["pre-commit"]) and ran(tmp_path / "mine")
    git(repo, "restore", "--staged", "src/app.py")
    (repo / "src" / "app.py").unlink()
    ok(repo, GUARD, "session", "stop")
    removed = ok(repo, GUARD, "uninstall")
    assert "pre-commit: took the guard's job out of lefthook's configuration" in removed
    assert (repo / "lefthook-local.yml").read_text() == local
    assert "session-guard" not in ok(repo, "lefthook", "dump")
    stage(repo, "src/app.py", PROD)
    assert commit(repo, "fix").returncode == 0
    assert ran(markers["pre-commit"]) and ran(tmp_path / "mine")


# --------------------------------------------------------------------------- husky


def husky_project(repo: Path, tmp_path: Path) -> dict[str, Path]:
    markers = {hook: tmp_path / f"husky-{hook}" for hook in ("pre-commit", "pre-push")}
    files = {f".husky/{hook}": f"touch '{marker}'\n" for hook, marker in markers.items()}
    seed(repo, {"package.json": '{"name": "app", "private": true}\n', **files})
    return markers


def rerun_husky(repo: Path) -> None:
    """`husky`, as the `prepare` script of every `npm install` runs it."""
    ok(repo, "husky")
    assert git(repo, "config", "core.hooksPath").strip() == ".husky/_"


@pytest.mark.parametrize("order", ["husky first", "guard first"])
def test_guard_and_husky_coexist_in_either_order(
    repo: Path, remote: Path, tmp_path: Path, order: str
) -> None:
    """husky points core.hooksPath at `.husky/_`: the guard follows it, and its shims
    run husky's wrappers as themselves, so `.husky/<hook>` still runs. reference-
    transaction is not one of husky's hooks, so it reaches the guard there too."""
    markers = husky_project(repo, tmp_path)
    if order == "husky first":
        rerun_husky(repo)
        ok(repo, GUARD, "install")
    else:
        ok(repo, GUARD, "install")
        rerun_husky(repo)  # after guard install: the session start follows core.hooksPath
    ok(repo, GUARD, "session", "start")
    assert statuses(repo) == ALL_ENFORCED
    assert_enforced(repo, markers)
    hooks = repo / ".husky" / "_"
    assert (hooks / "reference-transaction").exists()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert git(repo, "status", "--porcelain") == ""  # husky's `_` ignores itself
    # The commit assert_enforced sneaked past every hook was reset away, but the HEAD
    # reflog records making it: a violation that happened, its effect gone.
    assert "final audit: restored: " in ok(repo, GUARD, "session", "stop")
    stage(repo, "src/app.py", PROD)
    assert commit(repo, "after the session").returncode == 0
    assert ran(markers["pre-commit"])


def test_husky_run_again_during_a_session_is_reported_and_taken_back(
    repo: Path, remote: Path, tmp_path: Path
) -> None:
    """Every run of husky writes its wrappers over the guard's pre-commit and pre-push
    shims. The reference-transaction shim stays, so a production commit is still
    refused; status reports the two hooks; `guard install` (or the next session start)
    takes them back. HUSKY=0 skips husky's scripts, not the guard."""
    markers = husky_project(repo, tmp_path)
    rerun_husky(repo)
    ok(repo, GUARD, "install")
    ok(repo, GUARD, "session", "start")
    rerun_husky(repo)
    assert statuses(repo) == {**ALL_ENFORCED, "pre-commit": "replaced", "pre-push": "replaced"}
    stage(repo, "src/app.py", PROD)
    done = commit(repo, "fix")
    assert done.returncode == 128, done.stdout
    assert "session-guard: blocked this ref update" in done.stdout
    assert ran(markers["pre-commit"])
    lines = ok(repo, GUARD, "install").splitlines()
    wrapper = repo / ".husky" / "_" / "pre-commit"
    assert f"pre-commit: {wrapper} was written over the shim again; the shim runs it first" in lines
    assert statuses(repo) == ALL_ENFORCED
    done = run(repo, "env", "HUSKY=0", "git", "commit", "-m", "fix")
    assert done.returncode == 1, done.stdout
    assert "session-guard: blocked this commit" in done.stdout
    assert not ran(markers["pre-commit"])
    git(repo, "restore", "--staged", "src/app.py")
    (repo / "src" / "app.py").unlink()
    ok(repo, GUARD, "session", "stop")
    rerun_husky(repo)
    ok(repo, GUARD, "session", "start")  # takes the wrappers' places again
    assert statuses(repo) == ALL_ENFORCED
    ok(repo, GUARD, "session", "stop")
    assert "pre-commit: restored the previous hook" in ok(repo, GUARD, "uninstall")
    assert (wrapper).read_text() == '#!/usr/bin/env sh\n. "$(dirname "$0")/h"'
    stage(repo, "src/app.py", PROD)
    assert commit(repo, "after").returncode == 0
    assert ran(markers["pre-commit"])
