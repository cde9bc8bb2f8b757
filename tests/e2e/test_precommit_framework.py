"""End to end through the real pre-commit framework (no mocks).

pre-commit clones the committed project, builds a virtualenv and pip-installs it
(from PyPI: the first run takes about a minute); its `guard` then reads the
session that the dev install's `guard session start` wrote to .git/guard.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from guard import __version__
from tests.conftest import LEAKY, git

PROJECT = Path(__file__).resolve().parents[2]
GUARD = str(Path(sys.executable).parent / "guard")
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
TIMEOUT = 900  # a hang guard only: the first pip install needs the network


@pytest.fixture(scope="session")
def project_clone(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A clone of the project's committed state (uncommitted edits stay out) and its HEAD."""
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    clone = tmp_path_factory.mktemp("project") / "session-guard"
    subprocess.run(
        ["git", "clone", "-q", "--no-local", str(PROJECT), str(clone)], env=env, check=True
    )
    # Users pin a release: its version tag (the changelog's newest entry) is the rev.
    git(clone, "tag", f"v{__version__}")
    return clone, git(clone, "rev-parse", "HEAD").strip()


@pytest.fixture(scope="session")
def caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's store, pip's and virtualenv's caches, shared by the whole test run."""
    return tmp_path_factory.mktemp("caches")


@pytest.fixture(autouse=True)
def shared_caches(caches: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The hermetic HOME is new for every test: keep the expensive state out of it.
    monkeypatch.setenv("PRE_COMMIT_HOME", str(caches / "pre-commit"))
    monkeypatch.setenv("PIP_CACHE_DIR", str(caches / "pip"))
    monkeypatch.setenv("VIRTUALENV_OVERRIDE_APP_DATA", str(caches / "virtualenv"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.delenv("PRE_COMMIT", raising=False)
    monkeypatch.delenv("SKIP", raising=False)


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command; stdout and stderr together, as a user sees them."""
    return subprocess.run(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        timeout=TIMEOUT,
        check=False,
    )


def ok(cwd: Path, *args: str) -> str:
    done = run(cwd, *args)
    assert done.returncode == 0, done.stdout
    return done.stdout


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def stage(repo: Path, path: str, text: str) -> None:
    file = repo / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    git(repo, "add", path)


def commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    return run(repo, "git", "commit", "-m", message)


def test_installed_hook_enforces_the_session(repo: Path, project_clone: tuple[Path, str]) -> None:
    clone, _ = project_clone
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {clone}\n  rev: v{__version__}\n  hooks:\n  - id: guard\n"
    )
    stage(repo, "README.md", "app\n")
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "initial")
    assert "pre-commit installed" in ok(repo, *PRE_COMMIT, "install", "--install-hooks")

    # No session: the hook is there and lets anything through.
    stage(repo, "src/app.py", "print('v1')\n")
    before = head(repo)
    done = commit(repo, "production before any session")
    assert done.returncode == 0, done.stdout
    assert "session-guard" in done.stdout  # pre-commit ran our hook
    assert head(repo) != before

    ok(repo, GUARD, "session", "start", "--reason", "investigating")

    stage(repo, "docs/notes.md", "# Notes\n")
    before = head(repo)
    done = commit(repo, "docs during the session")
    assert done.returncode == 0, done.stdout
    assert head(repo) != before

    stage(repo, "src/app.py", "print('v2')\n")
    before = head(repo)
    done = commit(repo, "production during the session")
    assert done.returncode == 1, done.stdout
    assert "src/app.py" in done.stdout
    assert "production" in done.stdout
    assert head(repo) == before
    assert git(repo, "diff", "--cached", "--name-only").split() == ["src/app.py"]

    ok(repo, GUARD, "session", "stop")
    done = commit(repo, "production after the session")
    assert done.returncode == 0, done.stdout
    assert head(repo) != before
    assert git(repo, "show", "HEAD:src/app.py") == "print('v2')\n"


def test_try_repo_blocks_a_staged_production_change(
    repo: Path, project_clone: tuple[Path, str]
) -> None:
    clone, rev = project_clone
    stage(repo, "README.md", "app\n")
    git(repo, "commit", "-q", "-m", "initial")
    ok(repo, GUARD, "session", "start")
    stage(repo, "src/app.py", "print('changed')\n")

    done = run(repo, *PRE_COMMIT, "try-repo", str(clone), "guard")
    assert done.returncode == 1, done.stdout
    assert rev in done.stdout  # the config it printed pins the clone's HEAD
    assert "src/app.py" in done.stdout
    assert "production" in done.stdout

    ok(repo, GUARD, "session", "stop")
    done = run(repo, *PRE_COMMIT, "try-repo", str(clone), "guard")
    assert done.returncode == 0, done.stdout


LOCAL_NOOP = """repos:
  - repo: local
    hooks:
      - id: noop
        name: noop
        entry: "true"
        language: system
        pass_filenames: false
        always_run: true
"""


@pytest.mark.parametrize("order", ["framework first", "guard first"])
def test_guard_install_and_pre_commit_install_coexist_in_either_order(
    repo: Path, order: str
) -> None:
    """The pre-commit framework runs a hook it finds in its place as `<hook>.legacy`:
    the guard's shim lives there beside the framework's script, so running either
    installer again leaves both working and the framework out of migration mode."""
    (repo / ".pre-commit-config.yaml").write_text(LOCAL_NOOP)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "config")
    installers = [[*PRE_COMMIT, "install"], [GUARD, "install"]]
    for argv in installers if order == "framework first" else installers[::-1]:
        ok(repo, *argv)
    ok(repo, *PRE_COMMIT, "install")  # again, as a teammate's set-up script would
    ok(repo, GUARD, "install")
    ok(repo, GUARD, "session", "start", "--mode", "read-only")
    stage(repo, "docs/notes.md", "a finding\n")
    done = commit(repo, "docs: notes")
    assert done.returncode == 0, done.stdout
    assert "noop" in done.stdout and "migration mode" not in done.stdout
    stage(repo, "src/app.py", "x = 1\n")
    before = head(repo)
    done = commit(repo, "fix")
    assert done.returncode == 1, done.stdout
    assert "session-guard: blocked this commit" in done.stdout
    assert "migration mode" not in done.stdout and head(repo) == before
    git(repo, "restore", "--staged", "src/app.py")
    (repo / "src/app.py").unlink()
    stopped = ok(repo, GUARD, "session", "stop")
    assert "final audit: clean" in stopped
