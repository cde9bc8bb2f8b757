"""The report as SARIF 2.1.0: one result per violating path, for code-scanning tools."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from guard import __version__, claims
from guard.report import describe, mode_text, violations

RULES = [
    ("guard/mode-violation", "A committed change to a path the session's mode does not allow"),
    ("guard/uncommitted-violation", "An uncommitted change to a path the mode does not allow"),
    ("guard/mislabelled-commit", "A commit claiming docs or analysis only changes other paths"),
    ("guard/integrity", "Enforcement was weakened or history rewritten during the session"),
    ("guard/false-claim", "The pull request's text claims what the change contradicts"),
]


def _result(
    rule: str, level: str, text: str, path: str | None, props: dict[str, Any]
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": rule,
        "level": level,
        "message": {"text": text},
        "properties": props,
    }
    if path is not None:
        uri = quote(path.encode("utf-8", "surrogateescape"), safe="/")  # a valid relative URI
        result["locations"] = [{"physicalLocation": {"artifactLocation": {"uri": uri}}}]
    return result


def render(report: Mapping[str, Any]) -> str:
    who = mode_text(report)
    results = [
        _result(
            "guard/mode-violation",
            "error",
            f"{describe(change)} is not allowed in {who} (commit {commit['sha'][:12]})",
            change["path"],
            {"commit": commit["sha"], "category": change["category"], "status": change["status"]},
        )
        for commit, change in violations(report)
    ]
    results += [
        _result(
            "guard/uncommitted-violation",
            "error",
            f"uncommitted ({row['state']}) {row['path']}: {row['category']} "
            f"is not allowed in {who}",
            row["path"],
            {"state": row["state"], "category": row["category"]},
        )
        for row in report["working_tree"]
        if not row["allowed"]
    ]
    results += [
        _result(
            "guard/mislabelled-commit",
            "warning",
            f"commit {c['sha'][:12]} {c['subject']!r} claims docs only",
            None,
            {"commit": c["sha"]},
        )
        for c in report["commits"]
        if c["mislabelled"]
    ]
    results += [
        _result(
            "guard/integrity", "warning", f"{i['kind']}: {i['detail']}", None, {"kind": i["kind"]}
        )
        for i in report["integrity"]
    ]
    results += [
        _result(
            "guard/integrity", "warning", f"rewritten: {r['ref']}", None, {"kind": "rewritten-ref"}
        )
        for r in report["rewritten_refs"]
    ]
    results += _claims(report)
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "session-guard",
                        "version": __version__,
                        "rules": [
                            {"id": rule, "shortDescription": {"text": text}} for rule, text in RULES
                        ],
                    }
                },
                "results": results,
                "properties": {"summary": report["summary"]},
            }
        ],
    }
    return json.dumps(sarif, indent=2) + "\n"


def _claims(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A false claim, located at the first path that contradicts it (code scanning
    needs a location), else at the policy file."""
    return [
        _result(
            "guard/false-claim",
            "error",
            claims.summary(claim),
            (claim["paths"] or [".guard.yaml"])[0],
            {"kind": claim["kind"], "line": claim["line"], "counts": claim["counts"]},
        )
        for claim in claims.false_claims(report)
    ]
