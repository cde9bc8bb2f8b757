"""The GuardError tree: each error formats its own message and owns its exit code."""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # not typing's: the hooks import this module, and typing costs more
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import IO

    from guard.policy import Problem

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

    def render(self, prefix: str = "guard") -> str:
        """The full text for stderr: the message, then what to do about it."""
        if self.hint:
            return f"{prefix}: {self.message}\nhint: {self.hint}"
        return f"{prefix}: {self.message}"


class UsageError(GuardError):
    """A command-line value the guard cannot use."""

    exit_code = EXIT_USAGE


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

    def render(self, prefix: str = "guard") -> str:
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


def boundary(
    call: Callable[[], int],
    *,
    prefix: str = "guard",
    where: str = "",
    block: int | None = None,
    err: IO[str] | None = None,
) -> int:
    """The one place where exceptions become messages and exit codes: for the CLI, the
    git hooks and the agent hooks alike. A GuardError prints its message and gives its
    exit code; any other exception is a bug, said so with the version (with a
    traceback when GUARD_DEBUG is set). `where` names the hook for that message;
    `block`, when given, is the exit code of every failure (an agent hook blocks with
    2, the one code every agent reads as "do not run the tool")."""
    err = err if err is not None else sys.stderr
    try:
        return call()
    except GuardError as exc:
        err.write(exc.render(prefix) + "\n")
        return exc.exit_code if block is None else block
    except Exception as exc:
        from guard import __version__

        if where:
            what = f"internal error in the {where} (a bug in session-guard {__version__}; blocking)"
        else:
            what = (
                f"internal error (this is a bug in session-guard {__version__}, please report it)"
            )
        err.write(f"{prefix}: {what}: {type(exc).__name__}: {exc}\n")
        if os.environ.get("GUARD_DEBUG"):
            import traceback

            traceback.print_exc(file=err)
        return EXIT_INTERNAL if block is None else block
