"""The Markdown report as GitHub shows it: parsed as GitHub-flavoured Markdown, and
kept under the 65,536 characters of a comment, saying what it left out.

markdown-it-py (which rich already brings) parses CommonMark with GFM tables, as
GitHub does; what the report shows of a repository must come out as plain text.
The headers of every format, and SARIF within code scanning's limits, too.
"""

from __future__ import annotations

import json
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from guard.changes import WorkingChange
from guard.report import header, renderer, title
from guard.report.findings import FALSE_CLAIM, KINDS
from guard.report.markdown import LIMIT
from guard.report.sarif import MAX_RESULTS
from tests.test_audit import MAIN, START, add, build, commit, odd_report

GFM = MarkdownIt("commonmark").enable("table").enable("strikethrough")
HOSTILE = "<!-- hide the rest --> [click](https://example.com) *bold* `tick` | pipe ~~x~~ & &amp;"


def tokens(text: str) -> list[Token]:
    return GFM.parse(text)


def inline_text(token: Token) -> str:
    """What an inline token shows: its text, its code spans, no markup."""
    return "".join(child.content for child in token.children or [])


def table_rows(text: str) -> list[list[str]]:
    rows, row, cell = [], [], False
    for token in tokens(text):
        if token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            cell = True
        elif token.type == "inline" and cell:
            row.append(inline_text(token))
            cell = False
        elif token.type == "tr_close":
            rows.append(row)
    return rows


def test_markdown_shows_hostile_subjects_and_paths_as_plain_text() -> None:
    report = build(
        [commit("c", HOSTILE, add("src/<b>[x](y).py"))],
        nets={MAIN: [add("src/<b>[x](y).py")]},
        working=[WorkingChange("src/`odd`.py", "untracked", "A")],
    )
    text = renderer("markdown")(report)
    parsed = tokens(text)
    shown = [t for t in parsed if t.type == "inline" and not t.content.startswith("**")]
    kinds = {child.type for t in shown for child in t.children or []}
    assert not kinds & {"html_inline", "link_open", "em_open", "strong_open", "s_open"}
    assert not any(t.type == "html_block" for t in parsed)
    assert table_rows(text) == [
        ["commit", "verdict", "subject"],
        ["cccccccccccc", "violation", HOSTILE],
    ]
    items = [inline_text(t) for t in parsed if t.type == "inline" and t.level == 3]
    assert "cccccccccccc src/<b>[x](y).py: production (the policy default)" in items
    assert "untracked src/`odd`.py: production" in items


def test_markdown_headings_are_the_kinds_of_finding_present() -> None:
    parsed = tokens(renderer("markdown")(odd_report()))
    headings = [
        inline_text(parsed[i + 1])
        for i, t in enumerate(parsed)
        if t.type == "heading_open" and t.tag == "h2"
    ]
    assert headings == [  # false claims need a text (--claims): tests/test_claims.py
        *[kind.title for kind in KINDS if kind is not FALSE_CLAIM],
        "Rollback plan",
        "Left to you",
    ]


def big_report(commits: int, path_length: int = 40) -> dict[str, Any]:
    made = [
        commit("a", f"change {i}", add(f"src/{'p' * path_length}{i}.py"))._replace(
            sha=f"{i:012x}" + "0" * 28
        )
        for i in range(commits)
    ]
    return build(made, nets={MAIN: [c.changes[0] for c in made]})


def fenced(text: str) -> bool:
    """Whether every code block that opens also closes."""
    return [t.type for t in tokens(text)].count("fence") == text.count("\n```") // 2


def test_a_large_report_is_cut_under_the_comment_limit_and_says_so() -> None:
    report = big_report(3000)
    text = renderer("markdown")(report)
    assert len(text) <= LIMIT
    assert "... and 2800 more commit(s) not shown" in text
    assert "... and 2800 more finding(s) not shown" in text
    assert "more command(s)" not in text  # the plan is one command, whatever its size
    assert "guard audit --format json lists them all" in text
    assert fenced(text)
    rows = table_rows(text)
    assert len(rows) == 1 + 200  # the header row, then the commits kept


