"""What an audit reads from git and from session state, for every scope it audits.

Four scopes, one pipeline: the active session or an archived one (its frozen
policy, start commit and ref tips, hooks and journal), `--since REV` (a start
receipt when the state is gone: the repository's current policy applies), and
`--base/--head` (an explicit range, as CI checks a pull request). Each scope starts
its one big `git log` as soon as it knows the revisions, then says what else to
read (a `Reading`); `read` asks git all of it at once: the log, parsed while it
streams, runs beside the smaller questions (git status, each branch's net
change), and the results are collected when all have answered.
"""

from __future__ import annotations

import calendar
import os
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from guard import (
    branches,
    githistory,
    gitio,
    gitparse,
    gitrun,
    hidden,
    location,
    sessionref,
    store,
    toolcalls,
    upstream,
)
from guard.audit import Evidence
from guard.changes import Change, Commit, WorkingChange
from guard.classify import Classifier
from guard.errors import GitError, UsageError
from guard.githistory import History
from guard.gittree import Start
from guard.hooks.install import CHAINED, HOOKS, LEGACY
from guard.integrity import findings, made_elsewhere
from guard.judge import Judge
from guard.policy import Policy
from guard.policy_file import effective_policy_path, load_policy
from guard.session import Session

BRANCH = "refs/heads/"
RANGE = "(range)"  # the name an explicit range's net change goes by
# The empty tree in SHA-1 and SHA-256 repositories (what a branch of only session
# commits, grown from no start commit, is measured from).
EMPTY_TREES = (
    "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
    "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321",
)


class Scope(NamedTuple):
    """What to audit: a session by id, a start commit, a range, or (all None) the
    active session, else the latest archived one; `mode` judges with another mode
    of the policy."""

    session_id: str | None = None
    since: str | None = None
    base: str | None = None
    head: str | None = None
    mode: str | None = None
    policy: Policy | None = None  # judge with this policy (the server's), not the checkout's

    def check(self) -> Scope:
        if (self.base is None) != (self.head is None):
            raise UsageError("--base and --head go together (an explicit range)")
        if sum(x is not None for x in (self.session_id, self.since, self.base)) > 1:
            raise UsageError("choose one of --session, --since or --base/--head")
        return self


class Reading(NamedTuple):
    """What one audit asks git beside its log: each branch's net change (name ->
    (from, to)) and the work tree; `base` is the start commit "restores" means."""

    base: str | None
    lines: dict[str, tuple[str, str]]
    working: bool
    cwd: str | None = None  # the worktree whose HEAD and work tree are read


class Read(NamedTuple):
    commits: Iterable[Commit]  # streaming from git's log: read once, as git writes
    working: list[WorkingChange]
    nets: dict[str, list[Change]]
    # What paths held at each branch's start commit (and at `base`): what a change
    # that restores is compared with.
    starts: dict[str, Start]


def read(history: History, reading: Reading) -> Read:
    """Ask git everything `reading` names at once, beside `history`, the log each scope
    starts as soon as it knows its revisions (before its branches, HEAD or policy are
    read). The smaller answers are waited for here, while the log runs; its commits
    stream to whoever judges them, so the judging keeps pace with git (which has a
    core to itself) instead of following it."""
    cwd = reading.cwd
    status = gitrun.Pending(gitio.STATUS, cwd) if reading.working else None
    marked = gitrun.Pending(hidden.ARGS, cwd) if reading.working else None
    # Every branch's net change from one git call; a branch grown from nothing the
    # start had is measured from the empty tree, which is no commit: a call of its own.
    joint = [name for name, (base, _) in reading.lines.items() if base not in EMPTY_TREES]
    asked = [reading.lines[name] for name in joint]
    diffs = gitrun.Pending(gitio.DIFFS, cwd, data=gitio.pairs(asked)) if asked else None
    alone = {
        name: gitrun.Pending(gitio.diff_args(*line), cwd)
        for name, line in reading.lines.items()
        if name not in joint
    }
    nets = {name: gitparse.parse_diff(pending.result()) for name, pending in alone.items()}
    if diffs is not None:
        nets.update(zip(joint, gitparse.parse_diffs(diffs.result()), strict=True))
    return Read(
        commits=history.stream(),
        working=_working(status, marked, cwd),
        nets={name: nets[name] for name in reading.lines},
        starts=_starts(reading, nets),
    )


