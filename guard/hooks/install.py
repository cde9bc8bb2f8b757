"""Installs the git hooks as small POSIX sh shims, chaining whatever was there.

A shim exits at once, without starting Python, when no session is active (it
tests for the session file or journal). A foreign hook found in its place is
moved aside to `<hook>.guard-chained` and run first by the shim, so it keeps
working and its failure still fails the command; `guard uninstall` puts it
back. A hook without our marker line is never overwritten or deleted.

Hook managers are met by their own conventions: beside the pre-commit framework's
script the shim is `<hook>.legacy`, which the framework runs first; at a hook
lefthook claims, the guard is one of lefthook's jobs (`lefthook.py`); husky's
wrappers are sourced so they still find their scripts (`husky.py`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from guard import gitio
from guard.errors import UsageError
from guard.hooks import husky, lefthook
from guard.location import (
    INSTALLED,
    JOURNAL,
    MAIN_WORKTREE,
    SESSION,
    STATE_DIR,
    WORKTREES,
    active_states,
    repository_state,
    state_dir,
)
from guard.store import digest, write_atomic

if TYPE_CHECKING:
    from guard.session import Session

HOOKS = ("pre-commit", "reference-transaction", "pre-push")
MARKER = "# session-guard hook shim"
CHAINED = ".guard-chained"
_STDIN_HOOKS = {"reference-transaction", "pre-push"}


def shim_text(hook: str, state: str, python: str, source_chained: bool = False) -> str:
    """The shim for one hook. The state is found where git says this repository's
    common directory is, not where it was at install time: a moved or copied
    repository keeps enforcing its own session (the install-time path is the
    fallback). The chained hook is found beside the shim itself; `source_chained`:
    it is a husky wrapper, sourced in a subshell so that it sees the hook's name."""
    # -I: never import a `guard` package from the repository being committed in.
    run = f'{shlex.quote(python)} -I -m guard.hooks "$state" {hook} "$@"'
    find = (
        "state=$(git rev-parse --path-format=absolute --git-common-dir 2>/dev/null) "
        f'&& state="$state/{STATE_DIR}" || state={shlex.quote(state)}'
    )
    # Any session of the repository: repository-wide, or scoped to any worktree (a
    # ref update here may move a branch another worktree's session has checked out).
    active = "\n".join(
        [
            find,
            "armed=",
            f'for f in "$state" "$state/{MAIN_WORKTREE}" "$state"/{WORKTREES}/*; do',
            f'  [ -e "$f/{SESSION}" ] || [ -e "$f/{JOURNAL}" ] && armed=1 && break',
            "done",
            '[ -n "$armed" ] || exit 0',
        ]
    )
    # A transaction of deletions only brings nothing (the guard lets every deletion
    # pass): answered first, by the shell alone, since `git pack-refs` deletes each
    # loose ref in a transaction of its own. A line is "<old> <new> <ref>"; a new
    # value of zeros deletes.
    deletions = [
        "brings=",
        "set -f",
        "IFS='",
        "'",
        "for line in $input; do",
        "  rest=${line#* }",
        "  case ${rest%% *} in *[!0]*) brings=1 && break ;; esac",
        "done",
        "unset IFS",
        "set +f",  # the search for worktrees' sessions below needs its glob
        '[ -n "$brings" ] || exit 0',
    ]
    chain = '( . "$chained" )' if source_chained else '"$chained" "$@"'
    piped = "printf '%s\\n' \"$input\" | "
    lines = [
        "#!/bin/sh",
        f"{MARKER} ({hook}): managed by `guard install`; `guard uninstall` restores the",
        "# hook it replaced. With no session active it exits without starting Python.",
        f'chained="$0{CHAINED}"',
    ]
    if hook == "reference-transaction":
        # Only `prepared` is judged; the other phases leave before reading stdin.
        lines += [
            'if [ -x "$chained" ]; then',
            "  input=$(cat)",
            f"  {piped}{chain} || exit $?",
            '  [ "$1" = prepared ] || exit 0',
            "else",
            '  [ "$1" = prepared ] || exit 0',
            "  input=$(cat)",
            "fi",
            *deletions,
            active,
            f"{piped}{run}",
            "exit $?",
        ]
    elif hook in _STDIN_HOOKS:
        lines += [
            'if [ -x "$chained" ]; then',
            "  input=$(cat)",
            f"  {piped}{chain} || exit $?",
            *[f"  {line}" for line in active.splitlines()],
            f"  {piped}{run}",
            "  exit $?",
            "fi",
            active,
            f"exec {run}",
        ]
    else:
        lines += [
            f'if [ -x "$chained" ]; then {chain} || exit $?; fi',
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


# The pre-commit framework's own hook script says so; it runs `<hook>.legacy` first,
# which is where a hook it found in its place lives (pre-commit's migration mode).
FRAMEWORK_MARKER = b"File generated by pre-commit"
LEGACY = ".legacy"


def _is_framework(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            return FRAMEWORK_MARKER in handle.read(4096)
    except OSError:
        return False


def shim_path(hooks_dir: str, hook: str) -> str:
    """Where the guard's shim for `hook` is: the hook itself, or `<hook>.legacy` beside
    the pre-commit framework's script, which runs it first by its own convention (so
    `pre-commit install`, run again, keeps both)."""
    path = os.path.join(hooks_dir, hook)
    legacy = path + LEGACY
    if _is_framework(path) or (is_ours(legacy) and not is_ours(path)):
        return legacy
    return path


def _content(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def _root() -> str | None:
    """The work tree the command runs in (None in a bare repository)."""
    found = gitio.locate()
    return found.root if found else None


def fingerprint(hooks_dir: str, hook: str, state: str) -> str | None:
    """SHA-256 of what runs at `hook` (None when nothing does): the file git runs and,
    when that is lefthook's script, the guard's configuration and the shim it runs."""
    path = shim_path(hooks_dir, hook)
    content = _content(path)
    if content is None:
        return None
    if lefthook.is_script(path):
        parts = (lefthook.config_path(state), lefthook.shim_path(state, hook))
        content += b"".join(b"\0" + (_content(part) or b"") for part in parts)
    return digest(content)


def fingerprints(
    hooks_dir: str, hooks: Iterable[str] = HOOKS, state: str | None = None
) -> dict[str, str | None]:
    """The fingerprint of each hook, recorded at session start."""
    state = state or repository_state()
    return {hook: fingerprint(hooks_dir, hook, state) for hook in hooks}


def enforced(hooks_dir: str, hooks: Iterable[str] = HOOKS) -> dict[str, bool]:
    """Whether the guard runs at each hook, from this work tree: its shim is the hook,
    or lefthook's script is and lefthook's configuration here brings in its job."""
    state, root = repository_state(), _root()

    def runs(hook: str) -> bool:
        path = shim_path(hooks_dir, hook)
        if is_ours(path):
            return True
        return (
            root is not None
            and lefthook.is_script(path)
            and lefthook.declares(state, hook)
            and is_ours(lefthook.shim_path(state, hook))
            and lefthook.linked(root, state)
        )

    return {hook: runs(hook) for hook in hooks}


def hooks_now(
    session: Session, hooks_dir: str | None = None, state: str | None = None
) -> dict[str, Any]:
    """The hooks as they are now, in the shape `session stop` records them (`state`:
    the repository's state directory, when the caller knows it)."""
    recorded = session.hooks
    return {
        "hooks_dir": hooks_dir or gitio.hooks_dir(),
        "hooks_path_config": gitio.config_get("core.hooksPath"),
        "fingerprints": fingerprints(recorded.hooks_dir, recorded.fingerprints, state)
        if recorded
        else {},
    }


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


def _write_shim(path: str, hook: str, state: str, python: str) -> str:
    text = shim_text(hook, state, python, source_chained=husky.is_wrapper(path + CHAINED))
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path + ".tmp", 0o755)  # noqa: S103 - git runs only executable hooks
    os.replace(path + ".tmp", path)
    return path


def _same(path: str, other: str) -> bool:
    content = _content(path)
    return content is not None and content == _content(other)


def _hooks_path_warning(hooks_dir: str) -> list[str]:
    configured = gitio.config_get("core.hooksPath")
    if not configured or os.path.isabs(configured):
        return []
    if husky.manages(hooks_dir):  # husky sets it so, and sets it again on every run
        return [
            f"warning: core.hooksPath is relative ({configured}, set by husky): a linked "
            "worktree runs no hooks until husky and guard install have run in it"
        ]
    return [
        f"warning: core.hooksPath is relative ({configured}): a linked worktree "
        "without that folder runs no hooks; an absolute path is safer"
    ]


def _refuse_tracked(hooks_dir: str, hooks: list[str]) -> None:
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


def install(hooks: Iterable[str], python: str | None = None) -> list[str]:
    """Write the shims; return what was done, one line each. Idempotent.

    Even an empty shim costs git a process start and, for pre-commit, a re-read of
    the index: about 1.2x on a commit in a 20,000-file repository, measured. So
    unless a foreign hook needs chaining or a session is active, a hook is armed
    instead: `session start` writes it and `session stop` removes it
    (`installed.json` remembers the choice). With no session, git runs no hook.
    """
    common = gitio.common_dir()
    hooks_dir, state = gitio.hooks_dir(), state_dir(common)
    python = python or sys.executable
    os.makedirs(hooks_dir, exist_ok=True)
    os.makedirs(state, exist_ok=True)
    done = _hooks_path_warning(hooks_dir)
    hooks = list(hooks)
    _refuse_tracked(hooks_dir, hooks)
    root = _root()
    claimed = _claimed(root, hooks_dir, hooks, state)
    if root is not None and claimed:
        lefthook.check(root, state)  # before anything is written
    write = bool(active_states(state))
    for hook in hooks:
        done += _place(hook, hooks_dir, state, python, claimed=hook in claimed, write=write)
    done += _route(root, state, python, hooks, claimed)
    _record(state, hooks, python, hooks_dir)
    return done


def _record(state: str, hooks: list[str], python: str, hooks_dir: str) -> None:
    """Remember what was installed where, for `session start` and `session stop`."""
    record = json.dumps({"hooks": hooks, "python": python, "hooks_dir": hooks_dir})
    with open(os.path.join(state, INSTALLED), "w", encoding="utf-8") as handle:
        handle.write(record + "\n")


def _place(
    hook: str, hooks_dir: str, state: str, python: str, *, claimed: bool, write: bool
) -> list[str]:
    """Put the guard at one hook; `write`: write an armed shim now (a session is active)."""
    path = shim_path(hooks_dir, hook)
    chained = path + CHAINED
    done = []
    if path.endswith(LEGACY):
        done.append(f"{hook}: the pre-commit framework's hook runs {path} first")
    if claimed and is_ours(path) and lefthook.is_script(chained):
        os.replace(chained, path)  # a shim in front of lefthook's script: lefthook moves it away
    if claimed and lefthook.is_script(path):
        return [*done, *_tidy_lefthook(path), f"{hook}: lefthook runs it, and the guard as its job"]
    if os.path.lexists(path) and not is_ours(path):
        if not os.path.lexists(chained):
            os.replace(path, chained)
            done.append(f"{hook}: kept the existing hook as {chained}; it still runs first")
        elif _same(path, chained):  # husky wrote its wrapper again, over the shim
            os.remove(path)
            done.append(f"{hook}: {path} was written over the shim again; the shim runs it first")
        else:
            raise UsageError(
                f"{path} is not ours and {chained} already exists",
                hint="move one of them away, then run guard install again",
            )
    if os.path.lexists(chained) or write:
        done.append(f"{hook}: installed {_write_shim(path, hook, state, python)}")
    else:
        if os.path.lexists(path):
            os.remove(path)
        done.append(f"{hook}: armed: written when a session starts, removed when it stops")
    if claimed:
        done.append(
            f"{hook}: lefthook's configuration names it: once lefthook installs its "
            "script there, the guard runs as its job"
        )
    return done


def _tidy_lefthook(path: str) -> list[str]:
    """Where lefthook's script is the hook: a shim of ours it moved aside to `.old` is
    dropped (the guard's job replaces it), and the hook that shim ran goes to `.old`,
    where lefthook keeps a hook it replaced (`lefthook uninstall` puts it back)."""
    old, chained = path + lefthook.OLD, path + CHAINED
    done = []
    if is_ours(old):
        os.remove(old)
    if os.path.lexists(chained) and not os.path.lexists(old):
        os.replace(chained, old)
        done.append(f"moved {chained} to {old}, where lefthook keeps the hook it replaced")
    return done


def _claimed(root: str | None, hooks_dir: str, hooks: list[str], state: str) -> list[str]:
    """The hooks among `hooks` that lefthook runs or will run, in their order."""
    if root is None:
        return []
    found = lefthook.claimed(root, hooks_dir, hooks, state)
    return [hook for hook in hooks if hook in found]


def _route(
    root: str | None, state: str, python: str, hooks: list[str], claimed: list[str]
) -> list[str]:
    """Declare the guard's lefthook job at each claimed hook (keeping those of hooks
    not being installed now) and bring it into lefthook's configuration."""
    keep = [h for h in HOOKS if h in claimed or (h not in hooks and lefthook.declares(state, h))]
    for hook in claimed:
        shim = lefthook.shim_path(state, hook)
        os.makedirs(os.path.dirname(shim), exist_ok=True)
        _write_shim(shim, hook, state, python)
    return _declare(root, state, keep)


def _declare(root: str | None, state: str, hooks: list[str]) -> list[str]:
    """Write the guard's lefthook configuration for `hooks`, drop the shims of any other
    and link it from lefthook's local configuration; with none, take it all away."""
    common = os.path.dirname(state)
    for hook in HOOKS:
        if hook not in hooks and os.path.lexists(lefthook.shim_path(state, hook)):
            os.remove(lefthook.shim_path(state, hook))
    if not hooks:
        line = lefthook.unlink(root, state, common) if root else None
        with contextlib.suppress(FileNotFoundError):
            os.remove(lefthook.config_path(state))
        with contextlib.suppress(OSError):
            os.rmdir(os.path.join(state, lefthook.SHIMS))
        return [line] if line else []
    text = lefthook.config_text(state, hooks, _STDIN_HOOKS)
    write_atomic(lefthook.config_path(state), text.encode())
    line = lefthook.link(root, state, common) if root else None
    return [line] if line else []


def _installed(state: str) -> dict[str, object]:
    try:
        with open(os.path.join(state, INSTALLED), encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def arm(state: str) -> None:
    """At session start: write the armed shims of the installed hooks where git looks for
    hooks now (husky may have pointed core.hooksPath elsewhere since install), take back
    those husky wrote its wrapper over, and bring the guard's lefthook jobs up to date
    (lefthook may claim more hooks than at install). Skips what it cannot do: session
    start warns about each hook the guard does not reach."""
    data = _installed(state)
    hooks, python = data.get("hooks"), data.get("python")
    if not (isinstance(hooks, list) and isinstance(python, str)):
        return
    hooks = [hook for hook in hooks if hook in HOOKS]
    hooks_dir = gitio.hooks_dir()
    root = _root()
    claimed = _claimed(root, hooks_dir, hooks, state)
    if not _usable(hooks_dir, hooks):
        return
    try:
        if root is not None and claimed:
            lefthook.check(root, state)
    except UsageError:  # lefthook's hooks go without the guard, the others do not
        claimed = []
    for hook in hooks:
        path = shim_path(hooks_dir, hook)
        chained = path + CHAINED
        if lefthook.is_script(path):  # never in front of it: lefthook would move the shim
            _tidy_lefthook(path)
            continue
        if husky.is_wrapper(path) and not os.path.lexists(chained):
            os.replace(path, chained)  # husky writes it again on every run: nothing is lost
        if not os.path.lexists(path) or _same(path, chained):
            _write_shim(path, hook, state, python)
    if claimed:
        _route(root, state, python, hooks, claimed)
    _record(state, hooks, python, hooks_dir)


def _usable(hooks_dir: str, hooks: list[str]) -> bool:
    """Whether the shims can go into `hooks_dir`: untracked, and a folder."""
    try:
        _refuse_tracked(hooks_dir, hooks)
        os.makedirs(hooks_dir, exist_ok=True)
    except (UsageError, OSError):  # core.hooksPath=/dev/null, say
        return False
    return True


def disarm(state: str) -> None:
    """At session stop: remove the armed shim again (a chained one stays)."""
    hooks_dir = _installed(state).get("hooks_dir")
    if not isinstance(hooks_dir, str):
        return
    for hook in HOOKS:
        path = shim_path(hooks_dir, hook)
        if is_ours(path) and not os.path.lexists(path + CHAINED):
            os.remove(path)
        elif lefthook.is_script(path) and lefthook.declares(state, hook):
            _tidy_lefthook(path)  # the armed shim lefthook moved aside during the session


def uninstall(hooks: Iterable[str] = HOOKS) -> list[str]:
    """Remove our shims and put chained hooks back; leave anything else alone."""
    hooks = list(hooks)
    hooks_dir, state = gitio.hooks_dir(), repository_state()
    done = []
    for hook in hooks:
        path = shim_path(hooks_dir, hook)
        chained = path + CHAINED
        if lefthook.declares(state, hook) and lefthook.is_script(path):
            done += _tidy_lefthook(path)
            done.append(f"{hook}: took the guard's job out of lefthook's configuration")
            continue
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
    keep = [hook for hook in HOOKS if hook not in hooks and lefthook.declares(state, hook)]
    done += _declare(_root(), state, keep)
    if set(hooks) >= set(HOOKS):
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(state, INSTALLED))
    return done
