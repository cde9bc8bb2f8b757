"""Commits + session -> findings, summary and rollback plan: the `guard.audit/v1` report.

Pure: `gather` reads everything from git and session state into an `Evidence`
value; `build` turns it into the report, a plain JSON-ready dict that every
renderer (text, json, markdown, sarif, junit, github) takes as it is. What a
violation is, the judge decides (`guard.judge`); what undoes it, the rollback
plan (`guard.rollback.plan`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from guard.changes import Change, Commit, WorkingChange
from guard.claims import SUBJECT_CLAIM, Claim, false_claims
from guard.claims import check as check_claims
from guard.gittree import Start
from guard.judge import Finding, Judge
from guard.rollback import plan as rollback_plan
from guard.toolcalls import Calls
from guard.upstream import Taken

SCHEMA = "guard.audit/v1"

# What a commit message says when it claims documentation or analysis only: the
# subject's conventions (`claims.SUBJECT_CLAIM`) or these words in the message.
MESSAGE_CLAIM = re.compile(
    r"""
    \b(documentation|docs?|analysis|notes?|worklog|comments?)[\s-]+only\b
    | \bonly\s+(documentation|docs?|analysis|notes|comments|the\s+worklog)\b
    | \bread[\s-]?only\b
    | \bno\s+(functional|code|behaviou?r(al)?|logic|production)\s+changes?\b
    | \bnon[\s-]functional\b
    """,
    re.IGNORECASE | re.VERBOSE,
)


class Evidence(NamedTuple):
    """Everything the audit reads from git and from session state, as plain values."""

    session: Mapping[str, Any] | None
    base: str | None  # the start commit: what "restores" and the rollback compare to
    commits: Iterable[Commit]  # newest first; may be streaming from git: read once
    # What paths held at each start commit, `base` and the other branches' starts,
    # read from git only where a change asks (what "restores" compares with).
    trees: Mapping[str, Start]
    working: Sequence[WorkingChange]
    nets: Mapping[str, Sequence[Change]]  # branch -> changes from its start to now
    current_branch: str | None
    rewritten: Sequence[Mapping[str, str]]
    integrity: Sequence[Mapping[str, str]]
    # Commits of branches that start elsewhere than `base`: commit -> their start.
    bases: Mapping[str, str] = {}
    # Each net change's start (branch -> commit): what its rollback restores from.
    starts: Mapping[str, str] = {}
    # What was audited, for the report: kind (session, since, range), mode, revisions.
    scope: Mapping[str, Any] = {}
    # What arrived from a remote: listed apart, never the session's violation.
    upstream: Taken = Taken()
    # The agent tool calls the session's journal says wrote which paths; None when no
    # agent hook decided anything (a range, --since, a session without agents).
    calls: Calls | None = None
    # Commits the session made that no ref and no reflog reaches any more (read with
    # the others): each that changes a forbidden path is an integrity finding.
    lost: frozenset[str] = frozenset()
    # Of the others, those only a FETCH_HEAD from another repository reaches: named
    # in a note, not judged (nothing says whose they are).
    fetched_only: Sequence[str] = ()


def claims_docs_only(message: str) -> bool:
    subject = message.split("\n", 1)[0]
    return SUBJECT_CLAIM.search(subject) is not None or MESSAGE_CLAIM.search(message) is not None


def _change_row(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "old_path": finding.old_path,
        "status": finding.status,
        "category": finding.category,
        "rule": finding.rule,
        "allowed": finding.allowed,
        "restores": finding.restores,
    }


def _commit_row(
    commit: Commit, judge: Judge, findings: list[Finding], changed: dict[str, set[str]]
) -> tuple[dict[str, Any], int]:
    """The commit as the report lists it (its changes judged as `findings`), and its
    number of violating changes; its paths are added to `changed` by category (both
    sides of a rename, each in its own)."""
    bad, beyond_docs = 0, False
    for change, finding in zip(commit.changes, findings, strict=True):
        category, allowed, restores = finding.category, finding.allowed, finding.restores
        bad += not allowed and not restores  # finding.violation, inlined: the hot loop
        beyond_docs = beyond_docs or (category != "docs" and not restores)
        if change.old_path is None:  # the finding's category is its path's
            changed.setdefault(category, set()).add(change.path)
        else:
            for path in (change.old_path, change.path):
                category = judge.category(path, change.is_gitlink)[0]
                changed.setdefault(category, set()).add(path)
    verdict = "clean" if bad == 0 else ("violation" if bad == len(findings) else "mixed")
    return {
        **_header(commit),
        "verdict": verdict,
        "mislabelled": beyond_docs and claims_docs_only(commit.message),
        "changes": [_change_row(f) for f in findings],
    }, bad


def _header(commit: Commit) -> dict[str, Any]:
    """What every commit row of the report starts with."""
    return {
        "sha": commit.sha,
        "parents": list(commit.parents),
        "author": commit.author,
        "date": commit.date,
        "subject": commit.subject,
    }


def _upstream_row(commit: Commit, judge: Judge) -> dict[str, Any]:
    """A commit that arrived from a remote, as the report lists it apart: what it
    changes, by category, judged by nobody."""
    return {
        **_header(commit),
        "changes": [
            {
                "path": c.path,
                "old_path": c.old_path,
                "status": c.status,
                "category": judge.category(c.path, c.is_gitlink)[0],
            }
            for c in commit.changes
        ],
    }


def _working_rows(working: Iterable[WorkingChange], judge: Judge) -> list[dict[str, Any]]:
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


def _written_by(rows: Iterable[dict[str, Any]], calls: Calls | None, date: str = "") -> None:
    """Each change row's `tool_call`: the agent tool call that wrote it, or None; left
    out when there is no agent journal to tell (`calls` None)."""
    if calls is not None:
        for row in rows:
            row["tool_call"] = calls.find(row["path"], row.get("old_path"), date or None)


def _commit_rows(
    evidence: Evidence, judge: Judge, changed: dict[str, set[str]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
    """The commits judged, as the report lists them (the session's, and apart those
    that arrived from a remote), and their number of violating changes. A commit is
    judged as it streams from git; one that asked its start about a path the net
    changes did not tell is judged again after the log, once one read per start
    commit has fetched all such paths."""
    trees = evidence.trees
    default = (trees.get(evidence.base) if evidence.base else None) or Start(evidence.base)
    rows: list[dict[str, Any]] = []
    arrived, again, violations = [], [], 0
    for commit in evidence.commits:
        if commit.sha in evidence.upstream.commits:
            arrived.append(_upstream_row(commit, judge))
            continue
        own = evidence.upstream.keep.get(commit.sha)
        if own is not None:  # a merge of upstream: what it takes from it is upstream's
            kept = tuple(c for c in commit.changes if c.path in own or (c.old_path or "") in own)
            commit = commit._replace(changes=kept)
        start = trees.get(evidence.bases.get(commit.sha, ""), default)
        misses = start.misses
        findings = judge.changes(commit.changes, start.unchanged)
        if start.misses != misses:
            again.append((len(rows), commit, start))
            rows.append({})
            continue
        row, bad = _commit_row(commit, judge, findings, changed)
        _written_by(row["changes"], evidence.calls, commit.date)
        violations += bad
        rows.append(row)
    for start in {id(start): start for _, _, start in again}.values():
        start.fetch()
    for i, commit, start in again:
        findings = judge.changes(commit.changes, start.unchanged)
        rows[i], bad = _commit_row(commit, judge, findings, changed)
        _written_by(rows[i]["changes"], evidence.calls, commit.date)
        violations += bad
    return rows, arrived, violations


# Integrity kinds that inform without failing the audit.
NOTES = {"hooks-missing", "session-ref", "fetched-only"}


REMOTE = "refs/remotes/"  # a net change under it is what the session pushed there


def _listed(paths: Sequence[str]) -> str:
    return ", ".join(paths[:10]) + (" ..." if len(paths) > 10 else "")


def _still(branch: str, paths: Sequence[str]) -> str:
    return f"{branch} still changes {len(paths)} path(s) the mode forbids: {_listed(paths)}"


def _on_remote(ref: str, paths: Sequence[str]) -> str:
    """What a remote-tracking ref's finding says: the remote holds what the session
    pushed, and only a push changes that (a rollback here commits here)."""
    remote, _, branch = ref.removeprefix(REMOTE).partition("/")
    return (
        f"{ref}: this clone pushed {len(paths)} path(s) the mode forbids, which the remote "
        f"holds as it last pushed them: {_listed(paths)}; a rollback here cannot change "
        f"the remote: roll back a branch that holds what was pushed and push that "
        f"commit (git push {remote} HEAD:{branch})"
    )


def build(
    evidence: Evidence,
    judge: Judge,
    branch: str | None = None,
    claims: Sequence[Claim] | None = None,
) -> dict[str, Any]:
    """The `guard.audit/v1` report, its rollback plan for `branch` (default: the one
    checked out), and with `claims` each claim checked against the change. The
    branches' net changes and the plan come first, then the commits, in one pass
    (they may still be streaming from git)."""
    undone = {name: judge.forbidden(changes) for name, changes in evidence.nets.items()}
    forbidden = {name: sorted(c.path for c, _ in found) for name, found in undone.items()}
    current = evidence.current_branch or ""
    planned = branch or current
    source = evidence.starts.get(planned, evidence.base)
    plan = rollback_plan(undone.get(planned, ()), source)
    working = _working_rows(evidence.working, judge)
    _written_by(working, evidence.calls)
    # In the policy's order (a set's would change with the hash seed, run to run).
    categories = [*judge.classifier.policy.categories, "production", "test", "docs"]
    changed: dict[str, set[str]] = {name: set() for name in categories}
    commits, arrived, violations = _commit_rows(evidence, judge, changed)
    violations += sum(not r["allowed"] for r in working)
    dirty = {row["path"] for row in working if not row["allowed"]}
    # "Now" is the checked-out branch, the work tree and what the session pushed (a
    # remote holds it, whatever was undone here); other branches that still carry
    # forbidden changes are named in `integrity`, so nothing goes unreported.
    remote = {name: paths for name, paths in forbidden.items() if name.startswith(REMOTE)}
    net = set(forbidden.get(current, ())) | dirty
    net.update(path for paths in remote.values() for path in paths)
    others = [
        {
            "kind": "unrestored-remote" if branch in remote else "unrestored-branch",
            "detail": (_on_remote(branch, paths) if branch in remote else _still(branch, paths)),
        }
        for branch, paths in sorted(forbidden.items())
        if paths and branch != evidence.current_branch
    ]
    integrity = [dict(i) for i in evidence.integrity]
    integrity += _lost(commits, evidence.lost)
    if evidence.fetched_only:
        integrity.append(_fetched_only(evidence.fetched_only))
    weakened = evidence.rewritten or any(i["kind"] not in NOTES for i in integrity)
    # The headline says what the exit code says: only a clean verdict exits 0. A
    # forbidden change still on another branch (`unrestored-branch`) is no tampering:
    # it follows from violations, which make the verdict `restored` at the least.
    if net:
        verdict = "violated"
    elif weakened:
        verdict = "tampered"
    else:
        verdict = "restored" if violations else "clean"
    report = {
        "schema": SCHEMA,
        "session": dict(evidence.session) if evidence.session is not None else None,
        "scope": {**evidence.scope, "branch": planned or None},
        "commits": commits,
        "upstream": arrived,
        "working_tree": working,
        "rewritten_refs": [dict(r) for r in evidence.rewritten],
        "integrity": integrity + others,
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
    if claims is not None:
        report["claims"] = _claims(claims, commits, working, changed, judge)
    return report


def _lost(commits: Sequence[Mapping[str, Any]], lost: frozenset[str]) -> list[dict[str, str]]:
    """The integrity findings of the lost commits (see `guard.githistory.lost`) that change a
    forbidden path (one that changes none is listed with the others, and that is all).
    A stash dropped (or popped, then its edit discarded) hides nothing: its edit was
    never committed, and is gone as one discarded in place is."""
    found = []
    stashed = _stashes(commits)
    for row in commits:
        paths = [c["path"] for c in row["changes"] if not c["allowed"] and not c["restores"]]
        if row["sha"] in lost and paths and row["sha"] not in stashed:
            detail = (
                f"{row['sha']} ({row['subject']!r}): no branch, tag, HEAD or reflog reaches "
                "it any more (reset or deleted away, its reflog expired or gone with its "
                f"worktree or branch): it changes {len(paths)} path(s) the mode forbids: "
            )
            found.append({"kind": "unreachable-commit", "detail": detail + _listed(paths)})
    return found


def _fetched_only(shas: Sequence[str]) -> dict[str, str]:
    return {
        "kind": "fetched-only",
        "detail": f"{len(shas)} commit(s) since the start that no ref or reflog reaches are "
        "named only by FETCH_HEAD, fetched from another repository (a teammate's branch: "
        "git fetch URL BRANCH), and are not judged as the session's: "
        + _listed(list(shas))
        + " (git log --no-walk SHA shows one)",
    }


STASH_PARTS = ("index on ", "untracked files on ")  # the subjects git stash gives its parents


def _stashes(commits: Sequence[Mapping[str, Any]]) -> set[str]:
    """The commits `git stash` made: an entry ("WIP on B: ..." or "On B: MESSAGE") whose
    second parent is its index ("index on B: ...") on the same first parent, and that
    index and untracked-files commits (only so shaped: a commit named so is not one)."""
    subjects = {row["sha"]: row["subject"] for row in commits}
    parents = {row["sha"]: row["parents"] for row in commits}
    found: set[str] = set()
    for sha, subject in subjects.items():
        ours = parents[sha]
        if not subject.startswith(("WIP on ", "On ")) or len(ours) not in (2, 3):
            continue
        index = ours[1]
        if subjects.get(index, "").startswith(STASH_PARTS[0]) and parents[index][:1] == ours[:1]:
            found.update(p for p in ours[1:] if subjects.get(p, "").startswith(STASH_PARTS))
            found.add(sha)
    return found


def _claims(
    claims: Sequence[Claim],
    commits: Sequence[Mapping[str, Any]],
    working: Sequence[Mapping[str, Any]],
    changed: Mapping[str, set[str]],
    judge: Judge,
) -> list[dict[str, Any]]:
    """The claims checked against what the commits and the work tree change; a file
    renamed counts once, by its new path."""
    touched = {name: set(paths) for name, paths in changed.items()}
    for row in working:
        touched.setdefault(row["category"], set()).add(row["path"])
    files = {c["path"] for commit in commits for c in commit["changes"]}
    files |= {row["path"] for row in working}
    return check_claims(claims, touched, len(files), judge.classifier.policy.modes)


def exit_status(report: Mapping[str, Any]) -> int:
    """0 for a clean verdict and no false claim, else 1: the verdict already weighs
    violations, net changes, rewritten refs and integrity findings other than the
    notes; a claim the change contradicts fails as a violation does."""
    clean = report["summary"]["verdict"] == "clean"
    return 0 if clean and not false_claims(report) else 1
