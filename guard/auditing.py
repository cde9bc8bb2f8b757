"""`guard audit` without click: what is audited, the report, where it goes.

The click command calls `audit`; the guard script calls `fast_argv` and `audit`
directly for the shapes CI and the benchmark use (`guard audit [--format F]
[--output FILE]`), so the audit costs the git log it reads, not the log plus the
CLI's start-up.
"""

from __future__ import annotations

import contextlib
import os
import sys
from contextlib import AbstractContextManager
from typing import Any

from guard import location
from guard.errors import UsageError
from guard.report import FORMATS, renderer
from guard.report.json import Streamed
from guard.report.json import render as render_json


def evidence_for(
    session_id: str | None, since: str | None, mode: str | None, base: str | None, head: str | None
) -> tuple[Any, Any, str | None]:
    """Gather what is audited: (evidence, classifier, the archived session's id, or None
    for the active session or a range)."""
    from guard import evidence

    if (base is None) != (head is None):
        raise UsageError("--base and --head go together (an explicit range)")
    if sum(x is not None for x in (session_id, since, base)) > 1:
        raise UsageError("choose one of --session, --since or --base/--head")
    if base is not None and head is not None:
        found, classifier = evidence.for_range(base, head, mode or "read-only")
        return found, classifier, None
    if since is not None:
        sys.stderr.write(
            "guard: --since audits with the repository's current policy, not a frozen one\n"
        )
        found, classifier = evidence.for_since(since, mode or "read-only")
        return found, classifier, None
    if session_id is None and not evidence.prefetched():
        session_id = default_session()
    found, classifier = evidence.for_session(session_id)
    if mode is not None:
        allowed = evidence.allowed_by(classifier.policy, mode)
        session = {**(found.session or {}), "mode": mode, "allowed": list(allowed)}
        found = found._replace(allowed=allowed, session=session)
    return found, classifier, session_id


def default_session() -> str | None:
    """None (the active session) when one is active, else the latest archived one."""
    from guard import store
    from guard.hooks.install import repository_state

    state = repository_state()
    if location.active(state):
        return None
    archived = store.archived(state)
    if not archived:
        raise UsageError(
            "no session to audit in this repository",
            hint="start one (guard session start), or audit a range: "
            "guard audit --since COMMIT --mode MODE, or --base REV --head REV",
        )
    return archived[-1]


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
    # In JSON, the commit rows and rollback steps are encoded while git still writes.
    streamed = Streamed() if fmt == "json" else None
    with waiting:
        found, classifier, _ = evidence_for(session_id, since, mode, base, head)
        report = audit_core.build(found, classifier, streamed)
    if streamed is not None:
        text = render_json(report, streamed)
    else:
        text = renderer(fmt, color=color() and output is None)(report)
    emit(text, output)
    return audit_core.exit_status(report)


def fast_argv(args: list[str]) -> dict[str, str] | None:
    """The options of `audit [--format F] [--output FILE]` (each at most once, either
    spelling), or None for anything else (help, other options, a bad value, an
    output that is a directory): click parses those and words their errors."""
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        name, sep, value = args[i].partition("=")
        if name not in ("--format", "--output") or name in found:
            return None
        if not sep:
            if i + 1 >= len(args):
                return None
            value = args[i + 1]
            i += 1
        found[name] = value
        i += 1
    if found.get("--format", "text") not in FORMATS:
        return None
    output = found.get("--output")
    if output is not None and (not output or output.startswith("-") or os.path.isdir(output)):  # noqa: PTH112
        return None
    return found
