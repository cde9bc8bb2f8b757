"""A rollback's last step: bringing the index and work tree to its commit, for exactly
the paths it changes, and finishing that step when it was cut short.

git's two-tree checkout (`read-tree -m -u OLD NEW`) walks and checks every entry of
the index, twice the cost of the writes themselves in a repository of 100,000
files. The rollback knows its paths, so it writes those alone, as git's own
plumbing does it: their index entries in one `update-index --index-info`, the
files of the deleted ones removed, the others written by `checkout-index`. What
git's merge would check first is checked here, path by path, before anything is
written: each index entry and each file holds the old commit's content (or, when
an interrupted apply is finished, the old or the new one); anything else is
someone's work, and nothing is written.

A marker in the git directory records the step until it is done: if the process
dies in between, the next `guard rollback` finishes it (`finish`).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import NamedTuple

from guard import gitio, gitrun, location
from guard.changes import Change
from guard.errors import BlockedError, GitError, StateError
from guard.quoting import shown

GITLINK = "160000"  # a submodule pointer: its folder is the submodule's, never written
LINK = "120000"  # a symbolic link: its blob is the link's target
EXECUTABLE = "100755"


class Move(NamedTuple):
    """One path the rollback commit changes: its state in the old tip and in the new
    commit, "mode oid", or None where the path does not exist."""

    path: str
    old: str | None
    new: str | None


def moves(changes: Iterable[Change]) -> list[Move]:
    """The moves of git's raw diff from the old tip to the rollback commit."""
    return [Move(c.path, c.before, c.after) for c in changes]


def _named(paths: Sequence[str]) -> str:
    more = f" and {len(paths) - 5} more" if len(paths) > 5 else ""
    return ", ".join(shown(p) for p in paths[:5]) + more


# --------------------------------------------------------------------------- the checks


def unsafe(old: str, steps: Sequence[Move], root: str, finishing: bool = False) -> list[str]:
    """The paths a write of `steps` would lose someone's work at: whose index entry or
    file is not the old tip's (nor, when `finishing`, the new commit's, which an
    interrupted write leaves), or where a file comes back over a folder or under a
    file that holds more than the rollback deletes."""
    staged = {c.path: c for c in gitio.staged_against(old, cwd=root)}
    found = []
    for step in steps:
        change = staged.get(step.path)
        if change is None:
            continue  # the entry is the old tip's
        entry = change.after
        if change.status == "U" or entry not in _states(step, finishing):
            found.append(step.path)
    return sorted({*found, *_on_disk(steps, root, finishing)})


def _states(step: Move, finishing: bool) -> tuple[str | None, ...]:
    return (step.old, step.new) if finishing else (step.old,)


def _on_disk(steps: Sequence[Move], root: str, finishing: bool) -> list[str]:
    """The paths whose file (or link, or folder) is none of the states they may be in."""
    deleted = {s.path for s in steps if s.new is None}
    mode_bit, links = gitio.file_mode_matters(root), gitio.links_supported(root)
    linked = Links(root)
    found: list[str] = []
    files: dict[str, set[str]] = {}
    for step in steps:
        full = os.path.join(root, step.path)  # noqa: PTH118
        if step.new is not None and step.old is None:
            found += _in_the_way(root, step.path, deleted)
        info = _lstat(root, step.path, linked)
        if info is None:  # absent: a path the old tip lacks, or a write cut short
            if not finishing and step.old is not None and not _is_gitlink(step.old):
                found.append(step.path)  # deleted by hand since git status looked
            continue
        states = [s for s in _states(step, finishing) if s is not None]
        if stat.S_ISDIR(info.st_mode):
            if not (_is_gitlink(step.old) or _is_gitlink(step.new)):
                found += _inside(root, step.path, deleted)  # a folder where a file comes back
            continue
        oids = {
            oid for mode, oid in map(str.split, states) if fits(mode, info.st_mode, mode_bit, links)
        }
        if not oids:
            found.append(step.path)
        elif stat.S_ISLNK(info.st_mode):
            if link_id(full, next(iter(oids))) not in oids:
                found.append(step.path)
        else:
            files[step.path] = oids
    return found + differing(files, root)


def _lstat(root: str, path: str, linked: Links) -> os.stat_result | None:
    """What stands at `path` itself (None: nothing; what a link at one of its folders
    leads to is not the path's)."""
    if linked.behind(path):
        return None
    try:
        return os.lstat(os.path.join(root, path))  # noqa: PTH118
    except OSError:
        return None


