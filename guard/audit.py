"""Commits + session -> findings, summary and rollback plan: the `guard.audit/v1` report.

Pure: the shell (`auditing.py`) gathers everything from git into an `Evidence`
value; `build` turns it into the report, a plain JSON-ready dict that every
renderer (text, json, markdown, sarif, junit, github) takes as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import Any, NamedTuple

from guard.classify import Classifier
from guard.enforce import SUBMODULE_RULE, literal, quote
from guard.session import Change, Commit

SCHEMA = "guard.audit/v1"

# A commit message that claims documentation or analysis only.
CLAIMS = re.compile(
    r"""
    \A\s*docs?(\([^)]*\))?!?:                       # a conventional-commit docs: subject
    | \b(documentation|docs?|analysis|notes?|worklog|comments?)[\s-]+only\b
    | \bonly\s+(documentation|docs?|analysis|notes|comments|the\s+worklog)\b
    | \bread[\s-]only\b
    | \bno\s+(functional|code|behaviou?r(al)?|logic|production)\s+changes?\b
    | \bnon[\s-]functional\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


class Evidence(NamedTuple):
    """Everything the audit reads from git and from session state, as plain values."""

    session: Mapping[str, Any] | None
    allowed: tuple[str, ...]
    base: str | None  # the start commit: what "restores" and the rollback compare to
    commits: Iterable[Commit]  # newest first; may still be streaming from git (one pass)
    start_entries: Mapping[str, str]  # path -> "mode oid" at `base`
    working: Sequence[Any]  # gitio.WorkingChange
    nets: Mapping[str, Sequence[Change]]  # branch -> changes from its start to now
    current_branch: str | None
    rewritten: Sequence[Mapping[str, str]]
    integrity: Sequence[Mapping[str, str]]


def claims_docs_only(message: str) -> bool:
    return CLAIMS.search(message) is not None


class _Judge:
    """Classification and the mode's verdict for single paths, memoised (an audit
    meets the same path in its commits, its net changes and its plan)."""

    def __init__(self, classifier: Classifier, allowed: Sequence[str]) -> None:
        self.classifier = classifier
        self.allowed = set(allowed)
        self.default = classifier.policy.default
        self._seen: dict[str, tuple[str, str | None]] = {}

    def prime(self, paths: Iterable[str]) -> None:
        """Classify many paths in one batch (the classifier's fast loop)."""
        todo = [p for p in dict.fromkeys(paths) if p not in self._seen]
        patterns, default = self.classifier.policy.patterns, self.default
        for path, index in zip(todo, self.classifier.indices(todo), strict=True):
            if index < 0:
                self._seen[path] = (default, None)
            else:
                self._seen[path] = (patterns[index].category, patterns[index].rule)

    def category(self, path: str, gitlink: bool = False) -> tuple[str, str | None]:
        if gitlink:
            return self.default, SUBMODULE_RULE
        found = self._seen.get(path)
        if found is None:
            decision = self.classifier.classify(path)
            found = self._seen[path] = (decision.category, decision.rule)
        return found


def _restores(change: Change, start: Mapping[str, str]) -> bool:
    """Whether the change leaves its (new) path as it was at the start."""
    if change.status == "D":
        return change.path not in start
    return start.get(change.path) == f"{change.new_mode} {change.new_oid}"


def _change_row(change: Change, judge: _Judge, start: Mapping[str, str]) -> dict[str, Any]:
    """A change as the report lists it. A rename is judged as its two sides, as the
    hooks see it (a deletion and an addition): each side must be allowed or leave
    its path as it was at the start; the first side that is neither names it."""
    category, rule = judge.category(change.path, change.is_gitlink)
    allowed = category in judge.allowed
    if change.old_path is None:  # one side: by far the commonest
        return {
            "path": change.path,
            "old_path": None,
            "status": change.status,
            "category": category,
            "rule": rule,
            "allowed": allowed,
            "restores": not allowed and _restores(change, start),
        }
    sides = [(category, rule, allowed, _restores(change, start))]
    old_category, old_rule = judge.category(change.old_path)
    gone_at_start = change.old_path not in start
    sides.insert(0, (old_category, old_rule, old_category in judge.allowed, gone_at_start))
    allowed = all(side[2] for side in sides)
    bad = [side for side in sides if not side[2] and not side[3]]
    named = bad[0] if bad else next((side for side in sides if not side[2]), sides[-1])
    return {
        "path": change.path,
        "old_path": change.old_path,
        "status": change.status,
        "category": named[0],
        "rule": named[1],
        "allowed": allowed,
        "restores": not allowed and not bad,
    }


def _commit_row(
    commit: Commit, judge: _Judge, start: Mapping[str, str]
) -> tuple[dict[str, Any], int]:
    """The commit as the report lists it, and its number of violating changes."""
    changes = [_change_row(c, judge, start) for c in commit.changes]
    bad = sum(not r["allowed"] and not r["restores"] for r in changes)
    verdict = "clean" if bad == 0 else ("violation" if bad == len(changes) else "mixed")
    beyond_docs = any(r["category"] != "docs" and not r["restores"] for r in changes)
    return {
        "sha": commit.sha,
        "parents": list(commit.parents),
        "author": commit.author,
        "date": commit.date,
        "subject": commit.subject,
        "verdict": verdict,
        "mislabelled": beyond_docs and claims_docs_only(commit.message),
        "changes": changes,
    }, bad