def working_tree(cwd: str | None = None) -> list[WorkingChange]:
    """The work tree's changes now, as an audit reads them."""
    return _working(gitrun.Pending(gitio.STATUS, cwd), gitrun.Pending(hidden.ARGS, cwd), cwd)


def _working(
    status: gitrun.Pending | None, marked: gitrun.Pending | None, cwd: str | None
) -> list[WorkingChange]:
    """The work tree's changes: what `git status` shows, and the edits it does not
    (at entries marked assume-unchanged or skip-worktree)."""
    if status is None or marked is None:
        return []
    shown = gitparse.parse_status(status.result())
    seen = {c.path for c in shown}
    return shown + [c for c in hidden.changes(marked.result(), cwd) if c.path not in seen]


def _starts(reading: Reading, nets: Mapping[str, list[Change]]) -> dict[str, Start]:
    """Each start commit's paths as far as the net changes from it say (their old
    sides); the rest is read from git when a change asks (`Start.fetch`)."""
    known: dict[str, dict[str, str | None]] = {}
    if reading.base is not None:
        known[reading.base] = {}
    for name, (base, _) in reading.lines.items():
        states = known.setdefault(base, {})
        for change in nets[name]:
            states[change.path] = change.before
    return {base: Start(base, known[base], complete=base in EMPTY_TREES) for base in known}


def gather(scope: Scope) -> tuple[Evidence, Judge]:
    """The evidence of `scope`, and the judge that audits it."""
    scope = scope.check()
    if scope.base is not None and scope.head is not None:
        return _range(scope.base, scope.head, scope.mode, scope.policy)
    if scope.since is not None:
        return _since(scope.since, scope.mode, scope.policy)
    return _session(scope.session_id, scope.mode)


# --------------------------------------------------------------------------- ranges


def _commit(rev: str, what: str) -> str:
    sha = gitio.resolve(f"{rev}^{{commit}}")
    if sha is not None:
        return sha
    if gitio.is_shallow():
        raise GitError(
            f"{what} {rev!r} is not in this shallow clone",
            hint="fetch more history: git fetch --deepen=1000 (or --unshallow), "
            "or in CI check out with fetch-depth: 0",
        )
    raise GitError(f"{what} {rev!r} is not a commit in this repository")


def current_policy(path: str | None = None) -> Policy:
    """The repository's policy (`.guard.yaml`, else the shipped default), or `path`."""
    found = gitio.locate()
    root = Path(found.root) if found else None
    return load_policy(Path(path) if path else effective_policy_path(root), root)


def allowed_by(policy: Policy, mode: str) -> tuple[str, ...]:
    if mode not in policy.modes:
        raise UsageError(
            f"--mode {mode!r}: the policy has no such mode",
            hint=f"choose from {', '.join(policy.modes)}",
        )
    return tuple(policy.modes[mode])


DEFAULT_MODE = "read-only"  # what judges a range or --since when no --mode is given


def _judged_by(mode: str | None, judge: Judge) -> dict[str, Any]:
    """What the report says judged a scope without a session: the mode, whether it
    was asked for or assumed, and what it allows (a reader of a CI report sees it)."""
    return {
        "mode": mode or DEFAULT_MODE,
        "mode_from": "option" if mode else "default",
        "allowed": sorted(judge.allowed),
    }


def _current_judge(mode: str, policy: Policy | None = None) -> Judge:
    """The judge of a scope without a session: the repository's policy (or
    `policy`), `mode`."""
    policy = policy or current_policy()
    return Judge(Classifier(policy), allowed_by(policy, mode))


def declared_range(declared: sessionref.Declared, policy: Policy) -> tuple[Evidence, Judge]:
    """A branch's session work judged under its record (what the server's hook asks)."""
    return _range(declared.start, declared.end, None, policy, declared)


