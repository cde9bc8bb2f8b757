"""The only module that runs git: the one runner every call goes through, and the
pure parsers of its -z output.

Hooks run these on every commit during a session, so each question is one git
call that streams NUL-separated output, parsed here without GitPython (whose
import alone costs more than a whole hook run). Git inherits our environment:
GIT_DIR and GIT_INDEX_FILE set by a hook's caller are honoured on purpose
(`commit -a` and `commit <paths>` stage into a temporary index).

The runner keeps three promises for every call:
- git sees the real objects: replace refs and grafts are ignored, and the
  configuration that changes what a history read prints is pinned (`PINNED`);
- nothing that grows with the repository or the plan goes on the command line
  (revisions, paths and messages travel on standard input), so 50,000 refs or a
  10,000-path rollback stay within the system's argument limits;
- any failure to start git or of git itself is a GitError (exit 4), never a raw
  OSError.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from guard.changes import Change, Commit, WorkingChange
from guard.errors import GitError
from guard.gitparse import LogParser, parse_diff, parse_log, parse_status, parse_tree
from guard.gitparse import decode as _decode

# Configuration that would change what a read of history or of the index prints.
# git gives `-c` precedence over every configuration file.
PINNED = (
    "-c",
    "log.showRoot=true",  # false hides what a root commit adds
    "-c",
    "log.showSignature=false",
    "-c",
    "i18n.logOutputEncoding=UTF-8",
    "-c",
    "color.ui=never",
    "-c",
    "diff.relative=false",
    "-c",
    "core.quotePath=true",
    "-c",
    "advice.graftFileDeprecated=false",  # GIT_GRAFT_FILE below is /dev/null: no advice
)
# The environment every call adds to ours: no object is replaced, no graft file read.
ENVIRONMENT = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull}


class Location(NamedTuple):
    """Where a command runs: the work tree's top and the prefix of the current directory."""

    root: str
    prefix: str


def _argv(args: list[str]) -> list[str]:
    return ["git", *PINNED, *args]


def _environment(index: str | None = None) -> dict[str, str]:
    """Ours, plus `ENVIRONMENT`; with `index`, git reads and writes that index file
    instead of the worktree's (how the rollback builds its commit out of sight)."""
    extra = {} if index is None else {"GIT_INDEX_FILE": index}
    return {**os.environ, **ENVIRONMENT, **extra}


def _command(args: list[str]) -> str:
    """The git command in `args` (after options such as `-c key=value`), for messages."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] in ("-c", "-C") else 1
    return args[i] if i < len(args) else ""


def _failed(args: list[str], code: int, stderr: bytes) -> GitError:
    message = _decode(stderr).strip() or f"exit status {code}"
    return GitError(f"git {_command(args)} failed: {message}")


def _unstartable(exc: OSError) -> GitError:
    if isinstance(exc, FileNotFoundError):
        return GitError("git is not installed or not on PATH")
    return GitError(f"cannot run git: {exc.strerror or exc}")


def run(
    args: list[str],
    *,
    cwd: str | None = None,
    data: bytes | None = None,
    index: str | None = None,
) -> bytes:
    """Run `git ARGS` (with `data` on stdin, on the index file `index` when given),
    returning stdout; raise GitError with git's own message on failure."""
    try:
        done = subprocess.run(
            _argv(args), cwd=cwd, input=data, capture_output=True, env=_environment(index)
        )
    except OSError as exc:
        raise _unstartable(exc) from exc
    if done.returncode != 0:
        raise _failed(args, done.returncode, done.stderr)
    return done.stdout


def attempt(args: list[str], *, cwd: str | None = None) -> bytes | None:
    """Run `git ARGS`; None when git says no (a missing ref, not a repository)."""
    try:
        return run(args, cwd=cwd)
    except GitError:
        return None


def run_line(args: list[str], *, cwd: str | None = None) -> str:
    """`run`, for a command that answers with one line."""
    return _line(run(args, cwd=cwd))


