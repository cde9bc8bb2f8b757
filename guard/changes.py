"""What git says changed: a path between two trees, a commit, an uncommitted change.

Frozen values, parsed from git's output by `gitio` and judged by `judge`.
"""

from __future__ import annotations

from typing import NamedTuple

ABSENT = "000000"  # the mode git gives a side of a change where there is no file


class Change(NamedTuple):
    """One changed path between two trees.

    `status` is git's letter: A, M, D, T (type change), U (unmerged) or R (a rename
    from `old_path`, seen only where rename detection is on: the audit). `new_oid`
    is the object the path holds afterwards, `old_oid` the one it (or `old_path`)
    held before (empty when git did not say).
    """

    status: str
    path: str
    old_mode: str
    new_mode: str
    old_path: str | None = None
    new_oid: str = ""
    old_oid: str = ""

    @property
    def before(self) -> str | None:
        """What the path held before the change: "mode oid", or None when there was none."""
        return None if self.old_mode == ABSENT else f"{self.old_mode} {self.old_oid}"

    @property
    def after(self) -> str | None:
        """What the change leaves at its path: "mode oid", or None when the path is gone."""
        return None if self.new_mode == ABSENT else f"{self.new_mode} {self.new_oid}"

    @property
    def is_gitlink(self) -> bool:
        """A submodule pointer: what it points to ships, whatever its path says."""
        return self.old_mode == "160000" or self.new_mode == "160000"


class Commit(NamedTuple):
    """A commit and its changes relative to its first parent."""

    sha: str
    parents: tuple[str, ...]
    subject: str
    changes: tuple[Change, ...]
    author: str = ""
    date: str = ""
    message: str = ""


class WorkingChange(NamedTuple):
    """An uncommitted change: `state` is staged, unstaged or untracked."""

    path: str
    state: str
    status: str
