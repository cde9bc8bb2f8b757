"""`guard session status|list|verify`: what the session state says, read without
changing it (`guard.commands.session` starts and stops sessions)."""

from __future__ import annotations

import os
from typing import Any

from guard import gitio, location, store
from guard.commands.output import echo, echo_json
from guard.errors import EXIT_OK, EXIT_STATE, StateError, UsageError
from guard.hooks.install import HOOKS, enforced, fingerprints
from guard.location import repository_state
from guard.session import Session

# --------------------------------------------------------------------------- status


def governing_state() -> str | None:
    """The state directory of the active session governing the worktree the command
    runs in (its own, else the repository's), or None."""
    return location.governing(*gitio.dirs())


def state_for(session_id: str | None) -> str | None:
    """An active session's state directory: by id, or the one governing here."""
    if session_id is None:
        return governing_state()
    return store.active_with_id(repository_state(), session_id)


def status(as_json: bool) -> int:
    """Show the active session governing this worktree, if any."""
    state = governing_state()
    current = store.load_active(state) if state else None
    hooks = hook_states(current) if current else {}
    if as_json:
        echo_json(
            {**current.summary(), "active": True, "hooks": hooks} if current else {"active": False}
        )
    elif current is None:
        echo("no active session")
    else:
        echo(
            f"session {current.id}: {current.mode} mode, allows "
            f"{', '.join(current.allowed) or 'nothing'}"
            f"{' (observe only)' if current.observe else ''}"
        )
        echo(f"  started: {current.started_at} by {current.who.get('email') or '?'}")
        echo(f"  start:   {current.start_head or '(no commits yet)'}")
        echo(f"  scope:   {_scope_text(current.worktree)}")
        if current.reason:
            echo(f"  reason:  {current.reason}")
        echo(f"  locked:  {'yes' if current.locked else 'no'}")
        for line in _hook_lines(hooks):
            echo(f"  hooks:   {line}")
    return EXIT_OK


def _scope_text(worktree: str | None) -> str:
    return f"the worktree {worktree}" if worktree else "the whole repository"


_HOOK_NOTES = {
    "changed": "changed during the session; the guard still runs there",
    "replaced": "no longer runs the guard: rewritten or removed during the session "
    "(the audit reports it); `guard install` puts it back",
    "missing": "not installed, so the guard does not run there: `guard install`",
    "added": "installed during the session",
}


def hook_states(session: Session) -> dict[str, str]:
    """Each hook as it is now, against the session start: `enforced` (the guard runs
    there, as at the start), `changed` (it runs there, but what runs changed), `replaced`
    (it ran there at the start, and no longer does), `missing` (it did not run there at
    the start either) or `added` (it runs there since)."""
    recorded = session.hooks
    if recorded is None:
        return {}
    running = enforced(recorded.hooks_dir, recorded.fingerprints)
    now = fingerprints(recorded.hooks_dir, recorded.fingerprints)
    states = {}
    for hook, before in sorted(recorded.fingerprints.items(), key=lambda item: _order(item[0])):
        if not running[hook]:
            states[hook] = "missing" if before is None else "replaced"
        elif before is None:
            states[hook] = "added"
        else:
            states[hook] = "enforced" if now[hook] == before else "changed"
    return states


def _order(hook: str) -> int:
    return HOOKS.index(hook) if hook in HOOKS else len(HOOKS)


def _hook_lines(states: dict[str, str]) -> list[str]:
    fine = [hook for hook, state in states.items() if state == "enforced"]
    lines = [f"enforced at {', '.join(fine)}"] if fine else []
    return lines + [
        f"{hook}: {_HOOK_NOTES[state]}" for hook, state in states.items() if hook not in fine
    ]


# --------------------------------------------------------------------------- list


def listing(as_json: bool) -> int:
    """List this repository's sessions, oldest first."""
    rows = _rows()
    if as_json:
        echo_json(rows)
        return EXIT_OK
    if not rows:
        echo("no sessions yet")
    for row in rows:
        state = "active" if row["active"] else f"stopped {row['stopped_at'] or '?'}"
        echo(
            f"{row['id']}  {row['mode'] or '?':<10}  started {row['started_at'] or '?'}  "
            f"{state}  blocked {row['blocked']}, warned {row['warned']}  "
            f"{row['worktree'] or '(repository)'}"
        )
    return EXIT_OK


def _rows() -> list[dict[str, Any]]:
    """Every session this repository has had, oldest first, with its active flag."""
    state = repository_state()
    rows = []
    for session_id in store.archived(state):
        events = _safe_events(store.archived_dir(state, session_id))
        rows.append(_row(session_id, events, active=False))
    for directory in location.active_states(state):
        events = _safe_events(directory)
        start_event = events[0] if events else {}
        rows.append(_row(str(start_event.get("session", "?")), events, active=True))
    return rows


def _safe_events(directory: str) -> list[dict[str, Any]]:
    try:
        return store.read_journal(directory)
    except StateError:
        return []


def _row(session_id: str, events: list[dict[str, Any]], active: bool) -> dict[str, Any]:
    first = events[0] if events else {}
    last = events[-1] if events else {}
    data = first.get("data") or {}
    counts = {kind: sum(e.get("event") == kind for e in events) for kind in ("blocked", "warned")}
    return {
        "id": session_id,
        "mode": data.get("mode"),
        "started_at": first.get("time"),
        "stopped_at": last.get("time") if last.get("event") == "stop" else None,
        "active": active,
        "worktree": data.get("worktree"),
        **counts,
    }


# --------------------------------------------------------------------------- verify


def verify(session_id: str | None) -> int:
    """Check a session journal's hash chain; exit 3 when it was altered."""
    directory, events, problems = _check_chain(session_id)
    if problems:
        for problem in problems:
            echo(f"{directory}: {problem}", err=True)
        echo("guard: the session record was altered: treat its history as untrusted", err=True)
        return EXIT_STATE
    echo(f"ok: {events} events, hash chain intact ({directory})")
    return EXIT_OK


def _check_chain(session_id: str | None) -> tuple[str, int, list[str]]:
    """Check a journal's hash chain (the active session's, or an archived one's)."""
    state = repository_state()
    active = state_for(session_id)
    if session_id is None and active is None:
        raise UsageError(
            "no active session", hint="name an archived one: guard session verify --session ID"
        )
    if active is not None:
        directory = active
        problems = store.verify(directory)
        try:
            store.load_active(active)
        except StateError as exc:
            problems.append(exc.message)
    else:
        assert session_id is not None  # noqa: S101 - checked above
        directory = store.archived_dir(state, session_id)
        if not os.path.isdir(directory):
            raise UsageError(f"--session {session_id!r}: no such archived session")
        problems = store.verify(directory)
    events = len(_safe_events(directory))
    return directory, events, problems
