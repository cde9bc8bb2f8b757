"""The report as JUnit XML: a test case per commit, failures for violations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from guard import claims
from guard.report import describe, mode_text

# Characters XML 1.0 cannot carry, and lone surrogates (non-UTF-8 path bytes).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def render(report: Mapping[str, Any]) -> str:
    who = mode_text(report)
    cases = []
    for commit in reversed(report["commits"]):
        case = ET.Element(
            "testcase",
            classname="session-guard.commits",
            name=_text(f"{commit['sha'][:12]} {commit['subject']}"),
        )
        bad = [c for c in commit["changes"] if not c["allowed"] and not c["restores"]]
        if bad:
            failure = ET.SubElement(
                case,
                "failure",
                type="mode-violation",
                message=_text(f"{len(bad)} path(s) not allowed in {who}"),
            )
            failure.text = _text("\n".join(describe(c) for c in bad))
        cases.append(case)
    dirty = [row for row in report["working_tree"] if not row["allowed"]]
    working = ET.Element(
        "testcase", classname="session-guard.working-tree", name="uncommitted changes"
    )
    if dirty:
        failure = ET.SubElement(
            working,
            "failure",
            type="uncommitted-violation",
            message=_text(f"{len(dirty)} uncommitted path(s) not allowed"),
        )
        failure.text = _text("\n".join(f"{r['state']} {r['path']}: {r['category']}" for r in dirty))
    cases.append(working)
    integrity = ET.Element(
        "testcase", classname="session-guard.integrity", name="enforcement intact"
    )
    problems = [f"{i['kind']}: {i['detail']}" for i in report["integrity"]]
    problems += [f"rewritten: {r['ref']}" for r in report["rewritten_refs"]]
    if problems:
        failure = ET.SubElement(integrity, "failure", type="integrity", message=_text(problems[0]))
        failure.text = _text("\n".join(problems))
    cases.append(integrity)
    cases += _claims(report)
    failures = sum(1 for case in cases if case.find("failure") is not None)
    suite = ET.Element(
        "testsuite",
        name="session-guard audit",
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
    )
    suite.extend(cases)
    root = ET.Element("testsuites", tests=str(len(cases)), failures=str(failures))
    root.append(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _claims(report: Mapping[str, Any]) -> list[ET.Element]:
    """A test case per claim checked; a false one fails with its evidence."""
    cases = []
    for claim in report.get("claims", ()):
        case = ET.Element(
            "testcase", classname="session-guard.claims", name=_text(f"claim: {claim['text']}")
        )
        if not claim["holds"]:
            failure = ET.SubElement(
                case, "failure", type="false-claim", message=_text(claims.summary(claim))
            )
            failure.text = _text("\n".join(claim["paths"]))
        cases.append(case)
    return cases
