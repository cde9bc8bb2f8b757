"""The report as one self-contained HTML page: the verdict, a timeline of the commits,
a map of the changed folders, the claims the audit contradicts, then every table.

No network and no script: inline CSS, inline SVG charts whose tooltips are SVG
`<title>`s, `<details>` blocks for the long tables. Every value of the report goes
through `_e` (control characters shown as escapes, then HTML-escaped): a path may
hold `<`, `&`, quotes, or bytes that are not UTF-8.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from guard.quoting import visible
from guard.report import header, mode_text
from guard.report.findings import INTEGRITY, findings
from guard.report.shape import Folder, folders, natural
from guard.rollback import by_hand, command_for, plan_commands

_VERDICT = {"clean": "#1a7f37", "restored": "#9a6700", "tampered": "#a40e26", "violated": "#cf222e"}
_COMMIT = {"clean": "#2da44e", "mixed": "#e3b341", "violation": "#cf222e"}
_CATEGORY = {"production": "#e5534b", "test": "#4184e4", "docs": "#57ab5a"}
_PALETTE = ("#986ee2", "#e0823d", "#39a0a0", "#c96198", "#8c959f")
_STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "T": "type changed"}
_CLAIMED = "#1f2328"  # the dot over a commit whose message claims docs only
_OPEN = 200  # a longer table starts folded

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;color:#1f2328;max-width:1100px;margin:0 auto;padding:16px}
h1{font-size:18px;margin:0 0 8px}h2{font-size:16px;margin:28px 0 8px}
.verdict{border-left:10px solid;padding:10px 16px;background:#f6f8fa}
.verdict strong{font-size:28px;letter-spacing:.04em;margin-right:12px}
.stats{display:flex;flex-wrap:wrap;gap:8px;margin-top:10px}
.stats div{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:4px 10px}
svg{width:100%;height:auto;display:block}
.axis{display:flex;justify-content:space-between;color:#656d76;font-size:12px}
.key span{margin-right:14px;white-space:nowrap}
.key i{display:inline-block;width:11px;height:11px;margin-right:4px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:2px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}.no{color:#cf222e;font-weight:600}.ok{color:#1a7f37}
code,pre{font:12px ui-monospace,monospace}pre{background:#f6f8fa;padding:8px;overflow:auto}
summary{cursor:pointer;font-weight:600;margin:6px 0}li{margin:4px 0}
"""


class Raw(str):
    """Markup already built from escaped values: `_tr` puts it in as it is."""


def _e(value: object) -> str:
    return value if isinstance(value, Raw) else html.escape(visible(str(value)), quote=True)


def _n(count: int) -> str:
    return f"{count:,}"


def _code(text: str) -> Raw:
    return Raw(f"<code>{_e(text)}</code>")


def _counts(counter: Counter[str], words: Mapping[str, str] | None = None) -> str:
    return ", ".join(f"{_n(n)} {(words or {}).get(k, k)}" for k, n in counter.most_common())


def _tr(*cells: object, cls: Sequence[str] = ()) -> str:
    """A table row; `cls`: a class for each cell ("" for none)."""
    out = [
        f"<td class={cls[i]}>{_e(v)}</td>" if i < len(cls) and cls[i] else f"<td>{_e(v)}</td>"
        for i, v in enumerate(cells)
    ]
    return "<tr>" + "".join(out) + "</tr>"


def _table(head: Sequence[str], rows: list[str], title: str) -> str:
    """A table in a `<details>` block, folded when long."""
    if not rows:
        return ""
    opened = " open" if len(rows) <= _OPEN else ""
    cells = "".join(f"<th>{h}</th>" for h in head)
    return (
        f"<details{opened}><summary>{_e(title)} ({_n(len(rows))})</summary>"
        f"<table><tr>{cells}</tr>{''.join(rows)}</table></details>"
    )


def _verdict(change: Mapping[str, Any]) -> str:
    return "allowed" if change["allowed"] else "restores" if change["restores"] else "violation"


def _mark(word: str) -> str:
    return "ok" if word in ("allowed", "restores", "clean", "holds") else "no"


# --------------------------------------------------------------------------- the head


