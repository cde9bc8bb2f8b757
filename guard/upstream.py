"""Which commits arrived from a remote: the provenance rule over git's own reflogs.

A commit is *upstream* when a remote-tracking ref's reflog entry written by `git
fetch` or `git pull` ("fetch origin: fast-forward", "pull --ff-only: storing head")
recorded a value it is reachable from, and it is reachable from none of:

- the session-start tips (that is no new commit at all);
- a value a remote-tracking reflog records as `update by push` (pushed from here:
  fetching it back gives it no other origin);
- a commit a worktree's HEAD reflog records as made since the session started
  (`commit`, `merge`, `cherry-pick`, ...; a fast-forward makes nothing).

So a session commit parked on a remote-tracking ref (`update-ref refs/remotes/...`,
which writes no fetch entry; pushed and fetched back; fetched from the repository
itself with `git fetch .`) never becomes upstream, and an upstream commit stays
upstream whoever wrote it and whenever. Author and date play no part. What this
cannot see (a reflog written by hand, `update-ref -m "fetch: ..."`) the README's
threat model names, with what exposes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from guard import githistory, gitio
from guard.changes import Change

# How `git fetch` ends a reflog message for a remote-tracking ref (builtin/fetch.c).
FETCH_OUTCOMES = ("fast-forward", "forced-update", "storing head", "storing ref")
# Reflog messages of HEAD entries that made a commit (as opposed to checking one out).
MADE = ("commit", "merge", "cherry-pick", "revert", "rebase", "am", "pull")


def fetched(message: str) -> bool:
    """Whether a remote-tracking reflog message is git fetch's (or pull's fetch) from
    a remote other than this repository (`git fetch .` fetches from itself)."""
    head, sep, outcome = message.rpartition(": ")
    words = head.split()
    if not sep or outcome not in FETCH_OUTCOMES or not words:
        return False
    if words[0] not in ("fetch", "pull"):
        return False
    remote = next((word for word in words[1:] if not word.startswith("-")), None)
    return remote != "."


def made(message: str) -> bool:
    """Whether a HEAD reflog message records a commit being made (a fast-forward, or
    the checkout that starts a rebase, makes none)."""
    verb = message.split(" ", 1)[0].rstrip(":")
    lowered = message.lower()
    return verb in MADE and "fast-forward" not in lowered and "(start)" not in lowered


def session_made(started: int, cwd: str | None = None) -> list[str]:
    """Every commit a worktree's HEAD reflog records as made from `started` (unix
    time) on: git keeps one HEAD reflog per worktree."""
    shas: list[str] = []
    for tree in gitio.worktrees(cwd):
        if not os.path.isdir(tree.path):  # noqa: PTH112
            continue
        for sha, when, message in githistory.head_reflog(tree.path):
            if when < started:
                break
            if made(message):
                shas.append(sha)
    return shas


REMOTE = "refs/remotes/"
PUSHED = "update by push"  # how git push words a remote-tracking ref's reflog entry


class Trail(NamedTuple):
    """git's record of where commits came from, read once for an audit or a hook
    run: every remote-tracking reflog entry (ref, new value, unix time, message;
    newest first) and the commits worktrees' HEAD reflogs record as made since the
    session started."""

    remote: list[tuple[str, str, int, str]]
    made: list[str]

    def pushed(self, since: int) -> list[str]:
        """The values pushed from `since` on, as the remote-tracking reflogs say."""
        return [
            sha
            for _, sha, when, message in self.remote
            if when >= since and message.startswith(PUSHED)
        ]


def trail(started: int, cwd: str | None = None) -> Trail:
    return Trail(githistory.reflogs(REMOTE, cwd), session_made(started, cwd))


def commits(
    trail: Trail, starts: list[str], cwd: str | None = None, vouched: Iterable[str] = ()
) -> frozenset[str]:
    """The upstream commits (see the module's rule) that no start tip reaches.

    `vouched`: commits a hook judged upstream when the session fast-forwarded or merged
    them (the journal's record). Once the session has built on them (a merge of them,
    its own commit on top, pushed) they are reachable from its own commits, so the rule
    alone no longer says so; they stay upstream while a fetch still records them and
    the session neither made nor pushed them itself."""
    values = [sha for _, sha, _, message in trail.remote if fetched(message)]
    if not values:
        return frozenset()
    pushed = [sha for _, sha, _, message in trail.remote if message.startswith(PUSHED)]
    found = set(gitio.reachable(values, [*starts, *pushed, *trail.made], cwd))
    vouched = set(vouched) - found - set(pushed) - set(trail.made)
    if vouched:
        found |= vouched & set(gitio.reachable(values, starts, cwd))
    return frozenset(found)


def vouched(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The commits the session's hooks judged upstream when they let them in (the
    `upstream` of the journal's `allowed` events)."""
    found: list[str] = []
    for event in events:
        data = event.get("data") or {}
        if event.get("event") == "allowed" and isinstance(data.get("upstream"), list):
            found += [sha for sha in data["upstream"] if isinstance(sha, str)]
    return found


def frontier(
    shas: list[str], parents: dict[str, tuple[str, ...]], ups: frozenset[str]
) -> list[str]:
    """The upstream commits among `shas` that something else here builds on: the tip
    itself (`shas[0]`, a fast-forward) or a parent of a commit that is not upstream
    (a merge of upstream). What the update takes from them is upstream's content."""
    found = [shas[0]] if shas and shas[0] in ups else []
    for sha in shas:
        if sha not in ups:
            found += [p for p in parents.get(sha, ()) if p in ups]
    return list(dict.fromkeys(found))


class Taken(NamedTuple):
    """What an audit sets apart as upstream's: the upstream commits, each branch's
    net change narrowed to the paths where it differs from upstream's content, and
    for each merge of upstream the paths it changes beyond what it takes from it."""

    commits: frozenset[str] = frozenset()
    keep: Mapping[str, frozenset[str]] = {}  # merge -> its own paths

    def net(self, changes: Sequence[Change], differing: set[str] | None) -> list[Change]:
        if differing is None:
            return list(changes)
        return [c for c in changes if c.path in differing or (c.old_path or "") in differing]


def taken(
    trail: Trail,
    starts: list[str],
    lines: Mapping[str, tuple[str, str]],
    cwd: str | None = None,
    vouched: Iterable[str] = (),
) -> tuple[Taken, dict[str, set[str]]]:
    """The audit's `Taken`, and for each branch line whose update took upstream's
    content the paths where its tip differs from that content (what stays its own)."""
    ups = commits(trail, starts, cwd, vouched)
    if not ups:
        return Taken(), {}
    keep: dict[str, frozenset[str]] = {}
    differing: dict[str, set[str]] = {}
    for name, (_start, tip) in lines.items():
        shas, parents = gitio.parents_since(tip, starts, cwd)
        tips = frontier(shas, parents, ups)
        if tips:
            differing[name] = _differing(tips, tip, cwd)
        for sha in shas:
            others = [p for p in parents.get(sha, ())[1:] if p in ups]
            if sha not in ups and others and sha not in keep:
                keep[sha] = frozenset(_differing(others, sha, cwd))
    return Taken(ups, keep), differing


def _differing(bases: list[str], target: str, cwd: str | None) -> set[str]:
    found = gitio.paths(gitio.diff(bases[0], target, cwd))
    for base in bases[1:]:
        found &= gitio.paths(gitio.diff(base, target, cwd))
    return found
