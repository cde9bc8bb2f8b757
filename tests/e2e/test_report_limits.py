"""The incident in every format, within the limits where people read it.

The session the product exists for (30 commits, 3,000 migrated test files, new
production modules, the circuit breaker edited, an untracked production draft) is
audited once and rendered by `guard report --input` in every format. The text
summary fits two screens of a 110-column terminal, the Markdown a GitHub comment;
each says where the rest is, and the formats that must name every path do.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from guard.report import FORMATS
from guard.report.markdown import LIMIT
from tests.e2e.test_audit_git import write
from tests.e2e.test_rollback import incident
from tests.test_reports import fenced, table_rows

SCREEN = 50  # lines of one screen
WIDTH = 110  # columns
DRAFT = "src/shop/refund_draft.py"  # untracked production code the session left


def rows(text: str) -> int:
    """Terminal rows the text takes at `WIDTH` columns (a long line wraps)."""
    return sum(max(1, math.ceil(len(line) / WIDTH)) for line in text.splitlines())


VOLATILE = re.compile(
    r"\d{8}T\d{6}Z-[0-9a-f]{6}|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ|\b[0-9a-f]{40}\b|\b[0-9a-f]{12}\b"
)


def steady(text: str) -> str:
    """The text with what differs from run to run (session ids, times, shas) masked."""
    return VOLATILE.sub(lambda m: "#" * len(m.group()), text)


def test_the_incident_renders_in_every_format_within_its_limits(
    repo: Path, invoke, tmp_path: Path
) -> None:
    incident(repo, invoke)
    write(repo, DRAFT, "REFUND = True\n")
    stored = tmp_path / "report.json"
    done = invoke(["audit", "--format", "json", "--output", str(stored)], cwd=repo)
    assert done.code == 1, done.err
    report = json.loads(stored.read_text())
    committed = {ch["path"] for c in report["commits"] for ch in c["changes"]}
    violating = {ch["path"] for c in report["commits"] for ch in c["changes"] if not ch["allowed"]}
    assert len(committed) == 3_004 and len(violating) == 3_003
    assert [r["path"] for r in report["working_tree"] if not r["allowed"]] == [DRAFT]

    out = {}
    for fmt in FORMATS:
        rendered = invoke(["report", "--input", str(stored), "--format", fmt], cwd=repo)
        assert rendered.code == 0, rendered.err
        out[fmt] = rendered.text
    verbose = invoke(["report", "--input", str(stored), "--verbose"], cwd=repo)
    (tmp_path / "rendered.json").write_text(json.dumps({**out, "verbose": verbose.text}))

    # The text summary: two screens, the shape of the change and the one command.
    text = out["text"]
    assert invoke(["audit"], cwd=repo).text == text  # the same report, live
    assert rows(text) <= 2 * SCREEN, rows(text)
    laid_out = text.split("\nViolations", 1)[0]  # the panel and the tables; a finding may wrap
    assert max(len(line) for line in laid_out.splitlines()) <= WIDTH
    for expected in (
        "VIOLATED  session ",
        "tests/unit/agents/  3,000  3,000 modified       test",
        "src/shop/               3  2 added, 1 modified  production",
        "3-28  26 commits    violation                     2,912 test    "
        "migrate tests, part 1 ... 26",
        "29    ",
        "violation (claims docs only)  88 test       docs: tidy, docs only",
        "'docs: tidy, docs only' claims docs only, changes 88 other path(s)",
        "Violations: 3,003, by folder above",
        f"untracked  {DRAFT}: production",
        "Undo: guard rollback --apply restores 3,001 path(s) and deletes 2, in one commit",
        "Revert candidates (every change a violation): #1-29 (29 commit(s))",
        "Every commit, path and command: guard audit --verbose, or --format json or html",
    ):
        assert expected in text, expected
    assert "test_agent_unit_" not in text

    # --verbose: every commit, path and command.
    assert verbose.code == 0
    live = invoke(["audit", "--verbose"], cwd=repo)
    assert (live.code, live.text) == (1, verbose.text)
    assert rows(verbose.text) > 6_000  # every path: what the summary spares the reader
    for path in [*violating, DRAFT]:
        assert path in verbose.text, path
    assert all(c["sha"][:12] in verbose.text for c in report["commits"])

    # Markdown: a pull-request comment, saying what it left out and where the rest is.
    markdown = out["markdown"]
    assert len(markdown) <= LIMIT, len(markdown)
    assert fenced(markdown)
    assert "not shown, to keep this report under GitHub's 65,536-character limit" in markdown
    assert "guard audit --verbose, or --format json or html" in markdown
    assert ["tests/unit/agents/", "3,000", "3,000 modified", "test"] in table_rows(markdown)
    assert DRAFT.replace("_", "\\_") in markdown and "guard rollback --apply" in markdown

    # The README shows these two summaries as they are (but for ids, times and shas).
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    shown = readme.split("```console\n$ guard audit\n╭", 1)[1].split("\n```\n", 1)[0]
    assert steady("╭" + shown + "\n") == steady(text)
    head = readme.split("````markdown\n", 1)[1].split("\n...\n", 1)[0]
    assert steady(markdown).startswith(steady(head))

    # The formats for machines and the page hold every path.
    assert {ch["path"] for c in json.loads(out["json"])["commits"] for ch in c["changes"]} == (
        committed
    )
    [run] = json.loads(out["sarif"])["runs"]
    located = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]
    }
    assert located >= violating | {DRAFT}
    junit = ET.fromstring(out["junit"].encode())  # noqa: S314 - our own output
    failures = "".join(f.text or "" for f in junit.iter("failure"))
    assert all(path in failures for path in [*violating, DRAFT])
    annotated = {
        line.split("file=", 1)[1].split(",", 1)[0]
        for line in out["github"].splitlines()
        if "file=" in line
    }
    assert annotated >= violating | {DRAFT}
    quality = {issue["location"]["path"] for issue in json.loads(out["codequality"])}
    assert quality >= violating | {DRAFT}
    assert all(f"<td>{path}</td>" in out["html"] for path in committed)