def _range(
    base: str,
    head: str,
    mode: str | None,
    policy: Policy | None = None,
    declared: sessionref.Declared | None = None,
) -> tuple[Evidence, Judge]:
    """A range's net change goes by the branch `head` names (the rollback commits on
    it), or by RANGE when it names no branch. Without a mode, a session record
    (refs/guard/sessions/) whose start the range covers judges it: its mode, from its
    start; else the read-only mode. The record decides the revisions, so the log
    starts once it is read."""
    policy = policy or current_policy()
    start, tip = _commit(base, "--base"), _commit(head, "--head")
    named = _line(gitrun.attempt(["rev-parse", "--symbolic-full-name", head]))
    name = named if named.startswith(BRANCH) else RANGE
    if mode is None and declared is None:
        declared = sessionref.declared(start, tip, name, policy)
    if declared is None:
        judge = Judge(Classifier(policy), allowed_by(policy, mode or DEFAULT_MODE))
        judged_by, exclude = _judged_by(mode, judge), [start]
    else:
        judge = Judge(Classifier(policy), declared.allowed)
        start, tip, exclude = declared.start, declared.end, declared.exclude
        mode = declared.record.mode
        judged_by = {"mode": mode, "mode_from": "session", "allowed": sorted(judge.allowed)}
    lines = {name: (start, tip)}
    found = read(History([tip], exclude), Reading(start, lines, working=False))
    scope = {"kind": "range", **judged_by, "since": None, "base": base}
    scope.update(head=head, start=start, tip=tip)
    if declared is None:
        return _evidence(None, start, found, name, lines, scope), judge
    if declared.end != declared.tip:  # ended before the tip: what it changed, as it is now
        touched = gitio.paths(found.nets[name])
        now = [c for c in gitio.diff(start, declared.tip) if c.path in touched]
        found = found._replace(nets={name: now})
    evidence = _evidence(declared.record.summary(), start, found, name, lines, scope)
    return evidence._replace(integrity=declared.integrity), judge


def _since(since: str, mode: str | None, policy: Policy | None) -> tuple[Evidence, Judge]:
    start = _commit(since, "--since")
    since_time = int(gitrun.run(["log", "-1", "--format=%ct", start]).strip() or 0)
    # HEAD unborn is no error with --ignore-missing.
    trail = upstream.trail(since_time)
    lost = branches.lost(since_time)
    also = (*branches.parked(trail, since_time), *lost.commits)
    history = History(["--branches", "HEAD"], [start], also=also)
    judge = _current_judge(mode or DEFAULT_MODE, policy)
    head_sha, head_ref = gitio.head()
    current = head_ref or "HEAD"
    lines = {current: (start, head_sha)} if head_sha else {}
    pushed = branches.pushed(trail, since_time, [start])
    lines.update(pushed.lines)
    found = read(history, Reading(start, lines, True))
    taken, found = _upstream(found, trail, [start], lines)
    found = _fixed_there(found, pushed)
    scope = {"kind": "since", **_judged_by(mode, judge), "since": since, "base": None}
    scope.update(head=None, start=start, tip=head_sha)
    evidence = _evidence(None, start, found, current, lines, scope)
    evidence = evidence._replace(lost=frozenset(lost.commits), fetched_only=lost.fetched)
    return evidence._replace(upstream=taken), judge


def _evidence(
    session: Mapping[str, Any] | None,
    base: str | None,
    found: Read,
    current: str | None,
    lines: Mapping[str, tuple[str, str]],
    scope: Mapping[str, Any],
) -> Evidence:
    return Evidence(
        session=session,
        base=base,
        commits=found.commits,
        trees=found.starts,
        working=found.working,
        nets=found.nets,
        current_branch=current,
        rewritten=[],
        integrity=[],
        starts={name: line[0] for name, line in lines.items()},
        scope=scope,
    )


def _line(out: bytes | None) -> str:
    return (out or b"").decode("utf-8", "surrogateescape").strip()


# --------------------------------------------------------------------------- sessions


