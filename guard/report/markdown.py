"""The report as GitHub-flavoured Markdown: a job summary, a pull-request comment.

What a report shows of a repository (subjects, paths, details) is escaped, so a
subject cannot open a link, a table cell or an HTML comment that hides the rest;
control characters are shown as C escapes. The whole stays under `LIMIT`, the
length GitHub accepts for a comment: when it would not, every long list is cut to
its first entries, and each cut says how many it left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from guard.quoting import visible
from guard.report import header, mode_text
from guard.report.findings import KINDS, findings
from guard.rollback import by_hand, command_for, plan_commands

LIMIT = 65_536  # characters: GitHub's limit for a comment body
CAPS = (None, 1000, 200, 50, 10)  # entries a list keeps, tried in turn until it fits
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_TICKS = re.compile("`+")


def _md(text: object) -> str:
    """Text that renders as itself: Markdown's punctuation escaped, controls shown."""
    return _SPECIAL.sub(r"\\\1", visible(str(text)))


def _code(text: object) -> str:
    """A code span holding `text`, whatever backticks it has."""
    shown = visible(str(text))
    fence = "`" * (max((len(m) for m in _TICKS.findall(shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _capped(lines: list[str], cap: int | None, what: str) -> tuple[list[str], str | None]:
    """The first `cap` lines, and what says how many were left out (None: none were)."""
    if cap is None or len(lines) <= cap:
        return lines, None
    return lines[:cap], (
        f"... and {len(lines) - cap} more {what} not shown, to keep this report under "
        f"GitHub's {LIMIT:,}-character limit: guard audit --format json lists them all"
    )


def _listed(lines: list[str], cap: int | None, what: str) -> list[str]:
    kept, left = _capped(lines, cap, what)
    return kept if left is None else [*kept, f"- {left}"]


def _block(lines: list[str], cap: int | None, what: str) -> list[str]:
    """A shell block; a cut is said in a shell comment, so the rest still runs."""
    kept, left = _capped(lines, cap, what)
    longest = max((len(m) for line in kept for m in _TICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)  # a quoted path cannot close the block
    return [f"{fence}sh", *kept, *([f"# {left}"] if left else []), fence]


def render(report: Mapping[str, Any]) -> str:
    text = ""
    for cap in CAPS:
        text = _render(report, cap)
        if len(text) <= LIMIT:
            return text
    return _cut(text)


def _cut(text: str) -> str:
    """The last resort, for entries too long even ten to a list: whole lines up to the
    limit, a code block left open closed, and a line that says so."""
    note = (
        f"\n_... the rest is cut at GitHub's {LIMIT:,}-character limit: "
        "guard audit --format json has it all._\n"
    )
    kept, size, fence = [], 0, ""
    for line in text.split("\n"):
        if size + len(line) + 1 > LIMIT - len(note) - len(fence) - 2:
            break
        kept.append(line)
        size += len(line) + 1
        if not fence and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        elif fence and line == fence:
            fence = ""
    if fence:
        kept.append(fence)
    return "\n".join(kept) + "\n" + note


def _render(report: Mapping[str, Any], cap: int | None) -> str:
    summary = report["summary"]
    out = [
        "# session-guard audit",
        "",
        f"**Verdict: {summary['verdict']}** for {_md(mode_text(report))}: "
        f"{summary['commits']} commit(s), {summary['violating_commits']} violating, "
        f"{summary['violations']} violation(s), {summary['net_violations']} still in place.",
        "",
        *[f"- **{label.capitalize()}:** {_md(value)}" for label, value in header(report)],
        "",
    ]
    session = report["session"]
    if session and session.get("reason"):
        out += [f"Reason: {_md(session['reason'])}", ""]
    if report["commits"]:
        rows = []
        for commit in report["commits"]:
            flag = " (claims docs only)" if commit["mislabelled"] else ""
            subject = _md(commit["subject"])
            rows.append(f"| `{commit['sha'][:12]}` | {commit['verdict']}{flag} | {subject} |")
        kept, left = _capped(rows, cap, "commit(s)")
        out += ["| commit | verdict | subject |", "| --- | --- | --- |", *kept, ""]
        if left:
            out += [f"_{left}_", ""]
    found = findings(report)
    for kind in KINDS:
        lines = [f"- {_code(f.lead)} {_md(f.detail)}" for f in found if f.kind is kind]
        if lines:
            out += [f"## {kind.title}", "", *_listed(lines, cap, "finding(s)"), ""]
    return "\n".join(out + _claims(report) + _sections(report, cap))


def _claims(report: Mapping[str, Any]) -> list[str]:
    """The text's claims that hold (the false ones are findings), or that it makes none."""
    checked = report.get("claims")
    if checked is None:
        return []
    if not checked:
        return ["_The text checked for claims makes none that session-guard checks._", ""]
    held = [c for c in checked if c["holds"]]
    if not held:
        return []
    lines = [f"- line {c['line']} {_md(repr(c['text']))}: {_md(c['detail'])}" for c in held]
    return ["## Claims that hold", "", *lines, ""]


def _sections(report: Mapping[str, Any], cap: int | None) -> list[str]:
    """What follows the findings: upstream, the plans, the revert candidates."""
    out: list[str] = []
    upstream = report.get("upstream", ())
    if upstream:
        out += ["## Upstream", "", "Arrived by fetch, not the session's work:", ""]
        lines = [f"- `{c['sha'][:12]}` {_md(c['subject'])}" for c in upstream]
        out += [*_listed(lines, cap, "commit(s)"), ""]
    if report["rollback"]:
        out += ["## Rollback plan", "", f"`{command_for(report)}` does this in one commit.", ""]
        steps = plan_commands(report)
        out += [*_block(steps, cap, "command(s)"), ""]
    left = by_hand(report)
    if left:
        out += ["## Left to you", "", "The guard never discards uncommitted work.", ""]
        out += [*_block(left, cap, "command(s)"), ""]
    if report["revert_candidates"]:
        shas = [f"`{s[:12]}`" for s in report["revert_candidates"]]
        shown = ", ".join(shas if cap is None else shas[:cap])
        more = "" if cap is None or len(shas) <= cap else f" and {len(shas) - cap} more"
        out += [f"Revert candidates: {shown}{more}", ""]
    return out
