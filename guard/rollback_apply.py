"""Applying a rollback plan: one new commit with a backup ref, never a history
rewrite, and nothing of the user's changed until that commit is certain.

Every check runs first. The commit is built out of sight (`mktree` for the
folders on the plan's paths, `commit-tree`), then one ref transaction moves the branch (if it
still holds what the plan was made from) and creates the backup ref together, or
moves nothing. Only then are the index and work tree brought to the new commit,
at the plan's paths alone (`guard.rollback_tree`, which also finishes that step
when the process died before it was done).
"""

from __future__ import annotations

import bisect
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from guard import gitio, gitrun, rollback_tree, store
from guard.changes import Change
from guard.errors import BlockedError, GitError, UsageError
from guard.gittree import SUBTREE, Entries, by_depth, folders_of, read_folders
from guard.quoting import quote, shown
from guard.rollback import BACKUP_PREFIX, GITLINK, NOTES_REF, message

RefUpdate = tuple[str, str, str | None]  # (ref, new value, expected old value or None)
# An `ls-files -v` record of an entry marked assume-unchanged (lower case) or
# skip-worktree, after the NUL that ends the one before: searched for that NUL
# first, the pattern scans 100,000 records in milliseconds.
HIDDEN = re.compile(r"\0[a-zS] ([^\0]*)")


class Plan(NamedTuple):
    """A rollback to apply: the report's steps for branch `ref`, the net change they
    undo (whose old side is each path's start content), and the paths with
    uncommitted changes when the plan was made; `unmark`, the command that clears the
    assume-unchanged and skip-worktree marks at its paths, printed when one is marked."""

    steps: Sequence[Mapping[str, Any]]
    ref: str
    net: Sequence[Change]
    dirty: frozenset[str]
    unmark: str


class Applied(NamedTuple):
    commit: str
    backup_ref: str
    branch: str
    restored: int
    deleted: int
    checked_out: bool  # whether the index and work tree were brought to the commit
    changes: Sequence[Change]  # what the commit changes, as git's diff from the old tip


def _named(paths: Sequence[str]) -> str:
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return ", ".join(shown(p) for p in paths[:5]) + more


class Tracked:
    """The paths of the index, or of a commit's tree, listed only when first asked:
    a plan that brings back no deleted file never needs them."""

    def __init__(self, listing: Callable[[], Iterable[str]]) -> None:
        self._listing = listing
        self._sorted: list[str] | None = None
        self._set: frozenset[str] = frozenset()

    def _paths(self) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(self._listing())  # git's order already: a linear sort
            self._set = frozenset(self._sorted)
        return self._sorted

    def __contains__(self, path: object) -> bool:
        self._paths()
        return path in self._set

    def below(self, folder: str) -> list[str]:
        paths, prefix = self._paths(), folder + "/"
        i = bisect.bisect_left(paths, prefix)
        found = []
        while i < len(paths) and paths[i].startswith(prefix):
            found.append(paths[i])
            i += 1
        return found


# --------------------------------------------------------------------------- checks


def marked(paths: Iterable[str], listing: str) -> list[str]:
    """Those of `paths` whose index entry `listing` (`gitio.index_tags`) marks
    assume-unchanged or skip-worktree, sorted."""
    return sorted(set(paths).intersection(m.group(1) for m in HIDDEN.finditer("\0" + listing)))


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


def _returning(plan: Plan) -> list[str]:
    """The paths the plan restores where the branch has none now (the session deleted
    them): only there can a path the plan keeps, or a loose file, be in the way (a
    path the branch holds is a file in its tree and in a clean index)."""
    gone = {c.path for c in plan.net if c.status == "D"}
    return [s["path"] for s in plan.steps if s["action"] == "restore" and s["path"] in gone]


