"""The report as SARIF 2.1.0, as GitHub code scanning ingests it.

One result per finding (`guard.report.findings`), each located at a repository path
(code scanning rejects the whole upload when one result has no location), with a
`partialFingerprints` entry that stays the same from run to run over the same
history, so code scanning keeps one alert per finding. Every rule carries a full
description and help, text and Markdown. `automationDetails.id` is
`session-guard/<mode>/<run>`: code scanning takes what precedes the last `/` as the
analysis category, so each mode is an analysis of its own while runs replace each
other; the run part names what was audited.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from guard import __version__
from guard.report import header
from guard.report.findings import KINDS, Finding, findings

FINGERPRINT = "sessionGuard/v1"  # the partialFingerprints key: versioned, ours alone
# Code scanning rejects a whole run of more results than this (its documented hard
# limit): past it, the errors are kept first and the run's properties say how many
# results were left out.
MAX_RESULTS = 25_000
_RANK = {"error": 0, "warning": 1, "note": 2}


def _uri(path: str) -> str:
    """A valid relative URI: percent-encoded UTF-8 (non-UTF-8 bytes as they are), `/` kept."""
    return quote(path.encode("utf-8", "surrogateescape"), safe="/")


def _result(finding: Finding, index: int) -> dict[str, Any]:
    location = {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.path)},
            # A finding is about a whole path: line 1 stands for the file.
            "region": {"startLine": 1},
        }
    }
    return {
        "ruleId": finding.kind.rule,
        "ruleIndex": index,
        "level": finding.level,
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: finding.fingerprint},
        "properties": dict(finding.properties),
    }


def _rule(index: int) -> dict[str, Any]:
    kind = KINDS[index]
    return {
        "id": kind.rule,
        "name": kind.name,
        "shortDescription": {"text": kind.short},
        "fullDescription": {"text": kind.full},
        "help": {"text": kind.help.replace("`", "").replace("**", ""), "markdown": kind.help},
        # What a result of the rule is unless it says otherwise: code scanning's severity.
        "defaultConfiguration": {"level": kind.default},
        "properties": {"tags": ["session-guard"]},
    }


def category(report: Mapping[str, Any]) -> str:
    """`session-guard/<mode>/<run>`: the analysis category, then what was audited."""
    scope, session = report["scope"], report["session"]
    if scope["kind"] == "session" and session is not None:
        run = session["id"]
    else:
        run = scope.get("tip") or scope.get("head") or scope.get("since") or "HEAD"
    mode = scope["mode"].replace("/", "-")  # one `/` less would change the category
    return f"session-guard/{mode}/{run}"


def render(report: Mapping[str, Any]) -> str:
    index = {kind.rule: i for i, kind in enumerate(KINDS)}
    found = findings(report)
    if len(found) > MAX_RESULTS:
        found = sorted(found, key=lambda f: _RANK[f.level])
    results = [_result(f, index[f.kind.rule]) for f in found[:MAX_RESULTS]]
    session = report["session"]
    properties: dict[str, Any] = {
        "header": dict(header(report)),
        "scope": report["scope"],
        "summary": report["summary"],
    }
    if len(found) > MAX_RESULTS:
        properties["omittedResults"] = len(found) - MAX_RESULTS
    if session is not None:
        properties["session"] = {k: session[k] for k in ("id", "mode", "started_at", "reason")}
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "session-guard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(i) for i in range(len(KINDS))],
                    }
                },
                "automationDetails": {"id": category(report)},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": properties,
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"
