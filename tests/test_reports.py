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
from guard.rollback import plan_commands
from tests.test_audit import MAIN, START, add, build, commit, modify, odd_report

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
        ["folder", "paths", "what", "category"],
        ["src/", "1", "1 added", "production"],
        ["#", "commit", "verdict", "changes", "subject"],
        ["1", "cccccccccccc", "violation", "1 production", HOSTILE],
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
        "Changed paths by folder",
        "Commits",
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
    assert "... and 2,800 more commit(s) not shown" in text
    assert "... and 2,800 more finding(s) not shown" in text
    assert "more command(s)" not in text  # the plan is one command, whatever its size
    assert "guard audit --verbose, or --format json or html lists them all" in text
    assert text.count("<details><summary>") == text.count("</details>") == 3
    assert fenced(text)
    rows = table_rows(text)
    # the folders, the commits folded into one row, then every commit kept
    assert rows[3] == [
        "1-3000",
        "3,000 commits",
        "violation",
        "3,000 production",
        "change 2999 ... 0",
    ]
    assert len(rows) == 2 + 2 + 1 + 200


def test_a_small_report_is_whole() -> None:
    report = big_report(30)
    text = renderer("markdown")(report)
    assert "not shown" not in text and "Long lists are cut" not in text
    shown = {row[1] for row in table_rows(text)}
    assert {c["sha"][:12] for c in report["commits"]} <= shown
    assert all(command in text for command in plan_commands(report))


def test_entries_too_long_even_ten_to_a_list_are_cut_at_a_line_and_closed() -> None:
    text = renderer("markdown")(big_report(40, path_length=8000))
    assert len(text) <= LIMIT
    assert text.endswith("guard audit --verbose, or --format json or html has it all._\n")
    assert fenced(text)


