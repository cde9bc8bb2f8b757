"""The rollback: its plan, from a branch's net change since the session start, and
its application, one new commit with a backup ref first, never a history rewrite.

The plan restores every path the session's mode does not allow to its content at
the session start (deleting what the session added) and leaves allowed paths,
the worklog among them, exactly as they are. It refuses to start on a dirty
tree, a detached HEAD or a half-done operation, so nothing of the user's is
overwritten, and it saves `refs/guard/backup/<session-id>` first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from guard import gitio
from guard.changes import Change
from guard.errors import BlockedError, UsageError
from guard.quoting import literal, quote

if TYPE_CHECKING:
    from guard.judge import Judge

TRAILER = "Guard-Rollback"


def step(path: str, added: bool, category: str, base: str | None) -> dict[str, Any]:
    """One step: delete what was added, restore the rest from `base`, with the exact
    git command that does it (a pathspec that means only this path)."""
    word = quote(literal(path))
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


def plan(net: Iterable[Change], judge: Judge, base: str | None) -> list[dict[str, Any]]:
    """Undo every non-allowed net change: delete what was added, restore the rest.
    Pure: the plan is part of the audit's report."""
    steps = []
    for change in sorted(net, key=attrgetter("path")):
        category, _ = judge.category(change.path, change.is_gitlink)
        if category not in judge.allowed:
            steps.append(step(change.path, change.status == "A", category, base))
    return steps


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
    steps = report["rollback"]
    if not steps:
        raise UsageError("nothing to roll back: no path the mode forbids differs from the start")
    current = preconditions()
    untracked = {c.path for c in gitio.working_tree() if c.state == "untracked"}
    clash = [s["path"] for s in steps if s["path"] in untracked]
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
    restores = [s for s in steps if s["action"] == "restore"]
    deletes = [s["path"] for s in steps if s["action"] == "delete"]
    by_source: dict[str, list[str]] = {}
    for restore in restores:
        by_source.setdefault(restore["source"], []).append(restore["path"])
    for source, paths in by_source.items():
        gitio.restore_paths(source, paths)
    gitio.remove_paths(deletes)
    listing = "\n".join(f"- {s['action']} {s['path']} ({s['category']})" for s in steps)
    message = (
        f"Roll back session {session_id}: {len(steps)} path(s) back to the session start\n\n"
        f"Paths the session's mode did not allow, as the audit planned:\n{listing}\n\n"
        f"{TRAILER}: {session_id}\n"
    )
    # The message grows with the plan: on stdin, never one argument (128 KiB at most).
    gitio.run(["commit", "-q", "-F", "-"], data=message.encode("utf-8", "surrogateescape"))
    commit = gitio.resolve("HEAD") or ""
    return Applied(commit, backup, current, len(restores), len(deletes))