def _head(report: Mapping[str, Any]) -> str:
    summary, plan = report["summary"], report["rollback"]
    colour = _VERDICT.get(summary["verdict"], "#57606a")
    stats = [
        f"{_n(summary['commits'])} commit(s), {_n(summary['violating_commits'])} violating",
        f"{_n(summary['violations'])} violation(s), {_n(summary['net_violations'])} still in place",
        _e(_counts(Counter({c: n for c, n in summary["changed_paths"].items() if n})))
        or "no changed paths",
    ]
    if plan:
        deleted = sum(step["action"] == "delete" for step in plan)
        stats.append(
            f"undo: {_code(command_for(report))} restores {_n(len(plan) - deleted)}, "
            f"deletes {_n(deleted)}"
        )
    session = report["session"]
    reason = f"<p>Reason: {_e(session['reason'])}</p>" if session and session["reason"] else ""
    judged = " &middot; ".join(f"{_e(label)}: {_e(value)}" for label, value in header(report))
    return (
        f'<section class=verdict id=verdict style="border-color:{colour}">'
        f'<strong style="color:{colour}">{_e(summary["verdict"].upper())}</strong>'
        f"{_e(mode_text(report))}<p>{judged}</p>{reason}<div class=stats>"
        + "".join(f"<div>{s}</div>" for s in stats)
        + "</div></section>"
    )


# --------------------------------------------------------------------------- the charts


def _rect(x: float, y: float, w: float, h: float, fill: str, tip: str) -> str:
    return (
        f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="{fill}">'
        f"<title>{tip}</title></rect>"
    )


def _svg(width: float, height: float, label: str, parts: Iterable[str]) -> str:
    return (
        f'<svg viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="{label}">'
        + "".join(parts)
        + "</svg>"
    )


def _key(colours: Mapping[str, str]) -> str:
    spans = (f'<span><i style="background:{c}"></i>{_e(k)}</span>' for k, c in colours.items())
    return "<div class=key>" + "".join(spans) + "</div>"


def _timeline(commits: Sequence[Mapping[str, Any]]) -> str:
    """One bar per commit, oldest on the left, coloured by verdict, its height the
    square root of its share of the largest commit (so a one-path commit shows);
    a dot above each commit whose message claims docs only."""
    if not commits:
        return "<p>No commits in the audited scope.</p>"
    width, height = 1000.0, 90.0
    step = width / len(commits)
    bar = step * 0.8 if step >= 4 else step  # thin bars touch
    most = max(len(c["changes"]) for c in commits) or 1
    marks = []
    for number, commit in enumerate(commits, 1):
        x, changed = (number - 1) * step, len(commit["changes"])
        tall = 6 + (height - 18) * (changed / most) ** 0.5
        claim = " (claims docs only)" if commit["mislabelled"] else ""
        tip = _e(
            f"#{number} {commit['sha'][:12]} {commit['verdict']}{claim}: "
            f"{changed} change(s), {commit['subject']}"
        )
        marks.append(
            _rect(x, height - tall, bar, tall, _COMMIT.get(commit["verdict"], "#57606a"), tip)
        )
        if claim:
            radius = min(max(step / 2, 1.5), 5)
            marks.append(
                f'<circle cx="{x + bar / 2:.2f}" cy="6" r="{radius:.2f}" fill="{_CLAIMED}">'
                f"<title>{tip}</title></circle>"
            )
    return (
        _svg(width, height, "commit timeline", marks)
        + "<div class=axis><span>oldest</span><span>newest</span></div>"
        + _key({**_COMMIT, "claims docs only (dot)": _CLAIMED})
    )


def squarify(
    sizes: Sequence[float], x: float, y: float, w: float, h: float
) -> list[tuple[float, float, float, float]]:
    """Rectangles for `sizes` (largest first) that fill the box, as near square as
    the squarified treemap (Bruls, Huizing and van Wijk, 2000) lays them out."""
    scale = w * h / sum(sizes)
    left, rects = [s * scale for s in sizes], []
    while left:
        short, row = min(w, h), [left[0]]
        while len(row) < len(left) and _worst([*row, left[len(row)]], short) <= _worst(row, short):
            row.append(left[len(row)])
        left, across = left[len(row) :], sum(row) / short
        at = y if w >= h else x
        for size in row:  # the row along the short side, `across` thick
            rects.append(
                (x, at, across, size / across) if w >= h else (at, y, size / across, across)
            )
            at += size / across
        x, w, y, h = (x + across, w - across, y, h) if w >= h else (x, w, y + across, h - across)
    return rects


def _worst(row: Sequence[float], short: float) -> float:
    total = sum(row)
    return max(max(row) * short * short / total**2, total**2 / (short * short * min(row)))