def lines(items: Iterable[str]) -> bytes:
    """Revisions for a command's `--stdin`, one a line."""
    return "".join(f"{item}\n" for item in items).encode("utf-8", "surrogateescape")


class Pending:
    """A git command running in the background; `result()` waits for its output.

    The audit asks its smaller questions while its one big `git log` runs. A thread
    writes `data` to git's stdin and another drains both pipes as git writes (a full
    pipe would stall git until someone reads), handing stdout to `sink` when given
    (the log is parsed while it streams), else keeping it for `result()`.
    """

    def __init__(
        self,
        args: list[str],
        cwd: str | None = None,
        *,
        data: bytes | None = None,
        sink: Callable[[bytes], None] | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        """`done` is called from the reading thread once git has exited (or could not
        start)."""
        self.args = args
        self._done = done
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._failure: BaseException | GitError | None = None
        self._sink = sink or self._out.append
        self._threads: list[threading.Thread] = []
        try:
            self.process: subprocess.Popen[bytes] | None = subprocess.Popen(
                _argv(args),
                cwd=cwd,
                stdin=subprocess.DEVNULL if data is None else subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_environment(),
            )
        except OSError as exc:
            self.process = None
            self._failure = _unstartable(exc)
            if done is not None:
                done()
            return
        if data is not None:
            self._start(self._feed, self.process, data)
        self._start(self._drain, self.process)

    def _start(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads.append(thread)

    @staticmethod
    def _feed(process: subprocess.Popen[bytes], data: bytes) -> None:
        stdin = process.stdin
        assert stdin is not None  # noqa: S101 - opened with a pipe above
        try:
            stdin.write(data)
        except BrokenPipeError:  # git stopped reading: its exit status says why
            pass
        finally:
            with contextlib.suppress(BrokenPipeError):
                stdin.close()

    def _drain(self, process: subprocess.Popen[bytes]) -> None:
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ, self._sink)  # type: ignore[arg-type]
                selector.register(process.stderr, selectors.EVENT_READ, self._err.append)  # type: ignore[arg-type]
                while selector.get_map():
                    for key, _ in selector.select():
                        data = os.read(key.fd, 1 << 16)
                        if data:
                            key.data(data)
                        else:
                            selector.unregister(key.fileobj)
        except BaseException as exc:  # a parser bug must reach result(), not vanish
            self._failure = exc
            process.kill()
        finally:
            for stream in (process.stdout, process.stderr):
                stream.close()  # type: ignore[union-attr]
            process.wait()
            if self._done is not None:
                self._done()

    def result(self) -> bytes:
        for thread in self._threads:
            thread.join()
        if self._failure is not None:
            raise self._failure
        process = self.process
        assert process is not None  # noqa: S101 - else _failure says why
        if process.returncode != 0:
            raise _failed(self.args, process.returncode, b"".join(self._err))
        return b"".join(self._out)


def _line(out: bytes) -> str:
    return _decode(out).rstrip("\n")


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


def hooks_dir(cwd: str | None = None) -> str:
    """The hooks directory git actually uses (core.hooksPath respected), absolute."""
    return _repository_path(["--git-path", "hooks"], cwd)


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


def refs(*prefixes: str, cwd: str | None = None) -> dict[str, str]:
    """Every ref under `prefixes` with the object it points to."""
    out = run(["for-each-ref", "--format=%(refname)%00%(objectname)", *prefixes], cwd=cwd)
    found = {}
    for line in _decode(out).splitlines():
        name, _, sha = line.partition("\0")
        found[name] = sha
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

_DIFF = ["--raw", "-z", "--no-abbrev", "--no-renames", "--ignore-submodules=none", "--no-ext-diff"]
LOG_FORMAT = "--format=%x01%H %P%x00%an <%ae>%x00%aI%x00%B"


STAGED = ["diff", "--cached", *_DIFF]


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


def _excluded(exclude: Iterable[str]) -> list[str]:
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
    return _rev_list([], [*tips, *_excluded(exclude)], cwd, after=["--not", "--all"])


def commits_since(tip: str, exclude: Iterable[str], cwd: str | None = None) -> list[str]:
    """Commits reachable from `tip` and from none of `exclude`."""
    return _rev_list([], [tip, *_excluded(exclude)], cwd)


def reachable(tips: Iterable[str], exclude: Iterable[str], cwd: str | None = None) -> list[str]:
    """Commits reachable from any of `tips` and from none of `exclude` (however many
    of either: they go on standard input)."""
    return _rev_list([], [*tips, *_excluded(exclude)], cwd)


def parents_since(
    tip: str, exclude: Iterable[str], cwd: str | None = None
) -> tuple[list[str], dict[str, tuple[str, ...]]]:
    """The commits of `tip` not reachable from `exclude`, newest first, and each one's
    parents."""
    found = _decode(
        run(
            ["rev-list", "--ignore-missing", "--parents", "--stdin"],
            cwd=cwd,
            data=lines([tip, *_excluded(exclude)]),
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
    found = _rev_list(["--boundary"], [tip, *_excluded(exclude)], cwd)
    boundary = [line[1:] for line in found if line.startswith("-")]
    if len(boundary) == len(found):
        return None
    for candidate in exclude:  # prefer a start tip itself (the session's start commit)
        if candidate in boundary:
            return candidate
    return boundary[0] if boundary else empty_tree(cwd)


def is_ancestor(ancestor: str, descendant: str, cwd: str | None = None) -> bool:
    return attempt(["merge-base", "--is-ancestor", ancestor, descendant], cwd=cwd) is not None


# --------------------------------------------------------------------------- audit


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
                data=lines([*also, *_excluded(exclude)]),
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


TREE = ["ls-tree", "-r", "-z", "--full-tree"]


def tree_entries(rev: str, cwd: str | None = None) -> dict[str, str]:
    """Every path of a commit's tree with its "mode oid"."""
    return parse_tree(run([*TREE, rev], cwd=cwd))


# --no-optional-locks: an audit never takes index.lock (a git command running beside
# it must not fail on it) nor writes the refreshed index.
STATUS = [
    "--no-optional-locks",
    "status",
    "--porcelain=v2",
    "-z",
    "--untracked-files=all",
    "--ignore-submodules=none",
]


def working_tree(cwd: str | None = None) -> list[WorkingChange]:
    """Staged, unstaged and untracked changes of this worktree."""
    return parse_status(run(STATUS, cwd=cwd))


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


def reflog(prefix: str, cwd: str | None = None) -> list[tuple[str, int, str]]:
    """(new value, unix time, message) of every reflog entry of the refs under
    `prefix` (a ref, or a folder ending in `/`); nothing when there is no such ref
    (`log -g` would fall back to HEAD's reflog)."""
    if not refs(prefix, cwd=cwd):
        return []
    which = f"--glob={prefix}*" if prefix.endswith("/") else prefix
    out = run(["log", "-g", "--date=unix", "--format=%H%x00%gd%x00%gs", which, "--"], cwd=cwd)
    entries = []
    for line in _decode(out).splitlines():
        sha, selector, message = line.split("\0", 2)
        when = selector.rpartition("@{")[2].rstrip("}")
        entries.append((sha, int(when) if when.isdigit() else 0, message))
    return entries


def head_reflog(cwd: str | None = None) -> list[tuple[str, int, str]]:
    """(new value, unix time, message) of every entry of the HEAD reflog of the
    worktree at `cwd`, newest first: git keeps one per worktree, so it records what
    was committed, merged or checked out there. Empty when there is none."""
    args = ["log", "-g", "--date=unix", "--format=%H%x00%gd%x00%gs", "HEAD", "--"]
    out = attempt(args, cwd=cwd)
    entries = []
    for line in _decode(out or b"").splitlines():
        sha, selector, message = line.split("\0", 2)
        when = selector.rpartition("@{")[2].rstrip("}")
        entries.append((sha, int(when) if when.isdigit() else 0, message))
    return entries


def is_shallow(cwd: str | None = None) -> bool:
    out = attempt(["rev-parse", "--is-shallow-repository"], cwd=cwd)
    return out is not None and _line(out) == "true"


# --------------------------------------------------------------------------- rollback


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def index_entries(cwd: str | None = None) -> dict[str, str]:
    """Every path of the worktree's index with its `ls-files -v` tag: lower case for
    an assume-unchanged entry, `S` for skip-worktree (git does not look at the file)."""
    out = run(["ls-files", "-v", "-z", "--full-name", "--", ":/"], cwd=cwd)
    entries = {}
    for item in out.split(b"\0"):
        if item:
            tag, _, path = item.partition(b" ")
            entries[_decode(path)] = _decode(tag)
    return entries


def identity_problem(cwd: str | None = None) -> str | None:
    """What git says when it cannot name the author or committer of a new commit."""
    for role in ("GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"):
        try:
            run(["var", role], cwd=cwd)
        except GitError as exc:
            return str(exc)
    return None


def build_tree(
    base: str | None, removed: list[str], added: list[tuple[str, str]], index: str
) -> str:
    """The tree of commit `base` with `removed` paths gone and `added` (path, "mode
    oid") entries in place, built in the scratch index file `index`, so the
    worktree's index is never touched. Removals go first, in a call of their own:
    git marks a removed entry and drops it only when the index is written, so a
    file added where a removed directory was would otherwise fail. `base` None
    starts from the empty tree."""
    run(["read-tree", base] if base else ["read-tree", "--empty"], index=index)
    zero = "0" * 40
    if removed:
        data = b"".join(_encode(f"0 {zero}\t{path}") + b"\0" for path in removed)
        run(["update-index", "-z", "--index-info"], data=data, index=index)
    if added:
        data = b"".join(_encode(f"{state}\t{path}") + b"\0" for path, state in added)
        run(["update-index", "-z", "--index-info"], data=data, index=index)
    return _line(run(["write-tree"], index=index))


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
    zero = "0" * 40
    data = "".join(f"update {ref}\0{new}\0{old or zero}\0" for ref, new, old in updates)
    run(["update-ref", "-z", "-m", message, "--stdin"], data=_encode(data))


def refresh_index(cwd: str | None = None) -> None:
    """Bring the index's file stat data up to date, as `git status` does (content is
    untouched); git exits 1 while files have local changes, which is no failure here."""
    attempt(["update-index", "-q", "--refresh"], cwd=cwd)


def switch_tree(
    old: str, new: str, *, dry_run: bool = False, force: bool = False, cwd: str | None = None
) -> None:
    """Bring the index and work tree from commit `old` to `new` as a checkout does: only
    the paths that differ between them are written; git refuses (and with `dry_run`
    only checks) when that would overwrite a local change, unless `force`."""
    mode = ["--reset"] if force else ["-m"]
    run(["read-tree", *mode, "-u", *(["-n"] if dry_run else []), old, new], cwd=cwd)


def staged_against(rev: str, cwd: str | None = None) -> list[Change]:
    """What the index changes relative to commit `rev`."""
    return parse_diff(run(["diff-index", "--cached", *_DIFF, rev, "--"], cwd=cwd))


def blob_ids(paths: list[str], cwd: str | None = None) -> list[str]:
    """The object id each file of the work tree would have as a blob (through the
    path's filters, as `git add` would store it)."""
    if not paths:
        return []
    data = b"".join(_encode(p) + b"\n" for p in paths)
    return _decode(run(["hash-object", "--stdin-paths"], data=data, cwd=cwd)).split()


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
    return None
