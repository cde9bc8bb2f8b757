"""`guard session start|stop`: a session's lifecycle around `store`; what `status`,
`list` and `verify` show is `guard.commands.session_info`."""

from __future__ import annotations

import hmac
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guard import gitio, location, sessionref, store
from guard.commands.output import echo, echo_json
from guard.commands.policy import policy_for
from guard.commands.session_info import state_for
from guard.errors import EXIT_OK, BlockedError, GuardError, StateError, UsageError
from guard.hooks.install import arm, disarm, enforced, fingerprints, hooks_now
from guard.integrity import content_filters
from guard.location import state_dir
from guard.session import HookState, Session, unlock_digest

_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


# --------------------------------------------------------------------------- start


@dataclass(frozen=True, slots=True)
class Started:
    session: Session
    unlock_code: str | None
    hooks_missing: list[str]
    ref: str | None = None  # the session's record, with --record


def start(
    mode: str,
    reason: str,
    lock: bool,
    observe: bool,
    as_json: bool,
    policy_file: Path | None,
    *,
    scoped: bool = False,
    record: bool = False,
) -> int:
    """Start a session and print its receipt; warn when git will not enforce every layer."""
    started = _declare(
        mode,
        reason,
        lock=lock,
        observe=observe,
        policy_file=policy_file,
        scoped=scoped,
        record=record,
    )
    s = started.session
    if as_json:
        data = {**s.summary(), "active": True}
        if started.unlock_code:
            data["unlock_code"] = started.unlock_code
        if started.ref:
            data["record"] = started.ref
        echo_json(data)
    else:
        allowed = ", ".join(s.allowed) or "nothing"
        kind = "observing" if s.observe else "enforcing"
        echo(f"session {s.id} started: {s.mode} mode, allows {allowed} ({kind})")
        if s.reason:
            echo(f"  reason:  {s.reason}")
        where = f" on {s.head_ref}" if s.head_ref else " (detached HEAD)"
        echo(f"  start:   {s.start_head or '(no commits yet)'}{where}")
        if s.worktree:
            echo(f"  scope:   the worktree {s.worktree} (other worktrees work normally)")
        since = s.start_head or "<first commit>"
        echo(f"  receipt: guard audit --since {since} --mode {s.mode}")
        if started.ref:
            echo(
                f"  record:  {started.ref}  (push it with the work: git push origin {started.ref})"
            )
        if started.unlock_code:
            echo(f"  unlock:  {started.unlock_code}  (shown once; `guard session stop` needs it)")
    if started.hooks_missing:
        echo(
            f"warning: session-guard's {', '.join(started.hooks_missing)} hook(s) are not "
            "installed, so git will not enforce every layer of this session (commits that skip "
            "pre-commit: --no-verify, merge, cherry-pick, rebase): run `guard install` "
            "(it keeps any hook already there)",
            err=True,
        )
    return EXIT_OK


def new_session_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + secrets.token_hex(3)


def _hash_code(code: str, salt: str) -> str:
    return unlock_digest(code, salt)


