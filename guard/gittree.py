"""A commit's tree read a folder at a time, for the paths a caller names.

The rollback rewrites the folders on its plan's paths; the audit asks what a path
held at its branch's start. Listing the whole tree would cost what the repository
weighs whatever the session changed: reading only the folders on the named paths,
in one `git cat-file --batch`, costs what the session touched.
"""

from __future__ import annotations

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
    One `cat-file --batch` names each folder by its path in `base`; a folder whose
    path has a line break, which that one-a-line input cannot carry, is read by its
    id from its parent's entries afterwards."""
    trees: dict[str, Entries] = {folder: {} for folder in touched}
    if base is None:
        return trees
    plain = sorted(folder for folder in touched if "\n" not in folder)
    asked = [f"{base}:{folder}" if folder else f"{base}^{{tree}}" for folder in plain]
    for folder, entries in zip(plain, _read_trees(asked), strict=True):
        if entries is None and not folder:
            raise GitError(f"git has no commit {base} to read")
        trees[folder] = entries or {}
    for level in by_depth(folder for folder in touched if "\n" in folder):
        ids = {}
        for folder in level:
            parent, _, name = folder.rpartition("/")
            mode, oid = trees[parent].get(name, ("", ""))
            if mode == SUBTREE:
                ids[folder] = oid
        for folder, entries in zip(ids, _read_trees(list(ids.values())), strict=True):
            if entries is None:
                raise GitError(f"git cannot read the tree {ids[folder]}")
            trees[folder] = entries
    return trees


def _read_trees(names: list[str]) -> list[Entries | None]:
    """The entries of the trees `names` (ids, or `rev:path`), from one `cat-file
    --batch`: None where git has no such object, and no entries where it is not a
    tree (a file, or a submodule's commit, where a folder might have been)."""
    if not names:
        return []
    out = gitrun.run(["cat-file", "--batch"], data=gitrun.lines(names))
    found: list[Entries | None] = []
    i = 0
    for _ in names:
        end = out.index(b"\n", i)
        if out[i:end].endswith((b" missing", b" ambiguous")):  # else it ends in a size
            found.append(None)
            i = end + 1
            continue
        oid, kind, size = out[i:end].split(b" ")
        start, i = end + 1, end + 2 + int(size)  # the body, then a newline
        found.append(_entries(out[start : i - 1], len(oid) // 2) if kind == b"tree" else {})
    return found


def _entries(body: bytes, width: int) -> Entries:
    """A tree object's entries: `MODE NAME\\0` and the raw id (`width` bytes), each."""
    entries, i = {}, 0
    while i < len(body):
        space = body.index(b" ", i)
        nul = body.index(b"\0", space)
        name = body[space + 1 : nul].decode("utf-8", "surrogateescape")
        entries[name] = (body[i:space].decode("ascii"), body[nul + 1 : nul + 1 + width].hex())
        i = nul + 1 + width
    return entries


def _state(mode: str, oid: str) -> str | None:
    """An entry as git's diffs show a file: "mode oid", the mode canonical as git
    reads it (an old tree may say 100664); None for a folder, which is no file."""
    if mode == SUBTREE:
        return None
    if mode.startswith("100"):
        mode = "100755" if int(mode, 8) & 0o100 else "100644"
    return f"{mode} {oid}"


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
