"""The rollback plan: from a branch's net change since its start, the steps that
undo what the session's mode does not allow, and the commit message that says so.

The plan restores every path the mode does not allow to its content at the start
of the branch being rolled back (deleting what the session added) and leaves
allowed paths, the worklog among them, exactly as they are. Pure: the plan is
part of every audit's report. Applying it is `guard.rollback_apply`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from guard.changes import Change
from guard.quoting import pathspec_word, quote, shown
from guard.report.shape import natural

TRAILER = "Guard-Rollback"
NOTES_REF = "refs/notes/guard-rollback"
BACKUP_PREFIX = "refs/guard/backup/"
GITLINK = "160000"  # the mode of a submodule pointer
LISTED = 20  # paths a rollback message names; a longer list goes to a note


# --------------------------------------------------------------------------- the plan


def step(path: str, added: bool, category: str, base: str | None) -> dict[str, Any]:
    """One step: delete what was added, restore the rest from `base`, with the git
    command that does it by hand (a pathspec that means only this path)."""
    word = pathspec_word(path)
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


def plan(forbidden: Iterable[tuple[Change, str]], base: str | None) -> list[dict[str, Any]]:
    """Undo every net change the mode forbids (`Judge.forbidden`: each with its
    category): delete what was added, restore the rest. Pure: the plan is part of the
    audit's report."""
    ordered = sorted(forbidden, key=lambda found: found[0].path)
    return [step(c.path, c.status == "A", category, base) for c, category in ordered]


# --------------------------------------------------------------------------- by hand

# What `guard rollback --paths KIND` lists: the plan's paths to delete and to restore,
# and the uncommitted work the mode forbids: untracked files, and tracked paths with
# uncommitted changes (a new file staged among them).
COMMITTED = ("delete", "restore")
UNCOMMITTED = ("untracked", "uncommitted")
KINDS = COMMITTED + UNCOMMITTED
SHOWN = 3  # paths a batch's description names
# Paths arrive NUL-separated on standard input, so a plan of any size is one command
# and no name needs quoting; --literal-pathspecs makes each one the path it names,
# never a glob (`*?[`) or pathspec magic (a leading `:`), in every git that has
# --pathspec-from-file (2.26 on; 2.39 and 2.47 tested).
_GIT = "git --literal-pathspecs"
_FROM_STDIN = "--pathspec-from-file=- --pathspec-file-nul"
# A restore reaches skip-worktree entries too (git refuses the whole list otherwise,
# "did not match any file(s) known to git"); their marks stay.
_RESTORE = f"{_GIT} restore --ignore-skip-worktree-bits"
# The kind `guard rollback --paths` lists besides KINDS: the plan's paths whose index
# entries are marked assume-unchanged or skip-worktree, which `--apply` refuses.
MARKED = "marked"


class Batch(NamedTuple):
    """Paths of one kind, undone by one command that reads them from the guard."""

    kind: str
    paths: tuple[str, ...]
    source: str | None  # what a restore takes them from
    command: str  # `guard rollback ... --paths KIND -z | ...`

    def describe(self) -> str:
        """How many, what happens to them, and the first few, for a person."""
        words = {
            "delete": "to delete",
            "restore": f"to restore from {(self.source or '')[:12]}",
            "untracked": "untracked",
            "uncommitted": "with uncommitted changes",
        }
        first = ", ".join(shown(p) for p in sorted(self.paths, key=natural)[:SHOWN])
        more = len(self.paths) - SHOWN
        rest = f" and {more} more" if more > 0 else ""
        return f"{len(self.paths)} {words[self.kind]} ({first}{rest})"


def batches(report: Mapping[str, Any], ref: str | None = None) -> list[Batch]:
    """Every path the plan undoes and the uncommitted work the mode forbids, in one
    command per kind that reads its paths from `guard rollback --paths KIND -z`, run
    in the audit's own scope (so it lists exactly this report's paths). The plan
    restores from one start (`guard.audit.build`), so restores are one batch."""
    found = []
    for kind, paths in _grouped(report).items():
        if not paths:
            continue
        feed = f"{_invocation(report, ref)} --paths {kind} -z | "
        source = None
        if kind == "delete":
            runs = f"{_GIT} rm -q {_FROM_STDIN}"
        elif kind == "restore":
            source = next(s["source"] for s in report["rollback"] if s["action"] == kind)
            runs = f"{_RESTORE} --source={source} --staged --worktree {_FROM_STDIN}"
        elif kind == "untracked":  # git names an untracked repository with a trailing slash
            recursive = any(p.endswith("/") for p in paths)
            runs = "xargs -0 rm -r --" if recursive else "xargs -0 rm --"
        else:  # restoring a new file from HEAD, where it is not, removes it from both
            runs = f"{_RESTORE} --source=HEAD --staged --worktree {_FROM_STDIN}"
        found.append(Batch(kind, tuple(paths), source, feed + runs))
    return found


def unmark_command(report: Mapping[str, Any], ref: str | None = None) -> str:
    """The command that clears the assume-unchanged and skip-worktree marks at the
    plan's paths, reading them from `guard rollback --paths marked -z`. Two listings:
    `update-index` applies one kind of mark option a path (given both, it clears
    assume-unchanged alone)."""
    feed = f"{_invocation(report, ref)} --paths {MARKED} -z | git update-index"
    return f"{feed} --no-skip-worktree -z --stdin && {feed} --no-assume-unchanged -z --stdin"


def plan_commands(report: Mapping[str, Any], ref: str | None = None) -> list[str]:
    """The commands that carry out the report's rollback plan by hand (then commit):
    a few, whatever its size; `command_for`'s `--apply` does the same in one commit."""
    return [b.command for b in batches(report, ref) if b.kind in COMMITTED]


def by_hand(report: Mapping[str, Any], ref: str | None = None) -> list[str]:
    """The commands that discard uncommitted work the mode does not allow. The guard
    never runs them: uncommitted work is the user's, and only they may throw it away."""
    return [b.command for b in batches(report, ref) if b.kind in UNCOMMITTED]


def on_remotes(report: Mapping[str, Any]) -> list[str]:
    """What the session pushed that a remote still holds (`unrestored-remote`): no
    rollback here changes a remote, so each is said, never passed off as restored."""
    return [i["detail"] for i in report["integrity"] if i["kind"] == "unrestored-remote"]


def listed(report: Mapping[str, Any], kind: str) -> list[str]:
    """The paths `guard rollback --paths KIND` lists, in the plan's order."""
    return _grouped(report)[kind]


def _grouped(report: Mapping[str, Any]) -> dict[str, list[str]]:
    """The paths of each kind. A path in the plan is the plan's alone, whatever its
    uncommitted state: its command puts it back to the start, and a restore from HEAD
    run after the plan's commands (before their commit) would undo them."""
    grouped: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for s in report["rollback"]:
        grouped[s["action"]].append(s["path"])
    planned = {s["path"] for s in report["rollback"]}
    untracked: dict[str, bool] = {}
    for row in report["working_tree"]:  # a path is staged and unstaged in two rows
        if not row["allowed"] and row["path"] not in planned:
            untracked[row["path"]] = untracked.get(row["path"], False) or (
                row["state"] == "untracked"
            )
    for path, is_untracked in sorted(untracked.items()):
        grouped["untracked" if is_untracked else "uncommitted"].append(path)
    return grouped


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
    return f"{_invocation(report, ref)} --apply"


def _invocation(report: Mapping[str, Any], ref: str | None) -> str:
    """`guard rollback` in this report's scope: the same session, start or range,
    mode and branch, so what it plans is what the report planned."""
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
    return " ".join(words)
