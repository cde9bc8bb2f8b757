"""Every kind of finding a report holds, in one table that every format renders.

A kind says once what it is (its SARIF rule, its text, its help) and how to find its
findings in the report; SARIF, JUnit, GitHub annotations, Markdown and text all
iterate over `KINDS`. A new kind of finding is one more entry here.

Every finding has a location, a repository path: GitHub code scanning rejects a
whole SARIF upload when one result has none. A path change is located at its path;
a mislabelled commit at the first path it changes beyond documentation (the
evidence against its claim); an integrity finding, which concerns the repository's
enforcement rather than one file, at `.guard.yaml`, the file that configures
session-guard for the repository (a location need not exist on the branch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from guard import claims
from guard.audit import NOTES
from guard.report import describe, mode_text, violations

REPOSITORY_FILE = ".guard.yaml"


class Finding(NamedTuple):
    """One finding, in the shape every format renders."""

    kind: Kind
    lead: str  # what it is about, short: a commit's short sha, a state, a kind
    detail: str  # the finding on one line, after the lead
    message: str  # the whole sentence (SARIF, annotations)
    path: str  # where it is located: a repository path
    commit: str | None  # the commit it belongs to, if any
    fails: bool  # whether it fails the audit (exit 1); else it only informs
    key: tuple[str, ...]  # what identifies it from run to run (its fingerprint)
    properties: Mapping[str, Any]

    @property
    def level(self) -> str:
        """SARIF's level: an error fails the audit; a finding of a kind that fails it
        but does not itself (an integrity note) is a note; the others are warnings."""
        if self.fails:
            return "error"
        return "note" if self.kind.default == "error" else "warning"

    @property
    def fingerprint(self) -> str:
        """Stable across runs over the same history: the rule and the key, hashed."""
        text = "\0".join((self.kind.rule, *self.key))
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


class Kind(NamedTuple):
    """A kind of finding: its rule (SARIF), its words, and where the report holds it."""

    rule: str  # SARIF ruleId, stable: code scanning matches alerts by it
    name: str  # SARIF rule name (PascalCase)
    title: str  # the heading of its section (text, Markdown)
    default: str  # the level of its findings, "error" when they fail the audit, or "warning"
    case: tuple[str, str] | None  # JUnit (classname, name): None, on its commit's case
    tally: str  # "{n} ..." for JUnit failure messages; `{who}` is the judging mode
    short: str
    full: str
    help: str  # Markdown: what it means and what to do
    find: Callable[[Mapping[str, Any], str], list[Finding]]  # (report, who)


SESSION_CHARS = 13  # of an agent's session id shown (a UUID's first two groups)


def written_by(row: Mapping[str, Any]) -> str:
    """Which agent tool call wrote a change row, for a finding's text ("" when the
    audit had no agent journal to tell): `written by claude Write (session ..., at)`,
    or that no journaled call did."""
    if "tool_call" not in row:
        return ""
    call = row["tool_call"]
    if call is None:
        return (
            "no agent tool call wrote it (made outside the agent's tools: by hand, or by "
            "a program or command the guard could not read)"
        )
    named = "" if call["path"] == row["path"] else f" as {call['path']}"
    session = call["session"] or ""
    if len(session) > SESSION_CHARS:
        session = session[:SESSION_CHARS] + "..."
    when = f"session {session}, {call['at']}" if session else call["at"]
    warned = "; observe mode let it run" if call["decision"] == "warned" else ""
    if call.get("guard_session"):
        warned += f"; journaled by the earlier guard session {call['guard_session']}"
    return f"written by {call['agent']} {call['tool']}{named} ({when}{warned})"


def _by(row: Mapping[str, Any]) -> str:
    said = written_by(row)
    return f"; {said}" if said else ""


def _violations(report: Mapping[str, Any], who: str) -> list[Finding]:
    return [
        Finding(
            MODE_VIOLATION,
            commit["sha"][:12],
            describe(change) + _by(change),
            f"{describe(change)} is not allowed in {who} (commit {commit['sha'][:12]})"
            + _by(change),
            change["path"],
            commit["sha"],
            True,
            (commit["sha"], change["path"]),
            {"commit": commit["sha"], "category": change["category"], "status": change["status"]},
        )
        for commit, change in violations(report)
    ]


def _uncommitted(report: Mapping[str, Any], who: str) -> list[Finding]:
    return [
        Finding(
            UNCOMMITTED,
            row["state"],
            f"{row['path']}: {row['category']}{_by(row)}",
            f"uncommitted ({row['state']}) {row['path']}: {row['category']} "
            f"is not allowed in {who}{_by(row)}",
            row["path"],
            None,
            True,
            (row["state"], row["path"]),
            {"state": row["state"], "category": row["category"]},
        )
        for row in report["working_tree"]
        if not row["allowed"]
    ]


def _beyond_docs(commit: Mapping[str, Any]) -> list[str]:
    return [c["path"] for c in commit["changes"] if c["category"] != "docs" and not c["restores"]]


def _mislabelled(report: Mapping[str, Any], who: str) -> list[Finding]:
    found = []
    for commit in reversed(report["commits"]):
        if not commit["mislabelled"]:
            continue
        beyond = _beyond_docs(commit) or [REPOSITORY_FILE]
        sha = commit["sha"][:12]
        found.append(
            Finding(
                MISLABELLED,
                sha,
                f"{commit['subject']!r} claims docs only, changes {len(beyond)} other path(s)",
                f"commit {sha} {commit['subject']!r} claims docs only but changes "
                f"{len(beyond)} other path(s), first {beyond[0]}",
                beyond[0],
                commit["sha"],
                False,
                (commit["sha"],),
                {"commit": commit["sha"], "paths": len(beyond)},
            )
        )
    return found


def _integrity(report: Mapping[str, Any], who: str) -> list[Finding]:
    items: list[tuple[str, str, tuple[str, ...]]] = [
        (i["kind"], i["detail"], (i["kind"], i["detail"])) for i in report["integrity"]
    ]
    items += [
        (
            "rewritten",
            f"{r['ref']} {r['start_tip'][:12]} -> {r['tip'][:12]}",
            ("rewritten", r["ref"], r["start_tip"], r["tip"]),
        )
        for r in report["rewritten_refs"]
    ]
    return [
        Finding(
            INTEGRITY,
            kind,
            detail,
            f"{kind}: {detail}",
            REPOSITORY_FILE,
            None,
            kind not in NOTES,
            key,
            {"kind": "rewritten-ref" if kind == "rewritten" else kind},
        )
        for kind, detail, key in items
    ]


def _false_claims(report: Mapping[str, Any], who: str) -> list[Finding]:
    """A claim of the text (`guard audit --claims`) that the change contradicts, at
    the first path that contradicts it (a count claim: the first path it changes)."""
    return [
        Finding(
            FALSE_CLAIM,
            f"line {claim.get('line', '?')}",
            f"{claim.get('text', '')!r}: {claim.get('detail', '')}{claims.evidence(claim)}",
            claims.summary(claim),
            (claim.get("paths") or [REPOSITORY_FILE])[0],
            None,
            True,
            (claim.get("kind", ""), claim.get("text", "")),
            {k: claim[k] for k in ("kind", "line", "counts") if k in claim},
        )
        for claim in claims.false_claims(report)
    ]


MODE_VIOLATION = Kind(
    "guard/mode-violation",
    "ModeViolation",
    "Violations",
    "error",
    None,
    "{n} path(s) not allowed in {who}",
    "A committed change to a path the session's mode does not allow",
    "A commit in the audited range changes a path whose category (production, test, "
    "docs or one of the policy's own) the judging mode does not allow. A change that "
    "puts a path back to its content at the start is allowed and is not reported.",
    "A commit changed a path that the judging mode does not allow (for `read-only`: "
    "anything but documentation).\n\n"
    "**What to do:** undo the change (`guard rollback` prints the plan, "
    "`guard rollback --apply` commits it), or, if the change was meant, audit the "
    "work under the mode that allows it.",
    _violations,
)
UNCOMMITTED = Kind(
    "guard/uncommitted-violation",
    "UncommittedViolation",
    "Uncommitted",
    "error",
    ("session-guard.working-tree", "uncommitted changes"),
    "{n} uncommitted path(s) not allowed",
    "An uncommitted change to a path the mode does not allow",
    "The work tree or the index holds a change (staged, unstaged or untracked) to a "
    "path the judging mode does not allow.",
    "A change that is not committed yet touches a path the mode does not allow.\n\n"
    "**What to do:** the guard never discards uncommitted work; the audit report lists "
    "the commands that do (`git restore`, `git rm`, `rm`), for you to run.",
    _uncommitted,
)
MISLABELLED = Kind(
    "guard/mislabelled-commit",
    "MislabelledCommit",
    "Mislabelled commits",
    "warning",
    None,
    "{n} commit(s) claim docs only",
    "A commit claiming docs or analysis only changes other paths",
    "A commit's message claims documentation or analysis only (`docs:`, `[docs]`, "
    "'no functional changes' and the like) while the commit changes production or "
    "test paths. The result is located at the first such path.",
    "The commit message says the change is documentation or analysis only, but the "
    "commit changes other paths: the message misleads a reviewer.\n\n"
    "**What to do:** review the commit's non-documentation paths, and reword the "
    "message or split the commit.",
    _mislabelled,
)
INTEGRITY = Kind(
    "guard/integrity",
    "Integrity",
    "Integrity",
    "error",
    ("session-guard.integrity", "enforcement intact"),
    "{n} integrity finding(s)",
    "Enforcement was weakened or history rewritten during the session",
    "The session's enforcement was weakened (hooks removed, changed or redirected, a "
    "ref written without a reflog, the journal edited) or a branch's history was "
    "rewritten or deleted. It concerns the repository rather than one file, so it is "
    "located at .guard.yaml, the file that configures session-guard.",
    "Something weakened the guard during the session, or rewrote history it audits.\n\n"
    "**What to do:** check who changed the hooks or the refs named in the message; "
    "`guard install` puts the hooks back, and `guard session verify` checks the journal.",
    _integrity,
)
FALSE_CLAIM = Kind(
    "guard/false-claim",
    "FalseClaim",
    "False claims",
    "error",
    ("session-guard.claims", "claims hold"),
    "{n} false claim(s)",
    "The pull request's text claims what the change contradicts",
    "The text checked with --claims (a pull request's title and body, an agent's "
    "report) claims something about the change ('documentation only', 'no functional "
    "changes', 'configuration unchanged', 'tests only', 'N files changed', a docs: "
    "title) that the paths the change touches contradict. The result is located at the "
    "first such path; its message counts them by category.",
    "What the text says about the change is not what the change does: a reviewer "
    "who trusts it misses what it leaves out.\n\n"
    "**What to do:** review the paths the message names, and correct the text, or "
    "split the change until the text is true of it.",
    _false_claims,
)
KINDS = (MODE_VIOLATION, UNCOMMITTED, MISLABELLED, INTEGRITY, FALSE_CLAIM)


def findings(report: Mapping[str, Any]) -> list[Finding]:
    """Every finding of the report, kind by kind in `KINDS` order."""
    who = mode_text(report)
    return [finding for kind in KINDS for finding in kind.find(report, who)]