def _map(groups: Mapping[str, Folder], colours: Mapping[str, str]) -> str:
    """The folders as a treemap, each block split by category, labelled when it can
    be. A block takes at least 1/20 of the map: two production files beside 3,000
    test files stay in sight (the folder table has the exact counts)."""
    if not groups:
        return "<p>No committed paths changed.</p>"
    width, height, parts = 1000.0, 300.0, []
    least = sum(g.size() for g in groups.values()) / 20
    boxes = squarify([max(g.size(), least) for g in groups.values()], 0, 0, width, height)
    for (name, group), (x, y, w, h) in zip(groups.items(), boxes, strict=True):
        label = f"{name} {_n(group.size())}"
        tip = _e(f"{label} path(s): {_counts(group.categories)}")
        at = 0.0
        for category, count in group.categories.most_common():
            share = count / group.size()
            if w >= h:
                parts.append(_rect(x + at * w, y, w * share, h, colours[category], tip))
            else:
                parts.append(_rect(x, y + at * h, w, h * share, colours[category], tip))
            at += share
        parts.append(
            f'<rect x="{x:.2f}" y="{y:.2f}" width="{w:.2f}" height="{h:.2f}" fill="none" '
            'stroke="#fff" stroke-width="3"/>'
        )
        size = _n(group.size())
        fits = [t for t in ([label], [name, size], [size]) if h > 6 + 17 * len(t)]
        lines = next((t for t in fits if all(w > 7.5 * len(line) + 12 for line in t)), [])
        for row, line in enumerate(lines):  # on one line, or name and count on two
            parts.append(
                f'<text x="{x + 6:.2f}" y="{y + 17 + 16 * row:.2f}" font-size="13" '
                f'font-weight="600" fill="#fff">{_e(line)}<title>{tip}</title></text>'
            )
    note = (
        "<p class=axis>a/**: the folder a/ and all below it</p>"
        if any("**" in n for n in groups)
        else ""
    )
    return _svg(width, height, "changed folders", parts) + _key(colours) + note


def _colours(categories: Iterable[str]) -> dict[str, str]:
    spare = iter(_PALETTE * 100)
    return {c: _CATEGORY.get(c) or next(spare) for c in dict.fromkeys(categories)}


# --------------------------------------------------------------------------- claims


def _claim(entry: Mapping[str, Any]) -> tuple[bool, str]:
    """(holds, its list item) for a claim of any shape: claim or kind, text, holds
    or verdict, evidence or detail, and paths (with how many `more`) when present."""
    status = entry.get("holds", entry.get("verdict"))
    word = {False: "contradicted", True: "holds"}.get(status, str(status or ""))
    name, text = entry.get("claim", entry.get("kind", "")), entry.get("text", "")
    detail = entry.get("evidence", entry.get("detail", ""))
    item = f"<li><span class={_mark(word)}>{_e(word)}</span> <b>{_e(name)}</b>"
    item += f" &ldquo;{_e(text)}&rdquo;" if text else ""
    item += f": {_e(detail)}" if detail else ""
    paths = entry.get("paths")
    if isinstance(paths, list) and paths:
        more = f"\n... and {_n(entry['more'])} more" if entry.get("more") else ""
        listed = "\n".join(_e(p) for p in sorted(paths, key=natural))
        item += f"<details><summary>paths</summary><pre>{listed}{more}</pre></details>"
    return word != "contradicted", item + "</li>"


def _claims(report: Mapping[str, Any], commits: Sequence[Mapping[str, Any]]) -> str:
    """The report's claims, contradicted first, and each commit whose message
    claims docs only."""
    items = [_claim(entry) for entry in report.get("claims") or []]
    for number, commit in enumerate(commits, 1):
        if commit["mislabelled"]:
            changed = _counts(Counter(ch["category"] for ch in commit["changes"]))
            claim = {"claim": f"commit #{number} {commit['sha'][:12]}", "holds": False}
            claim |= {"text": commit["subject"], "detail": f"claims docs only, changes {changed}"}
            items.append(_claim(claim))
    if not items:
        return ""
    items.sort(key=lambda item: item[0])
    return "<h2>Claims the audit contradicts</h2><ul>" + "".join(i for _, i in items) + "</ul>"


# --------------------------------------------------------------------------- the tables


