"""Installs the git hooks as small POSIX sh shims, chaining whatever was there.

A shim exits at once, without starting Python, when no session is active (it
tests for the session file or journal). A foreign hook found in its place is
moved aside to `<hook>.guard-chained` and run first by the shim, so it keeps
working and its failure still fails the command; `guard uninstall` puts it
back. A hook without our marker line is never overwritten or deleted.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from collections.abc import Iterable

from guard import gitio
from guard.errors import UsageError
from guard.location import INSTALLED, JOURNAL, SESSION, STATE_DIR, repository_state
from guard.store import digest

HOOKS = ("pre-commit", "reference-transaction", "pre-push")
MARKER = "# session-guard hook shim"
CHAINED = ".guard-chained"
_STDIN_HOOKS = {"reference-transaction", "pre-push"}


def shim_text(hook: str, state: str, python: str) -> str:
    """The shim for one hook. The state is found where git says this repository's
    common directory is, not where it was at install time: a moved or copied
    repository keeps enforcing its own session (the install-time path is the
    fallback). The chained hook is found beside the shim itself."""
    # -I: never import a `guard` package from the repository being committed in.
    run = f'{shlex.quote(python)} -I -m guard.hooks "$state" {hook} "$@"'
    find = (
        "state=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null) "
        f'&& state="$state/{STATE_DIR}" || state={shlex.quote(state)}'
    )
    active = f'{find}\n[ -e "$state/{SESSION}" ] || [ -e "$state/{JOURNAL}" ] || exit 0'
    prepared = '[ "$1" = prepared ] || exit 0\n' if hook == "reference-transaction" else ""
    lines = [
        "#!/bin/sh",
        f"{MARKER} ({hook}): managed by `guard install`; `guard uninstall` restores the",
        "# hook it replaced. With no session active it exits without starting Python.",
        f'chained="$0{CHAINED}"',
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
                prints[hook] = digest(handle.read())
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


def _write_shim(hook: str, hooks_dir: str, state: str, python: str) -> str:
    path = os.path.join(hooks_dir, hook)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(shim_text(hook, state, python))
    os.chmod(path + ".tmp", 0o755)  # noqa: S103 - git runs only executable hooks
    os.replace(path + ".tmp", path)
    return path


def install(hooks: Iterable[str], python: str | None = None) -> list[str]:
    """Write the shims; return what was done, one line each. Idempotent.

    Even an empty shim costs git a process start and, for pre-commit, a re-read of
    the index: about 1.2x on a commit in a 20,000-file repository, measured. So
    unless a foreign hook needs chaining or a session is active, a hook is armed
    instead: `session start` writes it and `session stop` removes it
    (`installed.json` remembers the choice). With no session, git runs no hook.
    """
    hooks_dir = gitio.hooks_dir()
    state = repository_state()
    python = python or sys.executable
    os.makedirs(hooks_dir, exist_ok=True)
    os.makedirs(state, exist_ok=True)
    done = []
    configured = gitio.config_get("core.hooksPath")
    if configured and not os.path.isabs(configured):
        done.append(
            f"warning: core.hooksPath is relative ({configured}): a linked worktree "
            "without that folder runs no hooks; an absolute path is safer"
        )
    hooks = list(hooks)
    tracked = [hook for hook in hooks if gitio.is_tracked(os.path.join(hooks_dir, hook))]
    if tracked:
        raise UsageError(
            f"the hooks directory {hooks_dir} holds tracked hooks ({', '.join(tracked)}): "
            "session-guard never writes into a tracked file (the change would ship)",
            hint="call the guard from each of them yourself: `guard check --staged` in "
            'pre-commit, `guard hook reference-transaction "$@"` and `guard hook pre-push '
            '"$@"` with their standard input; or point core.hooksPath at an untracked '
            "directory, then run guard install again",
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
        armed_only = not os.path.lexists(chained) and not os.path.exists(
            os.path.join(state, SESSION)
        )
        if armed_only:
            if os.path.lexists(path):
                os.remove(path)
            done.append(f"{hook}: armed: written when a session starts, removed when it stops")
        else:
            done.append(f"{hook}: installed {_write_shim(hook, hooks_dir, state, python)}")
    record = json.dumps({"hooks": hooks, "python": python, "hooks_dir": hooks_dir})
    with open(os.path.join(state, INSTALLED), "w", encoding="utf-8") as handle:
        handle.write(record + "\n")
    return done


def _installed(state: str) -> dict[str, object]:
    try:
        with open(os.path.join(state, INSTALLED), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def arm(state: str) -> None:
    """At session start: write the armed shims of the installed hooks."""
    data = _installed(state)
    hooks, hooks_dir, python = data.get("hooks"), data.get("hooks_dir"), data.get("python")
    if not (isinstance(hooks, list) and isinstance(hooks_dir, str) and isinstance(python, str)):
        return
    for hook in hooks:
        if hook in HOOKS and not os.path.lexists(os.path.join(hooks_dir, hook)):
            _write_shim(hook, hooks_dir, state, python)


def disarm(state: str) -> None:
    """At session stop: remove the armed shim again (a chained one stays)."""
    hooks_dir = _installed(state).get("hooks_dir")
    if not isinstance(hooks_dir, str):
        return
    for hook in HOOKS:
        path = os.path.join(hooks_dir, hook)
        if is_ours(path) and not os.path.lexists(path + CHAINED):
            os.remove(path)


def uninstall(hooks: Iterable[str] = HOOKS) -> list[str]:
    """Remove our shims and put chained hooks back; leave anything else alone."""
    hooks = list(hooks)
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
    if set(hooks) >= set(HOOKS):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(repository_state(), INSTALLED))
    return done
