"""The history session-guard reads in bulk, for the audit: its one `git log`, run in
the background and parsed while git writes it, and the reflogs, which record where
each ref and each worktree's HEAD have been. `guard.gitio` asks the point questions.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from guard.changes import Commit
from guard.gitio import LOG_FORMAT, common_dir, excluded, objects_dir, reachable, refs, resolve
from guard.gitparse import LogParser
from guard.gitparse import decode as _decode
from guard.gitrun import Pending, attempt, lines, run


def log_args(include: list[str]) -> list[str]:
    """The audit's `git log`: commits of `include` (and of the revisions on stdin),
    each with its raw changes against its first parent, renames detected."""
    return [
        "log",
        LOG_FORMAT,
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        "--ignore-submodules=none",
        "--no-ext-diff",
        "--diff-merges=first-parent",
        "--ignore-missing",
        *include,
        "--stdin",
    ]


class History:
    """Every commit reachable from `include` and from none of `exclude`, newest first,
    each with its changes against its first parent (renames detected): one git call,
    started in the background and parsed by its reading thread while git writes.

    `stream()` yields each commit as soon as it is parsed, so the caller judges one
    while git writes the next (git has a core to itself); `commits()` waits for all.
    Either, once."""

    def __init__(
        self,
        include: list[str],
        exclude: Iterable[str],
        cwd: str | None = None,
        also: Iterable[str] = (),
    ) -> None:
        """`also`: more commits to include, however many (they go on stdin too)."""
        import queue  # only the audit reads a history; the hooks never pay for it

        self._parser = LogParser()
        self._parsed: queue.SimpleQueue[int] = queue.SimpleQueue()  # commits parsed so far
        self._pending = (
            Pending(
                log_args(include),
                cwd,
                data=lines([*also, *excluded(exclude)]),
                sink=self._feed,
                done=lambda: self._parsed.put(-1),
            )
            if include
            else None
        )

    def _feed(self, data: bytes) -> None:
        self._parser.feed(data)
        self._parsed.put(len(self._parser.commits))

    def stream(self) -> Iterator[Commit]:
        if self._pending is None:
            return
        commits, seen = self._parser.commits, 0
        while (count := self._parsed.get()) >= 0:
            yield from commits[seen:count]
            seen = max(seen, count)
        self._pending.result()  # git's failure, or the reader's, is raised here
        yield from self._parser.close()[seen:]

    def commits(self) -> list[Commit]:
        return list(self.stream())


def history(include: list[str], exclude: Iterable[str], cwd: str | None = None) -> list[Commit]:
    return History(include, exclude, cwd).commits()


def reflog_tip(ref: str, common: str | None = None, cwd: str | None = None) -> str | None:
    """The newest value a ref's reflog records (None: no reflog). Read from the
    reflog file when `common` (the common git directory) has one: its last line is
    `old new who when<TAB>message`; else git is asked (another ref backend)."""
    if common is not None:
        try:
            with open(os.path.join(common, "logs", ref), "rb") as handle:  # noqa: PTH118, PTH123
                logged = handle.read().splitlines()
        except OSError:
            pass
        else:
            fields = logged[-1].split(b" ", 2) if logged else []
            return _decode(fields[1]) if len(fields) > 2 else None
    return resolve(f"{ref}@{{0}}", cwd=cwd)


REFLOG = ["log", "-g", "--date=unix", "--format=%H%x00%gD%x00%gs"]


def reflog(prefix: str, cwd: str | None = None) -> list[tuple[str, int, str]]:
    """(new value, unix time, message) of every reflog entry of the refs under
    `prefix` (a ref, or a folder ending in `/`); nothing when there is no such ref
    (`log -g` would fall back to HEAD's reflog)."""
    return [(sha, when, message) for _, sha, when, message in reflogs(prefix, cwd)]


def reflogs(prefix: str, cwd: str | None = None) -> list[tuple[str, str, int, str]]:
    """`reflog`'s entries, each with the ref it belongs to first, newest first (the
    refs' entries interleaved by time, so a ref's first entry is its newest)."""
    if not refs(prefix, cwd=cwd):
        return []
    which = f"--glob={prefix}*" if prefix.endswith("/") else prefix
    return _named(run([*REFLOG, which, "--"], cwd=cwd))


def head_reflog(cwd: str | None = None) -> list[tuple[str, int, str]]:
    """(new value, unix time, message) of every entry of the HEAD reflog of the
    worktree at `cwd`, newest first: git keeps one per worktree, so it records what
    was committed, merged or checked out there. Empty when there is none."""
    entries = _named(attempt([*REFLOG, "HEAD", "--"], cwd=cwd) or b"")
    return [(sha, when, message) for _, sha, when, message in entries]


def _named(out: bytes) -> list[tuple[str, str, int, str]]:
    """(ref, new value, unix time, message) of each entry `REFLOG` printed: the
    selector is `ref@{time}`."""
    entries = []
    for line in _decode(out).splitlines():
        sha, selector, message = line.split("\0", 2)
        ref, _, when = selector.rpartition("@{")
        when = when.rstrip("}")
        entries.append((ref, sha, int(when) if when.isdigit() else 0, message))
    return entries


HEX = frozenset("0123456789abcdef")
REMOTE = "refs/remotes/"


def written_since(objects: str, since: int, cwd: str | None = None) -> list[str]:
    """The objects of the object directory `objects` written from `since` (unix time)
    on that no ref may hold, without reading the others: loose objects in a fan-out
    folder changed since (a new file changes its folder) whose file is that new, and
    every object of a cruft pack whose index is (a pack never changes once written:
    git refreshes the time of a `.pack` when it is asked to write an object the pack
    holds, never of its `.idx`)."""
    found: list[str] = []
    packs: list[str] = []
    try:
        folders = list(os.scandir(objects))
    except OSError:
        return []
    for folder in folders:
        name = folder.name
        try:
            if name == "pack":
                packs += [e.path for e in os.scandir(folder.path) if _cruft(e, since)]
            elif len(name) == 2 and HEX.issuperset(name) and folder.stat().st_mtime >= since:
                found += [name + e.name for e in os.scandir(folder.path) if _new(e, since)]
        except OSError:  # a folder pruned or repacked away while we read
            continue
    for pack in packs:
        try:
            with open(pack, "rb") as handle:  # noqa: PTH123
                index = handle.read()
        except OSError:
            continue
        found += [
            line.split(b" ", 2)[1].decode()
            for line in run(["show-index"], cwd=cwd, data=index).splitlines()
        ]
    return found


def _cruft(entry: os.DirEntry[str], since: int) -> bool:
    """The index of a cruft pack written from `since` on: where `git gc` keeps the
    unreachable objects it does not prune yet (a `.mtimes` file beside it). Other packs
    (a fetch's, a repack's, fast-import's) hold what git keeps for good, and reading
    every object of one would cost more than the rest of the audit."""
    mtimes = entry.path.removesuffix(".idx") + ".mtimes"
    return _new(entry, since, ".idx") and os.path.exists(mtimes)  # noqa: PTH110


def _new(entry: os.DirEntry[str], since: int, suffix: str = "") -> bool:
    """An object file (a loose object's, or a pack's index with `suffix`) written
    from `since` on; a temporary file git has not finished is none."""
    name = entry.name
    if suffix:
        if not name.endswith(suffix):
            return False
    elif not HEX.issuperset(name):
        return False
    try:
        return entry.stat().st_mtime >= since
    except OSError:
        return False


class Lost(NamedTuple):
    """What `lost` finds: the commits no ref and no reflog reaches, and of the others
    those only a FETCH_HEAD fetched from another repository reaches."""

    commits: list[str]
    fetched: list[str]


def lost(since: int, cwd: str | None = None) -> Lost:
    """The commits dated from `since` (unix time) on, written since, that no ref (but
    a remote-tracking one), no worktree's HEAD and no reflog reaches: what a session
    made and then took every trace of (a reset and the reflogs expired, a worktree
    removed with its branch, a stash dropped). Only the objects written since are
    looked at, so the cost grows with the session, not with the repository. `git gc
    --prune=now` deletes them: then nothing is left to find.

    Those a FETCH_HEAD fetched from another repository reaches (`git fetch URL
    BRANCH`: a teammate's branch) are set apart in `fetched`: nothing here says who
    made them, so they are named, not judged."""
    written = written_since(objects_dir(cwd), since, cwd)
    if not written:
        return Lost([], [])
    out = run(
        ["cat-file", "--buffer", "--batch-check=%(objecttype) %(objectname)"],
        cwd=cwd,
        data=lines(written),
    )
    commits = [line[7:] for line in _decode(out).splitlines() if line.startswith("commit ")]
    if not commits:
        return Lost([], [])
    # A remote-tracking ref alone keeps none: a fetch or a push writes a reflog entry
    # for it, so one that no reflog records proves neither (its reflog was expired).
    after = ["--not", f"--exclude={REMOTE}*", "--all", "--reflog"]
    found = reachable(commits, [], cwd, after=[f"--max-age={since}", *after])
    heads = fetched_heads(cwd) if found else []
    held = set(reachable(heads, [], cwd, after=after)) if heads else set()
    return Lost([c for c in found if c not in held], [c for c in found if c in held])


def fetched_heads(cwd: str | None = None) -> list[str]:
    """What the worktrees' FETCH_HEAD files name as fetched from another repository
    (`git fetch URL BRANCH` keeps a teammate's branch there alone); a fetch from this
    repository itself (`git fetch . SHA`, "of ." or ".") brings nothing from elsewhere."""
    common = Path(common_dir(cwd))
    files = [common / "FETCH_HEAD", *common.glob("worktrees/*/FETCH_HEAD")]
    found = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            sha, _, rest = line.partition("\t")
            where = rest.partition("\t")[2]
            if len(sha) in (40, 64) and where != "." and not where.endswith(" of ."):
                found.append(sha)
    return found