def _is_gitlink(state: str | None) -> bool:
    return state is not None and state.startswith(GITLINK)


def fits(mode: str, st_mode: int, mode_bit: bool, links: bool = True) -> bool:
    """Whether a file of `st_mode` on disk can hold an entry of git mode `mode`
    (`links` False: git writes a link as a file holding its target)."""
    if mode == LINK:
        return stat.S_ISLNK(st_mode) if links else stat.S_ISREG(st_mode)
    if not stat.S_ISREG(st_mode) or mode == GITLINK:
        return False
    return not mode_bit or (mode == EXECUTABLE) == bool(st_mode & stat.S_IXUSR)


def link_id(full: str, like: str) -> str:
    """The blob id of a link's target, in the hash its repository uses (`like`, an id
    of it, says which)."""
    target = os.readlink(os.fsencode(full))  # noqa: PTH115 - bytes, as git stores them
    algorithm = hashlib.sha256 if len(like) == 64 else hashlib.sha1
    return algorithm(b"blob %d\0" % len(target) + target).hexdigest()


def differing(files: dict[str, set[str]], root: str) -> list[str]:
    """The files whose content is none of their allowed blobs: hashed as they are
    first (no attribute lookups), and what differs then again through the path's
    filters, as `git add` would store it (a checkout with line-ending conversion)."""
    paths = list(files)
    raw = gitio.blob_ids(paths, root, filters=False)
    again = [p for p, oid in zip(paths, raw, strict=True) if oid not in files[p]]
    filtered = gitio.blob_ids(again, root)
    return [p for p, oid in zip(again, filtered, strict=True) if oid not in files[p]]


def _in_the_way(root: str, path: str, deleted: set[str]) -> list[str]:
    """A file at a folder of `path`, where a file comes back: `checkout-index` would
    remove it, so it must be one the rollback deletes."""
    found = []
    for folder in gitio.folders(path):
        full = os.path.join(root, folder)  # noqa: PTH118
        if not_a_folder(full) and folder not in deleted:
            found.append(folder)
    return found


def not_a_folder(full: str) -> bool:
    """Whether something other than a real folder stands at `full`: a file, or a link
    (to a folder or not: git's checkout replaces a link at a leading folder by a
    folder, it never writes through one)."""
    try:
        return not stat.S_ISDIR(os.lstat(full).st_mode)
    except OSError:
        return False


