"""What the reports for people (text, Markdown) show first: the shape of the change
by folder and by commit, the findings in reading order, and the command that undoes it.

Pure: everything comes from the report. The renderers decide how much of each list
to show; every list here is complete and in the order a person reads it (paths in
natural order, commits oldest first, numbered as on the HTML page's timeline).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from guard import rollback
from guard.report.findings import Finding
from guard.report.shape import folders, natural

SHOWN = 10  # entries a summary lists of a kind before it points to the full report
RUN = 3  # consecutive commits of one kind that a summary folds into one row
STATUS = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "T": "type changed"}
FULL = "guard audit --verbose, or --format json or html"  # where every entry is


def number(count: int) -> str:
    return f"{count:,}"


def counts(counter: Mapping[str, int], words: Mapping[str, str] | None = None) -> str:
    """`3,000 modified, 2 added`: largest first, ties in name order."""
    items = sorted(((k, n) for k, n in counter.items() if n), key=lambda kn: (-kn[1], kn[0]))
    return ", ".join(f"{number(n)} {(words or {}).get(k, k)}" for k, n in items)


def categories(counter: Mapping[str, int]) -> str:
    """One category by name (`test`); several with their counts."""
    named = [k for k, n in counter.items() if n]
    return named[0] if len(named) == 1 else counts(counter)


# --------------------------------------------------------------------------- folders


class FolderRow(NamedTuple):
    label: str  # `tests/unit/agents/`, `src/**` (a folder and all below it), `3 more in src/`
    paths: int
    what: str  # `3,000 modified`
    category: str  # `test`, or `2 production, 1 docs`


def changed(report: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """Every committed path once, {path: (status, category)} as its newest commit left it."""
    return {
        change["path"]: (change["status"], change["category"])
        for commit in reversed(report["commits"])
        for change in commit["changes"]
    }


def folder_rows(report: Mapping[str, Any], limit: int = 12) -> list[FolderRow]:
    """The committed paths summed up by the folders that explain most of them."""
    return [
        FolderRow(label, group.size(), counts(group.statuses, STATUS), categories(group.categories))
        for label, group in folders(changed(report), limit).items()
    ]


# --------------------------------------------------------------------------- commits


class CommitRow(NamedTuple):
    first: int  # its number, oldest first from 1
    last: int  # the same for one commit; the last of a run
    sha: str  # short; for a run, how many commits
    verdict: str  # `violation`, `clean`, `mixed`, with `(claims docs only)`
    changes: str  # counts per category
    subject: str  # for a run, its first and last subjects

    @property
    def number(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}-{self.last}"


def _kind(commit: Mapping[str, Any]) -> tuple[str, bool, tuple[str, ...]]:
    return commit["verdict"], commit["mislabelled"], tuple(sorted(_tally(commit)))


def _tally(commit: Mapping[str, Any]) -> Counter[str]:
    return Counter(change["category"] for change in commit["changes"])


def _verdict(commit: Mapping[str, Any]) -> str:
    return str(commit["verdict"]) + (" (claims docs only)" if commit["mislabelled"] else "")


def _span(first: str, last: str) -> str:
    """The subjects of a run's ends, what they share said once: `part 1 ... 26`."""
    at = next(
        (i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b),
        min(len(first), len(last)),
    )
    shared = first[:at]
    shared = shared[: shared.rfind(" ") + 1]
    return f"{first} ... {last[len(shared) :]}"


def commit_rows(report: Mapping[str, Any], fold: bool = True) -> list[CommitRow]:
    """The commits oldest first, each with its changes counted by category; with
    `fold`, a run of `RUN` or more alike (verdict, claim, categories) is one row."""
    commits = list(reversed(report["commits"]))
    runs: list[list[Mapping[str, Any]]] = []
    for commit in commits:
        if runs and _kind(runs[-1][0]) == _kind(commit):
            runs[-1].append(commit)
        else:
            runs.append([commit])
    rows, at = [], 1
    for run in runs:
        groups = [run] if fold and len(run) >= RUN else [[c] for c in run]
        for group in groups:
            first, last = group[0], group[-1]
            tally: Counter[str] = Counter()
            for commit in group:
                tally.update(_tally(commit))
            if len(group) == 1:
                sha, subject = first["sha"][:12], first["subject"]
            else:
                sha, subject = (
                    f"{number(len(group))} commits",
                    _span(first["subject"], last["subject"]),
                )
            changes = counts(tally) or "no changes"
            rows.append(CommitRow(at, at + len(group) - 1, sha, _verdict(first), changes, subject))
            at += len(group)
    return rows


def numbers(report: Mapping[str, Any]) -> dict[str, int]:
    """sha -> the commit's number, oldest first from 1."""
    return {c["sha"]: n for n, c in enumerate(reversed(report["commits"]), 1)}


def ranges(report: Mapping[str, Any], shas: Sequence[str]) -> str:
    """Commits by their numbers, runs as ranges: `#1-28, #30`."""
    order = numbers(report)
    known = sorted(order[sha] for sha in shas if sha in order)
    spans: list[list[int]] = []
    for n in known:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    words = [f"#{a}" if a == b else f"#{a}-{b}" for a, b in spans]
    words += [sha[:12] for sha in shas if sha not in order]
    return ", ".join(words)


# --------------------------------------------------------------------------- findings


def in_order(report: Mapping[str, Any], found: Sequence[Finding]) -> list[Finding]:
    """Findings oldest commit first, paths in natural order within a commit."""
    order = numbers(report)
    return sorted(found, key=lambda f: (order.get(f.commit or "", 0), natural(f.path)))


# --------------------------------------------------------------------------- undo


def undo(report: Mapping[str, Any]) -> tuple[str, str]:
    """(`guard rollback --apply`, `restores 3,001 path(s) and deletes 2, in one commit`)."""
    plan = report["rollback"]
    deletes = sum(step["action"] == "delete" for step in plan)
    does = f"restores {number(len(plan) - deletes)} path(s) and deletes {number(deletes)}"
    return rollback.command_for(report), f"{does}, in one commit"


def by_hand(report: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """(the rollback plan as git commands to run by hand, the commands that discard
    the uncommitted work the mode does not allow): the one place the renderers for
    people get the commands from."""
    return rollback.plan_commands(report), rollback.by_hand(report)
