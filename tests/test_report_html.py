"""The HTML report on hand-made reports: escaping, no network, the charts' shapes,
the claims, natural order. tests/e2e/test_report_html.py renders it in a browser."""

from __future__ import annotations

import copy
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from guard.changes import WorkingChange
from guard.report import html as page
from tests.test_audit import (
    MAIN,
    RANGE_SCOPE,
    WHO,
    add,
    build,
    commit,
    modify,
    odd_report,
    render,
)

TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "section", "strong", "p",
    "div", "span", "i", "svg", "rect", "circle", "text", "details", "summary", "table", "tr",
    "th", "td", "code", "pre", "ul", "li", "b",
}  # fmt: skip


class Page(HTMLParser):
    """The page as a browser parses it: its tags, attributes and text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


HOSTILE = [
    "docs/<script>alert(1)</script>.md",
    'src/<a href="https://evil.example/x">click</a>.py',
    "src/&amp; 'quoted' \"double\".py",
    "src/<img src=http://evil.example/i.png>.py",
]


def hostile_report() -> dict[str, Any]:
    report = build(
        [commit("a", "<b>bold</b> & https://evil.example/", *[add(p) for p in HOSTILE])],
        working=[WorkingChange("src/<u>untracked</u>.py", "untracked", "A")],
        nets={MAIN: [add(p) for p in HOSTILE]},
    )
    report["claims"] = [
        {"kind": "docs-only", "text": "<i>docs</i> only", "holds": False, "detail": "a < b"}
    ]
    return report


def test_every_value_is_escaped_and_shown_as_itself() -> None:
    text = render("html", hostile_report())
    parsed = Page(text)
    assert {tag for tag, _ in parsed.tags} <= TAGS  # no tag from the report's values
    shown = "".join(parsed.text)
    for path in [*HOSTILE, "src/<u>untracked</u>.py", "<b>bold</b> & https://evil.example/"]:
        assert path in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&quot;double&quot;" in text and "&#x27;quoted&#x27;" in text
    assert "&amp;amp;" in text  # an `&amp;` in a path is shown, not decoded


def test_control_characters_and_undecodable_bytes_are_shown_as_escapes() -> None:
    text = render("html", odd_report())
    text.encode("utf-8")  # valid UTF-8: the byte 0xE9 that is not is written \351
    shown = "".join(Page(text).text)
    assert "src/caf\\351.py" in shown and "src/bell\\a.py" in shown
    assert "src/new\\nline.py" in shown and "src/ctl\\001\\033.py" in shown
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)
    assert "src/ünïcödé.py" in shown


def test_the_page_asks_for_nothing_over_the_network() -> None:
    """No script, no link, no source of any kind: every address in the page is text."""
    for report in (hostile_report(), odd_report()):
        parsed = Page(render("html", report))
        assert not [tag for tag, _ in parsed.tags if tag in ("script", "link", "img", "iframe")]
        attributes = [
            (name, value or "") for _, attrs in parsed.tags for name, value in attrs.items()
        ]
        assert not [
            name for name, _ in attributes if name in ("src", "href", "xlink:href", "action")
        ]
        assert not [value for _, value in attributes if re.search("https?:|url\\(", value)]
        style = render("html", report).split("<style>", 1)[1].split("</style>", 1)[0]
        assert "url(" not in style and "@import" not in style and "http" not in style


def test_a_report_with_nothing_in_it() -> None:
    report = build(session=None, current="(range)", nets={"(range)": []}, scope=RANGE_SCOPE)
    text = render("html", report)
    shown = " ".join(Page(text).text)
    assert "CLEAN" in shown and "mode read-only (allows docs, test)" in shown
    assert (
        "mode: read-only (the default: no --mode given) · allows: docs, test · "
        "range: origin/main..HEAD (555555555555..cccccccccccc)" in shown
    )
    assert "No commits in the audited scope." in shown
    assert "No committed paths changed." in shown
    assert "<table" not in text and "<svg" not in text
    assert "Claims" not in shown and "Rollback plan" not in shown


def test_a_clean_session_shows_its_commits_and_no_plan() -> None:
    report = build([commit("a", "docs: worklog", modify("docs/worklog.md"))])
    text = render("html", report)
    assert '<strong style="color:#1a7f37">CLEAN</strong>' in text
    assert WHO in text and "Reason: find the flaky login test" in text
    assert text.count('fill="#2da44e"') == 1  # one clean commit on the timeline
    assert "<td>docs/worklog.md</td><td>modified</td><td>docs</td>" in text
    assert "Rollback plan" not in text and "undo:" not in text


def test_a_violated_session_leads_with_the_verdict_and_the_undo() -> None:
    text = render("html", odd_report())
    head = text.split("<h2>", 1)[0]
    assert '<strong style="color:#cf222e">VIOLATED</strong>' in head
    assert "2 commit(s), 1 violating" in head and "9 violation(s), 9 still in place" in head
    assert "undo: <code>guard rollback --apply</code> restores 0, deletes 8" in head
    assert "<h2>Integrity</h2><ul><li class=no>hooks-removed: pre-commit was removed</li>" in text
    assert "Revert candidates (every change a violation): <code>cccccccccccc</code>" in text
    assert (
        "<details><summary>By hand</summary><pre>guard rollback --paths delete -z | "
        "git --literal-pathspecs rm -q --pathspec-from-file=- --pathspec-file-nul</pre>"
    ) in text


def test_paths_come_in_natural_order() -> None:
    names = ["src/m10.py", "src/m2.py", "src/m1.py", "src/M1.py", "src/m01.py"]
    report = build([commit("a", "many", *[add(n) for n in names])], nets={MAIN: []})
    cells = re.findall(r"<tr><td>(src/[^<]*)</td><td>added", render("html", report))
    assert cells == ["src/M1.py", "src/m01.py", "src/m1.py", "src/m2.py", "src/m10.py"]


def test_claims_of_any_shape_contradicted_first_and_none_without_the_key() -> None:
    report = build([commit("a", "docs: worklog", modify("docs/worklog.md"))])
    assert "Claims" not in render("html", report)
    report["claims"] = [
        {"claim": "tests-only", "text": "only tests", "verdict": "holds"},
        {"kind": "docs-only", "text": "docs only", "holds": False, "detail": "3 production",
         "paths": ["src/b10.py", "src/b9.py"], "more": 1},
        {"kind": "files-changed", "holds": True},
    ]  # fmt: skip
    text = render("html", report)
    items = re.findall(r"<li>(.*?)</li>", text.split("Claims the audit contradicts", 1)[1], re.S)
    assert [re.sub("<[^>]+>", "", i).split(" ")[:2] for i in items] == [
        ["contradicted", "docs-only"],
        ["holds", "tests-only"],
        ["holds", "files-changed"],
    ]
    assert "&ldquo;docs only&rdquo;: 3 production" in items[0]
    assert "<pre>src/b9.py\nsrc/b10.py\n... and 1 more</pre>" in items[0]


def test_a_commit_that_claims_docs_only_is_a_contradicted_claim() -> None:
    text = render("html", odd_report())
    claims = text.split("<h2>Claims the audit contradicts</h2>", 1)[1].split("</ul>", 1)[0]
    assert "contradicted</span> <b>commit #2 cccccccccccc</b>" in claims
    assert "claims docs only, changes 8 production" in claims
    assert '<circle cx="' in text  # its dot on the timeline


def timeline(text: str) -> list[tuple[float, float]]:
    svg = text.split('aria-label="commit timeline">', 1)[1].split("</svg>", 1)[0]
    return [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)
    ]


def test_the_timeline_has_one_mark_a_commit_at_30_and_at_3000() -> None:
    base = build([commit("a", "feature", add("src/a.py"), add("src/b.py"))])
    for count in (30, 3_000):
        report = copy.deepcopy(base)
        report["commits"] = [
            {**base["commits"][0], "sha": f"{n:040x}", "verdict": ("violation", "clean")[n % 2]}
            for n in range(count)
        ]
        marks = timeline(render("html", report))
        assert len(marks) == count
        assert all(w > 0 and x + w <= 1000.01 for x, w in marks)
        assert [x for x, _ in marks] == sorted(x for x, _ in marks)  # oldest on the left


@pytest.mark.parametrize("sizes", [[3_000, 120, 120, 40, 3, 1, 1], [6, 6, 4, 3, 2, 2, 1], [5] * 12])
def test_the_treemap_fills_its_box_without_overlap(sizes: list[int]) -> None:
    boxes = page.squarify(sizes, 0, 0, 1000, 300)
    assert len(boxes) == len(sizes)
    for size, (x, y, w, h) in zip(sizes, boxes, strict=True):
        assert abs(w * h - 300_000 * size / sum(sizes)) < 1e-6  # its share of the area
        assert x >= -1e-9 and y >= -1e-9 and x + w <= 1000 + 1e-6 and y + h <= 300 + 1e-6
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a[0] + a[2] <= b[0] + 1e-6 or b[0] + b[2] <= a[0] + 1e-6
            assert apart or a[1] + a[3] <= b[1] + 1e-6 or b[1] + b[3] <= a[1] + 1e-6
    if len(set(sizes)) == 1:  # near square, not slivers
        assert all(max(w / h, h / w) < 3 for _, _, w, h in boxes)


def test_every_category_has_a_colour_of_its_own() -> None:
    found = page._colours(["production", "test", "docs", "config", "generated"])
    assert len(set(found.values())) == 5
