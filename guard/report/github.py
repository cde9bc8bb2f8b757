"""The report as GitHub Actions workflow commands (annotations on the files)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard import claims
from guard.report import describe, mode_text, violations


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Mapping[str, Any]) -> str:
    lines = []
    who = mode_text(report)
    for commit, change in violations(report):
        message = f"{describe(change)} is not allowed in {who}; commit {commit['sha'][:12]}"
        lines.append(f"::error file={_prop(change['path'])},title=session-guard::{_data(message)}")
    for row in report["working_tree"]:
        if not row["allowed"]:
            message = (
                f"uncommitted ({row['state']}) {row['path']}: {row['category']} is not allowed"
            )
            lines.append(f"::error file={_prop(row['path'])},title=session-guard::{_data(message)}")
    for commit in report["commits"]:
        if commit["mislabelled"]:
            message = f"commit {commit['sha'][:12]} {commit['subject']!r} claims docs only"
            lines.append(f"::warning title=session-guard::{_data(message)}")
    for item in [
        *report["integrity"],
        *({"kind": "rewritten", "detail": r["ref"]} for r in report["rewritten_refs"]),
    ]:
        lines.append(
            f"::warning title=session-guard::{_data(item['kind'] + ': ' + item['detail'])}"
        )
    lines += _claims(report)
    summary = report["summary"]
    lines.append(
        f"::notice title=session-guard::{_data(summary['verdict'])}: {summary['violations']} "
        f"violation(s), {summary['net_violations']} still in place, {summary['commits']} commit(s)"
    )
    return "\n".join(lines) + "\n"


def _claims(report: Mapping[str, Any]) -> list[str]:
    """A false claim is about the pull request, not one file: an error on the run."""
    return [
        f"::error title=session-guard false claim::{_data(claims.summary(claim))}"
        for claim in claims.false_claims(report)
    ]
