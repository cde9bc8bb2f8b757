"""The report for people at a terminal (rich): the summary first, every path on request.

The summary fits two screens whatever the session's size: the verdict, the changed
paths by folder, the commits (runs of alike commits folded), the claims checked,
the findings, and the one command that undoes it. A list longer than
`summary.SHOWN` is cut there and the report ends saying where the rest is;
`verbose` lists every commit, path and command.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from guard.quoting import visible
from guard.report import allowed, header, mode_text, summary
from guard.report.findings import KINDS, MODE_VIOLATION, findings

WIDTH = 110  # columns: the report is laid out for a terminal this wide
_STYLE = {"clean": "green", "restored": "yellow", "tampered": "bold red", "violated": "bold red"}
_COMMIT = {"clean": "green", "mixed": "yellow", "violation": "red"}


def _visible(text: str) -> str:
    """Markup-escaped, and control characters shown, never sent to the terminal."""
    return escape(visible(text))


def _headline(report: Mapping[str, Any]) -> str:
    totals = report["summary"]
    verdict = totals["verdict"]
    headline = (
        f"[{_STYLE[verdict]}]{verdict.upper()}[/]  {escape(mode_text(report))}\n"
        f"{totals['commits']:,} commit(s), {totals['violating_commits']:,} violating; "
        f"{totals['violations']:,} violation(s), {totals['net_violations']:,} still in place"
    )
    for label, value in header(report):
        headline += f"\n{label}: {_visible(value)}"
    session = report["session"]
    if session and session.get("reason"):
        headline += f"\nreason: {escape(session['reason'])}"
    return headline


def _table(head: tuple[str, ...], rows: Sequence[tuple[str, ...]], wrap: int = 0) -> Table:
    """A table of one line a row, its last column (a subject) cut at the edge; the
    first `wrap` columns (a folder, never cut) wrap when long, the others stay whole."""
    table = Table(*head, box=None, pad_edge=False)
    for at, column in enumerate(table.columns[:-1]):
        if at >= wrap:
            cells = [head[at], *(row[at] for row in rows)]
            column.min_width = max(Text.from_markup(cell).cell_len for cell in cells)
            column.no_wrap = True
    last = table.columns[-1]
    last.no_wrap, last.overflow = True, "ellipsis"
    if not wrap:  # what is left of the width: rich would squeeze the other columns first
        used = sum(column.min_width or 0 for column in table.columns[:-1])
        last.max_width = max(10, WIDTH - used - 2 * (len(head) - 1))
    for row in rows:
        table.add_row(*row)
    return table


class _Out:
    """The console, how many entries a list shows (None: all), and whether any was cut."""

    def __init__(self, console: Console, cap: int | None) -> None:
        self.console, self.cap, self.cut = console, cap, False

    def print(self, text: str) -> None:
        self.console.print(text)

    def listed(self, title: str, lines: list[str]) -> None:
        """A section of lines, the first `cap` of them, saying how many it left out."""
        if not lines:
            return
        self.print(f"\n[bold]{escape(title)}[/]")
        kept = lines if self.cap is None else lines[: self.cap]
        for line in kept:
            self.print(f"  {_visible(line)}")
        if len(kept) < len(lines):
            self.print(f"  ... and {summary.number(len(lines) - len(kept))} more")
            self.cut = True


def _folders(out: _Out, report: Mapping[str, Any]) -> None:
    rows = summary.folder_rows(report)
    if not rows:
        return
    paths = sum(row.paths for row in rows)
    out.print(
        f"\n[bold]Changed paths by folder[/] ({summary.number(paths)} path(s), each once, "
        f"in {summary.number(len(report['commits']))} commit(s))"
    )
    allows = set(allowed(report))
    cells = [
        (
            _visible(row.label),
            summary.number(row.paths),
            row.what,
            f"[{'green' if row.category in allows else 'red'}]{escape(row.category)}[/]",
        )
        for row in rows
    ]
    table = _table(("folder", "paths", "what", "category"), cells, wrap=1)
    table.columns[1].justify = "right"
    out.console.print(table, soft_wrap=False)  # fit to the width


def _commits(out: _Out, report: Mapping[str, Any]) -> None:
    rows = summary.commit_rows(report, fold=out.cap is not None)
    if not rows:
        return
    out.print("\n[bold]Commits[/] (oldest first)")
    kept = rows if out.cap is None else rows[: 3 * out.cap]
    cells = [
        (
            row.number,
            row.sha,
            f"[{_COMMIT.get(row.verdict.split()[0], 'red')}]{escape(row.verdict)}[/]",
            row.changes,
            _visible(row.subject),
        )
        for row in kept
    ]
    table = _table(("#", "commit", "verdict", "changes", "subject"), cells)
    out.console.print(table, soft_wrap=False)
    if len(kept) < len(rows):
        out.print(f"  ... and {len(rows) - len(kept)} more row(s)")
        out.cut = True


def _findings(out: _Out, report: Mapping[str, Any]) -> None:
    """Every kind of finding; the violations, by folder above, listed while few."""
    found = summary.in_order(report, findings(report))
    for kind in KINDS:
        mine = [f"{f.lead}  {f.detail}" for f in found if f.kind is kind]
        if kind is MODE_VIOLATION and out.cap is not None and len(mine) > out.cap:
            out.print(f"\n[bold]{kind.title}[/]: {summary.number(len(mine))}, by folder above")
            out.cut = True
        else:
            out.listed(kind.title, mine)
    checked = report.get("claims")
    if checked == []:
        out.print("\nThe text checked for claims makes none that session-guard checks.")
    held = [f"line {c['line']} {c['text']!r}: {c['detail']}" for c in checked or () if c["holds"]]
    out.listed("Claims that hold", held)


def _undo(out: _Out, report: Mapping[str, Any]) -> None:
    plan, left = summary.by_hand(report)
    if plan:
        command, does = summary.undo(report)
        out.print(f"\n[bold]Undo[/]: {_visible(command)} {does}")
        if out.cap is None or len(plan) <= out.cap:
            out.listed("The rollback plan by hand", plan)
        else:
            out.print(f"  by hand: {summary.number(len(plan))} git command(s)")
            out.cut = True
    out.listed("Left to you (the guard never discards uncommitted work)", left)
    upstream = report.get("upstream", ())
    out.listed(
        "Upstream (arrived by fetch, not the session's work)",
        [f"{c['sha'][:12]}  {c['subject']}" for c in upstream],
    )
    candidates = report["revert_candidates"]
    if candidates:
        which = f"{summary.ranges(report, candidates)} ({len(candidates):,} commit(s))"
        out.print(f"\nRevert candidates (every change a violation): {which}")
        if out.cap is None or len(candidates) <= out.cap:
            order = summary.numbers(report)
            shas = [sha[:12] for sha in sorted(candidates, key=lambda s: order.get(s, 0))]
            for at in range(0, len(shas), 7):  # seven to a line
                out.print("  " + ", ".join(shas[at : at + 7]))


def render(report: Mapping[str, Any], *, color: bool = False, verbose: bool = False) -> str:
    """The summary; with `verbose`, every commit, path and command in full."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=WIDTH,
        highlight=False,
        soft_wrap=True,
    )
    out = _Out(console, None if verbose else summary.SHOWN)
    console.print(Panel(_headline(report), title="session-guard audit", expand=False))
    _folders(out, report)
    _commits(out, report)
    _findings(out, report)
    _undo(out, report)
    if out.cut:
        out.print(f"\nEvery commit, path and command: {summary.FULL}")
    return "".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())


def progress(message: str) -> AbstractContextManager[object]:
    """A spinner with `message` on stderr while a long audit reads the history."""
    return Console(stderr=True).status(message)
