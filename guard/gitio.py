"""The only module that runs git: every call, its environment and its parsing."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from guard.errors import GitError


@dataclass(frozen=True, slots=True)
class Location:
    """Where a command runs: the work tree's top and the prefix of the current directory."""

    root: Path
    prefix: str


def run(args: list[str], cwd: Path | None = None, *, check: bool = True) -> bytes:
    """Run `git ARGS`, returning stdout; raise GitError with git's own message on failure."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise GitError(f"git {args[0]} failed: {message}")
    return done.stdout


def locate(cwd: Path | None = None) -> Location | None:
    """The work tree containing `cwd`, or None outside one (or without git)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "--show-prefix"],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        return None
    lines = out.stdout.decode("utf-8", "surrogateescape").split("\n")
    if out.returncode != 0 or len(lines) < 2 or not lines[0]:
        return None
    return Location(Path(lines[0]), lines[1])
