"""The questions session-guard asks git, each one call through the one runner
(`guard.gitrun`: a module with a git command of its own imports `run`, `attempt`
and `Pending` from there), its NUL-separated output parsed by `guard.gitparse`.

Hooks ask these on every commit during a session, so each question is one git call
that streams -z output, parsed without GitPython (whose import alone costs more
than a whole hook run). What the audit reads in bulk (its log, the reflogs) is
`guard.githistory`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from typing import NamedTuple

from guard.changes import Change, Commit, WorkingChange
from guard.errors import GitError
from guard.gitparse import decode as _decode
from guard.gitparse import parse_diff, parse_log, parse_status, parse_tree
from guard.gitrun import RAW_DIFF as _DIFF
from guard.gitrun import STAGED, Pending, attempt, lines, run
from guard.gitrun import one_line as _line


class Location(NamedTuple):
    """Where a command runs: the work tree's top and the prefix of the current directory."""

    root: str
    prefix: str


def locate(cwd: str | None = None) -> Location | None:
    """The work tree containing `cwd`, or None outside one (or without git)."""
    out = attempt(["rev-parse", "--show-toplevel", "--show-prefix"], cwd=cwd)
    if out is None:
        return None
    found = _decode(out).split("\n")
    if len(found) < 2 or not found[0]:
        return None
    return Location(found[0], found[1])


def _repository_path(args: list[str], cwd: str | None) -> str:
    """A path `git rev-parse --path-format=absolute ARGS` names; outside a repository
    the one message every command gives."""
    out = attempt(["rev-parse", "--path-format=absolute", *args], cwd=cwd)
    if out is None:
        raise GitError("not a git repository (or git is missing)", hint="run this inside one")
    return _line(out)


def common_dir(cwd: str | None = None) -> str:
    """The repository's common git directory, shared by every linked worktree."""
    return _repository_path(["--git-common-dir"], cwd)


def git_dir(cwd: str | None = None) -> str:
    """This worktree's own git directory (where MERGE_HEAD and friends live)."""
    return _repository_path(["--git-dir"], cwd)


def dirs(cwd: str | None = None) -> tuple[str, str]:
    """(common_dir, git_dir) from one git call: what finding the governing session takes."""
    both = _repository_path(["--git-common-dir", "--git-dir"], cwd).split("\n")
    if len(both) != 2:  # a path with a line break in it: ask for each alone
        return common_dir(cwd), git_dir(cwd)
    return both[0], both[1]


def hooks_dir(cwd: str | None = None) -> str:
    """The hooks directory git actually uses (core.hooksPath respected), absolute."""
    return _repository_path(["--git-path", "hooks"], cwd)


def objects_dir(cwd: str | None = None) -> str:
    """The object directory git writes to (GIT_OBJECT_DIRECTORY respected), absolute."""
    return _repository_path(["--git-path", "objects"], cwd)


def index_file(cwd: str | None = None) -> str:
    """This worktree's index file, absolute."""
    return _repository_path(["--git-path", "index"], cwd)


def config_get(key: str, cwd: str | None = None) -> str | None:
    out = attempt(["config", "--get", key], cwd=cwd)
    return None if out is None else _line(out)


def head(cwd: str | None = None) -> tuple[str | None, str | None]:
    """(commit HEAD points to or None when unborn, the branch ref or None when detached)."""
    out = attempt(["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"], cwd=cwd)
    if out is not None:
        sha, ref = _decode(out).split("\n")[:2]
        return sha, (ref if ref.startswith("refs/") else None)
    ref_out = attempt(["symbolic-ref", "-q", "HEAD"], cwd=cwd)  # an unborn branch
    return None, (_line(ref_out) if ref_out else None)


def resolve(rev: str, cwd: str | None = None) -> str | None:
    """The object a revision names, or None when there is no such revision."""
    out = attempt(["rev-parse", "--verify", "-q", "--end-of-options", rev], cwd=cwd)
    return _line(out) if out else None