def test_a_plan_of_long_paths_is_one_command_and_nothing_is_cut() -> None:
    """One short violation, and a net change of 108,000 characters of paths: the plan
    names none of them, so the report is whole."""
    long = [add(f"src/{'q' * 9000}{i}.py") for i in range(12)]
    report = build([commit("c", "tweak", add("src/a.py"))], nets={MAIN: long})
    text = renderer("markdown")(report)
    assert len(text) < 1_200
    assert (
        "## Rollback plan\n\n`guard rollback --apply` restores 0 path(s) and deletes 12, "
        "in one commit.\n\n```sh\n"
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


# --------------------------------------------------------------------------- the summaries


def migration(tests: int) -> dict[str, Any]:
    """One production edit, then `tests` new test files over three alike commits."""
    paths = [add(f"tests/test_m{n}.py") for n in range(1, tests + 1)]
    thirds = [paths[i::3] for i in range(3)]
    made = [
        commit("f", "migrate 3", *thirds[2]),
        commit("e", "migrate 2", *thirds[1]),
        commit("d", "migrate 1", *thirds[0]),
        commit("c", "tune", modify("src/app.py")),
    ]
    return build(made, nets={MAIN: [modify("src/app.py"), *paths]})


def test_paths_are_in_natural_order_where_people_read_them() -> None:
    report = migration(12)
    verbose = renderer("text", verbose=True)(report)
    listed = [
        line.split()[1].rstrip(":")
        for line in verbose.splitlines()
        if "test_m" in line and "git rm" not in line
    ]
    numbers = [int(p.removeprefix("tests/test_m").removesuffix(".py")) for p in listed]
    # each commit's paths in order (m1 before m10), the commits oldest first
    assert numbers[:4] == [1, 4, 7, 10] and numbers[4:8] == [2, 5, 8, 11]
    markdown = renderer("markdown")(report)
    at = [markdown.index(f"tests/test\\_m{n}.py") for n in (1, 4, 7, 10, 2)]
    assert at == sorted(at)


def test_the_text_summary_sums_up_what_verbose_lists() -> None:
    report = migration(30)
    text = renderer("text")(report)
    assert "tests/     30  30 added    test" in text
    assert "2-4  3 commits     violation  30 test       migrate 1 ... 3" in text
    assert "Violations: 31, by folder above" in text
    assert "Undo: guard rollback --apply restores 1 path(s) and deletes 30, in one commit" in text
    assert "test_m" not in text
    assert text.endswith(
        "Every commit, path and command: guard audit --verbose, or --format json or html\n"
    )
    verbose = renderer("text", verbose=True)(report)
    assert all(f"tests/test_m{n}.py: test" in verbose for n in range(1, 31))
    assert "3 commits" not in verbose and "dddddddddddd" in verbose
    assert "Every commit, path and command" not in verbose


def test_a_small_text_report_lists_everything_and_says_nothing_is_left_out() -> None:
    text = renderer("text")(migration(3))
    assert "tests/test_m3.py: test" in text and "The rollback plan by hand" in text
    assert "Every commit, path and command" not in text


def test_the_markdown_summary_comes_first_and_folds_the_long_lists() -> None:
    text = renderer("markdown")(migration(30))
    folded = text.index("## Changed paths by folder"), text.index("## Commits")
    assert folded[0] < folded[1] < text.index("## Violations") < text.index("## Rollback plan")
    assert "| 2-4 | 3 commits | violation | 30 test | migrate 1 ... 3 |" in text
    assert "<details><summary>Every commit (4)</summary>" in text
    assert "<details><summary>31 finding(s)</summary>" in text
    blocks = [t.content.strip() for t in tokens(text) if t.type == "html_block"]
    assert {b.split("\n", 1)[0] for b in blocks} <= {
        "<details><summary>Every commit (4)</summary>",
        "<details><summary>31 finding(s)</summary>",
        "</details>",
    }
    assert "Long lists are cut" not in text  # folded, not cut: everything is there
    assert all(f"tests/test\\_m{n}.py" in text for n in range(1, 31))


def test_a_text_summary_of_many_unlike_commits_and_drafts_cuts_and_says_so() -> None:
    """40 commits that alternate production and test (no run to fold), 12 untracked
    drafts: the summary keeps 30 rows and 10 drafts, and says where the rest is."""
    made = [
        commit("a", f"step {n}", add(f"{'src' if n % 2 else 'tests'}/s{n}.py"))._replace(
            sha=f"{n:040x}"
        )
        for n in range(40)
    ]
    drafts = [WorkingChange(f"src/draft_{n}.py", "untracked", "A") for n in range(12)]
    report = build(made, working=drafts, nets={MAIN: []})
    report["claims"] = []
    text = renderer("text")(report)
    assert "  ... and 10 more row(s)\n" in text
    drafted = text.split("Uncommitted\n", 1)[1].split("\n\n", 1)[0]
    assert drafted.splitlines()[-2:] == [
        "  untracked  src/draft_9.py: production",
        "  ... and 2 more",
    ]
    assert "The text checked for claims makes none that session-guard checks." in text
    assert text.endswith("guard audit --verbose, or --format json or html\n")
    verbose = renderer("text", verbose=True)(report)
    assert "more row(s)" not in verbose and "untracked  src/draft_11.py: production" in verbose


def test_revert_candidates_are_named_by_their_numbers_oldest_first() -> None:
    text = renderer("text")(migration(6))
    assert "Revert candidates (every change a violation): #1-4 (4 commit(s))\n" in text
    assert "  cccccccccccc, dddddddddddd, eeeeeeeeeeee, ffffffffffff\n" in text


def test_the_markdown_report_charts_the_changed_paths_by_category_for_github() -> None:
    text = renderer("markdown")(migration(30))
    fences = [t for t in tokens(text) if t.type == "fence" and t.info == "mermaid"]
    assert len(fences) == 1
    assert fences[0].content.splitlines() == [
        "pie title Changed paths by category",
        '    "test" : 30',
        '    "production" : 1',
    ]


def test_a_category_read_back_from_a_stored_report_cannot_break_out_of_the_chart() -> None:
    report = migration(3)
    for made in report["commits"]:
        for change in made["changes"]:
            change["category"] = 'x" : 1\n```\n<img src=x>'
    text = renderer("markdown")(report)
    chart = next(t for t in tokens(text) if t.type == "fence" and t.info == "mermaid")
    assert chart.content.splitlines()[1:] == ['    "x????1??????img?src?x?" : 4']
    assert "<img" not in chart.content
