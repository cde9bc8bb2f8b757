"""The GuardError tree: each error formats its own message and owns its exit code."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import NamedTuple

# Exit codes, as tabled in the README.
EXIT_OK = 0
EXIT_BLOCKED = 1
EXIT_USAGE = 2
EXIT_STATE = 3
EXIT_GIT = 4
EXIT_INTERNAL = 5


class GuardError(Exception):
    """Base of every error the guard reports to a user; `cli` maps it to an exit code."""

    exit_code = EXIT_INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        """The full text for stderr: the message, then what to do about it."""
        if self.hint:
            return f"guard: {self.message}\nhint: {self.hint}"
        return f"guard: {self.message}"


class UsageError(GuardError):
    """A command-line value the guard cannot use."""

    exit_code = EXIT_USAGE


class Problem(NamedTuple):
    """One located problem in a policy file (line and column are 1-based)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class PolicyError(GuardError):
    """A policy that cannot be used; carries every problem found in one pass."""

    exit_code = EXIT_USAGE

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"policy is invalid ({count} {noun}):\n" + "\n".join(map(str, self.problems)),
            hint="fix the policy, then run `guard policy check`",
        )

    def render(self) -> str:
        lines = [str(problem) for problem in self.problems]
        lines.append(f"hint: {self.hint}")
        return "\n".join(lines)


class GitError(GuardError):
    """git failed, or the repository or revision is not there."""

    exit_code = EXIT_GIT


class StateError(GuardError):
    """Session state is unreadable or was tampered with: hooks fail closed."""

    exit_code = EXIT_STATE


class BlockedError(GuardError):
    """A refused action (a wrong unlock code, a second session): exit 1."""

    exit_code = EXIT_BLOCKED


def guarded(call: Callable[[], int]) -> int:
    """Run a command: a GuardError prints its message and gives its exit code; any
    other exception is a bug, said so with the version (traceback with GUARD_DEBUG)."""
    try:
        return call()
    except GuardError as exc:
        sys.stderr.write(exc.render() + "\n")
        return exc.exit_code
    except Exception as exc:
        from guard import __version__

        sys.stderr.write(
            f"guard: internal error (this is a bug in session-guard {__version__}, "
            f"please report it): {type(exc).__name__}: {exc}\n"
        )
        if os.environ.get("GUARD_DEBUG"):
            import traceback

            traceback.print_exc()
        return EXIT_INTERNAL
