"""The only module that runs git: every call, and the pure parsers of its -z output.

Hooks run these on every commit during a session, so each question is one git
call that streams NUL-separated output, parsed here without GitPython (whose
import alone costs more than a whole hook run). Git inherits our environment:
GIT_DIR and GIT_INDEX_FILE set by a hook's caller are honoured on purpose
(`commit -a` and `commit <paths>` stage into a temporary index).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from typing import NamedTuple

from guard.errors import GitError
from guard.session import Change, Commit


class Location(NamedTuple):
    """Where a command runs: the work tree's top and the prefix of the current directory."""

    root: str
    prefix: str


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def run(args: list[str], *, cwd: str | None = None, check: bool = True) -> bytes:
    """Run `git ARGS`, returning stdout; raise GitError with git's own message on failure."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    if check and done.returncode != 0:
        message = _decode(done.stderr).strip() or f"exit status {done.returncode}"
        raise GitError(f"git {args[0]} failed: {message}")
    return done.stdout


def attempt(args: list[str], *, cwd: str | None = None) -> bytes | None:
    """Run `git ARGS`; None when git says no (a missing ref, not a repository)."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        return None
    return done.stdout if done.returncode == 0 else None


def _line(out: bytes) -> str:
    return _decode(out).rstrip("\n")


def locate(cwd: str | None = None) -> Location | None:
    """The work tree containing `cwd`, or None outside one (or without git)."""
    out = attempt(["rev-parse", "--show-toplevel", "--show-prefix"], cwd=cwd)
    if out is None:
        return None
    lines = _decode(out).split("\n")
    if len(lines) < 2 or not lines[0]:
        return None
    return Location(lines[0], lines[1])


def common_dir(cwd: str | None = None) -> str:
    """The repository's common git directory, shared by every linked worktree."""
    out = attempt(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=cwd)
    if out is None:
        raise GitError("not a git repository (or git is missing)", hint="run this inside one")
    return _line(out)


def git_dir(cwd: str | None = None) -> str:
    """This worktree's own git directory (where MERGE_HEAD and friends live)."""
    return _line(run(["rev-parse", "--path-format=absolute", "--git-dir"], cwd=cwd))


def hooks_dir(cwd: str | None = None) -> str:
    """The hooks directory git actually uses (core.hooksPath respected), absolute."""
    return _line(run(["rev-parse", "--path-format=absolute", "--git-path", "hooks"], cwd=cwd))


def config_get(key: str, cwd: str | None = None) -> str | None:
    out = attempt(["config", "--get", key], cwd=cwd)
    return None if out is None else _line(out)


def head(cwd: str | None = None) -> tuple[str | None, str | None]:
    """(commit HEAD points to or None when unborn, the branch ref or None when detached)."""
    sha = attempt(["rev-parse", "--verify", "-q", "HEAD^{commit}"], cwd=cwd)
    ref = attempt(["symbolic-ref", "-q", "HEAD"], cwd=cwd)
    return (_line(sha) if sha else None, _line(ref) if ref else None)


def resolve(rev: str, cwd: str | None = None) -> str | None:
    """The object a revision names, or None when there is no such revision."""
    out = attempt(["rev-parse", "--verify", "-q", rev], cwd=cwd)
    return _line(out) if out else None


def ref_tips(cwd: str | None = None) -> dict[str, str]:
    """Every branch and tag with the commit (or tag object) it points to."""
    out = run(
        ["for-each-ref", "--format=%(refname)%00%(objectname)", "refs/heads", "refs/tags"], cwd=cwd
    )
    tips = {}
    for line in _decode(out).splitlines():
        name, _, sha = line.partition("\0")
        tips[name] = sha
    return tips


def empty_tree(cwd: str | None = None) -> str:
    """The empty tree's id in this repository's hash (stands in for an unborn start)."""
    done = subprocess.run(
        ["git", "hash-object", "-t", "tree", "--stdin"], cwd=cwd, input=b"", capture_output=True
    )
    return _line(done.stdout)


# --------------------------------------------------------------------------- parsers