def load_session(session_id: str | None, common: str, own: str) -> tuple[Session, str, bool]:
    """The session `session_id` names, active or archived; with none named, the active
    session governing this worktree, else the repository's latest archived one. With
    its directory, and whether it is active. `common` and `own`: the common git
    directory and this worktree's."""
    state = location.state_dir(common)
    if session_id is None:
        here = location.governing(common, own)
        session = store.load_active(here) if here else None
        if here is not None and session is not None:
            return session, here, True
        archived = store.archived(state)
        if not archived:
            raise UsageError(
                "no session to audit in this repository",
                hint="start one (guard session start), or audit a range: "
                "guard audit --since COMMIT --mode MODE, or --base REV --head REV",
            )
        session_id = archived[-1]
    active = store.active_with_id(state, session_id)
    if active is not None:
        found = store.load_active(active)
        if found is not None:
            return found, active, True
    directory = store.archived_dir(state, session_id)
    if not os.path.isdir(directory):  # noqa: PTH112
        raise UsageError(
            f"--session {session_id!r}: no such session", hint="guard session list shows them"
        )
    return store.load_archived(directory), directory, False


def _session(session_id: str | None, mode: str | None) -> tuple[Evidence, Judge]:
    common, git_dir = gitio.dirs()
    state = location.state_dir(common)
    session, directory, active = load_session(session_id, common, git_dir)
    allowed = session.allowed if mode is None else allowed_by(session.policy, mode)
    judge = Judge(Classifier(session.policy), allowed)
    started = calendar.timegm(time.strptime(session.started_at, "%Y-%m-%dT%H:%M:%SZ"))
    scoped = branches.scoped(session, started) if session.scoped else None
    cwd = scoped.cwd if scoped else None
    starts = session.start_tips()
    # The log first: a repository-wide session reads every branch and every tag (the
    # start tips hold the tags of the start, so only a tag made or moved since brings
    # commits; HEAD unborn is no error with --ignore-missing); a worktree's, below,
    # only the branches it owns. Commits the session made and then took every ref and
    # reflog entry of are read beside them: which worktree made one, nothing says, so
    # only a repository-wide session reads them.
    trail = upstream.trail(started, cwd)
    history, lost = None, githistory.Lost([], [])
    if scoped is None:
        lost = branches.lost(started, state)
        also = (*branches.parked(trail, started), *lost.commits)
        history = History(["--branches", "--tags", "HEAD"], starts, also=also)
    head_sha, head_ref = gitio.head(cwd)
    current = head_ref or ("HEAD" if head_sha else None)
    tips = gitio.ref_tips(cwd)
    judged, mine = session, tips
    if scoped is not None:  # only the worktree's own branches are its session's
        owned = scoped.branches | ({head_ref} if head_ref else set())
        mine = {ref: tip for ref, tip in tips.items() if ref in owned}
        refs = {ref: tip for ref, tip in session.refs.items() if ref in owned}
        judged = session._replace(refs=refs)
    lines = branches.moved(judged, mine, head_sha, head_ref)
    lines.update(branches.fresh(session, mine, starts, head_sha, head_ref))
    pushed = branches.pushed(trail, started, starts) if scoped is None else branches.Pushed({}, {})
    lines.update(pushed.lines)  # what the session pushed: the remote holds it
    if history is None:
        history = History(["HEAD", *sorted(mine)], starts, cwd)
    found = read(history, Reading(session.start_head, lines, True, cwd))
    events = store.events(directory)
    vouched = upstream.vouched(events)
    taken, found = _upstream(found, trail, starts, lines, cwd, vouched)
    found = _fixed_there(found, pushed)
    hooks_dir = gitio.hooks_dir(cwd)
    rewritten, integrity = findings(judged, directory, mine, active, hooks_dir, common)
    if scoped is not None:
        integrity = made_elsewhere(scoped.cwd, scoped.made, mine, starts) + integrity
    touched = {c.path for c in found.working}
    touched.update(c.path for net in found.nets.values() for c in net)
    own = _guards_own(touched, hooks_dir, cwd, session.start_head)
    if own:
        found = found._replace(
            working=[c for c in found.working if c.path not in own],
            nets={name: [c for c in net if c.path not in own] for name, net in found.nets.items()},
        )
    summary = summary_of(session, active)
    if mode is not None:
        summary.update(mode=mode, allowed=list(allowed))
    scope: dict[str, Any] = {"kind": "session", "mode": mode or session.mode}
    scope.update(mode_from="option" if mode else "session", allowed=sorted(allowed))
    scope.update(since=None, base=None, head=None, start=session.start_head, tip=head_sha)
    evidence = _evidence(summary, session.start_head, found, current, lines, scope)
    bases = branches.branch_starts(session, lines, starts)
    evidence = evidence._replace(rewritten=rewritten, integrity=integrity, upstream=taken)
    evidence = evidence._replace(lost=frozenset(lost.commits), fetched_only=lost.fetched)
    evidence = evidence._replace(bases=bases)
    return evidence._replace(calls=toolcalls.index(events, _before(state, session.id))), judge


