"""The report as JUnit XML, in the shape Jenkins, GitLab and the Ant task read.

`testsuites > testsuite > testcase`: a test case per commit, then one per kind of
finding not tied to a commit (uncommitted changes, enforcement intact). A case with
findings that fail the audit has one `failure` (type and message, its findings one a
line); a finding that only informs (a mislabelled commit, a note) goes to the case's
`system-out`. The suite's `properties` carry the header: the judging mode and what
was audited. The counts agree: `tests` is the number of cases, `failures` the
number of cases with a failure, `errors` and `skipped` are 0.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from guard.report import facts, mode_text
from guard.report.findings import KINDS, Finding, findings

# Characters XML 1.0 cannot carry, and lone surrogates (non-UTF-8 path bytes).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: object) -> str:
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def _case(classname: str, name: str, found: list[Finding], who: str) -> ET.Element:
    case = ET.Element("testcase", classname=classname, name=_text(name), time="0")
    failing = [f for f in found if f.fails]
    if failing:
        tallies = []
        for kind in KINDS:
            n = sum(f.kind is kind for f in failing)
            if n:
                tallies.append(kind.tally.format(n=n, who=who))
        failure = ET.SubElement(
            case,
            "failure",
            type=failing[0].kind.rule.rsplit("/", 1)[-1],
            message=_text("; ".join(tallies)),
        )
        # On a commit's case the case names the commit; elsewhere the lead says what.
        failure.text = _text(
            "\n".join(f.detail if f.commit else f"{f.lead}: {f.detail}" for f in failing)
        )
    informing = [f for f in found if not f.fails]
    if informing:
        out = ET.SubElement(case, "system-out")
        out.text = _text("\n".join(f"{f.kind.rule}: {f.message}" for f in informing))
    return case


def render(report: Mapping[str, Any]) -> str:
    who = mode_text(report)
    found = findings(report)
    cases = [
        _case(
            "session-guard.commits",
            f"{commit['sha'][:12]} {commit['subject']}",
            [f for f in found if f.commit == commit["sha"]],
            who,
        )
        for commit in reversed(report["commits"])
    ]
    for kind in KINDS:
        if kind.case is not None:
            cases.append(_case(*kind.case, [f for f in found if f.kind is kind], who))
    failures = sum(1 for case in cases if case.find("failure") is not None)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0"}
    suite = ET.Element("testsuite", {"name": "session-guard audit", **counts, "skipped": "0"})
    properties = ET.SubElement(suite, "properties")
    for name, value in facts(report):
        ET.SubElement(properties, "property", name=f"session-guard.{name}", value=_text(value))
    suite.extend(cases)
    root = ET.Element("testsuites", {"name": "session-guard", **counts})
    root.append(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
