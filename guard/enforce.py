"""Changes + session -> verdict, and the message a blocked user reads. Pure: no I/O.

Every enforcement layer (pre-commit, reference-transaction, pre-push) asks the
same two questions of a list of changes: which paths does the session's mode not
allow, and which of those merely put a path back to its session-start content
(always allowed: that is how a rollback commits during a session).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from guard.classify import Classifier
from guard.session import Change, Commit, Session

SUBMODULE_RULE = "submodule pointer: the policy default decides"


class Finding(NamedTuple):
    """One changed path, judged."""

    path: str
    status: str
    category: str
    rule: str | None
    allowed: bool
    restores: bool = False

    @property
    def violation(self) -> bool:
        return not self.allowed and not self.restores


def judge(
    changes: Iterable[Change], classifier: Classifier, allowed: Sequence[str]
) -> list[Finding]:
    """Classify each change and say whether the mode allows it."""
    changes = list(changes)
    indices = classifier.indices([c.path for c in changes])
    patterns = classifier.policy.patterns
    default = classifier.policy.default
    findings = []
    for change, index in zip(changes, indices, strict=True):
        if change.is_gitlink:
            category, rule = default, SUBMODULE_RULE
        elif index < 0:
            category, rule = default, None
        else:
            category, rule = patterns[index].category, patterns[index].rule
        findings.append(Finding(change.path, change.status, category, rule, category in allowed))
    return findings


def all_allowed(changes: Sequence[Change], classifier: Classifier, allowed: Sequence[str]) -> bool:
    """The common case, answered without building findings: every path is allowed."""
    patterns, default = classifier.policy.patterns, classifier.policy.default
    for change, index in zip(changes, classifier.indices([c.path for c in changes]), strict=True):
        category = default if index < 0 or change.is_gitlink else patterns[index].category
        if category not in allowed:
            return False
    return True


def needs_restore_check(findings: Iterable[Finding]) -> bool:
    return any(not f.allowed for f in findings)


def mark_restores(findings: Iterable[Finding], differing: set[str]) -> list[Finding]:
    """Mark the non-allowed changes whose path has its session-start content again
    (`differing`: the paths that differ between the start and the new state)."""
    return [
        f._replace(restores=True) if not f.allowed and f.path not in differing else f
        for f in findings
    ]


# --------------------------------------------------------------------------- messages


class Style(NamedTuple):
    """ANSI emphasis for a terminal; plain when not a TTY or when NO_COLOR is set."""

    color: bool

    @staticmethod
    def for_stream(isatty: bool) -> Style:
        return Style(isatty and not os.environ.get("NO_COLOR"))

    def bold(self, text: str) -> str:
        return f"\x1b[1m{text}\x1b[0m" if self.color else text

    def red(self, text: str) -> str:
        return f"\x1b[1;31m{text}\x1b[0m" if self.color else text


_SAFE_WORD = re.compile(r"[\w@%+=:,./-]+\Z", re.ASCII)


def literal(path: str) -> str:
    """A path as a git pathspec that means exactly that path: a leading `:` would be
    pathspec magic and `*?[` wildcards, so such paths get `:(literal)`."""
    if path.startswith(":") or any(c in path for c in "*?[\\"):
        return f":(literal){path}"
    return path


def quote(path: str) -> str:
    """A path as a shell word: safe to paste into the suggested command."""
    if _SAFE_WORD.match(path) and not path.startswith("-"):
        return path
    return "'" + path.replace("'", "'\"'\"'") + "'"


def unstage_command(paths: Sequence[str], shown: int = 20) -> str:
    """`git restore --staged -- ...` for the paths (the first `shown` of them)."""
    command = "git restore --staged -- " + " ".join(quote(literal(p)) for p in paths[:shown])
    if len(paths) > shown:
        command += f"  (and {len(paths) - shown} more)"
    return command


def _allowed_text(session: Session) -> str:
    return ", ".join(session.allowed) or "nothing"


SHOWN = 50  # paths listed in a message or journal entry; the rest are counted


def _finding_lines(findings: Iterable[Finding], style: Style) -> list[str]:
    rows = [f for f in findings if f.violation]
    width = min(max((len(f.path) for f in rows[:SHOWN]), default=0), 60)
    lines = []
    for f in rows[:SHOWN]:
        rule = f.rule or "no rule matched: the policy default"
        lines.append(f"    {f.path:<{width}}  {style.bold(f.category)}  ({rule})")
    if len(rows) > SHOWN:
        lines.append(f"    ... and {len(rows) - SHOWN} more")
    return lines


def _header(what: str, session: Session, style: Style) -> list[str]:
    verb = "would block" if session.observe else "blocked"
    reason = f', reason: "{session.reason}"' if session.reason else ""
    return [
        f"{style.red('session-guard: ' + verb)} {what}: session {session.id} is in "
        f"{style.bold(session.mode)} mode (allows {_allowed_text(session)}{reason}).",
    ]


def _footer(session: Session, extra: list[str]) -> list[str]:
    if session.observe:
        return ["  (observe mode: recorded, not blocked)"]
    lines = ["  What you can do:", *[f"    - {line}" for line in extra]]
    lines.append(f"    - or write to a path the mode allows ({_allowed_text(session)}) instead")
    stop = "guard session stop" + (" --unlock CODE" if session.locked else "")
    lines.append(f"    - or end the session: {stop}")
    return lines


def staged_message(findings: Sequence[Finding], session: Session, style: Style) -> str:
    """What `git commit` prints when the staged changes break the session's mode."""
    paths = [f.path for f in findings if f.violation]
    lines = _header("this commit", session, style)
    lines.append("  Staged paths the mode does not allow:")
    lines.extend(_finding_lines(findings, style))
    lines.extend(_footer(session, [f"unstage them: {unstage_command(paths)}"]))
    return "\n".join(lines) + "\n"


def commit_title(commit: Commit) -> str:
    return f"Commit {commit.sha[:12]} {commit.subject!r} changes:"


def move_title(ref: str, old: str, new: str) -> str:
    return f"Moving {ref} from {old[:12]} to {new[:12]} changes:"


def items_message(
    items: Sequence[tuple[str, Sequence[Finding]]],
    session: Session,
    style: Style,
    what: str,
    advice: list[str],
) -> str:
    """What a ref update or push prints: each commit or ref move with its violations."""
    lines = _header(what, session, style)
    for title, findings in items:
        if any(f.violation for f in findings):
            lines.append(f"  {title}")
            lines.extend(_finding_lines(findings, style))
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
