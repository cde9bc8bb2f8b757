"""The rollback: its plan, from a branch's net change since its start, and its
application, one new commit with a backup ref, never a history rewrite.

The plan restores every path the mode does not allow to its content at the start
of the branch being rolled back (deleting what the session added) and leaves
allowed paths, the worklog among them, exactly as they are.

The apply is built so that nothing of the user's changes until the commit is
certain. Every check runs first. The commit is built out of sight (a scratch
index, `write-tree`, `commit-tree`), then one ref transaction moves the branch
(if it still holds what the plan was made from) and creates the backup ref
together, or moves nothing. Only then are the index and work tree brought to the
new commit, by git's own two-tree checkout, which writes exactly the paths that
differ. A marker in the git directory records that last step until it is done:
if the process dies in between, the next `guard rollback` finishes it.
"""

from __future__ import annotations

import bisect
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from guard import gitio, location, store
from guard.changes import Change
from guard.errors import BlockedError, GitError, StateError, UsageError
from guard.quoting import literal, quote, shown

if TYPE_CHECKING:
    from guard.judge import Judge

TRAILER = "Guard-Rollback"
NOTES_REF = "refs/notes/guard-rollback"
BACKUP_PREFIX = "refs/guard/backup/"
GITLINK = "160000"  # the mode of a submodule pointer
LISTED = 20  # paths a rollback message names; a longer list goes to a note
RefUpdate = tuple[str, str, str | None]  # (ref, new value, expected old value or None)


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


# --------------------------------------------------------------------------- checks


class Plan(NamedTuple):
    """A rollback to apply: the report's steps for branch `ref`, the net change they
    undo (whose old side is each path's start content), and the paths with
    uncommitted changes when the plan was made."""

    steps: Sequence[Mapping[str, Any]]
    ref: str
    net: Sequence[Change]
    dirty: frozenset[str]


class Applied(NamedTuple):
    commit: str
    backup_ref: str
    branch: str
    restored: int
    deleted: int
    checked_out: bool  # whether the index and work tree were brought to the commit


def _named(paths: Sequence[str]) -> str:
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return ", ".join(shown(p) for p in paths[:5]) + more


def _preconditions() -> None:
    """What must hold for any rollback, wherever its branch is checked out."""
    if "GIT_INDEX_FILE" in os.environ:
        raise BlockedError(
            "GIT_INDEX_FILE is set: the rollback brings the worktree's own index to its "
            "commit, and would leave that other index behind",
            hint="unset GIT_INDEX_FILE, then guard rollback --apply",
        )
    operation = gitio.operation_in_progress()
    if operation is not None:  # a rebase holds its branch even while HEAD is detached
        raise BlockedError(
            f"a {operation} is in progress",
            hint=f"finish or abort it first (git {operation} "
            f"{'reset' if operation == 'bisect' else '--abort'})",
        )


def _kept(steps: Sequence[Mapping[str, Any]], entries: Mapping[str, str]) -> None:
    """Refuse a plan that restores a file where a tracked path it keeps stands (`entries`:
    the tracked paths of the index, or of the branch's tip when it is not checked out)."""
    deleted = {s["path"] for s in steps if s["action"] == "delete"}
    tracked = sorted(entries)
    kept = sorted(
        {
            path
            for s in steps
            if s["action"] == "restore"
            for path in _in_the_way(s["path"], tracked, entries)
            if path not in deleted
        }
    )
    if kept:
        raise BlockedError(
            f"tracked paths the rollback keeps stand where it restores a file ({_named(kept)})",
            hint="move them by a commit of your own, then guard rollback --apply",
        )