def _upstream(
    found: Read,
    trail: upstream.Trail,
    starts: list[str],
    lines: Mapping[str, tuple[str, str]],
    cwd: str | None = None,
    vouched: Iterable[str] = (),
) -> tuple[upstream.Taken, Read]:
    """What arrived from a remote, set apart, and each branch's net change without
    the content it took from upstream (the rollback must not undo a teammate's fix)."""
    taken, differing = upstream.taken(trail, starts, lines, cwd, vouched)
    nets = {name: taken.net(net, differing.get(name)) for name, net in found.nets.items()}
    return taken, found._replace(nets=nets)


def _fixed_there(found: Read, pushed: branches.Pushed) -> Read:
    """Each pushed line's net change without the paths a fetch from its remote since
    has back at their start content: the remote was fixed there (a teammate's revert)."""
    if not pushed.fetched:
        return found
    nets = dict(found.nets)
    for ref, tip in pushed.fetched.items():
        still = gitio.paths(gitio.diff(pushed.lines[ref][0], tip))
        nets[ref] = [c for c in nets[ref] if c.path in still]
    return found._replace(nets=nets)


def _guards_own(
    paths: set[str], hooks_dir: str, cwd: str | None = None, start: str | None = None
) -> set[str]:
    """Which of `paths` are the guard's own files: its hook files, when the hooks
    folder is in the work tree (a relative core.hooksPath such as .githooks), and an
    agent's settings file that differs from the session's start only by the guard's
    hook entry, exactly as `guard install --agent` writes it. They are enforcement,
    not work, committed or not, and a rollback must not take them away."""
    found = gitio.locate(cwd)
    root = os.path.realpath(found.root) if found else None
    if root is None:
        return set()
    from guard.agent.install import settings_own

    own = settings_own(root, start, paths)
    if hooks_dir.startswith(root + os.sep):
        prefix = hooks_dir[len(root) + 1 :].replace(os.sep, "/") + "/"
        suffixes = ("", CHAINED, LEGACY, ".tmp")
        own |= {f"{prefix}{hook}{suffix}" for hook in HOOKS for suffix in suffixes} & paths
    return own


EARLIER = 3  # sessions before this one whose journals may name who wrote what it finds


def _before(state: str, session_id: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """The journals of the sessions archived just before `session_id`, oldest first
    (ids begin with their start time, to the second: one started in the same second
    counts as before): work they let an agent leave uncommitted shows in this
    session's audit."""
    started = session_id.split("-", 1)[0]
    ids = [
        name
        for name in store.archived(state)
        if name != session_id and name.split("-", 1)[0] <= started
    ][-EARLIER:]
    return [(name, store.events(store.archived_dir(state, name))) for name in ids]


def summary_of(session: Session, active: bool) -> dict[str, Any]:
    """The report's `session` object."""
    return {
        "id": session.id,
        "mode": session.mode,
        "allowed": list(session.allowed),
        "reason": session.reason,
        "started_at": session.started_at,
        "start_head": session.start_head,
        "active": active,
        "worktree": session.worktree,
    }