def parse_raw(tokens: list[bytes], start: int = 0) -> tuple[list[Change], int]:
    """Parse `--raw -z` records from `tokens` (the output split on NUL) at `start`.

    A record is `:oldmode newmode oldsha newsha STATUS` then the path (two paths
    for renames and copies, which come as a deletion and an addition). Stops at
    the first token that is not a record; returns the changes and that position.
    """
    changes = []
    i = start
    while i < len(tokens):
        head_token = tokens[i].lstrip(b"\n")
        if not head_token.startswith(b":"):
            break
        fields = head_token[1:].split(b" ")
        old_mode, new_mode, status = _decode(fields[0]), _decode(fields[1]), _decode(fields[4])
        letter = status[:1]
        if letter in ("R", "C"):
            old_path, new_path = _decode(tokens[i + 1]), _decode(tokens[i + 2])
            if letter == "R":
                changes.append(Change("D", old_path, old_mode, "000000"))
            changes.append(Change("A", new_path, "000000", new_mode))
            i += 3
        else:
            changes.append(Change(letter, _decode(tokens[i + 1]), old_mode, new_mode))
            i += 2
    return changes, i


LOG_FORMAT = "--format=%x01%H %P%x00%s"


def parse_log(out: bytes) -> list[Commit]:
    """Parse `git log LOG_FORMAT --raw -z` output: a header, the subject, the records."""
    tokens = out.split(b"\0")
    commits = []
    i = 0
    while i < len(tokens):
        token = tokens[i].lstrip(b"\n")
        if not token.startswith(b"\x01"):
            i += 1
            continue
        sha, *parents = _decode(token[1:]).split(" ")
        subject = _decode(tokens[i + 1]) if i + 1 < len(tokens) else ""
        changes, i = parse_raw(tokens, i + 2)
        commits.append(Commit(sha, tuple(p for p in parents if p), subject, tuple(changes)))
    return commits


# --------------------------------------------------------------------------- questions

_DIFF = ["--raw", "-z", "--no-abbrev", "--no-renames", "--ignore-submodules=none", "--no-ext-diff"]


def staged_changes(cwd: str | None = None) -> list[Change]:
    """What the index (GIT_INDEX_FILE if set) changes relative to HEAD."""
    out = run(["diff", "--cached", *_DIFF], cwd=cwd)
    return parse_raw(out.split(b"\0"))[0]


def diff(base: str, target: str | None, cwd: str | None = None) -> list[Change]:
    """What differs between commit (or tree) `base` and `target`: a commit, or the
    index when None. Renames come as a deletion and an addition."""
    if target is None:
        out = run(["diff-index", "--cached", *_DIFF, base, "--"], cwd=cwd)
    else:
        out = run(["diff-tree", "-r", *_DIFF, base, target, "--"], cwd=cwd)
    return parse_raw(out.split(b"\0"))[0]


def paths(changes: Iterable[Change]) -> set[str]:
    return {c.path for c in changes}


def new_commits(tips: Iterable[str], exclude: Iterable[str], cwd: str | None = None) -> list[str]:
    """Commits reachable from `tips` but from no ref (nor HEAD) and none of `exclude`.

    In a reference-transaction hook's `prepared` state the refs have not moved yet,
    so `--not --all` leaves exactly the commits the transaction brings in.
    """
    out = run(["rev-list", "--ignore-missing", *tips, "--not", "--all", *exclude, "--"], cwd=cwd)
    return _decode(out).split()


def commits_since(tip: str, exclude: Iterable[str], cwd: str | None = None) -> list[str]:
    """Commits reachable from `tip` and from none of `exclude`."""
    out = run(["rev-list", "--ignore-missing", tip, "--not", *exclude, "--"], cwd=cwd)
    return _decode(out).split()


def read_commits(shas: list[str], cwd: str | None = None) -> list[Commit]:
    """Each commit with its changes against its first parent, in one git call."""
    if not shas:
        return []
    out = run(
        [
            "log",
            "--no-walk=unsorted",
            LOG_FORMAT,
            "--diff-merges=first-parent",
            *_DIFF,
            *shas,
            "--",
        ],
        cwd=cwd,
    )
    return parse_log(out)


def is_ancestor(ancestor: str, descendant: str, cwd: str | None = None) -> bool:
    return attempt(["merge-base", "--is-ancestor", ancestor, descendant], cwd=cwd) is not None
