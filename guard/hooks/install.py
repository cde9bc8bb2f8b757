"""Installs the git hooks as small POSIX sh shims, chaining whatever was there.

A shim exits at once, without starting Python, when no session is active (it
tests for the session file or journal). A foreign hook found in its place is
moved aside to `<hook>.guard-chained` and run first by the shim, so it keeps
working and its failure still fails the command; `guard uninstall` puts it
back. A hook without our marker line is never overwritten or deleted.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sys
from collections.abc import Iterable

from guard import gitio
from guard.errors import UsageError

HOOKS = ("pre-commit", "reference-transaction", "pre-push")
MARKER = "# session-guard hook shim"
CHAINED = ".guard-chained"
_STDIN_HOOKS = {"reference-transaction", "pre-push"}


def state_dir(common: str) -> str:
    return os.path.join(common, "guard")


def shim_text(hook: str, hooks_dir: str, state: str, python: str) -> str:
    """The shim for one hook. Paths are fixed at install time: no git call at run time."""
    chained = shlex.quote(os.path.join(hooks_dir, hook + CHAINED))
    # -I: never import a `guard` package from the repository being committed in.
    run = f'{shlex.quote(python)} -I -m guard.hooks "$state" {hook} "$@"'
    active = '[ -e "$state/session.json" ] || [ -e "$state/journal.jsonl" ] || exit 0'
    prepared = '[ "$1" = prepared ] || exit 0\n' if hook == "reference-transaction" else ""
    lines = [
        "#!/bin/sh",
        f"{MARKER} ({hook}): managed by `guard install`; `guard uninstall` restores the",
        "# hook it replaced. With no session active it exits without starting Python.",
        f"state={shlex.quote(state)}",
        f"chained={chained}",
    ]
    if hook in _STDIN_HOOKS:
        lines += [
            'if [ -x "$chained" ]; then',
            "  input=$(cat)",
            '  printf \'%s\\n\' "$input" | "$chained" "$@" || exit $?',
            *[f"  {line}" for line in (prepared + active).splitlines()],
            f"  printf '%s\\n' \"$input\" | {run}",
            "  exit $?",
            "fi",
            *(prepared + active).splitlines(),
            f"exec {run}",
        ]
    else:
        lines += [
            'if [ -x "$chained" ]; then "$chained" "$@" || exit $?; fi',
            active,
            f"exec {run}",
        ]
    return "\n".join(lines) + "\n"


def is_ours(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return MARKER.encode() in handle.read(4096)
    except OSError:
        return False


def fingerprints(hooks_dir: str, hooks: Iterable[str] = HOOKS) -> dict[str, str | None]:
    """SHA-256 of each hook file (None when missing), recorded at session start."""
    prints: dict[str, str | None] = {}
    for hook in hooks:
        try:
            with open(os.path.join(hooks_dir, hook), "rb") as handle:
                prints[hook] = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            prints[hook] = None
    return prints


def parse_hooks(text: str | None) -> list[str]:
    if not text:
        return list(HOOKS)
    chosen = [h.strip() for h in text.split(",") if h.strip()]
    unknown = [h for h in chosen if h not in HOOKS]
    if unknown or not chosen:
        raise UsageError(
            f"--hooks {text!r}: unknown hook {', '.join(map(repr, unknown)) or '(none given)'}",
            hint=f"choose from {', '.join(HOOKS)}",
        )
    return chosen


def install(hooks: Iterable[str], python: str | None = None) -> list[str]:
    """Write the shims; return what was done, one line each. Idempotent."""
    hooks_dir = gitio.hooks_dir()
    state = state_dir(gitio.common_dir())
    python = python or sys.executable
    os.makedirs(hooks_dir, exist_ok=True)
    done = []
    configured = gitio.config_get("core.hooksPath")
    if configured and not os.path.isabs(configured):
        done.append(
            f"warning: core.hooksPath is relative ({configured}): a linked worktree "
            "without that folder runs no hooks; an absolute path is safer"
        )
    for hook in hooks:
        path = os.path.join(hooks_dir, hook)
        chained = path + CHAINED
        if os.path.lexists(path) and not is_ours(path):
            if os.path.lexists(chained):
                raise UsageError(
                    f"{path} is not ours and {chained} already exists",
                    hint="move one of them away, then run guard install again",
                )
            os.replace(path, chained)
            done.append(f"{hook}: kept the existing hook as {chained}; it still runs first")
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(shim_text(hook, hooks_dir, state, python))
        os.chmod(path + ".tmp", 0o755)  # noqa: S103 - git runs only executable hooks
        os.replace(path + ".tmp", path)
        done.append(f"{hook}: installed {path}")
    return done


def uninstall(hooks: Iterable[str] = HOOKS) -> list[str]:
    """Remove our shims and put chained hooks back; leave anything else alone."""
    hooks_dir = gitio.hooks_dir()
    done = []
    for hook in hooks:
        path = os.path.join(hooks_dir, hook)
        chained = path + CHAINED
        if not os.path.lexists(path):
            continue
        if not is_ours(path):
            done.append(f"{hook}: left {path} alone (session-guard did not write it)")
            continue
        os.remove(path)
        if os.path.lexists(chained):
            os.replace(chained, path)
            done.append(f"{hook}: restored the previous hook")
        else:
            done.append(f"{hook}: removed {path}")
    return done
