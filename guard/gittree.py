"""A commit's tree read a folder at a time, for the paths a caller names.

The rollback rewrites the folders on its plan's paths; the audit asks what a path
held at its branch's start. Listing the whole tree would cost what the repository
weighs whatever the session changed: reading only the folders on the named paths
costs what the session touched, one `git cat-file --batch` a folder level.
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
    Read level by level, since a folder's id is in its parent's tree."""
    trees: dict[str, Entries] = {folder: {} for folder in touched}
    if base is None:
        return trees
    known = {"": gitrun.run_line(["rev-parse", "--verify", "-q", f"{base}^{{tree}}"])}
    for level in by_depth(touched):
        here = [folder for folder in level if folder in known]
        for folder, entries in zip(here, _read_trees([known[f] for f in here]), strict=True):
            trees[folder] = entries
            for name, (mode, oid) in entries.items():
                child = f"{folder}/{name}" if folder else name
                if mode == SUBTREE and child in touched:
                    known[child] = oid
    return trees


def _read_trees(oids: list[str]) -> list[Entries]:
    """The entries of the trees `oids`, from one `cat-file --batch`."""
    if not oids:
        return []
    out = gitrun.run(["cat-file", "--batch"], data=gitrun.lines(oids))
    found, i = [], 0
    for oid in oids:
        end = out.index(b"\n", i)
        header = out[i:end].split()
        if len(header) != 3 or header[1] != b"tree":
            raise GitError(f"git cannot read the tree {oid}: {out[i:end].decode(errors='replace')}")
        start, i = end + 1, end + 2 + int(header[2])  # the body, then a newline
        found.append(_entries(out[start : i - 1], len(oid) // 2))
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


CANONICAL = frozenset(("100644", "100755", "120000", "160000"))


def _state(mode: str, oid: str) -> str | None:
    """An entry as git's diffs show a file: "mode oid", the mode canonical as git
    reads it (an old tree may say 100664); None for a folder, which is no file."""
    if mode == SUBTREE:
        return None
    if mode not in CANONICAL and mode.startswith("100"):
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