def _kept(plan: Plan, tracked: Tracked) -> None:
    """Refuse a plan that restores a file where a tracked path it keeps stands (`tracked`:
    the index's paths, or the branch's tip's when it is not checked out)."""
    deleted = {s["path"] for s in plan.steps if s["action"] == "delete"}
    kept = sorted(
        {
            path
            for returning in _returning(plan)
            for path in [
                *(p for p in gitio.folders(returning) if p in tracked),
                *tracked.below(returning),
            ]
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
    planned = {s["path"] for s in plan.steps}
    listing = gitio.index_tags(root)
    hidden = marked(planned, listing)
    if hidden:
        raise BlockedError(
            "paths the rollback restores are marked assume-unchanged or skip-worktree, "
            f"so git cannot see a local edit there ({_named(hidden)})",
            hint="clear the marks with the command below (git then shows an edit there "
            "again: commit, stash or discard it), then guard rollback --apply\n  " + plan.unmark,
        )
    edited = sorted(planned.intersection(plan.dirty))
    if edited:
        _refuse_edited(edited)
    tracked = Tracked(lambda: (record[2:] for record in listing.split("\0") if record))
    _kept(plan, tracked)
    submodules = {c.path for c in plan.net if c.new_mode == GITLINK and c.old_mode != GITLINK}
    restores = [s["path"] for s in plan.steps if s["action"] == "restore"]
    candidates = {*_returning(plan), *submodules.intersection(restores)}
    linked = rollback_tree.Links(root)
    loose = sorted(
        {
            p
            for path in candidates
            for p in _loose_in_the_way(path, root, tracked, path in submodules, linked)
        }
    )
    if loose:
        raise BlockedError(
            f"untracked or ignored files stand where the rollback restores ({_named(loose)})",
            hint="move them away, then guard rollback --apply",
        )


def _here_checks(plan: Plan, prefix: str) -> None:
    """What git itself would refuse in this worktree, checked before the commit so
    nothing is left half done: an index another git holds (the commit would land,
    its checkout could not), and a file coming back where the current folder
    (`prefix`, from the top) is (git never removes the folder it runs in)."""
    lock = gitio.index_file() + ".lock"
    if os.path.lexists(lock):
        raise BlockedError(
            f"another git process holds the index ({lock})",
            hint=f"let it finish; if none is running, rm {quote(lock)}, "
            "then guard rollback --apply",
        )
    here = prefix.rstrip("/")
    over = [
        s["path"]
        for s in plan.steps
        if s["action"] == "restore" and here and (here + "/").startswith(s["path"] + "/")
    ]
    if over:
        raise BlockedError(
            f"the rollback restores a file where the current folder is ({_named(over)})",
            hint='run it from the top of the work tree: cd "$(git rev-parse --show-toplevel)" '
            "&& guard rollback --apply",
        )


def _refuse_edited(paths: Sequence[str]) -> None:
    raise BlockedError(
        f"paths the rollback restores have uncommitted changes ({_named(paths)})",
        hint="commit, stash or discard them, then guard rollback --apply",
    )


def _loose_in_the_way(
    path: str, root: str, tracked: Tracked, submodule: bool, linked: rollback_tree.Links
) -> list[str]:
    """Files on disk the index does not know (untracked or ignored) that restoring a
    file at `path` would overwrite or remove: at the path itself, below it (a
    directory now, or a repository checked out where a submodule pointer is now:
    git's checkout removes the whole folder, history included) or at one of its
    parent folders (a file now). Tracked ones are `_kept`'s."""
    found = []
    for parent in gitio.folders(path):
        full = os.path.join(root, parent)  # noqa: PTH118
        if rollback_tree.not_a_folder(full) and parent not in tracked:
            found.append(parent)
    if linked.behind(path):
        return found  # git replaces the link, never writes through it
    full = os.path.join(root, path)  # noqa: PTH118
    if path in tracked and not submodule:
        return found  # a submodule pointer coming back as one
    if os.path.isdir(full) and not os.path.islink(full):  # noqa: PTH112, PTH114
        for top, dirs, files in os.walk(full):
            for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(top, d)))]:  # noqa: PTH114, PTH118
                rel = os.path.relpath(os.path.join(top, name), root).replace(os.sep, "/")  # noqa: PTH118
                if rel not in tracked:
                    found.append(rel)
    elif os.path.lexists(full) and path not in tracked:
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
    """The first free name of `refs/guard/backup/<id>`, `<id>-2`, ...: one no ref has,
    and none below it (git keeps a ref and refs under its name apart: a ref at
    `<id>/x` blocks `<id>`, and the transaction would refuse the whole rollback).
    Read before the first write; a ref at a folder of every name is refused here."""
    taken = set(gitio.refs("refs/guard"))  # that ref and every one below it
    blocking = sorted(t for t in taken if BACKUP_PREFIX.startswith(t + "/"))
    if blocking:
        raise BlockedError(
            f"the ref {blocking[0]} stands where the rollback keeps its backups "
            f"({BACKUP_PREFIX}), so it can make none",
            hint=f"move it away (git update-ref -d {quote(blocking[0])}, after noting "
            "what it points to), then guard rollback --apply",
        )
    name = f"{BACKUP_PREFIX}{session_id}"
    candidate, number = name, 1
    while candidate in taken or any(t.startswith(candidate + "/") for t in taken):
        number += 1
        candidate = f"{name}-{number}"
    return candidate


