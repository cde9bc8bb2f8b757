"""Edits `git status` does not show: an index entry marked assume-unchanged or
skip-worktree tells git not to look at its file, so a change there passes every
status and diff unseen. The audit looks at those files itself, as git would if
the marks were cleared: a file that differs from its entry (content through the
path's filters, executable bit, link target, or its kind) is uncommitted work.

A skip-worktree file that is absent is no change: that is how a sparse checkout
leaves out what is outside its cone.
"""

from __future__ import annotations

import os
import re
import stat

from guard import gitio
from guard.changes import WorkingChange
from guard.rollback_tree import GITLINK, LINK, differing, fits, link_id

# Every index entry, its tag first: lower case marks assume-unchanged, `S` (or `s`,
# both marks) skip-worktree. The pattern picks the marked ones out of the listing,
# which for most repositories holds none.
ARGS = ["ls-files", "-v", "-s", "-z", "--full-name", "--", ":/"]
MARKED = re.compile(rb"\0([a-zS]) (\d{6}) ([0-9a-f]+) 0\t([^\0]*)")


def changes(listing: bytes, cwd: str | None = None) -> list[WorkingChange]:
    """The unstaged changes at the marked entries of `listing` (`ARGS`' output, run
    in `cwd`), whose files are read in that worktree."""
    # Searched as bytes: a 100,000-entry index lists 10 MB, and only the few marked
    # paths are decoded.
    marked = [
        (tag.decode(), mode.decode(), oid.decode(), path.decode("utf-8", "surrogateescape"))
        for tag, mode, oid, path in MARKED.findall(b"\0" + listing)
    ]
    if not marked:
        return []
    found = gitio.locate(cwd)
    root = found.root if found is not None else (cwd or ".")
    mode_bit, links = gitio.file_mode_matters(root), gitio.links_supported(root)
    found_changes: list[WorkingChange] = []
    files: dict[str, set[str]] = {}
    for tag, mode, oid, path in marked:
        status = _status(root, tag, mode, oid, path, mode_bit, links)
        if status == "?":
            files[path] = {oid}  # a file of its kind: its content decides
        elif status is not None:
            found_changes.append(WorkingChange(path, "unstaged", status))
    found_changes += [WorkingChange(p, "unstaged", "M") for p in differing(files, root)]
    return found_changes


def _status(
    root: str, tag: str, mode: str, oid: str, path: str, mode_bit: bool, links: bool
) -> str | None:
    """How the file at `path` differs from its entry (`mode`, `oid`): D, T or M; None
    when it does not, "?" when only its content can tell."""
    if mode == GITLINK:
        return None  # a submodule's checkout is its own
    full = os.path.join(root, path)  # noqa: PTH118
    try:
        info = os.lstat(full)
    except OSError:  # skip-worktree and absent: left out on purpose
        return None if tag in "Ss" else "D"
    if stat.S_ISDIR(info.st_mode):
        return "D"
    is_link = stat.S_ISLNK(info.st_mode)
    if (mode == LINK and links) != is_link:  # without links, git writes one as a file
        return "T"
    if not fits(mode, info.st_mode, mode_bit, links):
        return "M"  # its executable bit
    if is_link:
        return None if link_id(full, oid) == oid else "M"
    return "?"