def _worktree_checks(plan: Plan, root: str) -> None:
    """Refuse, before anything is written, every plan that would overwrite what git
    would not get back: a local edit (seen or hidden from git by assume-unchanged or
    skip-worktree), an untracked or ignored file, a repository checked out where a
    file comes back, or a tracked path the plan keeps."""
    steps = plan.steps
    planned = {s["path"] for s in steps}
    edited = sorted(planned.intersection(plan.dirty))
    if edited:
        raise BlockedError(
            f"paths the rollback restores have uncommitted changes ({_named(edited)})",
            hint="commit, stash or discard them, then guard rollback --apply",
        )
    entries = gitio.index_entries()
    hidden = sorted(p for p in planned if p in entries and _hidden(entries[p]))
    if hidden:
        raise BlockedError(
            "paths the rollback restores are marked assume-unchanged or skip-worktree, "
            f"so git cannot see a local edit there ({_named(hidden)})",
            hint="git update-index --no-assume-unchanged --no-skip-worktree -- PATH "
            "(in a sparse checkout: git sparse-checkout add), then guard rollback --apply",
        )
    _kept(steps, entries)
    submodules = {c.path for c in plan.net if c.new_mode == GITLINK and c.old_mode != GITLINK}
    loose = sorted({p for s in steps for p in _untracked_in_the_way(s, root, entries, submodules)})
    if loose:
        raise BlockedError(
            f"untracked or ignored files stand where the rollback restores ({_named(loose)})",
            hint="move them away, then guard rollback --apply",
        )


def _hidden(tag: str) -> bool:
    return tag == "S" or tag.islower()


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def _in_the_way(path: str, tracked: list[str], entries: Mapping[str, str]) -> list[str]:
    """Index entries a file restored at `path` would clash with: below it (it is a
    directory now) or at one of its parent folders (a file now)."""
    found = [p for p in _parents(path) if p in entries]
    prefix = path + "/"
    i = bisect.bisect_left(tracked, prefix)
    while i < len(tracked) and tracked[i].startswith(prefix):
        found.append(tracked[i])
        i += 1
    return found


def _untracked_in_the_way(
    s: Mapping[str, Any], root: str, entries: Mapping[str, str], submodules: set[str]
) -> list[str]:
    """Files on disk the index does not know (untracked or ignored) that restoring a
    file at the step's path would overwrite or remove: at the path itself, below it
    (a directory now, or a repository checked out where a submodule pointer is now:
    git's checkout removes the whole folder, history included) or at one of its parent
    folders (a file now). Tracked ones are `_kept`'s."""
    if s["action"] == "delete":
        return []
    path = s["path"]
    found = []
    for parent in _parents(path):
        full = os.path.join(root, parent)  # noqa: PTH118
        if os.path.lexists(full) and not os.path.isdir(full) and parent not in entries:  # noqa: PTH112
            found.append(parent)
    full = os.path.join(root, path)  # noqa: PTH118
    if path in entries and path not in submodules:
        return found  # a tracked file, or a submodule pointer coming back as one
    if os.path.isdir(full) and not os.path.islink(full):  # noqa: PTH112, PTH114
        for top, dirs, files in os.walk(full):
            for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(top, d)))]:  # noqa: PTH114, PTH118
                rel = os.path.relpath(os.path.join(top, name), root).replace(os.sep, "/")  # noqa: PTH118
                if rel not in entries:
                    found.append(rel)
    elif os.path.lexists(full) and path not in entries:
        found.append(path)
    return found


def _checked_out_elsewhere(ref: str) -> str | None:
    """The worktree (not this one) that has branch `ref` checked out, if any."""
    found = gitio.locate()
    here = os.path.realpath(found.root) if found else None
    for tree in gitio.worktrees():
        if tree.branch == ref and os.path.realpath(tree.path) != here:
            return tree.path
    return None


# --------------------------------------------------------------------------- apply


def _backup_ref(session_id: str) -> str:
    name = f"{BACKUP_PREFIX}{session_id}"
    candidate, number = name, 1
    while gitio.resolve(candidate) is not None:
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _tree(old: str, plan: Plan, scratch: str) -> str:
    """The tree of `old` with the plan applied, checked against the plan: exactly its
    paths differ from `old`, each as the plan says."""
    steps = plan.steps
    starts = {c.path: f"{c.old_mode} {c.old_oid}" for c in plan.net if c.status != "A"}
    added = [(s["path"], starts[s["path"]]) for s in steps if s["action"] == "restore"]
    removed = [s["path"] for s in steps if s["action"] == "delete"]
    tree = gitio.build_tree(old, removed, added, scratch)
    expected = {path: state for path, state in added} | dict.fromkeys(removed)
    got = {
        c.path: (None if c.status == "D" else f"{c.new_mode} {c.new_oid}")
        for c in gitio.diff(old, tree)
    }
    if got != expected:
        wrong = sorted(set(got) ^ set(expected) | {p for p in got if got[p] != expected.get(p)})
        raise GitError(f"git built a rollback tree that differs from the plan at {_named(wrong)}")
    return tree


