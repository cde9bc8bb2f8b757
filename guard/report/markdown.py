"""The report as Markdown, to paste into a pull request or an issue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
    return "\n".join(out + _sections(report))


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
