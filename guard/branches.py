"""A session's branches as the audit reads them: which a worktree's session owns,
which moved since the start or were made during it and from where each is measured,
where the commits of a branch that starts elsewhere start, and the commits read beside the
branches (other worktrees' checkouts, stashes, pushes, commits nothing reaches any more).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from guard import githistory, gitio, location, store, upstream
from guard.session import Session

BRANCH = "refs/heads/"
REMOTE = upstream.REMOTE


class Scoped(NamedTuple):
    """What a session scoped to one worktree owns, from git's own records."""

    cwd: str | None  # the worktree, None once it is gone
    branches: set[str]  # checked out there at the start, or since
    made: set[str]  # commits its HEAD reflog records it made


MADE = upstream.MADE


def scoped(session: Session, started: int) -> Scoped:
    """The worktree's branches and commits since `started`, from its HEAD reflog (one
    per worktree, so a commit made next door is not in it)."""
    worktree = session.worktree
    cwd = worktree if worktree and os.path.isdir(worktree) else None  # noqa: PTH112
    branches = {session.head_ref} if session.head_ref else set()
    made: set[str] = set()
    for sha, when, message in githistory.head_reflog(cwd) if cwd else []:
        if when < started:
            break
        if message.startswith("checkout: moving from "):
            branches.add(BRANCH + message.rpartition(" to ")[2])
        elif message.split(" ", 1)[0].rstrip(":") in MADE:
            made.add(sha)
    return Scoped(cwd, branches, made)


def branch_starts(
    session: Session, lines: Mapping[str, tuple[str, str]], starts: list[str]
) -> dict[str, str]:
    """The commits of branches that start elsewhere than the session's start commit
    (a release branch, or a branch grown from one), each -> that start: "restores"
    means back to the start of the branch a change lands on, in the audit as in the
    hooks."""
    bases: dict[str, str] = {}
    for base, tip in lines.values():
        if base != session.start_head:
            members = [sha for sha in gitio.commits_since(tip, starts) if sha not in bases]
            bases.update(dict.fromkeys(members, base))
    return bases


def parked(trail: upstream.Trail, since: int) -> tuple[str, ...]:
    """Commits the audit reads beside the branches: what another worktree has checked
    out (the verdict must not depend on the directory it runs in), every stash entry,
    every commit a worktree's HEAD reflog records as made from `since` (unix time) on
    (so one reset or deleted away after a push no remote-tracking ref records, to a
    tag or a URL, is still seen), and what was pushed from `since` on, as the
    remote-tracking refs' reflogs record it, so a pushed commit that no branch holds
    is seen. What arrived by fetch is not the session's own work, and is not read."""
    found = gitio.worktree_heads()
    found += dropped(trail.made, found)
    found += [sha for sha, _, _ in githistory.reflog("refs/stash")]
    found += trail.pushed(since)
    return tuple(dict.fromkeys(found))


class Pushed(NamedTuple):
    """What the session pushed, as the audit reads it: each remote-tracking ref ->
    (where the session's commits in what it last pushed there begin, that value), and
    for those whose newest entry is a fetch from a remote since, the value fetched."""

    lines: dict[str, tuple[str, str]]
    fetched: dict[str, str]


def pushed(trail: upstream.Trail, since: int, starts: list[str], cwd: str | None = None) -> Pushed:
    """The remote-tracking refs this clone pushed to from `since` (unix time) on: what
    the remote holds of the session's work, as far as this clone can know. Its line
    runs to the value last pushed, so a fetch since never stands for what was pushed
    (a teammate's commit on top is upstream's, not the session's); a fetch from a
    remote only says which of the pushed paths the remote has back at their start
    content (a fix made there), when such a fetch set its value last. A move from
    anywhere else (`git fetch .`, `update-ref`) tells nothing. A push of only older
    commits (the start pushed back) brings no line.

    A remote-tracking ref with no reflog at all (made under `-c
    core.logAllRefUpdates=false`) records no push; it counts as pushed when it holds a
    commit a worktree's HEAD reflog records as made since `since`, which no fetch from
    another repository brings."""
    last: dict[str, str] = {}
    newest: dict[str, tuple[str, str]] = {}  # ref -> its newest entry's value and message
    for ref, sha, when, message in trail.remote:  # newest first
        newest.setdefault(ref, (sha, message))
        if when >= since and message.startswith(upstream.PUSHED):
            last.setdefault(ref, sha)
    fetched = {
        ref: sha
        for ref, (sha, message) in newest.items()
        if ref in last and upstream.fetched(message)
    }
    logged = {ref for ref, _, _, _ in trail.remote}
    unlogged = {
        ref: tip
        for ref, tip in gitio.refs(REMOTE, cwd=cwd, symbolic=False).items()
        if ref not in logged
    }
    last.update(_holding(unlogged, trail.made, starts, cwd))
    found = {}
    for ref, sha in sorted(last.items()):
        base = gitio.session_base(sha, starts, cwd)
        if base is not None and base != sha:
            found[ref] = (base, sha)
    return Pushed(found, {ref: tip for ref, tip in fetched.items() if ref in found})


