"""The messages a blocked user reads, and the journal's record of what was refused.

Plain text, built from the judge's findings: what was refused, each path with its
category and the rule that decided it, the session's mode and reason, and what to
do next. Pure: the hooks print it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guard.changes import Commit
from guard.judge import Finding
from guard.quoting import pathspec_word, shown, visible
from guard.session import Session


def unstage_command(paths: Sequence[str], shown: int = 20) -> str:
    """`git restore --staged -- ...` for the paths (the first `shown` of them)."""
    command = "git restore --staged -- " + " ".join(pathspec_word(p) for p in paths[:shown])
    if len(paths) > shown:
        command += f"  (and {len(paths) - shown} more)"
    return command


def _allowed_text(session: Session) -> str:
    return ", ".join(session.allowed) or "nothing"


SHOWN = 50  # paths listed in a message or journal entry; the rest are counted


def finding_lines(findings: Iterable[Finding]) -> list[str]:
    rows = [f for f in findings if f.violation]
    width = min(max((len(shown(f.path)) for f in rows[:SHOWN]), default=0), 60)
    lines = []
    for f in rows[:SHOWN]:
        rule = f.rule or "no rule matched: the policy default"
        lines.append(f"    {shown(f.path):<{width}}  {f.category}  ({rule})")
    if len(rows) > SHOWN:
        lines.append(f"    ... and {len(rows) - SHOWN} more")
    return lines


def _header(what: str, session: Session) -> list[str]:
    verb = "would block" if session.observe else "blocked"
    reason = f', reason: "{visible(session.reason)}"' if session.reason else ""
    return [
        f"session-guard: {verb} {what}: session {session.id} is in "
        f"{session.mode} mode (allows {_allowed_text(session)}{reason}).",
    ]


def _footer(session: Session, extra: list[str]) -> list[str]:
    if session.observe:
        return ["  (observe mode: recorded, not blocked)"]
    lines = ["  What you can do:", *[f"    - {line}" for line in extra]]
    lines.append(f"    - or write to a path the mode allows ({_allowed_text(session)}) instead")
    stop = "guard session stop" + (" --unlock CODE" if session.locked else "")
    lines.append(f"    - or end the session: {stop}")
    return lines


def staged_message(findings: Sequence[Finding], session: Session) -> str:
    """What `git commit` prints when the staged changes break the session's mode."""
    paths = [f.path for f in findings if f.violation]
    lines = _header("this commit", session)
    lines.append("  Staged paths the mode does not allow:")
    lines.extend(finding_lines(findings))
    lines.extend(_footer(session, [f"unstage them: {unstage_command(paths)}"]))
    return "\n".join(lines) + "\n"


def commit_title(commit: Commit) -> str:
    return f"Commit {commit.sha[:12]} {commit.subject!r} changes:"


def move_title(ref: str, old: str, new: str) -> str:
    return f"Moving {ref} from {old[:12]} to {new[:12]} changes:"


def items_message(
    items: Sequence[tuple[str, Sequence[Finding]]],
    session: Session,
    what: str,
    advice: list[str],
) -> str:
    """What a ref update or push prints: each commit or ref move with its violations."""
    lines = _header(what, session)
    for title, findings in items:
        if any(f.violation for f in findings):
            lines.append(f"  {title}")
            lines.extend(finding_lines(findings))
    lines.extend(_footer(session, advice))
    return "\n".join(lines) + "\n"


def finding_data(findings: Iterable[Finding]) -> dict[str, object]:
    """The journal's record of the violations: how many, and the first SHOWN of them."""
    bad = [f for f in findings if f.violation]
    return {
        "count": len(bad),
        "paths": [
            {"path": f.path, "status": f.status, "category": f.category, "rule": f.rule}
            for f in bad[:SHOWN]
        ],
    }