def _working_rows(working: Iterable[Any], judge: _Judge) -> list[dict[str, Any]]:
    rows = []
    for change in working:
        category, _ = judge.category(change.path)
        rows.append(
            {
                "path": change.path,
                "state": change.state,
                "status": change.status,
                "category": category,
                "allowed": category in judge.allowed,
            }
        )
    return rows


def rollback_plan(net: Iterable[Change], judge: _Judge, base: str | None) -> list[dict[str, Any]]:
    """Undo every non-allowed net change: delete what was added, restore the rest."""
    plan = []
    restore = f"git restore --source={base} --staged --worktree -- "
    for change in sorted(net, key=attrgetter("path")):
        category, _ = judge.category(change.path, change.is_gitlink)
        if category in judge.allowed:
            continue
        path = change.path
        # A plain path is its own pathspec and shell word; others are made so.
        word = path if _PLAIN.match(path) else quote(literal(path))
        if change.status == "A" or base is None:
            action, source, command = "delete", None, f"git rm -q -- {word}"
        else:
            action, source, command = "restore", base, restore + word
        plan.append(
            {
                "path": path,
                "action": action,
                "source": source,
                "category": category,
                "command": command,
            }
        )
    return plan


# Needs neither `:(literal)` (no leading `:` nor wildcard) nor shell quoting.
_PLAIN = re.compile(r"[\w@%+=,./][\w@%+=:,./-]*\Z", re.ASCII)


def build(evidence: Evidence, classifier: Classifier) -> dict[str, Any]:
    """The `guard.audit/v1` report. The commits are read first and once, as they stream
    from git; the branches' net changes after them (they may be composed from them)."""
    judge = _Judge(classifier, evidence.allowed)
    working = _working_rows(evidence.working, judge)
    start = evidence.start_entries
    names = {"production", "test", "docs", *classifier.policy.categories}
    changed: dict[str, set[str]] = {name: set() for name in names}
    commits = []
    violations = sum(not r["allowed"] for r in working)
    for commit in evidence.commits:
        judge.prime(
            path for c in commit.changes for path in (c.path, c.old_path) if path is not None
        )
        row, bad = _commit_row(commit, judge, start)
        commits.append(row)
        violations += bad
        for change, listed in zip(commit.changes, row["changes"], strict=True):
            # Both sides of a rename count, each in its category; one side is its row's.
            if change.old_path is None:
                changed.setdefault(listed["category"], set()).add(change.path)
            else:
                for path in (change.old_path, change.path):
                    changed.setdefault(judge.category(path, change.is_gitlink)[0], set()).add(path)

    nets = evidence.nets
    judge.prime(c.path for changes in nets.values() for c in changes)
    forbidden = {
        branch: sorted(
            c.path for c in changes if judge.category(c.path, c.is_gitlink)[0] not in judge.allowed
        )
        for branch, changes in nets.items()
    }
    dirty = {row["path"] for row in working if not row["allowed"]}
    # "Now" is the checked-out branch and the work tree; other branches that still
    # carry forbidden changes are named in `integrity`, so nothing goes unreported.
    net = set(forbidden.get(evidence.current_branch or "", ())) | dirty
    others = [
        {
            "kind": "unrestored-branch",
            "detail": f"{branch} still changes {len(paths)} path(s) the mode forbids: "
            + ", ".join(paths[:10])
            + (" ..." if len(paths) > 10 else ""),
        }
        for branch, paths in sorted(forbidden.items())
        if paths and branch != evidence.current_branch
    ]
    current = nets.get(evidence.current_branch or "", ())
    verdict = "violated" if net else ("restored" if violations else "clean")
    return {
        "schema": SCHEMA,
        "session": dict(evidence.session) if evidence.session is not None else None,
        "commits": commits,
        "working_tree": working,
        "rewritten_refs": [dict(r) for r in evidence.rewritten],
        "integrity": [dict(i) for i in evidence.integrity] + others,
        "rollback": rollback_plan(current, judge, evidence.base),
        "revert_candidates": [c["sha"] for c in commits if c["verdict"] == "violation"],
        "summary": {
            "commits": len(commits),
            "violating_commits": sum(c["verdict"] != "clean" for c in commits),
            "changed_paths": {name: len(paths) for name, paths in changed.items()},
            "violations": violations,
            "net_violations": len(net),
            "verdict": verdict,
        },
    }


NOTES = {"hooks-missing"}  # integrity kinds that inform without failing the audit


def exit_status(report: Mapping[str, Any]) -> int:
    """1 when anything is wrong: violations, net changes, rewritten refs, or integrity
    findings other than the notes (hooks that were never installed were warned of at
    start; a clean session without them is still clean)."""
    summary = report["summary"]
    troubled = summary["violations"] or summary["net_violations"] or report["rewritten_refs"]
    weakened = [i for i in report["integrity"] if i["kind"] not in NOTES]
    return 1 if troubled or weakened else 0