def _holding(
    refs: dict[str, str], made: list[str], starts: list[str], cwd: str | None
) -> dict[str, str]:
    """The refs of `refs` that hold a commit of `made`. A clone's remote-tracking refs
    have no reflog (thousands, in a large project): one walk from all of them, which
    stops at the start tips, says whether any holds one before they are asked one by
    one."""
    if not refs or not made:
        return {}
    new = set(gitio.reachable(refs.values(), starts, cwd))
    inside = [sha for sha in made if sha in new]
    held = gitio.containing(inside, REMOTE, cwd) if inside else set()
    return {ref: tip for ref, tip in refs.items() if ref in held}


def dropped(made: list[str], heads: list[str]) -> list[str]:
    """The commits of `made` that no branch, tag or worktree HEAD holds any more. Only
    they are read beside the branches: one held already is in the log, and another
    starting point would change the order of commits made in the same second."""
    if not made:
        return []
    gone = set(gitio.reachable(made, [], after=["--not", "--branches", "--tags", *heads]))
    return [sha for sha in made if sha in gone]


def branches(
    tips: Mapping[str, str], head_sha: str | None, head_ref: str | None
) -> list[tuple[str, str]]:
    """Every branch with its tip, and a detached HEAD as one more."""
    refs = [(ref, tip) for ref, tip in tips.items() if ref.startswith(BRANCH)]
    if head_sha and head_ref is None:
        refs.append(("HEAD", head_sha))
    return refs


def moved(
    session: Session, tips: Mapping[str, str], head_sha: str | None, head_ref: str | None
) -> dict[str, tuple[str, str]]:
    """The branches that existed at the start and moved since: ref -> (start tip, tip)."""
    moved = {}
    for ref, tip in branches(tips, head_sha, head_ref):
        start = session.refs.get(ref)
        if start is not None and start != tip:
            moved[ref] = (start, tip)
    return moved


def fresh(
    session: Session,
    tips: Mapping[str, str],
    starts: list[str],
    head_sha: str | None,
    head_ref: str | None,
) -> dict[str, tuple[str, str]]:
    """Branches made during the session (a detached HEAD counts as one), measured from
    where the session's commits on them begin, not from the start commit: a checkout
    of an older commit to look around changes nothing."""
    found = {}
    for ref, tip in branches(tips, head_sha, head_ref):
        if ref in session.refs:
            continue
        base = gitio.session_base(tip, starts)
        if base is not None and base != tip:
            found[ref] = (base, tip)
    return found


def lost(since: int, state: str | None = None) -> githistory.Lost:
    """The commits made from `since` on that no ref and no reflog reaches, but those
    a hook refused: git writes a commit before the reference-transaction hook refuses
    its ref update, so each refusal leaves one behind, and the journal of the session
    that refused it names it (every session's is read: a worktree's hook may have).
    With them, those only a FETCH_HEAD from another repository reaches."""
    found = githistory.lost(since)
    if not found.commits:
        return found
    state = state or location.repository_state()
    journals = [*location.active_states(state)]
    journals += [store.archived_dir(state, name) for name in store.archived(state)]
    refused = {sha for directory in journals for sha in _refused(store.events(directory))}
    return found._replace(commits=[sha for sha in found.commits if sha not in refused])


def _refused(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The commits a reference-transaction hook refused to let into a ref."""
    found: list[str] = []
    for event in events:
        data = event.get("data") or {}
        if (
            event.get("event") == "blocked"
            and data.get("layer") == "reference-transaction"
            and isinstance(data.get("commits"), list)
        ):
            found += [sha for sha in data["commits"] if isinstance(sha, str)]
    return found
