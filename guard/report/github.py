"""The report as GitHub Actions workflow commands: an annotation per finding.

Every annotation's title names the judging mode and what was audited; a finding
about a path is annotated on that file, one about the repository (integrity) on
none. Findings that fail the audit are errors, the others warnings or notices; the
last line is the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guard.report import title
from guard.report.findings import REPOSITORY_FILE, findings


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def render(report: Mapping[str, Any]) -> str:
    named = f"title={_prop(title(report))}"
    lines = []
    for finding in findings(report):
        where = "" if finding.path == REPOSITORY_FILE else f"file={_prop(finding.path)},"
        command = _COMMAND[finding.level]
        lines.append(f"::{command} {where}{named}::{_data(finding.message)}")
    summary = report["summary"]
    lines.append(
        f"::notice {named}::{_data(summary['verdict'])}: {summary['violations']} "
        f"violation(s), {summary['net_violations']} still in place, {summary['commits']} commit(s)"
    )
    return "\n".join(lines) + "\n"
