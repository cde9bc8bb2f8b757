"""The rollback plan: from a branch's net change since its start, the steps that
undo what the session's mode does not allow, and the commit message that says so.

The plan restores every path the mode does not allow to its content at the start
of the branch being rolled back (deleting what the session added) and leaves
allowed paths, the worklog among them, exactly as they are. Pure: the plan is
part of every audit's report. Applying it is `guard.rollback_apply`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from guard.changes import Change
from guard.quoting import literal, quote, shown

if TYPE_CHECKING:
    from guard.judge import Judge

TRAILER = "Guard-Rollback"
NOTES_REF = "refs/notes/guard-rollback"
BACKUP_PREFIX = "refs/guard/backup/"
GITLINK = "160000"  # the mode of a submodule pointer
LISTED = 20  # paths a rollback message names; a longer list goes to a note


# --------------------------------------------------------------------------- the plan


def step(path: str, added: bool, category: str, base: str | None) -> dict[str, Any]:
    """One step: delete what was added, restore the rest from `base`, with the git
    command that does it by hand (a pathspec that means only this path)."""
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


def by_hand(working: Iterable[Mapping[str, Any]]) -> list[str]:
    """The commands that discard uncommitted work the mode does not allow. The guard
    never runs them: uncommitted work is the user's, and only they may throw it away."""
    states: dict[str, set[str]] = {}
    for row in working:
        if not row["allowed"]:
            states.setdefault(row["path"], set()).add(
                "untracked" if row["state"] == "untracked" else row["status"]
            )
    commands = []
    for path, seen in sorted(states.items()):
        word = quote(literal(path))
        if "untracked" in seen:  # git names an untracked folder with a trailing slash
            commands.append(f"rm {'-r ' if path.endswith('/') else ''}-- {quote(path)}")
        elif "A" in seen:
            commands.append(f"git rm -q -f -- {word}")
        else:
            commands.append(f"git restore --source=HEAD --staged --worktree -- {word}")
    return commands


def message(session_id: str, steps: Sequence[Mapping[str, Any]]) -> tuple[str, str | None]:
    """The rollback commit's message, and the full list of paths for a note when the
    message names only the first ones (a list of 3,000 paths is read by nobody)."""
    counts: dict[tuple[str, str], int] = {}
    for s in steps:
        key = (s["category"], s["action"])
        counts[key] = counts.get(key, 0) + 1
    tally = [f"  {category}: {n} {action}d" for (category, action), n in sorted(counts.items())]
    listing = [f"- {s['action']} {shown(s['path'])} ({s['category']})" for s in steps]
    lines = [
        f"Roll back session {session_id}: {len(steps)} path(s) back to the start",
        "",
        "Paths the session's mode did not allow, back to their content at the start:",
        *tally,
        "",
        *listing[:LISTED],
    ]
    full = None
    if len(steps) > LISTED:
        lines.append(
            f"... and {len(steps) - LISTED} more: the full list is this commit's note "
            f"(git notes --ref={NOTES_REF.removeprefix('refs/notes/')} show <this commit>)"
        )
        full = "\n".join(listing) + "\n"
    lines += ["", f"{TRAILER}: {session_id}", ""]
    return "\n".join(lines), full


def command_for(report: Mapping[str, Any], ref: str | None = None) -> str:
    """The `guard rollback --apply` command that applies this report's plan (made for
    branch `ref`, when not the checked-out one)."""
    scope, session = report["scope"], report["session"]
    words = ["guard", "rollback"]
    if scope["kind"] == "since":
        words += ["--since", quote(scope["since"]), "--mode", quote(scope["mode"])]
    elif scope["kind"] == "range":
        words += ["--base", quote(scope["base"]), "--head", quote(scope["head"])]
        words += ["--mode", quote(scope["mode"])]
    elif session is not None and not session["active"]:
        words += ["--session", quote(session["id"])]
    if scope["kind"] == "session" and session is not None and scope["mode"] != session["mode"]:
        words += ["--mode", quote(scope["mode"])]
    if ref is not None and scope["kind"] != "range":
        words += ["--ref", quote(ref.removeprefix("refs/heads/"))]
    return " ".join([*words, "--apply"])
