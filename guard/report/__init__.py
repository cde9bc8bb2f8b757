"""Renderers of the `guard.audit/v1` report: each takes the report dict, returns text."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

FORMATS = ("text", "json", "markdown", "sarif", "junit", "github", "html", "codequality")

Renderer = Callable[[Mapping[str, Any]], str]


def renderer(name: str, *, color: bool = False, verbose: bool = False) -> Renderer:
    """The renderer for a format name (imported on demand: rich only for text);
    `verbose` lists every path in the text report (JSON, SARIF, JUnit and HTML always do)."""
    if name == "text":
        from guard.report import text

        return lambda report: text.render(report, color=color, verbose=verbose)
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
    if name == "codequality":
        from guard.report import codequality

        return codequality.render
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


def allowed(report: Mapping[str, Any]) -> list[str]:
    """The categories the judging mode allows."""
    scope, session = report["scope"], report["session"]
    if "allowed" in scope:
        return list(scope["allowed"])
    return list(session["allowed"]) if session is not None else []


def mode_text(report: Mapping[str, Any]) -> str:
    """What judged the report, in a few words: the session, or the mode of a range."""
    session = report["session"]
    allows = ", ".join(allowed(report)) or "nothing"
    if session is None:
        return f"mode {report['scope']['mode']} (allows {allows})"
    return f"session {session['id']} ({session['mode']}, allows {allows})"


_FROM = {
    "session": "declared by the session",
    "option": "chosen with --mode",
    "default": "the default: no --mode given",
}


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "?"


def audited(report: Mapping[str, Any]) -> str:
    """What was audited: the range, the start commit, or the session."""
    scope, session = report["scope"], report["session"]
    tip = scope.get("tip")
    if scope["kind"] == "range":
        text = f"{scope['base']}..{scope['head']}"
        if "start" in scope:
            text += f" ({_short(scope['start'])}..{_short(tip)})"
        return text
    if scope["kind"] == "since":
        start = f" ({_short(scope['start'])})" if "start" in scope else ""
        return f"{scope['since']}{start}..{_short(tip) if tip else 'HEAD'}"
    return f"{session['id']}, started {session['started_at']} at {_short(session['start_head'])}"


def header(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) for the head of every format: which mode judged, what it
    allows, and what was audited (a range, a start commit, or a session)."""
    scope = report["scope"]
    mode = scope["mode"]
    source = _FROM.get(scope.get("mode_from", ""))
    return [
        ("mode", f"{mode} ({source})" if source else mode),
        ("allows", ", ".join(allowed(report)) or "nothing"),
        ({"range": "range", "since": "since"}.get(scope["kind"], "session"), audited(report)),
    ]


def title(report: Mapping[str, Any]) -> str:
    """The header in one short line (an annotation's title): mode, then what."""
    scope, session = report["scope"], report["session"]
    assumed = " (default)" if scope.get("mode_from") == "default" else ""
    if scope["kind"] == "range":
        what = f"{scope['base']}..{scope['head']}"
    elif scope["kind"] == "since":
        what = f"since {scope['since']}"
    else:
        what = f"session {session['id']}"
    return f"session-guard {scope['mode']}{assumed} mode, {what}"


def facts(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The header as machine-readable name/value pairs (JUnit properties)."""
    scope, session = report["scope"], report["session"]
    pairs = [
        ("mode", scope["mode"]),
        ("mode_from", scope.get("mode_from") or ""),
        ("allowed", ",".join(allowed(report))),
        ("scope", scope["kind"]),
    ]
    for name in ("base", "head", "since", "start", "tip", "branch"):
        if scope.get(name):
            pairs.append((name, scope[name]))
    if session is not None:
        pairs += [("session", session["id"]), ("started_at", session["started_at"])]
    pairs.append(("verdict", report["summary"]["verdict"]))
    return pairs


def describe(change: Mapping[str, Any]) -> str:
    """`path: category (rule)`; a rename shows both paths."""
    path = change["path"]
    if change.get("old_path"):
        path = f"{change['old_path']} -> {path}"
    rule = change.get("rule") or "the policy default"
    return f"{path}: {change['category']} ({rule})"