def test_a_small_report_is_whole() -> None:
    text = renderer("markdown")(big_report(30))
    assert "not shown" not in text
    assert len(table_rows(text)) == 31


def test_entries_too_long_even_ten_to_a_list_are_cut_at_a_line_and_closed() -> None:
    text = renderer("markdown")(big_report(40, path_length=8000))
    assert len(text) <= LIMIT
    assert text.endswith("guard audit --format json has it all._\n")
    assert fenced(text)


def test_a_plan_of_long_paths_is_one_command_and_nothing_is_cut() -> None:
    """One short violation, and a net change of 108,000 characters of paths: the plan
    names none of them, so the report is whole."""
    long = [add(f"src/{'q' * 9000}{i}.py") for i in range(12)]
    report = build([commit("c", "tweak", add("src/a.py"))], nets={MAIN: long})
    text = renderer("markdown")(report)
    assert len(text) < 1_000
    assert (
        "## Rollback plan\n\n`guard rollback --apply` does this in one commit.\n\n```sh\n"
        "guard rollback --paths delete -z | "
        "git --literal-pathspecs rm -q --pathspec-from-file=- --pathspec-file-nul\n```\n"
    ) in text
    assert "not shown" not in text and "cut at" not in text


def since_report(**scope: Any) -> dict[str, Any]:
    return build(
        session=None,
        current=MAIN,
        scope={
            "kind": "since",
            "mode": "tests-only",
            "since": "v1.0",
            "base": None,
            "head": None,
            **scope,
        },
    )


def test_every_format_names_the_start_of_a_since_audit() -> None:
    report = since_report(mode_from="option", allowed=["docs", "test"], start=START, tip=None)
    assert ("since", "v1.0 (555555555555)..HEAD") in header(report)
    assert ("mode", "tests-only (chosen with --mode)") in header(report)
    assert title(report) == "session-guard tests-only mode, since v1.0"
    assert "since: v1.0 (555555555555)..HEAD" in renderer("text")(report)
    assert "- **Since:** v1.0 (555555555555)..HEAD" in renderer("markdown")(report)


def test_a_report_stored_before_the_scope_had_its_commits_still_renders() -> None:
    report = since_report()  # no mode_from, allowed, start or tip
    assert header(report) == [
        ("mode", "tests-only"),
        ("allows", "nothing"),
        ("since", "v1.0..HEAD"),
    ]
    assert "CLEAN  mode tests-only (allows nothing)" in renderer("text")(report)


def test_markdown_lists_upstream_commits_apart_and_gives_the_reason() -> None:
    report = build()
    report["upstream"] = [
        {
            "sha": "d" * 40,
            "parents": [],
            "author": "A",
            "date": "",
            "subject": "[hotfix] *x*",
            "changes": [],
        }
    ]
    text = renderer("markdown")(report)
    assert "## Upstream\n\nArrived by fetch, not the session's work:\n\n" in text
    assert "- `dddddddddddd` \\[hotfix\\] \\*x\\*" in text
    assert "Reason: find the flaky login test" in text
    report["session"] = {**report["session"], "reason": ""}
    assert "Reason:" not in renderer("markdown")(report)


def test_sarif_past_code_scannings_result_limit_keeps_the_errors_and_says_so() -> None:
    paths = [add(f"src/m{i}.py") for i in range(MAX_RESULTS + 3)]
    report = build([commit("c", "docs: tidy", *paths)], nets={MAIN: []})
    [run] = json.loads(renderer("sarif")(report))["runs"]
    assert len(run["results"]) == MAX_RESULTS
    assert {r["level"] for r in run["results"]} == {"error"}  # the warning went first
    assert run["properties"]["omittedResults"] == 4