def _note(commit: str, full: str, scratch: str) -> RefUpdate:
    """The notes commit that attaches `full` to `commit`, as a ref update."""
    current = gitio.resolve(NOTES_REF)
    blob = gitio.write_blob(full.encode("utf-8", "surrogateescape"))
    tree = gitio.build_tree(current, [], [(commit, f"100644 {blob}")], scratch)
    notes = gitio.commit_tree(tree, current, "Notes added by guard rollback\n")
    return NOTES_REF, notes, current


def _pending_path() -> str:
    return os.path.join(gitio.git_dir(), location.ROLLBACK_PENDING)  # noqa: PTH118


def apply(plan: Plan, session_id: str, branch: str | None) -> Applied:
    """Commit the plan on top of its branch (or on a new branch `branch` made from it),
    and bring this worktree's index and tree to it when that branch is checked out."""
    steps, ref = plan.steps, plan.ref
    _preconditions()
    new_ref, old, here = _target(ref, branch)
    if here:
        found = gitio.locate()
        _worktree_checks(plan, found.root if found else ".")
    else:
        _kept(steps, gitio.tree_entries(old))
    problem = gitio.identity_problem()
    if problem is not None:
        raise BlockedError(
            f"git cannot name the rollback commit's author: {problem}",
            hint='git config user.name "Your Name"; git config user.email you@example.com',
        )
    backup = _backup_ref(session_id)
    commit, updates = _objects(plan, session_id, old)
    updates = [(new_ref, commit, old if branch is None else None), (backup, old, None), *updates]
    if here:
        # git's own checks of the checkout, before any write (stale stat data, of a
        # copied or touched file, would read as a local change: refreshed first).
        gitio.refresh_index()
        gitio.switch_tree(old, commit, dry_run=True)
    pending = {"ref": new_ref, "old": old, "new": commit, "from": ref if here else None}
    store.write_atomic(_pending_path(), json.dumps(pending).encode())
    try:
        gitio.update_refs(updates, f"guard rollback of {ref} ({session_id})")
    except GitError as exc:
        os.remove(_pending_path())  # noqa: PTH107
        raise BlockedError(
            f"the rollback commit was refused, and nothing changed: {exc}",
            hint="git's message above says why; a new --branch during a session carries "
            "the bypassed commits, which the hooks refuse: roll back the branch itself",
        ) from exc
    finish()
    restored = sum(s["action"] == "restore" for s in steps)
    return Applied(commit, backup, new_ref, restored, len(steps) - restored, here)


def _target(ref: str, branch: str | None) -> tuple[str, str, bool]:
    """(the ref the commit goes on, the commit it goes on top of, whether `ref` is
    this worktree's branch); UsageError or BlockedError when there is none."""
    if ref == "HEAD":
        raise BlockedError(
            "rollback needs a branch checked out (HEAD is detached or unborn)",
            hint="git switch <branch>, then guard rollback --apply",
        )
    ref = gitio.symbolic_target(ref) or ref  # an alias moves the branch it names
    if not ref.startswith("refs/heads/"):
        raise UsageError(
            f"{ref} is not a branch: a rollback commits on one",
            hint="name the branch: guard rollback --ref BRANCH (or --head BRANCH)",
        )
    new_ref = ref if branch is None else f"refs/heads/{branch.removeprefix('refs/heads/')}"
    if branch is not None and gitio.resolve(new_ref) is not None:
        raise UsageError(f"--branch {branch!r}: that branch exists already")
    old = gitio.run_line(["rev-parse", "--verify", "-q", f"{ref}^{{commit}}"])
    here = gitio.head()[1] == ref
    elsewhere = None if here else _checked_out_elsewhere(ref)
    if elsewhere is not None:
        raise BlockedError(
            f"{ref} is checked out in the worktree {elsewhere}",
            hint=f"run guard rollback there (cd {quote(elsewhere)})",
        )
    return new_ref, old, here


