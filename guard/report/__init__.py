"""Renderers of the `guard.audit/v1` report: each takes the report dict, returns text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

FORMATS = ("text", "json", "markdown", "sarif", "junit", "github", "html")

Renderer = Callable[[Mapping[str, Any]], str]


def renderer(name: str, *, color: bool = False) -> Renderer:
    """The renderer for a format name (imported on demand: rich only for text)."""
    if name == "text":
        from guard.report import text

        return lambda report: text.render(report, color=color)
    if name == "json":
        from guard.report import json

        return json.render
    if name == "markdown":
        from guard.report import markdown

        return markdown.render
    if name == "sarif":
        from guard.report import sarif

        return sarif.render
    if name == "junit":
        from guard.report import junit

        return junit.render
    if name == "html":
        from guard.report import html

        return html.render
    from guard.report import github

    return github.render


def violations(report: Mapping[str, Any]) -> list[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """(commit, change) for every violating change, oldest commit first."""
    return [
        (commit, change)
        for commit in reversed(report["commits"])
        for change in commit["changes"]
        if not change["allowed"] and not change["restores"]
    ]


def mode_text(report: Mapping[str, Any]) -> str:
    session = report["session"]
    if session is None:
        return "the audited range"
    allowed = ", ".join(session["allowed"]) or "nothing"
    return f"session {session['id']} ({session['mode']}, allows {allowed})"


def problems(report: Mapping[str, Any]) -> list[str]:
    """Integrity findings and rewritten refs, one line each."""
    lines = [f"{i['kind']}: {i['detail']}" for i in report["integrity"]]
    lines += [
        f"rewritten: {r['ref']} {r['start_tip'][:12]} -> {r['tip'][:12]}"
        for r in report["rewritten_refs"]
    ]
    return lines


def describe(change: Mapping[str, Any]) -> str:
    """`path: category (rule)`; a rename shows both paths."""
    path = change["path"]
    if change.get("old_path"):
        path = f"{change['old_path']} -> {path}"
    rule = change.get("rule") or "the policy default"
    return f"{path}: {change['category']} ({rule})"
