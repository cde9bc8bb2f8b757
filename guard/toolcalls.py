"""Which agent tool call wrote a change: the journal's record of the calls let through.

The agent hook journals every call it decides (guard.agent.hook): the agent, the
tool, the agent's own session and call ids where its payload names them, and the
paths the call names, relative to their work tree (the first 50, refused first). A
call that ran (`allowed`, or `warned` in observe mode) and named a repository path
is evidence for a change to that path: an edit, a patch, a filesystem MCP tool, or
a shell command's writes where the guard's shell parser resolved them (a program a
command starts writes what nobody journaled).

A change is matched to the last such call that named its path (a rename: its new
path, else its old one, the content the call wrote) at or before the commit's date;
when every call came later (an amended or back-dated commit), the last one. An
uncommitted change is matched to the last call. A path no call of the session named
is looked for in the sessions just before it, nearest first (work left uncommitted
under a mode that allowed it, audited under the next session's), and such a call
names the session that journaled it. When no agent made a call the hook saw, the
audit cannot tell a change made outside the agents from one with no agent at all,
and says nothing (`index` gives None).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

RAN = {"allowed": "allowed", "warned": "warned"}  # journal event -> the report's decision
# Row statuses that name a repository path the call could write (guard.agent.judge.Row):
# "denied" and "plan" rows only ran in observe mode.
WRITTEN = frozenset(("allowed", "ignored", "denied", "linked", "plan"))
TIME = "%Y-%m-%dT%H:%M:%SZ"  # the journal's (guard.store.now)


class Calls:
    """The calls of one journal that wrote repository paths, by path."""

    def __init__(self) -> None:
        self.exact: dict[str, list[dict[str, Any]]] = {}
        self.folders: list[tuple[str, dict[str, Any]]] = []  # ("docs/", call): all below
        self.earlier: list[Calls] = []  # the sessions before, nearest first

    def add(self, path: str, call: dict[str, Any]) -> None:
        if path.endswith("/"):
            self.folders.append((path, call))
        elif path not in (".", ""):  # a whole work tree: too broad to say who wrote what
            self.exact.setdefault(path, []).append(call)

    def _named(self, path: str) -> list[dict[str, Any]]:
        found = list(self.exact.get(path, ()))
        found += [call for folder, call in self.folders if path.startswith(folder)]
        return found

    def find(
        self, path: str, old_path: str | None = None, date: str | None = None
    ) -> dict[str, Any] | None:
        """The call that wrote `path` (or `old_path`) by `date` (a commit's), else None."""
        for calls in (self, *self.earlier):
            named = calls._named(path) or (calls._named(old_path) if old_path else [])
            if named:
                return _chosen(named, date)
        return None


def _chosen(named: list[dict[str, Any]], date: str | None) -> dict[str, Any]:
    named.sort(key=lambda call: call["seq"])
    when = _utc(date) if date else None
    before = [call for call in named if when is None or call["at"] <= when]
    chosen = (before or named)[-1]
    return {key: value for key, value in chosen.items() if key != "seq"}


def _utc(date: str) -> str | None:
    """A commit's ISO 8601 date (any offset) as the journal writes times, else None."""
    try:
        moment = datetime.fromisoformat(date)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return time.strftime(TIME, moment.astimezone(timezone.utc).timetuple())


def index(
    events: Iterable[Mapping[str, Any]],
    earlier: Sequence[tuple[str, Iterable[Mapping[str, Any]]]] = (),
) -> Calls | None:
    """The calls of a session's journal that wrote repository paths, with those of the
    `earlier` sessions' journals ((id, events), oldest first) for the paths it does not
    name; None when no agent hook decided anything in any of them."""
    calls, hooked = _calls(events)
    for session, before in reversed(earlier):
        found, seen = _calls(before, session)
        if seen:
            calls.earlier.append(found)
            hooked = True
    return calls if hooked else None


def _calls(events: Iterable[Mapping[str, Any]], session: str = "") -> tuple[Calls, bool]:
    """One journal's calls, and whether it holds any agent hook decision; the calls of
    an earlier session name it (`guard_session`)."""
    calls, hooked = Calls(), False
    for event in events:
        data = event.get("data")
        if not isinstance(data, dict) or data.get("layer") != "agent":
            continue
        hooked = True
        decision = RAN.get(str(event.get("event")))
        rows = data.get("paths")
        if decision is None or not isinstance(rows, list):
            continue
        call = {
            "agent": _text(data.get("agent")) or "?",
            "tool": _text(data.get("tool")) or "?",
            "session": _text(data.get("agent_session")),
            "call": _text(data.get("call_id")),
            "at": _text(event.get("time")) or "",
            "decision": decision,
            "seq": event.get("seq") if isinstance(event.get("seq"), int) else 0,
        }
        if session:
            call["guard_session"] = session
        for row in rows:
            if isinstance(row, dict) and row.get("status") in WRITTEN:
                path = _text(row.get("path"))
                if path:
                    calls.add(path, {**call, "path": path})
    return calls, hooked


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None