def symbolic_target(ref: str, cwd: str | None = None) -> str | None:
    """The ref that `ref` is an alias of (`git symbolic-ref`), or None when it is none."""
    out = attempt(["symbolic-ref", "-q", ref], cwd=cwd)
    return _line(out) if out else None


def refs(*prefixes: str, cwd: str | None = None, symbolic: bool = True) -> dict[str, str]:
    """Every ref under `prefixes` with the object it points to; without the symbolic
    ones (an alias such as refs/remotes/origin/HEAD) when `symbolic` is False."""
    out = run(
        ["for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)", *prefixes], cwd=cwd
    )
    found = {}
    for line in _decode(out).splitlines():
        name, sha, target = line.split("\0", 2)
        if symbolic or not target:
            found[name] = sha
    return found


CONTAINS = 500  # commits one `for-each-ref --contains` call names (its command line)


def containing(commits: Sequence[str], prefix: str, cwd: str | None = None) -> set[str]:
    """The refs under `prefix`, symbolic ones aside, that hold any of `commits`: one
    git call for every CONTAINS of them, however many refs there are."""
    found: set[str] = set()
    for i in range(0, len(commits), CONTAINS):
        names = [f"--contains={sha}" for sha in commits[i : i + CONTAINS]]
        out = run(["for-each-ref", "--format=%(refname)%00%(symref)", *names, prefix], cwd=cwd)
        for line in _decode(out).splitlines():
            name, _, target = line.partition("\0")
            if not target:
                found.add(name)
    return found


def ref_tips(cwd: str | None = None) -> dict[str, str]:
    """Every branch and tag with the commit (or tag object) it points to."""
    return refs("refs/heads", "refs/tags", cwd=cwd)


def is_tracked(path: str, cwd: str | None = None) -> bool:
    """Whether git tracks the file at `path` (False outside the work tree)."""
    return attempt(["ls-files", "--error-unmatch", "--", path], cwd=cwd) is not None


def empty_tree(cwd: str | None = None) -> str:
    """The empty tree's id in this repository's hash (stands in for an unborn start)."""
    return _line(run(["hash-object", "-t", "tree", "--stdin"], cwd=cwd, data=b""))


# --------------------------------------------------------------------------- questions

LOG_FORMAT = "--format=%x01%H %P%x00%an <%ae>%x00%aI%x00%B"


def staged_changes(cwd: str | None = None, started: Pending | None = None) -> list[Change]:
    """What the index (GIT_INDEX_FILE if set) changes relative to HEAD; `started`, a
    `Pending(STAGED)` started earlier, is read instead of running git again."""
    return parse_diff(started.result() if started is not None else run(STAGED, cwd=cwd))


def diff_args(base: str, target: str) -> list[str]:
    """What differs between commits (or trees) `base` and `target`, as `parse_diff` reads it."""
    return ["diff-tree", "-r", *_DIFF, base, target, "--"]


# git's `diff-tree --stdin` takes a line "TARGET BASE" as a commit and its parent,
# and names it in a header before its records (`--always`: also when they are none).
DIFFS = ["diff-tree", "--stdin", "--always", "-r", *_DIFF]


def pairs(lines: Iterable[tuple[str, str]]) -> bytes:
    """(base, target) commits as `DIFFS` reads them on stdin."""
    return "".join(f"{target} {base}\n" for base, target in lines).encode("ascii")


def diff(base: str, target: str | None, cwd: str | None = None) -> list[Change]:
    """What differs between commit (or tree) `base` and `target`: a commit, or the
    index when None. Renames come as a deletion and an addition."""
    if target is None:
        return parse_diff(run(["diff-index", "--cached", *_DIFF, base, "--"], cwd=cwd))
    return parse_diff(run(diff_args(base, target), cwd=cwd))


def paths(changes: Iterable[Change]) -> set[str]:
    return {c.path for c in changes}


def excluded(exclude: Iterable[str]) -> list[str]:
    """Revisions to exclude, as `--stdin` lines (git before 2.42 takes no `--not` there)."""
    return [f"^{sha}" for sha in exclude]