class Links:
    """Which folders of the work tree at `root` are links, each looked at once: the
    paths of a plan share their folders."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._under: dict[str, bool] = {}  # folder -> it, or a folder above it, is a link

    def behind(self, path: str) -> bool:
        """Whether a folder of `path` is a link: then nothing git would call `path` is
        there, whatever the link leads to."""
        unknown = []
        folder = path.rpartition("/")[0]
        while folder and folder not in self._under:
            unknown.append(folder)
            folder = folder.rpartition("/")[0]
        linked = bool(folder) and self._under[folder]
        for folder in reversed(unknown):  # from the top down: none is read through a link
            linked = linked or os.path.islink(os.path.join(self.root, folder))  # noqa: PTH114, PTH118
            self._under[folder] = linked
        return linked


def _inside(root: str, path: str, deleted: set[str]) -> list[str]:
    """What stands in the folder at `path`, where a file comes back, besides the
    files the rollback deletes (`checkout-index` would remove it all)."""
    found = []
    for top, dirs, names in os.walk(os.path.join(root, path)):  # noqa: PTH118
        links = [d for d in dirs if os.path.islink(os.path.join(top, d))]  # noqa: PTH114, PTH118
        for name in [*names, *links]:
            rel = os.path.relpath(os.path.join(top, name), root).replace(os.sep, "/")  # noqa: PTH118
            if rel not in deleted:
                found.append(rel)
    return found


# --------------------------------------------------------------------------- the write


def write(steps: Sequence[Move], root: str) -> None:
    """Bring the index and the work tree from the old tip to the new commit at `steps`'
    paths, checked by `unsafe`: the index entries first, then the files, so a write
    cut short leaves each path old or new (finished by `finish`)."""
    removed = [s.path for s in steps if s.new is None]
    added = [(s.path, s.new) for s in steps if s.new is not None]
    gitio.update_index(removed, added, cwd=root)
    linked = Links(root)
    for path in removed:
        _remove(root, path, linked)
    gitio.checkout_index([path for path, _ in added], cwd=root)


def _remove(root: str, path: str, linked: Links) -> None:
    """Remove the file at `path` (a submodule's folder only when empty, as git does),
    then the folders it leaves empty."""
    if linked.behind(path):
        return  # what the link leads to is not the path's: never removed through it
    full = os.path.join(root, path)  # noqa: PTH118
    if os.path.isdir(full) and not os.path.islink(full):  # noqa: PTH112, PTH114
        if _current(full):
            return
        try:
            os.rmdir(full)  # noqa: PTH106
        except OSError:
            return  # a submodule's checkout with files in it: left to its owner
    else:
        try:
            os.unlink(full)  # noqa: PTH108
        except FileNotFoundError:
            pass  # gone already (a write cut short, finished now)
        except OSError as exc:  # not writable: said, never passed over
            raise GitError(f"cannot remove {shown(path)}: {exc.strerror}") from exc
    for folder in reversed(list(gitio.folders(path))):
        emptied = os.path.join(root, folder)  # noqa: PTH118
        if _current(emptied):
            return  # kept, as git keeps the folder it runs in (and so all above it)
        try:
            os.rmdir(emptied)  # noqa: PTH106
        except OSError:
            return


def _current(folder: str) -> bool:
    """Whether `folder` is the process's current folder: removing it would leave the
    user, and every git call after, in a folder that no longer exists."""
    try:
        return os.path.samefile(folder, ".")  # noqa: PTH121
    except OSError:
        return False


# --------------------------------------------------------------------------- the marker


@contextmanager
def exclusive() -> Iterator[None]:
    """Hold this worktree's rollback lock for the duration, or refuse: two rollbacks
    at once share the marker, and the one whose transaction failed would remove the
    marker of the one whose commit landed, which would then not bring the index and
    work tree to its commit. Released when the process ends, however it ends."""
    path = os.path.join(gitio.git_dir(), location.ROLLBACK_LOCK)  # noqa: PTH118
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:  # a git directory it cannot write to: a plan is still printed,
        yield  # and an apply stops at its marker, before any change
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BlockedError(
                "another guard rollback is running in this worktree",
                hint="let it finish, then run guard rollback again",
            ) from None
        yield
    finally:
        os.close(fd)


def pending_path() -> str:
    return os.path.join(gitio.git_dir(), location.ROLLBACK_PENDING)  # noqa: PTH118


def _pending() -> tuple[str, str, str, str | None] | None:
    """(ref, old tip, new commit, the branch checked out when it was made, if here)."""
    path = pending_path()
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
    return ref, old, new, source


def finish(checked: Sequence[Move] | None = None) -> str | None:
    """Complete a rollback whose commit landed but whose index and work tree were not
    brought to it (the process died in between): the commit it made, or None when
    none was pending. A marker whose commit never landed is dropped: nothing of the
    user's changed. `checked`: the moves `apply` checked just before its commit, to
    write without looking again."""
    found = _pending()
    if found is None:
        return None
    ref, old, new, source = found
    landed = gitio.resolve(ref) == new
    if landed and source is not None:
        head_sha, head_ref = gitio.head()
        # With --branch, HEAD moves to the new branch; the old one stays where it was.
        if source != ref and (head_ref, head_sha) == (source, old):
            gitrun.run(["symbolic-ref", "-m", "guard rollback", "HEAD", ref])
            head_ref = ref
        if head_ref == ref:
            _bring(ref, old, new, checked)
    os.remove(pending_path())  # noqa: PTH107
    return new if landed else None


def _bring(ref: str, old: str, new: str, checked: Sequence[Move] | None) -> None:
    root = (gitio.locate() or gitio.Location(".", "")).root
    try:
        steps = checked
        if steps is None:
            steps = moves(gitio.diff(old, new))
            foreign = unsafe(old, steps, root, finishing=True)
            if foreign:
                raise GitError(f"changed since: {_named(foreign)}")
        write(steps, root)
    except GitError as exc:
        raise BlockedError(
            f"the rollback commit {new[:12]} is on {ref}, but bringing the index "
            f"and work tree to it failed: {exc}",
            hint="fix what git says (move your own changes to those paths away), "
            "then guard rollback finishes it; the previous tip is kept under "
            f"refs/guard/backup/; to give the checkout up instead: rm {pending_path()}",
        ) from exc