def _tree(old: str, plan: Plan) -> tuple[str, list[Change]]:
    """The tree of `old` with the plan applied, checked against the plan (exactly its
    paths differ from `old`, each as the plan says), and git's diff between them."""
    steps = plan.steps
    starts = {c.path: state for c in plan.net if (state := c.before) is not None}
    added = [(s["path"], starts[s["path"]]) for s in steps if s["action"] == "restore"]
    removed = [s["path"] for s in steps if s["action"] == "delete"]
    tree = _write_tree(old, removed, added)
    expected = {path: state for path, state in added} | dict.fromkeys(removed)
    changes = gitio.diff(old, tree)
    got = {c.path: c.after for c in changes}
    if got != expected:
        wrong = sorted(set(got) ^ set(expected) | {p for p in got if got[p] != expected.get(p)})
        raise GitError(f"git built a rollback tree that differs from the plan at {_named(wrong)}")
    return tree, changes


def _note(commit: str, full: str) -> RefUpdate:
    """The notes commit that attaches `full` to `commit`, as a ref update."""
    current = gitio.resolve(NOTES_REF)
    blob = gitio.write_blob(full.encode("utf-8", "surrogateescape"))
    tree = _write_tree(current, [], [(commit, f"100644 {blob}")])
    notes = gitio.commit_tree(tree, current, "Notes added by guard rollback\n")
    return NOTES_REF, notes, current


