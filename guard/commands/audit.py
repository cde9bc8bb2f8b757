"""`guard audit` and `guard report`: a session's changes judged, and its stored audit."""

from __future__ import annotations

import json
from pathlib import Path

from guard.errors import EXIT_OK, UsageError
from guard.hooks.install import repository_state
from guard.report import renderer


def audit(
    session_id: str | None,
    since: str | None,
    mode: str | None,
    base: str | None,
    head: str | None,
    fmt: str,
    output: Path | None,
) -> int:
    """Everything that changed since the session started, judged, with a rollback plan."""
    from guard import auditing

    return auditing.audit(
        session_id, since, mode, base, head, fmt, None if output is None else str(output)
    )


def report(session_id: str | None, fmt: str) -> int:
    """Render the final audit stored when a session stopped (default: the latest)."""
    from guard import auditing, store

    state = repository_state()
    archived = store.archived(state)
    session_id = session_id or (archived[-1] if archived else None)
    if session_id is None or session_id not in archived:
        raise UsageError(
            f"no stopped session {session_id!r}" if session_id else "no stopped session yet",
            hint="guard session list shows them",
        )
    stored = Path(store.archived_dir(state, session_id)) / "audit.json"
    if not stored.is_file():
        raise UsageError(
            f"session {session_id} has no stored audit", hint="guard audit --session ID"
        )
    data = json.loads(stored.read_text(encoding="utf-8", errors="surrogateescape"))
    auditing.emit(renderer(fmt, color=auditing.color())(data), None)
    return EXIT_OK
