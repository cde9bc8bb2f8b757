"""The report for people at a terminal (rich): verdict panel, commits, plan."""

from __future__ import annotations

import io
from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from guard.quoting import visible
from guard.report import header, mode_text
from guard.report.findings import KINDS, findings
from guard.rollback import by_hand, command_for, plan_commands

_STYLE = {"clean": "green", "restored": "yellow", "tampered": "bold red", "violated": "bold red"}


def _headline(report: Mapping[str, Any]) -> str:
    summary = report["summary"]
    verdict = summary["verdict"]
    headline = (
        f"[{_STYLE[verdict]}]{verdict.upper()}[/]  {escape(mode_text(report))}\n"
        f"{summary['commits']} commit(s), {summary['violating_commits']} violating; "
        f"{summary['violations']} violation(s), {summary['net_violations']} still in place"
    )
    for label, value in header(report):
        headline += f"\n{label}: {_visible(value)}"
    session = report["session"]
    if session and session.get("reason"):
        headline += f"\nreason: {escape(session['reason'])}"
    return headline


def _commits(report: Mapping[str, Any]) -> Table:
    table = Table("commit", "verdict", "subject", box=None, pad_edge=False)
    for commit in report["commits"]:
        flag = " [yellow](claims docs only)[/]" if commit["mislabelled"] else ""
        style = {"clean": "green", "mixed": "yellow", "violation": "red"}[commit["verdict"]]
        table.add_row(
            commit["sha"][:12],
            f"[{style}]{commit['verdict']}[/]{flag}",
            _visible(commit["subject"]),
        )
    return table


def _visible(text: str) -> str:
    """Markup-escaped, and control characters shown, never sent to the terminal."""
    return escape(visible(text))


def _section(console: Console, title: str, lines: list[str]) -> None:
    if lines:
        console.print(f"\n[bold]{escape(title)}[/]")
        for line in lines:
            console.print(f"  {_visible(line)}")


def render(report: Mapping[str, Any], *, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=110,
        highlight=False,
        soft_wrap=True,
    )
    console.print(Panel(_headline(report), title="session-guard audit", expand=False))
    if report["commits"]:
        console.print(_commits(report))
    found = findings(report)
    for kind in KINDS:
        _section(console, kind.title, [f"{f.lead}  {f.detail}" for f in found if f.kind is kind])
    _section(
        console,
        "Upstream (arrived by fetch, not the session's work)",
        [f"{c['sha'][:12]}  {c['subject']}" for c in report.get("upstream", ())],
    )
    if report["rollback"]:
        _section(
            console,
            f"Rollback plan ({command_for(report)} does this in one commit)",
            plan_commands(report),
        )
    _section(console, "Left to you (the guard never discards uncommitted work)", by_hand(report))
    if report["revert_candidates"]:
        shas = ", ".join(s[:12] for s in report["revert_candidates"])
        console.print(f"\nRevert candidates (every change a violation): {shas}")
    return buffer.getvalue()


def progress(message: str) -> AbstractContextManager[object]:
    """A spinner with `message` on stderr while a long audit reads the history."""
    return Console(stderr=True).status(message)
