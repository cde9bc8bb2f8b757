"""Applies an audit's rollback plan safely: one new commit, a backup ref, no rewrite.

The plan restores every path the session's mode does not allow to its content at
the session start (deleting what the session added) and leaves allowed paths,
the worklog among them, exactly as they are. It refuses to start on a dirty
tree, a detached HEAD or a half-done operation, so nothing of the user's is
overwritten, and it saves `refs/guard/backup/<session-id>` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guard import gitio
from guard.errors import BlockedError, UsageError

TRAILER = "Guard-Rollback"


class Applied(NamedTuple):
    commit: str
    backup_ref: str
    branch: str
    restored: int
    deleted: int


def preconditions() -> str:
    """The branch to commit on; BlockedError (nothing changed) when it is not safe."""
    sha, ref = gitio.head()
    if sha is None or ref is None:
        raise BlockedError(
            "rollback needs a branch checked out (HEAD is detached or unborn)",
            hint="git switch <branch>, then guard rollback --apply",
        )
    operation = gitio.operation_in_progress()
    if operation is not None:
        raise BlockedError(
            f"a {operation} is in progress",
            hint=f"finish or abort it first (git {operation} "
            f"{'reset' if operation == 'bisect' else '--abort'})",
        )
    dirty = [c.path for c in gitio.working_tree() if c.state != "untracked"]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise BlockedError(
            f"the working tree has uncommitted changes ({shown})",
            hint="commit or stash them, then guard rollback --apply",
        )
    return ref


def _backup_ref(session_id: str) -> str:
    name = f"refs/guard/backup/{session_id}"
    candidate, number = name, 1
    while gitio.resolve(candidate) is not None:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def apply(report: Mapping[str, Any], session_id: str, branch: str | None) -> Applied:
    """Commit the plan of `report` (from `audit.build`) on the current or a new branch."""
    plan = report["rollback"]
    if not plan:
        raise UsageError("nothing to roll back: no path the mode forbids differs from the start")
    current = preconditions()
    untracked = {c.path for c in gitio.working_tree() if c.state == "untracked"}
    clash = [step["path"] for step in plan if step["path"] in untracked]
    if clash:
        raise BlockedError(
            f"untracked files stand where the rollback restores: {', '.join(clash[:5])}",
            hint="move them away, then guard rollback --apply",
        )
    head = gitio.resolve("HEAD") or ""
    backup = _backup_ref(session_id)
    gitio.run(["update-ref", "-m", f"guard rollback backup of {current}", backup, head])
    if branch:
        if gitio.resolve(f"refs/heads/{branch}") is not None:
            raise UsageError(f"--branch {branch!r}: that branch exists already")
        gitio.run(["switch", "-q", "-c", branch])
        current = f"refs/heads/{branch}"
    restores = [s for s in plan if s["action"] == "restore"]
    deletes = [s["path"] for s in plan if s["action"] == "delete"]
    by_source: dict[str, list[str]] = {}
    for step in restores:
        by_source.setdefault(step["source"], []).append(step["path"])
    for source, paths in by_source.items():
        gitio.restore_paths(source, paths)
    gitio.remove_paths(deletes)
    listing = "\n".join(f"- {s['action']} {s['path']} ({s['category']})" for s in plan)
    gitio.run(
        [
            "commit",
            "-q",
            "-m",
            f"Roll back session {session_id}: {len(plan)} path(s) back to the session start",
            "-m",
            f"Paths the session's mode did not allow, as the audit planned:\n{listing}",
            "-m",
            f"{TRAILER}: {session_id}",
        ]
    )
    commit = gitio.resolve("HEAD") or ""
    return Applied(commit, backup, current, len(restores), len(deletes))