def apply(plan: Plan, session_id: str, branch: str | None) -> Applied:
    """Commit the plan on top of its branch (or on a new branch `branch` made from it),
    and bring this worktree's index and tree to it when that branch is checked out."""
    steps, ref = plan.steps, plan.ref
    _preconditions()
    new_ref, old, here = _target(ref, branch)
    found = gitio.locate()
    root = found.root if found else "."
    if here:
        _worktree_checks(plan, root)
        _here_checks(plan, found.prefix if found else "")
    else:
        _kept(plan, Tracked(lambda: gitio.tree_entries(old)))
    problem = gitio.identity_problem()
    if problem is not None:
        raise BlockedError(
            f"git cannot name the rollback commit's author: {problem}",
            hint='git config user.name "Your Name"; git config user.email you@example.com',
        )
    backup = _backup_ref(session_id)
    commit, changes, updates = _objects(plan, session_id, old)
    updates = [(new_ref, commit, old if branch is None else None), (backup, old, None), *updates]
    moves = rollback_tree.moves(changes)
    if here:
        # The last look before the first write, path by path, as git's checkout takes
        # it: an edit made since git status looked is someone's work too.
        changed = rollback_tree.unsafe(old, moves, root)
        if changed:
            _refuse_edited(changed)
    pending = {"ref": new_ref, "old": old, "new": commit, "from": ref if here else None}
    store.write_atomic(rollback_tree.pending_path(), json.dumps(pending).encode())
    try:
        gitio.update_refs(updates, f"guard rollback of {ref} ({session_id})")
    except GitError as exc:
        os.remove(rollback_tree.pending_path())  # noqa: PTH107
        raise BlockedError(
            f"the rollback commit was refused, and nothing changed: {exc}",
            hint="git's message above says why; a new --branch during a session carries "
            "the bypassed commits, which the hooks refuse: roll back the branch itself",
        ) from exc
    rollback_tree.finish(checked=moves)
    restored = sum(s["action"] == "restore" for s in steps)
    return Applied(commit, backup, new_ref, restored, len(steps) - restored, here, changes)


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
    old = gitrun.run_line(["rev-parse", "--verify", "-q", f"{ref}^{{commit}}"])
    here = gitio.head()[1] == ref
    elsewhere = None if here else _checked_out_elsewhere(ref)
    if elsewhere is not None:
        raise BlockedError(
            f"{ref} is checked out in the worktree {elsewhere}",
            hint=f"run guard rollback there (cd {quote(elsewhere)})",
        )
    return new_ref, old, here


def _objects(plan: Plan, session_id: str, old: str) -> tuple[str, list[Change], list[RefUpdate]]:
    """The rollback commit, written as objects only, what it changes, and the note's
    ref update when its message lists only the first paths."""
    text, full = message(session_id, plan.steps)
    tree, changes = _tree(old, plan)
    commit = gitio.commit_tree(tree, old, text)
    return commit, changes, [] if full is None else [_note(commit, full)]


# --------------------------------------------------------------------------- trees

KINDS = {SUBTREE: "tree", GITLINK: "commit"}  # any other mode is a blob's


def _write_tree(base: str | None, removed: list[str], added: list[tuple[str, str]]) -> str:
    """The tree of commit `base` (None: the empty tree) with the `removed` paths gone
    and `added` (path, "mode oid") entries in place. Only the folders on those paths
    are read (`guard.gittree`, a level at a time from the top) and written again
    (`mktree`, a level at a time from the bottom): an index would read, rewrite and
    write every path of the repository. The caller checks the result with git's diff."""
    touched = folders_of([*removed, *(p for p, _ in added)])
    trees = read_folders(base, touched)
    for path in removed:
        folder, _, name = path.rpartition("/")
        trees[folder].pop(name, None)
    adding: dict[str, Entries] = {}
    for path, state in added:
        folder, _, name = path.rpartition("/")
        mode, oid = state.split()
        adding.setdefault(folder, {})[name] = (mode, oid)
    for level in reversed(by_depth(touched)):
        for folder in level:  # after its subfolders: a file may come back where one was
            trees[folder].update(adding.get(folder, {}))
        full = [folder for folder in level if trees[folder]]
        made = dict(zip(full, _make_trees([trees[f] for f in full]), strict=True))
        for folder in level:
            if folder:
                parent, _, name = folder.rpartition("/")
                if folder in made:
                    trees[parent][name] = (SUBTREE, made[folder])
                else:  # emptied: git keeps no empty folder
                    trees[parent].pop(name, None)
    return made.get("") or gitio.empty_tree()


def _make_trees(trees: list[Entries]) -> list[str]:
    """Write the trees `trees` with one `mktree --batch` (which sorts each as git
    does), and their ids."""
    if not trees:
        return []
    data = b"".join(
        b"".join(
            f"{mode} {KINDS.get(mode, 'blob')} {oid}\t{name}\0".encode("utf-8", "surrogateescape")
            for name, (mode, oid) in entries.items()
        )
        + b"\0"  # an empty record ends a tree
        for entries in trees
    )
    return gitrun.run(["mktree", "-z", "--batch"], data=data).decode("ascii").split()