def _objects(plan: Plan, session_id: str, old: str) -> tuple[str, list[RefUpdate]]:
    """The rollback commit, written as objects only, and the note's ref update when
    its message lists only the first paths."""
    text, full = message(session_id, plan.steps)
    with tempfile.TemporaryDirectory(prefix="guard-rollback-", dir=gitio.git_dir()) as scratch:
        index = os.path.join(scratch, "index")  # noqa: PTH118
        commit = gitio.commit_tree(_tree(old, plan, index), old, text)
        return commit, [] if full is None else [_note(commit, full, index)]


def _check_out(old: str, new: str) -> None:
    """Bring the index and work tree from `old` to `new`. When git refuses because a
    checkout of this same change was cut short (git killed while writing: some paths
    hold the new content, the index still the old), and every path that differs
    holds, in the index and on disk, the old content, the new one or nothing, the
    half-done checkout is ours and is finished over; anything else is the user's."""
    try:
        gitio.switch_tree(old, new)
        return
    except GitError as refused:
        failure = refused
    root = (gitio.locate() or gitio.Location(".", "")).root
    changes = gitio.diff(old, new)
    states = {c.path: {f"{c.old_mode} {c.old_oid}", f"{c.new_mode} {c.new_oid}"} for c in changes}
    staged = {c.path: f"{c.new_mode} {c.new_oid}" for c in gitio.staged_against(old)}
    foreign = [p for p in states if p in staged and staged[p] not in states[p]]
    files = []
    for path in states:
        full = Path(root, path)
        if full.is_symlink() or full.is_dir():
            foreign.append(path)  # not what a checkout of a file leaves behind
        elif full.exists():
            files.append(path)
    oids = {c.path: {c.old_oid, c.new_oid} for c in changes}
    hashed = zip(files, gitio.blob_ids(files), strict=True)
    foreign += [path for path, oid in hashed if oid not in oids[path]]
    if foreign:
        raise GitError(f"{failure}; changed since: {_named(sorted(foreign))}")
    gitio.switch_tree(old, new, force=True)


def finish() -> str | None:
    """Complete a rollback whose commit landed but whose checkout did not (the
    process died in between): the commit it made, or None when none was pending.
    A marker whose commit never landed is dropped: nothing of the user's changed."""
    path = _pending_path()
    try:
        with open(path, "rb") as handle:  # noqa: PTH123
            pending = json.loads(handle.read())
        ref, old, new, source = (pending[k] for k in ("ref", "old", "new", "from"))
        if not all(isinstance(v, str) for v in (ref, old, new)) or not isinstance(
            source, (str, type(None))
        ):
            raise ValueError("a field is missing or has the wrong type")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise StateError(
            f"the rollback marker {path} is unreadable: {exc}",
            hint=f"check git status and git log -1, then remove {path}",
        ) from exc
    landed = gitio.resolve(ref) == new
    if landed and source is not None:
        head_sha, head_ref = gitio.head()
        # With --branch, HEAD moves to the new branch; the old one stays where it was.
        if source != ref and (head_ref, head_sha) == (source, old):
            gitio.run(["symbolic-ref", "-m", "guard rollback", "HEAD", ref])
            head_ref = ref
        if head_ref == ref:
            try:
                _check_out(old, new)
            except GitError as exc:
                raise BlockedError(
                    f"the rollback commit {new[:12]} is on {ref}, but bringing the index "
                    f"and work tree to it failed: {exc}",
                    hint="fix what git says (move your own changes to those paths away), "
                    "then guard rollback finishes it; the previous tip is kept under "
                    f"refs/guard/backup/; to give the checkout up instead: rm {path}",
                ) from exc
    os.remove(path)  # noqa: PTH107
    return new if landed else None
