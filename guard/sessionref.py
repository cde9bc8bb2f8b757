"""Sessions recorded as git refs, so the declaration travels with the work: CI and
the server read a pushed `refs/guard/sessions/<id>` and judge under its mode.

The ref points to a commit whose tree holds one file, `session.json`: the id, the
mode and the categories it allows, the start commit and every branch and tag tip at
the start, the policy's digest and the worktree. The history is append-only: ending
the session adds a child commit (with the branch's tip at the end); nothing ever
rewrites it. A record is trusted only as its first commit declared it: a later
commit that changes the mode, its categories or the start, a merge in the ref's
history, or (on the server) a push that is not a fast-forward is reported, and the
audit judges with the first commit's declaration.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from guard import gitio, gitrun
from guard.errors import GitError
from guard.policy import Policy, policy_to_data
from guard.session import Session, unlock_digest
from guard.store import digest

PREFIX = "refs/guard/sessions/"
SCHEMA = "guard.session-ref/v1"
FILE = "session.json"
# What no later commit of a record may change: the declaration itself.
DECLARED = ("schema", "id", "mode", "allowed", "start_head", "head_ref", "refs", "policy", "lock")
PUSH = "git push origin 'refs/guard/sessions/*:refs/guard/sessions/*'"
FETCH = "git fetch origin 'refs/guard/sessions/*:refs/guard/sessions/*'"


class Record(NamedTuple):
    """A session as its ref declares it (the first commit's declaration), with what
    was found wrong with the ref's history."""

    ref: str
    tip: str
    data: Mapping[str, Any]
    problems: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def mode(self) -> str:
        return str(self.data["mode"])

    @property
    def allowed(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.data["allowed"])

    @property
    def start_head(self) -> str | None:
        return self.data.get("start_head")

    @property
    def head_ref(self) -> str | None:
        return self.data.get("head_ref")

    @property
    def end_head(self) -> str | None:
        return self.data.get("end_head")

    def start_tips(self) -> list[str]:
        refs = self.data.get("refs") or {}
        return [*map(str, refs.values()), *([self.start_head] if self.start_head else [])]

    def start_of(self, branch: str | None) -> str | None:
        """Where the session's work on `branch` starts: its tip at the start, else the
        start commit."""
        refs = self.data.get("refs") or {}
        return str(refs[branch]) if branch in refs else self.start_head

    def summary(self) -> dict[str, Any]:
        """The report's `session` object for a range judged under this record (the
        record's name is in the report's `session-ref` integrity note)."""
        return {
            "id": self.id,
            "mode": self.mode,
            "allowed": list(self.allowed),
            "reason": str(self.data.get("reason") or ""),
            "started_at": str(self.data.get("started_at") or ""),
            "start_head": self.start_head,
            "active": self.data.get("stopped_at") is None,
            "worktree": self.data.get("worktree"),
        }


def policy_digest(policy: Policy) -> str:
    """SHA-256 of the resolved policy: says whether CI judges with the start's policy."""
    text = json.dumps(policy_to_data(policy), sort_keys=True, separators=(",", ":"))
    return digest(text.encode())


def declaration(session: Session) -> dict[str, Any]:
    """What a session's ref records at its start."""
    return {
        "schema": SCHEMA,
        "id": session.id,
        "mode": session.mode,
        "allowed": list(session.allowed),
        "reason": session.reason,
        "started_at": session.started_at,
        "start_head": session.start_head,
        "head_ref": session.head_ref,
        "refs": dict(session.refs),
        "policy": policy_digest(session.policy),
        "worktree": session.worktree,
        "who": dict(session.who),
        # A locked session's end must carry the unlock code this digest checks: an
        # end written by hand cannot cut the session's work short on the server.
        "lock": dict(session.lock) if session.lock else None,
    }


def _commit(data: Mapping[str, Any], parent: str | None, message: str) -> str:
    blob = gitio.write_blob(json.dumps(data, indent=2, sort_keys=True).encode() + b"\n")
    entry = f"100644 blob {blob}\t{FILE}\n".encode()
    tree = gitrun.run(["mktree"], data=entry).decode().strip()
    return gitio.commit_tree(tree, parent, message)


def record(session: Session) -> str:
    """Create the session's ref; return its name."""
    ref = PREFIX + session.id
    data = declaration(session)
    message = f"session-guard: session {session.id} started ({session.mode} mode)\n"
    gitio.update_refs([(ref, _commit(data, None, message), None)], "guard session start")
    return ref


def end(session_id: str, stopped_at: str, code: str | None = None) -> str | None:
    """Append the session's end to its ref, if it was recorded: a child commit with
    the branch's tip now (what the server and CI judge up to), and for a locked
    session the unlock code that stopped it (spent by now). Returns the ref."""
    ref = PREFIX + session_id
    tip = gitio.resolve(ref)
    if tip is None:
        return None
    data = dict(_read(tip) or {})
    branch = data.get("head_ref")
    data["stopped_at"] = stopped_at
    data["end_head"] = gitio.resolve(str(branch)) if branch else gitio.head()[0]
    if code is not None and data.get("lock"):
        data["unlock_code"] = code.strip().upper()
    message = f"session-guard: session {session_id} stopped\n"
    gitio.update_refs([(ref, _commit(data, tip, message), tip)], "guard session stop")
    return ref


# --------------------------------------------------------------------------- reading


def _read(commit: str, cwd: str | None = None) -> dict[str, Any] | None:
    out = gitrun.attempt(["cat-file", "blob", f"{commit}:{FILE}"], cwd=cwd)
    try:
        data = json.loads(out or b"")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def load(ref: str, tip: str, cwd: str | None = None) -> Record | None:
    """The record at `tip` as its first commit declared it, with the problems of its
    history; None when `tip` holds no record at all."""
    rows = gitrun.run(["rev-list", "--parents", tip], cwd=cwd).decode().split("\n")
    chain = [line.split() for line in rows if line]
    problems = []
    if any(len(row) > 2 for row in chain):
        problems.append("its history has a merge: a record is one line of commits")
    datas = [_read(row[0], cwd) for row in reversed(chain)]
    first = datas[0] if datas else None
    if first is None or first.get("schema") != SCHEMA:
        return None
    if ref != PREFIX + str(first.get("id")):
        problems.append(f"it names session {first.get('id')!r}, not the ref's")
    for number, data in enumerate(datas[1:], 2):
        changed = [key for key in DECLARED if data is None or data.get(key) != first.get(key)]
        if changed:
            was = first.get("mode")
            now = data.get("mode") if data else None
            detail = f" (mode {was} -> {now})" if "mode" in changed or data is None else ""
            problems.append(
                f"commit {number} of its history changes {', '.join(changed)}{detail}: "
                "the first declaration is the one judged"
            )
    last: dict[str, Any] = datas[-1] or {}
    ended: dict[str, Any] = {key: last[key] for key in ("stopped_at", "end_head") if key in last}
    if ended and not _unlocked(first.get("lock"), last.get("unlock_code")):
        problems.append(
            "its end carries no valid unlock code, and the session was locked: "
            "its work is judged to the tip"
        )
        ended = {}
    merged: dict[str, Any] = {**first, **ended}
    return Record(ref, tip, merged, tuple(problems))


def _unlocked(lock: Any, code: Any) -> bool:
    """Whether an end may be trusted: the session was not locked, or the end carries
    the code its lock's digest checks."""
    if not isinstance(lock, dict):
        return True
    if not isinstance(code, str):
        return False
    return hmac.compare_digest(
        str(lock.get("sha256", "")), unlock_digest(code, str(lock.get("salt", "")))
    )


def update_problems(ref: str, old: str, new: str, cwd: str | None = None) -> list[str]:
    """Why a pushed update of a session ref cannot be accepted: a deletion, a history
    rewritten (not a fast-forward), or a record whose declaration changed."""
    if set(new) == {"0"}:
        return [f"{ref}: a session record cannot be deleted"]
    if set(old) != {"0"} and not gitio.is_ancestor(old, new, cwd=cwd):
        return [f"{ref}: its history was rewritten (not a fast-forward)"]
    found = load(ref, new, cwd)
    if found is None:
        return [f"{ref}: holds no session record ({FILE} of schema {SCHEMA})"]
    return [f"{ref}: {problem}" for problem in found.problems]


def stored(cwd: str | None = None) -> dict[str, Record]:
    """Every session record under refs/guard/sessions/, by ref."""
    found = {}
    for ref, tip in gitio.refs(PREFIX.rstrip("/"), cwd=cwd).items():
        loaded = load(ref, tip, cwd)
        if loaded is not None:
            found[ref] = loaded
    return found


def _present(shas: Iterable[str], cwd: str | None) -> list[str]:
    return [sha for sha in shas if gitio.resolve(f"{sha}^{{commit}}", cwd=cwd)]


def covering(
    base: str, tip: str, records: Iterable[Record], cwd: str | None = None
) -> list[Record]:
    """The records that declare the work of the range base..tip: the session started
    on it (its start commit is in `tip`'s history) and the range begins at or before
    the start (`base` is in a start tip's history). Strictest first (fewest allowed
    categories), then oldest."""
    found = []
    for rec in records:
        start = rec.start_head
        if start is None or not _present([start], cwd) or not gitio.is_ancestor(start, tip, cwd):
            continue
        if any(gitio.is_ancestor(base, t, cwd) for t in _present(rec.start_tips(), cwd)):
            found.append(rec)
    return sorted(found, key=lambda r: (len(r.allowed), str(r.data.get("started_at")), r.ref))


def span(rec: Record, branch: str | None, tip: str, cwd: str | None = None) -> tuple[str, str]:
    """(start, end) of the session's work on a branch at `tip`: from the branch's start
    tip (else the start commit) to the end the record names, when `tip` holds it,
    else to `tip`."""
    start = rec.start_of(branch) or rec.start_head or tip
    end = rec.end_head
    if end and _present([end], cwd) and gitio.is_ancestor(end, tip, cwd):
        return start, end
    return start, tip


def allowed_in(rec: Record, policy: Policy) -> tuple[str, ...]:
    """What the record's mode allows: what it declared, and no more than the judging
    policy's mode of that name allows (the stricter of the two)."""
    if rec.mode not in policy.modes:
        return rec.allowed
    mode = set(policy.modes[rec.mode])
    return tuple(c for c in rec.allowed if c in mode)


class Declared(NamedTuple):
    """A range judged under the session record that declares it."""

    record: Record
    start: str
    end: str  # the session's end on the branch (its record's), else the tip
    tip: str  # the branch tip: what the session's changes must be undone in
    allowed: tuple[str, ...]
    exclude: list[str]  # the start tips: work from before the session is not its own
    integrity: list[dict[str, str]]


def declared(
    base: str, tip: str, branch: str, policy: Policy, cwd: str | None = None
) -> Declared | None:
    """The strictest stored record covering base..tip (a range CI audits), and how to
    judge the range under it; any other covering record whose history shows a change
    to its declaration is reported too."""
    found = covering(base, tip, stored(cwd).values(), cwd)
    if not found:
        return None
    named = branch if branch.startswith("refs/heads/") else found[0].head_ref
    return under(found[0], named, tip, policy, cwd, others=found[1:])


def under(
    rec: Record,
    branch: str | None,
    tip: str,
    policy: Policy,
    cwd: str | None = None,
    others: Iterable[Record] = (),
) -> Declared:
    """How to judge the session's work on `branch` at `tip` under `rec`, and what the
    report says about it: which record judged, and any whose history was altered."""
    start, end = span(rec, branch, tip, cwd)
    tips = _present(rec.start_tips(), cwd)
    if not _present([start], cwd):
        # The start is not in this repository (it was never pushed): the work is what
        # no start tip here reaches, measured from where it branches off them.
        start = gitio.session_base(end, tips, cwd) or end
        if not _present([start], cwd):
            raise GitError(
                f"{rec.ref}: the session's start is not in this repository, and its work "
                "on the branch has no commit here to start from",
                hint="push the branch the session started from first",
            )
    matches = rec.data.get("policy") == policy_digest(policy)
    integrity = [
        {
            "kind": "session-ref",
            "detail": f"judged under {rec.ref}: {rec.mode} mode from {start[:12]}"
            + (f" to its end {end[:12]}" if end != tip else "")
            + ("" if matches else "; the policy differs from the one frozen at its start"),
        }
    ]
    integrity += [
        {"kind": "session-ref-altered", "detail": f"{r.ref}: {problem}"}
        for r in (rec, *others)
        for problem in r.problems
    ]
    return Declared(rec, start, end, tip, allowed_in(rec, policy), [start, *tips], integrity)
