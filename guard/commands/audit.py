"""`guard audit` and `guard report`: a session's changes judged, and its stored audit."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from guard import store
from guard.audit import SCHEMA
from guard.claims import extract
from guard.errors import EXIT_OK, UsageError
from guard.location import repository_state
from guard.report import renderer


def audited(
    session_id: str | None = None,
    since: str | None = None,
    mode: str | None = None,
    base: str | None = None,
    head: str | None = None,
    claims: str | None = None,
    policy: str | None = None,
) -> dict[str, Any]:
    """The report of what the scope names: an archived session, a start commit, a
    range, or (nothing named) the active session, else the latest stopped one; with
    `claims` (a text) what it claims about the change, checked."""
    from guard import audit, gather

    scope = gather.Scope(session_id, since, base, head, mode).check()
    if policy is not None:
        if since is None and base is None:
            raise UsageError(
                "--policy goes with --base/--head or --since",
                hint="a session is judged by the policy it froze at its start",
            )
        scope = scope._replace(policy=gather.current_policy(policy))
    if since is not None:
        sys.stderr.write(
            "guard: --since audits with the repository's current policy, not a frozen one\n"
        )
    evidence, judge = gather.gather(scope)
    found = None if claims is None else extract(claims)
    return audit.build(evidence, judge, claims=found)


def claims_text(source: str) -> str:
    """The text of `--claims`: a file, or standard input for `-`."""
    if source == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise UsageError(
                f"--claims {source}: {exc.strerror or exc}",
                hint="give a file with the pull request's text, or - for standard input",
            ) from None
    return data.decode("utf-8", "replace")


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
    session_id: str | None,
    since: str | None,
    mode: str | None,
    base: str | None,
    head: str | None,
    fmt: str,
    output: Path | None,
    claims: str | None = None,
    policy: Path | None = None,
    verbose: bool = False,
) -> int:
    """Everything that changed since the session started, judged, with a rollback plan;
    with `claims` (a file, `-` for standard input) that text's claims checked too."""
    from guard.audit import exit_status

    waiting: AbstractContextManager[object] = contextlib.nullcontext()
    if sys.stderr.isatty() and fmt == "text":
        from guard.report.text import progress

        waiting = progress("reading the history...")
    text = None if claims is None else claims_text(claims)
    with waiting:
        chosen = None if policy is None else str(policy)
        report = audited(session_id, since, mode, base, head, text, chosen)
    target = None if output is None else str(output)
    emit(renderer(fmt, color=color() and output is None, verbose=verbose)(report), target)
    return exit_status(report)


def stored_report(source: Path) -> dict[str, Any]:
    """A `guard.audit/v1` report written earlier with `--format json`."""
    try:
        data = json.loads(source.read_text(encoding="utf-8", errors="surrogateescape"))
    except (OSError, ValueError) as exc:
        raise UsageError(
            f"--input {source}: not a readable JSON report ({exc})",
            hint="write one with guard audit --format json --output FILE",
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise UsageError(f"--input {source}: not a {SCHEMA} report")
    return data


def report(
    session_id: str | None, fmt: str, source: Path | None = None, verbose: bool = False
) -> int:
    """Render the final audit stored when a session stopped (default: the latest), or
    the JSON report `source`: one audit, rendered in as many formats as CI needs."""
    if source is not None:
        if session_id is not None:
            raise UsageError("choose one of --session or --input")
        emit(renderer(fmt, color=color(), verbose=verbose)(stored_report(source)), None)
        return EXIT_OK
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
    emit(renderer(fmt, color=color(), verbose=verbose)(data), None)
    return EXIT_OK
