"""The report as Markdown, to paste into a pull request or an issue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard import claims
from guard.report import describe, mode_text, problems, violations
from guard.rollback import by_hand, command_for


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(report: Mapping[str, Any]) -> str:
    summary = report["summary"]
    out = [
        "# session-guard audit",
        "",
        f"**Verdict: {summary['verdict']}** for {mode_text(report)}: "
        f"{summary['commits']} commit(s), {summary['violating_commits']} violating, "
        f"{summary['violations']} violation(s), {summary['net_violations']} still in place.",
        "",
    ]
    session = report["session"]
    if session and session.get("reason"):
        out += [f"Reason: {session['reason']}", ""]
    if report["commits"]:
        out += ["| commit | verdict | subject |", "| --- | --- | --- |"]
        for commit in report["commits"]:
            flag = " (claims docs only)" if commit["mislabelled"] else ""
            subject = _cell(commit["subject"])
            out.append(f"| `{commit['sha'][:12]}` | {commit['verdict']}{flag} | {subject} |")
        out.append("")
    bad = violations(report)
    if bad:
        out += ["## Violations", ""]
        out += [f"- `{commit['sha'][:12]}` {_cell(describe(change))}" for commit, change in bad]
        out.append("")
    return "\n".join(out + _claims(report) + _sections(report))


def _claims(report: Mapping[str, Any]) -> list[str]:
    """Each claim the pull request's text makes, and whether the change bears it out."""
    checked = report.get("claims")
    if checked is None:
        return []
    if not checked:
        return ["## Claims", "", "The text makes no claim session-guard checks.", ""]
    false = len(claims.false_claims(report))
    out = ["## Claims", "", f"{len(checked)} claim(s) checked, {false} false.", ""]
    out += ["| claim | line | holds | evidence |", "| --- | --- | --- | --- |"]
    for claim in checked:
        paths = ", ".join(f"`{_cell(p)}`" for p in claim["paths"][:5])
        more = len(claim["paths"]) - 5 + claim["more"]
        evidence = _cell(claim["detail"]) + (f" ({paths}" if paths else "")
        evidence += (f" and {more:,} more)" if more > 0 else ")") if paths else ""
        holds = "yes" if claim["holds"] else "**no**"
        out.append(f"| {_cell(claim['text'])} | {claim['line']} | {holds} | {evidence} |")
    out.append("")
    return out


def _sections(report: Mapping[str, Any]) -> list[str]:
    """What follows the commits: uncommitted work, integrity, upstream, the plans."""
    out: list[str] = []
    dirty = [row for row in report["working_tree"] if not row["allowed"]]
    if dirty:
        out += ["## Uncommitted", ""]
        out += [f"- {row['state']} `{row['path']}`: {row['category']}" for row in dirty]
        out.append("")
    found = problems(report)
    if found:
        out += ["## Integrity", "", *[f"- {_cell(p)}" for p in found], ""]
    upstream = report.get("upstream", ())
    if upstream:
        out += ["## Upstream", "", "Arrived by fetch, not the session's work:", ""]
        out += [f"- `{c['sha'][:12]}` {_cell(c['subject'])}" for c in upstream]
        out.append("")
    if report["rollback"]:
        out += ["## Rollback plan", "", f"`{command_for(report)}` does this in one commit.", ""]
        out += ["```sh", *[step["command"] for step in report["rollback"]], "```", ""]
    left = by_hand(dirty)
    if left:
        out += ["## Left to you", "", "The guard never discards uncommitted work.", ""]
        out += ["```sh", *left, "```", ""]
    if report["revert_candidates"]:
        shas = ", ".join(f"`{s[:12]}`" for s in report["revert_candidates"])
        out += [f"Revert candidates: {shas}", ""]
    return out
