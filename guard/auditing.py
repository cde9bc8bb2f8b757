"""`guard audit`: what is audited, the report, where it goes."""

from __future__ import annotations

import contextlib
import os
import sys
from contextlib import AbstractContextManager
from typing import Any

from guard.report import renderer


def evidence_for(
    session_id: str | None, since: str | None, mode: str | None, base: str | None, head: str | None
) -> tuple[Any, Any, str | None]:
    """Gather what is audited: (evidence, judge, the archived session's id, or None for
    the active session or a range)."""
    from guard import gather

    scope = gather.Scope(session_id, since, base, head, mode).check()
    if since is not None:
        sys.stderr.write(
            "guard: --since audits with the repository's current policy, not a frozen one\n"
        )
    if session_id is None and since is None and base is None:
        session_id = gather.default_session()
        scope = scope._replace(session_id=session_id)
    evidence, judge = gather.gather(scope)
    return evidence, judge, session_id


def emit(text: str, output: str | None) -> None:
    data = text.encode("utf-8", "surrogateescape")
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        with open(output, "wb") as handle:  # noqa: PTH123
            handle.write(data)


def color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def audit(
    session_id: str | None = None,
    since: str | None = None,
    mode: str | None = None,
    base: str | None = None,
    head: str | None = None,
    fmt: str = "text",
    output: str | None = None,
) -> int:
    """Audit, render as `fmt`, write to `output` (stdout when None); the exit status."""
    from guard import audit as audit_core

    waiting: AbstractContextManager[object] = contextlib.nullcontext()
    if sys.stderr.isatty() and fmt == "text":
        from guard.report.text import progress

        waiting = progress("reading the history...")
    with waiting:
        found, judge, _ = evidence_for(session_id, since, mode, base, head)
        report = audit_core.build(found, judge)
    emit(renderer(fmt, color=color() and output is None)(report), output)
    return audit_core.exit_status(report)
