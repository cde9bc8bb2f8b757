"""The report as GitLab's code quality report (a CodeClimate JSON array), for the
merge request widget: the SARIF run's results, each at its path.

Derived from the SARIF rendering, so the two list the same findings with the same
locations and fingerprints; GitLab keys an issue by its `fingerprint` from one
pipeline to the next.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from guard.report import sarif

SEVERITY = {"error": "major", "warning": "minor", "note": "info"}
UNLOCATED = ".guard.yaml"  # the file that configures session-guard for the repository


def _path(result: Mapping[str, Any]) -> str:
    for location in result.get("locations", ()):
        uri = location.get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
        if uri:
            return unquote(uri, errors="surrogateescape")
    return UNLOCATED


def _fingerprint(result: Mapping[str, Any], path: str) -> str:
    given = list(result.get("partialFingerprints", {}).values())
    if given:
        return str(given[0])
    text = "\0".join((result["ruleId"], result["message"]["text"], path))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def render(report: Mapping[str, Any]) -> str:
    run = json.loads(sarif.render(report))["runs"][0]
    issues = []
    for result in run["results"]:
        path = _path(result)
        issues.append(
            {
                "type": "issue",
                "check_name": result["ruleId"],
                "description": result["message"]["text"],
                "categories": ["Bug Risk"],
                "severity": SEVERITY.get(result.get("level", "warning"), "minor"),
                "fingerprint": _fingerprint(result, path),
                "location": {"path": path, "lines": {"begin": 1}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"