def _rev_list(
    args: list[str], revisions: Iterable[str], cwd: str | None, after: Iterable[str] = ()
) -> list[str]:
    """`git rev-list ARGS --stdin AFTER`, the revisions on stdin (read as `--stdin`
    stands, so a `--not` in AFTER does not reach them)."""
    argv = ["rev-list", "--ignore-missing", *args, "--stdin", *after]
    return _decode(run(argv, cwd=cwd, data=lines(revisions))).split()


def new_commits(tips: Iterable[str], exclude: Iterable[str], cwd: str | None = None) -> list[str]:
    """Commits reachable from `tips` but from no ref (nor HEAD) and none of `exclude`.

    In a reference-transaction hook's `prepared` state the refs have not moved yet,
    so excluding `--all` leaves exactly the commits the transaction brings in.
    """
    return _rev_list([], [*tips, *excluded(exclude)], cwd, after=["--not", "--all"])


def commits_since(tip: str, exclude: Iterable[str], cwd: str | None = None) -> list[str]:
    """Commits reachable from `tip` and from none of `exclude`."""
    return _rev_list([], [tip, *excluded(exclude)], cwd)


def reachable(
    tips: Iterable[str],
    exclude: Iterable[str],
    cwd: str | None = None,
    after: Iterable[str] = (),
) -> list[str]:
    """Commits reachable from any of `tips` and from none of `exclude` (however many
    of either: they go on standard input) nor of the revisions `after` names."""
    return _rev_list([], [*tips, *excluded(exclude)], cwd, after)


