"""Commits + session -> findings, summary and rollback plan: the `guard.audit/v1` report.

Pure: the shell (`auditing.py`) gathers everything from git into an `Evidence`
value; `build` turns it into the report, a plain JSON-ready dict that every
renderer (text, json, markdown, sarif, junit, github) takes as it is.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from guard.classify import Classifier
from guard.enforce import SUBMODULE_RULE, literal, quote
from guard.session import Change, Commit

if TYPE_CHECKING:
    from guard.report.json import Streamed

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
    # The checked-out branch's (start tip, tip) when it moved: its net change is then
    # worked out while the commits stream (when its start tip is `base`).
    current_line: tuple[str, str] | None = None
    # Paths classified already, (category, rule): while the start tree was listed.
    classified: Mapping[str, tuple[str, str | None]] | None = None


def claims_docs_only(message: str) -> bool:
    return CLAIMS.search(message) is not None


def classify_into(
    classifier: Classifier, paths: Iterable[str], into: dict[str, tuple[str, str | None]]
) -> None:
    """(category, rule) of each path not in `into` yet, in one batch (the classifier's
    fast loop)."""
    todo = [p for p in dict.fromkeys(paths) if p not in into]
    decisions = classifier.decisions()
    into.update(zip(todo, [decisions[i] for i in classifier.indices(todo)], strict=True))


class _Judge:
    """Classification and the mode's verdict for single paths, memoised (an audit
    meets the same path in its commits, its net changes and its plan)."""

    def __init__(
        self,
        classifier: Classifier,
        allowed: Sequence[str],
        classified: Mapping[str, tuple[str, str | None]] | None = None,
    ) -> None:
        self.classifier = classifier
        self.allowed = set(allowed)
        self.default = classifier.policy.default
        self._seen: dict[str, tuple[str, str | None]] = dict(classified or {})

    def prime(self, paths: Iterable[str]) -> None:
        """Classify many paths in one batch (the classifier's fast loop)."""
        classify_into(self.classifier, paths, self._seen)

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
    # The old side restores when its path was not there at the start.
    old_category, old_rule = judge.category(change.old_path)
    old_allowed = old_category in judge.allowed
    old_fine = old_allowed or change.old_path not in start
    new_fine = allowed or _restores(change, start)
    if not old_fine or (new_fine and not old_allowed):  # the old side names it
        category, rule = old_category, old_rule
    return {
        "path": change.path,
        "old_path": change.old_path,
        "status": change.status,
        "category": category,
        "rule": rule,
        "allowed": allowed and old_allowed,
        "restores": not (allowed and old_allowed) and old_fine and new_fine,
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


def _step(
    path: str, added: bool, category: str, base: str | None, plain: bool | None = None
) -> dict[str, Any]:
    """One rollback step: delete what was added, restore the rest from `base`.
    `plain`: whether `path` matches _PLAIN, when the caller knows."""
    # A plain path is its own pathspec and shell word; others are made so.
    if plain is None:
        plain = _PLAIN.match(path) is not None
    word = path if plain else quote(literal(path))
    if added or base is None:
        return {
            "path": path,
            "action": "delete",
            "source": None,
            "category": category,
            "command": f"git rm -q -- {word}",
        }
    return {
        "path": path,
        "action": "restore",
        "source": base,
        "category": category,
        "command": f"git restore --source={base} --staged --worktree -- {word}",
    }


def rollback_plan(net: Iterable[Change], judge: _Judge, base: str | None) -> list[dict[str, Any]]:
    """Undo every non-allowed net change: delete what was added, restore the rest."""
    plan = []
    for change in sorted(net, key=attrgetter("path")):
        category, _ = judge.category(change.path, change.is_gitlink)
        if category not in judge.allowed:
            plan.append(_step(change.path, change.status == "A", category, base))
    return plan


class _Line:
    """The checked-out branch's net change since the start commit, worked out while
    its commits stream in, newest first: the first change to a path met on the
    branch's first-parent line says what the path is now, the start tree what it
    was, so each rollback step is known at once rather than after git's last byte.
    `plan()` is None unless the line led back to the start commit (a branch reset
    to an older commit does not): then the composed net change decides."""

    def __init__(
        self,
        base: str,
        tip: str,
        start: Mapping[str, str],
        judge: _Judge,
        encode: Callable[[Mapping[str, Any], bool], str] | None = None,
    ) -> None:
        self.base, self.expected, self.start, self.judge = base, tip, start, judge
        # Each step is encoded as it is made, when `encode` is given; told whether its
        # path and command are plain (nothing in them needs escaping).
        self.encode = encode
        self.plain_base = _PLAIN.match(base) is not None
        self.seen: set[str] = set()
        self.steps: list[tuple[str, dict[str, Any], str]] = []
        self.waiting: dict[str, Commit] = {}  # commits off the line, or early

    def offer(self, commit: Commit) -> None:
        if commit.sha != self.expected:
            self.waiting[commit.sha] = commit
            return
        while True:
            self._walk(commit)
            following = self.waiting.pop(self.expected, None)
            if following is None:
                return
            commit = following

    def _walk(self, commit: Commit) -> None:
        self.expected = commit.parents[0] if commit.parents else ""
        seen, start = self.seen, self.start
        for change in commit.changes:
            old = change.old_path
            if old is not None and old not in seen:  # a rename: the old path is gone now
                seen.add(old)
                was = start.get(old)
                if was is not None:
                    self._changed(old, was, None)
            path = change.path
            if path in seen:
                continue  # a newer commit on the line said already
            seen.add(path)
            now = None if change.new_mode == "000000" else f"{change.new_mode} {change.new_oid}"
            was = start.get(path)
            if now != was:
                self._changed(path, was, now)

    def _changed(self, path: str, was: str | None, now: str | None) -> None:
        """A path that differs from the start: a step when its category is forbidden."""
        gitlink = (was or "")[:6] == "160000" or (now or "")[:6] == "160000"
        category, _ = self.judge.category(path, gitlink)
        if category not in self.judge.allowed:
            plain = _PLAIN.match(path) is not None
            step = _step(path, was is None, category, self.base, plain)
            text = self.encode(step, plain and self.plain_base) if self.encode else ""
            self.steps.append((path, step, text))

    def plan(self) -> list[dict[str, Any]] | None:
        if self.expected != self.base:
            return None
        self.steps.sort(key=itemgetter(0))
        return [step for _, step, _ in self.steps]

    def encoded(self) -> list[str]:
        """The steps of `plan()`, encoded, in its order."""
        return [text for _, _, text in self.steps]


# Needs neither `:(literal)` (no leading `:` nor wildcard) nor shell quoting.
_PLAIN = re.compile(r"[\w@%+=,./][\w@%+=:,./-]*\Z", re.ASCII)


def _count_changed(
    commit: Commit, row: Mapping[str, Any], judge: _Judge, changed: defaultdict[str, set[str]]
) -> None:
    """Add the commit's paths to `changed`, by category. Both sides of a rename count,
    each in its category; a one-sided change's category is its row's."""
    for change, listed in zip(commit.changes, row["changes"], strict=True):
        if change.old_path is None:
            changed[listed["category"]].add(change.path)
        else:
            gitlink = change.is_gitlink
            for path in (change.old_path, change.path):
                changed[judge.category(path, gitlink)[0]].add(path)


def build(
    evidence: Evidence, classifier: Classifier, streamed: Streamed | None = None
) -> dict[str, Any]:
    """The `guard.audit/v1` report. The commits are read first and once, as they stream
    from git (the checked-out branch's rollback plan worked out as they come, and each
    commit's row and rollback step handed to `streamed` to encode as soon as it is
    final); the other branches' net changes after them (they may be composed from
    them)."""
    judge = _Judge(classifier, evidence.allowed, evidence.classified)
    start = evidence.start_entries
    line = None
    if evidence.current_line and evidence.current_line[0] == evidence.base and start:
        encode = streamed.step if streamed is not None else None
        line = _Line(*evidence.current_line, start, judge, encode)
    # In the policy's order (a set's would change with the hash seed, run to run).
    names = dict.fromkeys([*classifier.policy.categories, "production", "test", "docs"])
    changed: defaultdict[str, set[str]] = defaultdict(set, {name: set() for name in names})
    commits = []
    violations = 0
    for commit in evidence.commits:
        judge.prime(
            path for c in commit.changes for path in (c.path, c.old_path) if path is not None
        )
        row, bad = _commit_row(commit, judge, start)
        commits.append(row)
        violations += bad
        if streamed is not None:
            streamed.commit(row)
        _count_changed(commit, row, judge, changed)
        if line is not None:
            line.offer(commit)

    working = _working_rows(evidence.working, judge)
    violations += sum(not r["allowed"] for r in working)
    current = evidence.current_branch or ""
    plan = line.plan() if line is not None else None
    nets = evidence.nets
    forbidden = {}
    for branch in nets:
        if branch == current and plan is not None:
            forbidden[branch] = [step["path"] for step in plan]
            continue
        changes = nets[branch]
        judge.prime(c.path for c in changes)
        forbidden[branch] = sorted(
            c.path for c in changes if judge.category(c.path, c.is_gitlink)[0] not in judge.allowed
        )
    if plan is None:
        plan = rollback_plan(nets.get(current, ()), judge, evidence.base)
    elif streamed is not None and line is not None:
        streamed.steps = line.encoded()
    dirty = {row["path"] for row in working if not row["allowed"]}
    # "Now" is the checked-out branch and the work tree; other branches that still
    # carry forbidden changes are named in `integrity`, so nothing goes unreported.
    net = set(forbidden.get(current, ())) | dirty
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
    verdict = "violated" if net else ("restored" if violations else "clean")
    return {
        "schema": SCHEMA,
        "session": dict(evidence.session) if evidence.session is not None else None,
        "commits": commits,
        "working_tree": working,
        "rewritten_refs": [dict(r) for r in evidence.rewritten],
        "integrity": [dict(i) for i in evidence.integrity] + others,
        "rollback": plan,
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
