"""A commit's tree read a folder at a time, for the paths a caller names.

The rollback rewrites the folders on its plan's paths; the audit asks what a path
held at its branch's start. Listing the whole tree would cost what the repository
weighs whatever the session changed: reading only the folders on the named paths
costs what the session touched, one `git cat-file --batch` a folder level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from guard import gitio, gitrun
from guard.errors import GitError

Entries = dict[str, tuple[str, str]]  # a tree's entries: name -> (mode, oid)
SUBTREE = "40000"  # the mode git's tree objects give a folder


def folders_of(paths: Iterable[str]) -> set[str]:
    """The folders the paths are in, the top ("") among them."""
    touched = {""}
    for path in paths:
        touched.update(gitio.folders(path))
    return touched


def by_depth(folders: Iterable[str]) -> list[list[str]]:
    """The folders by depth, the top first, each level sorted."""
    folders = sorted(folders)
    levels: list[list[str]] = [[] for _ in range(1 + max(map(_depth, folders), default=0))]
    for folder in folders:
        levels[_depth(folder)].append(folder)
    return levels


def _depth(folder: str) -> int:
    return folder.count("/") + 1 if folder else 0


def read_folders(base: str | None, touched: set[str]) -> dict[str, Entries]:
    """The entries of every folder of `touched` (which holds each one's parents) in
    commit `base`: empty where it has none, or a file, and all empty for no commit.
    Read level by level, since a folder's id is in its parent's tree."""
    trees: dict[str, Entries] = {folder: {} for folder in touched}
    if base is None:
        return trees
    known = {"": f"{base}^{{tree}}"}  # cat-file resolves it: no git call of its own
    for level in by_depth(touched):
        here = [folder for folder in level if folder in known]
        for folder, entries in zip(here, _read_trees([known[f] for f in here]), strict=True):
            trees[folder] = entries
            for name, (mode, oid) in entries.items():
                child = f"{folder}/{name}" if folder else name
                if mode == SUBTREE and child in touched:
                    known[child] = oid
    return trees


def _read_trees(names: list[str]) -> list[Entries]:
    """The entries of the trees `names` (ids, or `REV^{tree}`), from one `cat-file
    --batch`."""
    if not names:
        return []
    out = gitrun.run(["cat-file", "--batch"], data=gitrun.lines(names))
    found, i = [], 0
    for name in names:
        end = out.index(b"\n", i)
        header = out[i:end].split()
        if len(header) != 3 or header[1] != b"tree":
            said = out[i:end].decode(errors="replace")
            raise GitError(f"git cannot read the tree {name}: {said}")
        start, i = end + 1, end + 2 + int(header[2])  # the body, then a newline
        found.append(_entries(out[start : i - 1], len(header[0]) // 2))  # the id's bytes
    return found


def _entries(body: bytes, width: int) -> Entries:
    """A tree object's entries: `MODE NAME\\0` and the raw id (`width` bytes), each;
    the modes as git reads them (`_mode`)."""
    entries, i = {}, 0
    while i < len(body):
        space = body.index(b" ", i)
        nul = body.index(b"\0", space)
        name = body[space + 1 : nul].decode("utf-8", "surrogateescape")
        mode = _MODES.get(body[i:space]) or _mode(body[i:space])
        entries[name] = (mode, body[nul + 1 : nul + 1 + width].hex())
        i = nul + 1 + width
    return entries


# The modes git writes, as the tree object stores them and as git's diffs show them.
_MODES = {m.encode(): m for m in (SUBTREE, "100644", "100755", "120000", "160000")}


def _mode(stored: bytes) -> str:
    """A mode git does not write today, as git reads it (by its number, as its
    `canon_mode`): old git wrote files as 100664, other tools folders as 040000 or
    40755, a file as 0100644; any of them read as its string would hide a folder's
    paths or differ from the diffs' "mode oid"."""
    if re.fullmatch(rb"[0-7]+", stored) is None:  # as git, which would refuse the tree
        raise GitError(f"git cannot read a tree: the mode {stored.decode(errors='replace')!r}")
    number = int(stored, 8)
    kind = number & 0o170000
    if kind == 0o040000:
        return SUBTREE
    if kind == 0o100000:
        return "100755" if number & 0o100 else "100644"
    return "120000" if kind == 0o120000 else "160000"  # git takes any other kind as a gitlink


def _state(mode: str, oid: str) -> str | None:
    """An entry as git's diffs show a file: "mode oid"; None for a folder, which is no file."""
    return None if mode == SUBTREE else f"{mode} {oid}"


def states(base: str | None, paths: Iterable[str]) -> dict[str, str | None]:
    """What each path is in commit `base`: "mode oid", or None where no file is."""
    paths = list(paths)
    trees = read_folders(base, folders_of(paths))
    found: dict[str, str | None] = {}
    for path in paths:
        folder, _, name = path.rpartition("/")
        entry = trees[folder].get(name)
        found[path] = None if entry is None else _state(*entry)
    return found


class Start:
    """What paths held at a start commit, as far as an audit asks: the states it was
    given (a net change's old side is its start's content), and the rest read from
    git when `fetch` is called. Until then a path it does not know counts as
    changed, and `misses` counts how often that was said, so a caller that judged
    with it knows to judge again. `complete`: the states given are the whole tree."""

    def __init__(
        self,
        base: str | None,
        known: Mapping[str, str | None] | None = None,
        complete: bool = False,
    ) -> None:
        self.base = base
        self.known = dict(known or {})
        self.complete = complete or base is None
        self.missing: set[str] = set()
        self.misses = 0

    def unchanged(self, path: str, now: str | None) -> bool:
        """Whether `now` ("mode oid", None: no file) is what `path` held at the start."""
        known = self.known
        if path in known:
            return known[path] == now
        if self.complete:
            return now is None
        self.missing.add(path)
        self.misses += 1
        return False

    def fetch(self) -> None:
        """Read the paths asked about and not known, in one pass over their folders."""
        if self.missing:
            self.known.update(states(self.base, sorted(self.missing)))
            self.missing = set()