def _tables(commits: Sequence[Mapping[str, Any]]) -> list[str]:
    """Commits (oldest first, numbered as on the timeline) and every change, in
    natural order of path."""
    rows = [
        _tr(
            n,
            _code(c["sha"][:12]),
            c["date"],
            c["verdict"] + (" (claims docs only)" if c["mislabelled"] else ""),
            _counts(Counter(ch["category"] for ch in c["changes"])),
            c["subject"],
            cls=("n", "", "", _mark(c["verdict"])),
        )
        for n, c in enumerate(commits, 1)
    ]
    found = [(natural(ch["path"]), n, ch) for n, c in enumerate(commits, 1) for ch in c["changes"]]
    changes = [
        _tr(
            f"{ch['old_path']} -> {ch['path']}" if ch.get("old_path") else ch["path"],
            _STATUS.get(ch["status"], ch["status"]),
            ch["category"],
            ch["rule"] or "the policy default",
            _verdict(ch),
            f"#{n}",
            cls=("", "", "", "", _mark(_verdict(ch)), "n"),
        )
        for _, n, ch in sorted(found, key=lambda item: item[:2])
    ]
    return [
        "<h2>Tables</h2>",
        _table(("#", "commit", "date", "verdict", "changes", "subject"), rows, "Commits"),
        _table(("path", "status", "category", "rule", "verdict", "commit"), changes, "Changes"),
    ]


def _rest(report: Mapping[str, Any]) -> list[str]:
    """Uncommitted work, integrity, upstream, the rollback plan."""
    tree = sorted(report["working_tree"], key=lambda r: natural(r["path"]))
    word = {True: "allowed", False: "violation"}
    rows = [
        _tr(
            r["state"],
            r["status"],
            r["path"],
            r["category"],
            word[r["allowed"]],
            cls=("", "", "", "", _mark(word[r["allowed"]])),
        )
        for r in tree
    ]
    out = [_table(("state", "status", "path", "category", "verdict"), rows, "Uncommitted")]
    left = by_hand(report)
    if left:
        out.append("<p>Left to you (the guard never discards uncommitted work):</p>")
        out.append("<pre>" + "\n".join(_e(c) for c in left) + "</pre>")
    found = [f"{f.lead}: {f.detail}" for f in findings(report) if f.kind is INTEGRITY]
    if found:
        out.append("<h2>Integrity</h2><ul>")
        out += [f"<li class=no>{_e(p)}</li>" for p in found] + ["</ul>"]
    upstream = [
        _tr(_code(c["sha"][:12]), c["subject"], len(c["changes"]), cls=("", "", "n"))
        for c in report.get("upstream", ())
    ]
    out.append(_table(("commit", "subject", "changes"), upstream, "Upstream (arrived by fetch)"))
    plan = sorted(report["rollback"], key=lambda s: natural(s["path"]))
    if plan:
        out.append(
            f"<h2>Rollback plan</h2><p>{_code(command_for(report))} does it in one commit.</p>"
        )
        steps = [_tr(s["action"], s["path"], s["category"], (s["source"] or "")[:12]) for s in plan]
        out.append(_table(("action", "path", "category", "from"), steps, "Steps"))
        commands = "\n".join(_e(c) for c in plan_commands(report))
        out.append(f"<details><summary>By hand</summary><pre>{commands}</pre></details>")
    if report["revert_candidates"]:
        shas = ", ".join(_code(s[:12]) for s in report["revert_candidates"])
        out.append(f"<p>Revert candidates (every change a violation): {shas}</p>")
    return out


def render(report: Mapping[str, Any]) -> str:
    commits = list(reversed(report["commits"]))  # oldest first, as the timeline reads
    paths = {ch["path"]: (ch["status"], ch["category"]) for c in commits for ch in c["changes"]}
    groups = folders(paths)  # each path once, as its newest commit left it
    colours = _colours([*report["summary"]["changed_paths"], *(c for _, c in paths.values())])
    body = [
        "<h1>session-guard audit</h1>",
        _head(report),
        f"<h2>Commits ({_n(len(commits))})</h2>",
        _timeline(commits),
        f"<h2>Changed paths by folder ({_n(len(paths))})</h2>",
        _map(groups, {c: colours[c] for c in dict.fromkeys(c for _, c in paths.values())}),
        _table(
            ("folder", "paths", "what", "categories"),
            [
                _tr(
                    name or "(top level)",
                    _n(g.size()),
                    _counts(g.statuses, _STATUS),
                    _counts(g.categories),
                    cls=("", "n"),
                )
                for name, g in groups.items()
            ],
            "Folders",
        ),
        _claims(report, commits),
        *_tables(commits),
        *_rest(report),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>session-guard audit: {_e(report['summary']['verdict'])}</title>"
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )
