"""The report as GitHub-flavoured Markdown: a job summary, a pull-request comment.

The summary comes first: the verdict, the changed paths by folder, the commits
(runs of alike commits folded), the findings, the claims that hold, and the one
command that undoes it. A list longer than `summary.SHOWN` is folded into a
`<details>` block, where every entry is.

What a report shows of a repository (subjects, paths, details) is escaped, so a
subject cannot open a link, a table cell or an HTML comment that hides the rest;
control characters are shown as C escapes. The whole stays under `LIMIT`, the
length GitHub accepts for a comment (a job summary takes up to 1 MiB, so the same
text fits both): when it would not, every long list is cut to its first entries,
each cut says how many it left out, and the head of the report says where the
rest is.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

from guard.quoting import visible
from guard.report import header, mode_text, summary
from guard.report.findings import KINDS, findings

LIMIT = 65_536  # characters: GitHub's limit for a comment body
CAPS = (None, 1000, 500, 200, 100, 50, 10)  # entries a list keeps, tried in turn until it fits
_UNSAFE = re.compile(r"[^a-z0-9_-]")  # what a policy's category name may not hold
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&])")
_TICKS = re.compile("`+")


def _md(text: object) -> str:
    """Text that renders as itself: Markdown's punctuation escaped, controls shown."""
    return _SPECIAL.sub(r"\\\1", visible(str(text)))


def _code(text: object) -> str:
    """A code span holding `text`, whatever backticks it has."""
    shown = visible(str(text))
    fence = "`" * (max((len(m) for m in _TICKS.findall(shown)), default=0) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def _capped(lines: list[str], cap: int | None, what: str) -> tuple[list[str], str | None]:
    """The first `cap` lines, and what says how many were left out (None: none were)."""
    if cap is None or len(lines) <= cap:
        return lines, None
    return lines[:cap], (
        f"... and {len(lines) - cap:,} more {what} not shown, to keep this report under "
        f"GitHub's {LIMIT:,}-character limit: {summary.FULL} lists them all"
    )


def _listed(lines: list[str], cap: int | None, what: str) -> list[str]:
    kept, left = _capped(lines, cap, what)
    return kept if left is None else [*kept, f"- {left}"]


def _block(lines: list[str], cap: int | None, what: str) -> list[str]:
    """A shell block; a cut is said in a shell comment, so the rest still runs."""
    kept, left = _capped(lines, cap, what)
    longest = max((len(m) for line in kept for m in _TICKS.findall(line)), default=0)
    fence = "`" * max(3, longest + 1)  # a quoted path cannot close the block
    return [f"{fence}sh", *kept, *([f"# {left}"] if left else []), fence]


def _details(title: str, lines: list[str]) -> list[str]:
    """A folded block (`title` is ours, never the repository's: it is not escaped)."""
    return [f"<details><summary>{title}</summary>", "", *lines, "", "</details>", ""]


def render(report: Mapping[str, Any]) -> str:
    text = ""
    for cap in CAPS:
        text = _render(report, cap)
        if len(text) <= LIMIT:
            return text
    return _cut(text)


def _cut(text: str) -> str:
    """The last resort, for entries too long even ten to a list: whole lines up to the
    limit, a code block left open closed, and a line that says so."""
    note = (
        f"\n_... the rest is cut at GitHub's {LIMIT:,}-character limit: "
        f"{summary.FULL} has it all._\n"
    )
    kept, size, fence = [], 0, ""
    for line in text.split("\n"):
        if size + len(line) + 1 > LIMIT - len(note) - len(fence) - 2:
            break
        kept.append(line)
        size += len(line) + 1
        if not fence and line.startswith("```"):
            fence = line[: len(line) - len(line.lstrip("`"))]
        elif fence and line == fence:
            fence = ""
    if fence:
        kept.append(fence)
    return "\n".join(kept) + "\n" + note


def _render(report: Mapping[str, Any], cap: int | None) -> str:
    totals = report["summary"]
    out = [
        "# session-guard audit",
        "",
        f"**Verdict: {totals['verdict']}** for {_md(mode_text(report))}: "
        f"{totals['commits']:,} commit(s), {totals['violating_commits']:,} violating, "
        f"{totals['violations']:,} violation(s), {totals['net_violations']:,} still in place.",
        "",
        *[f"- **{label.capitalize()}:** {_md(value)}" for label, value in header(report)],
        "",
    ]
    session = report["session"]
    if session and session.get("reason"):
        out += [f"Reason: {_md(session['reason'])}", ""]
    if cap is not None:
        out += [
            f"_Long lists are cut to keep this report under GitHub's {LIMIT:,}-character "
            f"limit, each saying how many it left out: {summary.FULL} lists them all._",
            "",
        ]
    out += _folders(report) + _commits(report, cap) + _findings(report, cap)
    return "\n".join(out + _claims(report) + _sections(report, cap))


def _folders(report: Mapping[str, Any]) -> list[str]:
    rows = summary.folder_rows(report)
    if not rows:
        return []
    paths = sum(row.paths for row in rows)
    return [
        "## Changed paths by folder",
        "",
        f"{paths:,} path(s), each once, in {len(report['commits']):,} commit(s).",
        "",
        "| folder | paths | what | category |",
        "| --- | ---: | --- | --- |",
        *[f"| {_code(r.label)} | {r.paths:,} | {r.what} | {_md(r.category)} |" for r in rows],
        "",
        *_chart(report),
    ]


def _chart(report: Mapping[str, Any]) -> list[str]:
    """A Mermaid pie of the changed paths by category: GitHub draws it in a comment and
    a job summary, and shows the source where Mermaid is off. A category from a report
    read back (`guard report --input`) is kept to the policy's own name characters, so
    it cannot end the label or the block."""
    tally = Counter(category for _, category in summary.changed(report).values())
    slices = [
        f'    "{_UNSAFE.sub("?", category)}" : {count}' for category, count in tally.most_common()
    ]
    return ["```mermaid", "pie title Changed paths by category", *slices, "```", ""]


def _commit_table(rows: list[summary.CommitRow], cap: int | None) -> list[str]:
    lines = [
        f"| {r.number} | {_code(r.sha) if ' ' not in r.sha else r.sha} | {r.verdict} "
        f"| {r.changes} | {_md(r.subject)} |"
        for r in rows
    ]
    kept, left = _capped(lines, cap, "commit(s)")
    head = ["| # | commit | verdict | changes | subject |", "| ---: | --- | --- | --- | --- |"]
    return [*head, *kept, "", *([f"_{left}_", ""] if left else [])]


def _commits(report: Mapping[str, Any], cap: int | None) -> list[str]:
    """The commits oldest first, runs folded; every one in a folded block."""
    folded = summary.commit_rows(report)
    if not folded:
        return []
    every = summary.commit_rows(report, fold=False)
    out = ["## Commits", "", "Oldest first.", ""]
    if len(folded) == len(every) and len(every) <= 3 * summary.SHOWN:
        return out + _commit_table(every, cap)
    out += _commit_table(folded, 3 * summary.SHOWN)
    return out + _details(f"Every commit ({len(every):,})", _commit_table(every, cap))


def _findings(report: Mapping[str, Any], cap: int | None) -> list[str]:
    """A section for each kind of finding present; a long one folded."""
    out: list[str] = []
    found = summary.in_order(report, findings(report))
    for kind in KINDS:
        lines = [f"- {_code(f.lead)} {_md(f.detail)}" for f in found if f.kind is kind]
        if not lines:
            continue
        out += [f"## {kind.title}", ""]
        if len(lines) <= summary.SHOWN:
            out += [*lines, ""]
        else:
            out += _details(f"{len(lines):,} finding(s)", _listed(lines, cap, "finding(s)"))
    return out


def _claims(report: Mapping[str, Any]) -> list[str]:
    """The text's claims that hold (the false ones are findings), or that it makes none."""
    checked = report.get("claims")
    if checked is None:
        return []
    if not checked:
        return ["_The text checked for claims makes none that session-guard checks._", ""]
    held = [c for c in checked if c["holds"]]
    if not held:
        return []
    lines = [f"- line {c['line']} {_md(repr(c['text']))}: {_md(c['detail'])}" for c in held]
    return ["## Claims that hold", "", *lines, ""]


def _sections(report: Mapping[str, Any], cap: int | None) -> list[str]:
    """What follows the findings: the undo, what is left to the user, upstream, the
    revert candidates."""
    out: list[str] = []
    plan, left = summary.by_hand(report)
    if plan:
        command, does = summary.undo(report)
        out += ["## Rollback plan", "", f"{_code(command)} {does}.", ""]
        block = _block(plan, cap, "command(s)")
        if len(plan) <= summary.SHOWN:
            out += [*block, ""]
        else:
            out += _details(f"By hand ({len(plan):,} git command(s))", block)
    if left:
        out += ["## Left to you", "", "The guard never discards uncommitted work.", ""]
        out += [*_block(left, cap, "command(s)"), ""]
    upstream = report.get("upstream", ())
    if upstream:
        out += ["## Upstream", "", "Arrived by fetch, not the session's work:", ""]
        lines = [f"- `{c['sha'][:12]}` {_md(c['subject'])}" for c in upstream]
        out += [*_listed(lines, cap, "commit(s)"), ""]
    if report["revert_candidates"]:
        candidates = report["revert_candidates"]
        which = f"{summary.ranges(report, candidates)} ({len(candidates):,} commit(s))"
        out += [f"Revert candidates (every change a violation): {which}", ""]
        order = summary.numbers(report)
        oldest = sorted(candidates, key=lambda s: order.get(s, 0))
        kept, more = _capped([f"`{s[:12]}`" for s in oldest], cap, "commit(s)")
        shas = [", ".join(kept) + (f" _{more}_" if more else "")]
        out += _details("Their commits", shas) if len(candidates) > summary.SHOWN else [*shas, ""]
    return out