def parents_since(
    tip: str, exclude: Iterable[str], cwd: str | None = None
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The commits of `tip` not reachable from `exclude`, newest first, and each one's
    parents."""
    found = _decode(
        run(
            ["rev-list", "--ignore-missing", "--parents", "--stdin"],
            cwd=cwd,
            data=lines([tip, *excluded(exclude)]),
        )
    ).splitlines()
    rows = [line.split() for line in found if line]
    return [row[0] for row in rows], {row[0]: tuple(row[1:]) for row in rows}


def read_commits(shas: list[str], cwd: str | None = None) -> list[Commit]:
    """Each commit with its changes against its first parent, in one git call."""
    if not shas:
        return []
    args = ["log", "--no-walk=unsorted", LOG_FORMAT, "--diff-merges=first-parent", *_DIFF]
    return parse_log(run([*args, "--stdin"], cwd=cwd, data=lines(shas)))


def session_base(tip: str, exclude: list[str], cwd: str | None = None) -> str | None:
    """Where the commits of `tip` not reachable from `exclude` branch off: the commit
    their net change is measured from. None when there are no such commits (a branch
    or checkout of an older commit: nothing of the session is on it)."""
    found = _rev_list(["--boundary"], [tip, *excluded(exclude)], cwd)
    boundary = [line[1:] for line in found if line.startswith("-")]
    if len(boundary) == len(found):
        return None
    for candidate in exclude:  # prefer a start tip itself (the session's start commit)
        if candidate in boundary:
            return candidate
    return boundary[0] if boundary else empty_tree(cwd)


def is_ancestor(ancestor: str, descendant: str, cwd: str | None = None) -> bool:
    return attempt(["merge-base", "--is-ancestor", ancestor, descendant], cwd=cwd) is not None


# --------------------------------------------------------------------------- trees and worktrees


def tree_entries(rev: str, cwd: str | None = None) -> dict[str, str]:
    """Every path of a commit's tree with its "mode oid"."""
    return parse_tree(run(["ls-tree", "-r", "-z", "--full-tree", rev], cwd=cwd))


# --no-optional-locks: an audit never takes index.lock (a git command running beside
# it must not fail on it) nor writes the refreshed index.
STATUS = [
    "--no-optional-locks",
    # Configuration that lets status trust what it should look at: a file system
    # monitor (a hook may say nothing changed), and stat data an edit can fake (an
    # mtime put back on a file of the same size, when ctime is not trusted).
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.trustctime=true",
    "-c",
    "core.checkStat=default",
    "status",
    "--porcelain=v2",
    "-z",
    "--untracked-files=all",
    "--ignore-submodules=none",
]


def working_tree(cwd: str | None = None) -> list[WorkingChange]:
    """Staged, unstaged and untracked changes of this worktree."""
    return parse_status(run(STATUS, cwd=cwd))


class Worktree(NamedTuple):
    path: str
    head: str | None  # None while its branch is unborn
    branch: str | None  # None when detached


def worktrees(cwd: str | None = None) -> list[Worktree]:
    """Every worktree of the repository, the main one first."""
    out = run(["worktree", "list", "--porcelain", "-z"], cwd=cwd)
    found = []
    for block in _decode(out).split("\0\0"):
        fields = dict(item.partition(" ")[::2] for item in block.split("\0") if item)
        if "worktree" in fields:
            head = fields.get("HEAD")
            head = None if head is None or set(head) == {"0"} else head
            found.append(Worktree(fields["worktree"], head, fields.get("branch")))
    return found


def worktree_heads(cwd: str | None = None) -> list[str]:
    """The commit each worktree of the repository has checked out (none unborn)."""
    return [tree.head for tree in worktrees(cwd) if tree.head is not None]


def is_shallow(cwd: str | None = None) -> bool:
    out = attempt(["rev-parse", "--is-shallow-repository"], cwd=cwd)
    return out is not None and _line(out) == "true"


# --------------------------------------------------------------------------- rollback


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def identity_problem(cwd: str | None = None) -> str | None:
    """What git says when it cannot name the author or committer of a new commit."""
    for role in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            run(["var", role], cwd=cwd)
        except GitError as exc:
            return str(exc)
    return None


def commit_tree(tree: str, parent: str | None, message: str) -> str:
    """A new commit object (no ref moves, no hook runs); the message on stdin."""
    parents = ["-p", parent] if parent else []
    return _line(run(["commit-tree", tree, *parents, "-F", "-"], data=_encode(message)))


def write_blob(data: bytes) -> str:
    return _line(run(["hash-object", "-w", "--stdin"], data=data))


def update_refs(updates: list[tuple[str, str, str | None]], message: str) -> None:
    """Move refs in one transaction, each `(ref, new, expected old or None for
    "must not exist")`: all of them move or none does (a hook refusing, a ref that
    changed meanwhile)."""
    # "Must not exist" is the null id, as long as the new id (SHA-1 or SHA-256).
    data = "".join(f"update {ref}\0{new}\0{old or '0' * len(new)}\0" for ref, new, old in updates)
    run(["update-ref", "-z", "-m", message, "--stdin"], data=_encode(data))


def staged_against(rev: str, cwd: str | None = None) -> list[Change]:
    """What the index changes relative to commit `rev`."""
    return parse_diff(run(["diff-index", "--cached", *_DIFF, rev, "--"], cwd=cwd))


def blob_ids(paths: list[str], cwd: str | None = None, *, filters: bool = True) -> list[str]:
    """The object id each file of the work tree would have as a blob: through the
    path's filters, as `git add` would store it, or (`filters` False) of its bytes
    as they are, which skips git's attribute lookups."""
    if not paths:
        return []
    data = b"".join(_encode(_c_quoted(p)) + b"\n" for p in paths)
    args = ["hash-object", "--stdin-paths", *([] if filters else ["--no-filters"])]
    return _decode(run(args, data=data, cwd=cwd)).split()


def _c_quoted(path: str) -> str:
    """`path` as git's line-reading commands take it: one that could be misread
    (a line break, or an opening quote, which git unquotes) in C-style quotes."""
    if "\n" not in path and not path.startswith('"'):
        return path
    inner = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{inner}"'


_OPERATIONS = (  # the first file found names the operation (am is a rebase-apply)
    ("rebase-apply/applying", "am"),
    ("rebase-merge", "rebase"),
    ("rebase-apply", "rebase"),
    ("MERGE_HEAD", "merge"),
    ("CHERRY_PICK_HEAD", "cherry-pick"),
    ("REVERT_HEAD", "revert"),
    ("BISECT_LOG", "bisect"),
)


def operation_in_progress(directory: str | None = None) -> str | None:
    """The git command of a half-done am, rebase, merge, cherry-pick, revert or bisect
    in this worktree's git directory (looked up when not given)."""
    directory = directory or git_dir()
    for name, command in _OPERATIONS:
        if os.path.exists(os.path.join(directory, name)):  # noqa: PTH110, PTH118
            return command
    # A sequence of picks or reverts whose stopped step was committed by hand: no
    # CHERRY_PICK_HEAD, but `git status` says it is in progress, and --continue
    # goes on with the rest.
    try:
        with open(os.path.join(directory, "sequencer", "todo"), "rb") as todo:  # noqa: PTH118, PTH123
            first = todo.read(64).lstrip().split(b" ", 1)[0]
    except OSError:
        return None
    return "revert" if first in (b"revert", b"r") else "cherry-pick"


# --------------------------------------------------------------------------- rollback checkout


def index_tags(cwd: str | None = None) -> str:
    """`ls-files -v -z` of the worktree's whole index as one text: a `TAG PATH` record
    per entry, each ended by a NUL, in the index's order. TAG is lower case for an
    assume-unchanged entry, `S` for skip-worktree (git does not look at the file)."""
    return _decode(run(["ls-files", "-v", "-z", "--full-name", "--", ":/"], cwd=cwd))


def update_index(
    removed: list[str],
    added: list[tuple[str, str]],
    *,
    index: str | None = None,
    cwd: str | None = None,
) -> None:
    """Drop the entries at `removed` and set `added` (path, "mode oid") ones, in the
    worktree's index or the file `index`; nothing else of it changes. One call,
    unless an added path is a folder of a removed one or the other way round: git
    marks a removed entry and drops it only when the index is written, so such an
    addition would fail; then the removals go first, in a call of their own."""
    zero = "0" * len(empty_tree(cwd)) if removed else ""  # the null id in this repository's hash
    gone = [_encode(f"0 {zero}\t{path}") + b"\0" for path in removed]
    put = [_encode(f"{state}\t{path}") + b"\0" for path, state in added]
    clash = False
    if removed and added:
        removing = set(removed)
        parents = {folder for path in removed for folder in folders(path)}
        clash = any(path in parents or not removing.isdisjoint(folders(path)) for path, _ in added)
    for data in [b"".join(gone), b"".join(put)] if clash else [b"".join(gone + put)]:
        if data:
            run(["update-index", "-z", "--index-info"], data=data, index=index, cwd=cwd)


def folders(path: str) -> Iterator[str]:
    """The folders `path` is in: `a`, `a/b` for `a/b/c`."""
    i = path.find("/")
    while i >= 0:
        yield path[:i]
        i = path.find("/", i + 1)


def checkout_index(paths: list[str], cwd: str | None = None) -> None:
    """Write the index's content at `paths` (relative to `cwd`) to the work tree, over
    whatever stands there (the caller has checked it is no one's), and record their
    stat data in the index, as a checkout leaves it."""
    if paths:
        data = b"".join(_encode(p) + b"\0" for p in paths)
        run(["checkout-index", "-f", "-u", "-z", "--stdin"], data=data, cwd=cwd)


def file_mode_matters(cwd: str | None = None) -> bool:
    """Whether git records a file's executable bit here (core.fileMode)."""
    return _unless_false("core.fileMode", cwd)


def links_supported(cwd: str | None = None) -> bool:
    """Whether git writes a symbolic link as one here (core.symlinks; false: as a
    file holding its target)."""
    return _unless_false("core.symlinks", cwd)


def _unless_false(key: str, cwd: str | None) -> bool:
    """A boolean setting that is true unless set false."""
    out = attempt(["config", "--type=bool", "--get", key], cwd=cwd)
    return out is None or _line(out) != "false"


def read_commit_header(sha: str, cwd: str | None = None) -> Commit:
    """A commit's parents, author, date and message, without its changes (for a
    caller that has git's diff of it already)."""
    return parse_log(run(["log", "-1", "--no-walk", LOG_FORMAT, "-z", sha, "--"], cwd=cwd))[0]