def _new_lock() -> tuple[str, dict[str, str]]:
    code = "-".join("".join(secrets.choice(_CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    salt = secrets.token_hex(16)
    return code, {"salt": salt, "sha256": _hash_code(code, salt)}


def _scope_of_start(common: str, scoped: bool) -> tuple[str, str | None, str | None]:
    """(state directory, worktree top, its own git directory) of a session about to
    start: the repository's, or this worktree's with `scoped`. A repository-wide
    session and worktree sessions do not run at once: which one judged a change would
    depend on where it was made."""
    repo = state_dir(common)
    active = location.active_states(repo)
    if not scoped:
        if active and active != [repo]:
            raise BlockedError(
                "a session scoped to a worktree is active in this repository, so a "
                "repository-wide one cannot start",
                hint="see them with `guard session list`; start this one with --worktree, "
                "or end the others (guard session stop --session ID)",
            )
        return repo, None, None
    here = gitio.locate()
    if here is None:
        raise UsageError("--worktree needs a worktree (this repository has no work tree here)")
    own = os.path.realpath(gitio.git_dir())
    if repo in active:
        raise BlockedError(
            "a repository-wide session is active, so a worktree session cannot start",
            hint="see it with `guard session status`; end it with `guard session stop`",
        )
    return location.scoped_state(common, own), os.path.realpath(here.root), own


def _declare(
    mode: str,
    reason: str,
    *,
    lock: bool,
    observe: bool,
    policy_file: Path | None = None,
    scoped: bool = False,
    record: bool = False,
) -> Started:
    """Declare a session: freeze the policy, record refs and hooks, journal the start."""
    common = gitio.common_dir()
    state, worktree, own = _scope_of_start(common, scoped)
    here = gitio.locate()
    policy = policy_for(policy_file, Path(here.root) if here else None)
    if mode not in policy.modes:
        raise UsageError(
            f"--mode {mode!r}: the policy has no such mode",
            hint=f"choose from {', '.join(policy.modes) or '(none: add modes to the policy)'}",
        )
    head_sha, head_ref = gitio.head()
    repo = state_dir(common)
    if not location.active_states(repo):
        arm(repo)
    hooks_dir = gitio.hooks_dir()
    # Only where the guard runs counts as enforcement: a foreign hook is "missing".
    running = enforced(hooks_dir)
    prints = {
        hook: value if running[hook] else None for hook, value in fingerprints(hooks_dir).items()
    }
    code, lock_data = _new_lock() if lock else (None, None)
    session = Session(
        id=new_session_id(),
        mode=mode,
        allowed=policy.modes[mode],
        reason=reason,
        started_at=store.now(),
        who={"email": gitio.config_get("user.email") or "", "host": socket.gethostname()},
        start_head=head_sha,
        head_ref=head_ref,
        refs=gitio.ref_tips(),
        policy=policy,
        observe=observe,
        lock=lock_data,
        hooks=HookState(hooks_dir, gitio.config_get("core.hooksPath"), prints),
        worktree=worktree,
        worktree_git_dir=own,
        filters=content_filters(common),
    )
    receipt = {
        "id": session.id,
        "mode": mode,
        "allowed": list(session.allowed),
        "start_head": head_sha,
        "head_ref": head_ref,
        "lock": lock_data,
        "observe": observe,
        "hooks": {"hooks_dir": hooks_dir, "fingerprints": prints},
        "worktree": worktree,
    }
    with store.locked(state):
        if location.active(state):
            where = "this worktree" if scoped else "this repository"
            raise BlockedError(
                f"a session is already active in {where}",
                hint="see it with `guard session status`; end it with `guard session stop`",
            )
        # Recorded first: when git cannot write the ref, no session has started.
        ref = sessionref.record(session) if record else None
        store.begin(state, session, session.started_at, receipt)
    missing = [hook for hook, runs in running.items() if not runs]
    return Started(session, code, missing, ref)


# --------------------------------------------------------------------------- stop


def stop(code: str | None, session_id: str | None = None) -> int:
    """End the active session (this worktree's, or the one named), archive it, and
    store and summarise its final audit."""
    state = state_for(session_id)
    if state is None:
        if session_id is None:
            raise UsageError("no active session to stop")
        raise UsageError(
            f"--session {session_id!r}: no such active session",
            hint="guard session list shows every session and its worktree",
        )
    session_id, target, recovered = _end(code, state)
    note = " (recovered from damaged state)" if recovered else ""
    echo(f"session {session_id} stopped{note}; archived in {target}")
    try:
        ref = sessionref.end(session_id, store.now(), code)
    except GuardError as exc:
        echo(f"guard: the session record was not updated: {exc.message}", err=True)
    else:
        if ref:
            echo(f"record: {ref} notes the end (push it: git push origin {ref})")
    try:
        report = _final_audit(session_id, target)
    except GuardError as exc:  # the session has ended all the same
        echo(f"guard: no final audit: {exc.message}", err=True)
        return EXIT_OK
    summary = report["summary"]
    echo(
        f"final audit: {summary['verdict']}: {summary['commits']} commit(s), "
        f"{summary['violations']} violation(s), {summary['net_violations']} still in place "
        f"(guard report --session {session_id})"
    )
    return EXIT_OK


def _check_unlock(lock_data: Any, code: str | None) -> None:
    if not lock_data:
        return
    if code is None:
        raise UsageError(
            "this session is locked: stopping it needs the unlock code printed at start",
            hint="guard session stop --unlock CODE",
        )
    expected = str(lock_data.get("sha256", ""))
    given = _hash_code(code.strip().upper(), str(lock_data.get("salt", "")))
    if not hmac.compare_digest(expected, given):
        raise BlockedError("wrong unlock code: the session stays active")


def _end(code: str | None, state: str) -> tuple[str, str, bool]:
    """End the active session of `state`: check the unlock code, journal, archive.

    Works when the session file is damaged too (the recovery path): the journal's
    start event holds the id and the lock. Returns (id, archive dir, recovered).
    The hooks are disarmed once no session of the repository remains active.
    """
    repo = location.repository_of(state)
    with store.locked(state):
        try:
            session = store.load_active(state, locked_already=True)
            damaged = None
        except StateError as exc:
            session, damaged = None, exc
        start_event = store.start_event(state)
        if session is None and start_event is None:
            if damaged is not None:
                raise damaged
            raise UsageError("no active session to stop")
        if session is not None:
            session_id, lock_data = session.id, session.lock
        else:
            recorded = start_event or {}
            session_id = str(recorded.get("session", "unknown"))
            lock_data = (recorded.get("data") or {}).get("lock")
        _check_unlock(lock_data, code)
        data: dict[str, Any] = {"recovered": damaged is not None}
        if damaged is not None:
            data["damage"] = damaged.message
        if session is not None:  # as they are before disarming them: the audit's "now"
            data["hooks"] = hooks_now(session)
            data["filters"] = content_filters(os.path.dirname(repo))  # <common>/guard
        store.append_unlocked(  # under the lock held above
            state, "stop", session_id, data, store.now()
        )
        target = store.archive(state, session_id)
        if not location.active_states(repo):
            disarm(repo)
    return session_id, target, damaged is not None


def _final_audit(session_id: str, directory: str) -> dict[str, Any]:
    """Audit a stopped session and store the report (JSON and Markdown) beside it."""
    from guard.commands.audit import audited
    from guard.report import json as json_report
    from guard.report import markdown

    report = audited(session_id=session_id)
    with open(os.path.join(directory, "audit.json"), "w", encoding="utf-8") as handle:
        handle.write(json_report.render(report))
    with open(
        os.path.join(directory, "audit.md"), "w", encoding="utf-8", errors="surrogateescape"
    ) as handle:
        handle.write(markdown.render(report))
    return report
