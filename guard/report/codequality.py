"""The report as GitLab's code quality report (a CodeClimate JSON array), for the
merge request widget: the SARIF run's results, each at its path.

Derived from the SARIF rendering, so the two list the same findings with the same
locations and fingerprints; GitLab keys an issue by its `fingerprint` from one
pipeline to the next.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from guard.report import sarif

SEVERITY = {"error": "major", "warning": "minor", "note": "info"}


def _issue(result: Mapping[str, Any]) -> dict[str, Any]:
    """Every SARIF result has a location and a fingerprint (`guard.report.sarif`)."""
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    return {
        "type": "issue",
        "check_name": result["ruleId"],
        "description": result["message"]["text"],
        "categories": ["Bug Risk"],
        "severity": SEVERITY[result["level"]],
        "fingerprint": next(iter(result["partialFingerprints"].values())),
        "location": {"path": unquote(uri, errors="surrogateescape"), "lines": {"begin": 1}},
    }


def render(report: Mapping[str, Any]) -> str:
    run = json.loads(sarif.render(report))["runs"][0]
    return json.dumps([_issue(result) for result in run["results"]], indent=2) + "\n"
