"""The Markdown report as GitHub shows it: parsed as GitHub-flavoured Markdown, and
kept under the 65,536 characters of a comment, saying what it left out.

markdown-it-py (which rich already brings) parses CommonMark with GFM tables, as
GitHub does; what the report shows of a repository must come out as plain text.
"""

from __future__ import annotations

from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from guard.changes import WorkingChange
from guard.report import renderer
from guard.report.findings import KINDS
from guard.report.markdown import LIMIT
from tests.test_audit import MAIN, add, build, commit, odd_report

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
    assert headings == [
        *[kind.title for kind in KINDS],
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
    assert "# ... and 2800 more command(s) not shown" in text  # a shell comment in the plan
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
