"""Shared fixtures: a hermetic git environment and real temporary repositories."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from guard import cli

# Variables a calling git (a hook, a CI job) may leak into the tests; with them
# set, `git -C repo ...` would act on another repository or index.
LEAKY = (
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
)


@pytest.fixture(autouse=True)
def hermetic_git(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No global or system git config, a fixed identity, nothing inherited."""
    for name in LEAKY:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_TERMINAL_PROMPT", "0")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Session Tester")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tester@example.com")
    monkeypatch.delenv("NO_COLOR", raising=False)
    # An activated virtualenv (as in .ci/run) puts `guard` on PATH; a user's machine
    # may not. The tests see neither case by accident: a test that wants `guard` on
    # PATH puts it there.
    path = os.environ.get("PATH", "").split(os.pathsep)
    kept = [d for d in path if not os.access(os.path.join(d, "guard"), os.X_OK)]
    monkeypatch.setenv("PATH", os.pathsep.join(kept))


def git(repo: Path, *args: str, input: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, input=input, check=True
    )
    return done.stdout.decode("utf-8", "surrogateescape")


def commit_files(repo: Path, files: dict[str, str], message: str) -> str:
    """Write `files` (path -> text), commit everything, return the new commit."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """An empty repository on branch main."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    return path


@dataclass
class Result:
    code: int
    out: bytes
    err: str

    @property
    def text(self) -> str:
        return self.out.decode("utf-8", "surrogateescape")


@pytest.fixture
def invoke(
    capsysbinary: pytest.CaptureFixture[bytes], monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    """Run the CLI in process: invoke(args, stdin=b"", cwd=None) -> Result."""

    def call(args: list[str], stdin: bytes = b"", cwd: Path | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        code = cli.run(args)
        captured = capsysbinary.readouterr()
        return Result(code, captured.out, captured.err.decode("utf-8", "replace"))

    yield call
