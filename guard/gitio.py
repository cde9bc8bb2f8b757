"""The only module that runs git: every call, and the pure parsers of its -z output.

Hooks run these on every commit during a session, so each question is one git
call that streams NUL-separated output, parsed here without GitPython (whose
import alone costs more than a whole hook run). Git inherits our environment:
GIT_DIR and GIT_INDEX_FILE set by a hook's caller are honoured on purpose
(`commit -a` and `commit <paths>` stage into a temporary index).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import NamedTuple

from guard.errors import GitError
from guard.prefetch import LOG_FORMAT, Spawned, log_args
from guard.session import Change, Commit

Process = subprocess.Popen[bytes] | Spawned  # a running git, drained by Pending


class Location(NamedTuple):
    """Where a command runs: the work tree's top and the prefix of the current directory."""

    root: str
    prefix: str


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class Pending:
    """A git command started in the background; `result()` waits for its output.

    The audit starts its smaller questions (status, the start tree, each branch's
    net diff) while the one big `git log` runs: the machine has more than one core.
    A thread drains both pipes as git writes (a full pipe would stall git until
    someone reads), handing stdout to `sink` when given (the log is parsed while it
    streams), else keeping it for `result()`.
    """

    def __init__(
        self,
        args: list[str],
        cwd: str | None = None,
        sink: Callable[[bytes], None] | None = None,
        done: Callable[[], None] | None = None,
        nice: int = 0,
        process: Process | None = None,
    ) -> None:
        self.args = args
        self._done = done
        self._out: list[bytes] = []
        self._err: list[bytes] = []
        self._failure: BaseException | None = None
        self._sink = sink or self._out.append
        try:
            self.process: Process | None = process or subprocess.Popen(
                ["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
        except FileNotFoundError:
            self.process = None
            if done is not None:
                done()
            return
        if nice:  # a side question: it must not take a core from the one that matters
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, self.process.pid, nice)
        self._thread = threading.Thread(target=self._drain, args=(self.process,), daemon=True)
        self._thread.start()

    def _drain(self, process: Process) -> None:
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

    def wait(self, timeout: float) -> bool:
        """Whether git has finished (and its output is read), waiting `timeout` at most."""
        if self.process is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def result(self) -> bytes:
        if self.process is None:
            raise GitError("git is not installed or not on PATH")
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        if self.process.returncode != 0:
            message = _decode(b"".join(self._err)).strip() or (
                f"exit status {self.process.returncode}"
            )
            raise GitError(f"git {_command(self.args)} failed: {message}")
        return b"".join(self._out)


def _command(args: list[str]) -> str:
    """The git command in `args` (after options such as `-c key=value`), for messages."""
    i = 0
    while i < len(args) and args[i].startswith("-"):
        i += 2 if args[i] == "-c" else 1
    return args[i] if i < len(args) else ""


def run(args: list[str], *, cwd: str | None = None, data: bytes | None = None) -> bytes:
    """Run `git ARGS` (with `data` on stdin), returning stdout; raise GitError with
    git's own message on failure."""
    try:
        done = subprocess.run(["git", *args], cwd=cwd, input=data, capture_output=True)
    except FileNotFoundError as exc:
        raise GitError("git is not installed or not on PATH") from exc
    if done.returncode != 0:
        message = _decode(done.stderr).strip() or f"exit status {done.returncode}"
        raise GitError(f"git {_command(args)} failed: {message}")
    return done.stdout


def attempt(args: list[str], *, cwd: str | None = None) -> bytes | None:
    """Run `git ARGS`; None when git says no (a missing ref, not a repository)."""
    try:
        return run(args, cwd=cwd)
    except GitError:
        return None


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
    out = attempt(["rev-parse", "HEAD", "--symbolic-full-name", "HEAD"], cwd=cwd)
    if out is not None:
        sha, ref = _decode(out).split("\n")[:2]
        return sha, (ref if ref.startswith("refs/") else None)
    ref_out = attempt(["symbolic-ref", "-q", "HEAD"], cwd=cwd)  # an unborn branch
    return None, (_line(ref_out) if ref_out else None)


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
    return _line(run(["hash-object", "-t", "tree", "--stdin"], cwd=cwd, data=b""))


# --------------------------------------------------------------------------- parsers


def parse_raw(tokens: list[str], start: int = 0) -> tuple[list[Change], int]:
    """Parse `--raw -z` records from `tokens` (the decoded output split on NUL).

    A record is `:oldmode newmode oldsha newsha STATUS` then the path, or two paths
    for a rename (one R change) or a copy (an addition of the new path). Stops at
    the first token that is not a record, or at a record whose paths are not in
    `tokens` yet (output still streaming); returns the changes and that position.
    """
    changes: list[Change] = []
    append = changes.append
    i, end = start, len(tokens)
    while i + 1 < end:
        head = tokens[i]
        if head[:1] != ":":
            if head[:2] != "\n:":
                break
            head = head[1:]
        if head[-2] == " ":  # a one-letter status, by far the commonest record
            letter = head[-1]
            end_oid = len(head) - 2
            old_mode, new_mode = head[1:7], head[8:14]
            split = head.rfind(" ", 0, end_oid)
            old_oid, new_oid = head[15:split], head[split + 1 : end_oid]
        else:
            old_mode, new_mode, old_oid, new_oid, status = head[1:].split(" ")
            letter = status[0]
        if letter == "R" or letter == "C":
            if i + 2 >= end:
                break
            path = tokens[i + 2]
            if letter == "R":
                append(Change("R", path, old_mode, new_mode, tokens[i + 1], new_oid, old_oid))
            else:
                append(Change("A", path, "000000", new_mode, None, new_oid))
            i += 3
        else:
            append(Change(letter, tokens[i + 1], old_mode, new_mode, None, new_oid, old_oid))
            i += 2
    return changes, i


def _is_record(token: str) -> bool:
    return token[:1] == ":" or token[:2] == "\n:"


def _tokens(out: bytes) -> list[str]:
    """NUL-separated git output, decoded once (undecodable bytes kept as escapes)."""
    return out.decode("utf-8", "surrogateescape").split("\0")


class LogParser:
    """Parses `git log LOG_FORMAT --raw -z` output fed in pieces as git writes it:
    per commit a header (sha and parents), author, date and message, then its
    records. Positional, so no message or path can confuse it; a commit is kept
    once the token after its last record has arrived (or the output has ended)."""

    def __init__(self) -> None:
        self.commits: list[Commit] = []
        self._rest = b""  # bytes after the last NUL: a token still arriving
        self._tokens: list[str] = []  # whole tokens not parsed yet
        self._open: tuple[str, tuple[str, ...], str, str, str] | None = None
        self._changes: list[Change] = []

    def feed(self, data: bytes) -> None:
        cut = data.rfind(b"\0")
        if cut < 0:
            self._rest += data
            return
        self._tokens += _tokens(self._rest + data[:cut])
        self._rest = data[cut + 1 :]
        self._parse(final=False)

    def close(self) -> list[Commit]:
        self._tokens += _tokens(self._rest)
        self._rest = b""
        self._parse(final=True)
        return self.commits

    def _parse(self, final: bool) -> None:
        tokens = self._tokens
        i, end = 0, len(tokens)
        while True:
            if self._open is None:
                while i < end and not tokens[i].lstrip("\n").startswith("\x01"):
                    i += 1
                if i == end or (i + 4 > end and not final):
                    break
                sha, *listed = tokens[i].lstrip("\n")[1:].split(" ")
                author, date, message = [*tokens[i + 1 : i + 4], "", "", ""][:3]
                self._open = (sha, tuple(filter(None, listed)), author, date, message)
                i += 4
            changes, i = parse_raw(tokens, i)
            self._changes += changes
            if not final and (i >= end or _is_record(tokens[i])):
                break  # its records may go on in the next piece
            sha, parents, author, date, message = self._open
            subject = message.split("\n", 1)[0]
            self.commits.append(
                Commit(
                    sha,
                    parents,
                    subject,
                    tuple(self._changes),
                    author,
                    date,
                    message.rstrip("\n"),
                )
            )
            self._open, self._changes = None, []
        del tokens[:i]


def parse_log(out: bytes) -> list[Commit]:
    """Parse a whole `git log LOG_FORMAT --raw -z` output."""
    parser = LogParser()
    parser.feed(out)
    return parser.close()


# --------------------------------------------------------------------------- questions

_DIFF = ["--raw", "-z", "--no-abbrev", "--no-renames", "--ignore-submodules=none", "--no-ext-diff"]


def staged_changes(cwd: str | None = None) -> list[Change]:
    """What the index (GIT_INDEX_FILE if set) changes relative to HEAD."""
    return parse_raw(_tokens(run(["diff", "--cached", *_DIFF], cwd=cwd)))[0]


def diff(base: str, target: str | None, cwd: str | None = None) -> list[Change]:
    """What differs between commit (or tree) `base` and `target`: a commit, or the
    index when None. Renames come as a deletion and an addition."""
    if target is None:
        out = run(["diff-index", "--cached", *_DIFF, base, "--"], cwd=cwd)
    else:
        out = run(["diff-tree", "-r", *_DIFF, base, target, "--"], cwd=cwd)
    return parse_raw(_tokens(out))[0]


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


def session_base(tip: str, exclude: list[str], cwd: str | None = None) -> str | None:
    """Where the commits of `tip` not reachable from `exclude` branch off: the commit
    their net change is measured from. None when there are no such commits (a branch
    or checkout of an older commit: nothing of the session is on it)."""
    out = run(["rev-list", "--boundary", "--ignore-missing", tip, "--not", *exclude, "--"], cwd=cwd)
    lines = _decode(out).split()
    boundary = [line[1:] for line in lines if line.startswith("-")]
    if len(boundary) == len(lines):
        return None
    for candidate in exclude:  # prefer a start tip itself (the session's start commit)
        if candidate in boundary:
            return candidate
    return boundary[0] if boundary else empty_tree(cwd)


def is_ancestor(ancestor: str, descendant: str, cwd: str | None = None) -> bool:
    return attempt(["merge-base", "--is-ancestor", ancestor, descendant], cwd=cwd) is not None


# --------------------------------------------------------------------------- audit


class WorkingChange(NamedTuple):
    """An uncommitted change: `state` is staged, unstaged or untracked."""

    path: str
    state: str
    status: str


class History:
    """Every commit reachable from `include` and from none of `exclude`, newest first,
    each with its changes against its first parent (renames detected): one git call,
    started in the background and parsed while it streams. Iterating yields each
    commit as soon as it is parsed (the audit judges while git still writes), once."""

    def __init__(
        self,
        include: list[str],
        exclude: list[str],
        cwd: str | None = None,
        process: Process | None = None,
    ) -> None:
        """`process`: this very log, already started (see `guard.prefetch`)."""
        self.args = log_args(include, exclude)
        self._parser = LogParser()
        self._ready = threading.Condition()
        self._ended = False
        self._pending = (
            Pending(self.args, cwd, sink=self._feed, done=self._end, process=process)
            if include
            else None
        )

    def _feed(self, data: bytes) -> None:
        self._parser.feed(data)
        with self._ready:
            self._ready.notify()

    def _end(self) -> None:
        with self._ready:
            self._ended = True
            self._ready.notify()

    def __iter__(self) -> Iterator[Commit]:
        if self._pending is None:
            return
        parsed, seen = self._parser.commits, 0
        while True:
            with self._ready:
                while not self._ended and len(parsed) == seen:
                    self._ready.wait()
                ended = self._ended
            count = len(parsed)
            yield from parsed[seen:count]
            seen = count
            if ended:
                break
        yield from self.all()[seen:]

    def parsed(self) -> list[Commit]:
        """The commits parsed so far (a list the parser only appends to)."""
        return self._parser.commits

    def all(self) -> list[Commit]:
        """Every commit, once git has finished (whoever else is iterating)."""
        if self._pending is None:
            return []
        with self._ready:
            while not self._ended:
                self._ready.wait()
        self._pending.result()
        return self._parser.close()


ABSENT = ("000000", "")  # no file: the mode says so (diff records say it with zeros)


def net_change(commits: Mapping[str, Commit], base: str, tip: str) -> list[Change] | None:
    """What differs between `base` and `tip` (as `diff(base, tip)` says, renames as a
    deletion and an addition), composed from the first-parent changes of the commits
    on the first-parent line from `tip` down to `base`: no tree is read again. None
    when that line leaves `commits` anywhere but at `base` (a branch reset to an
    older commit, say): then git must be asked."""
    before: dict[str, tuple[str, str]] = {}  # path -> (mode, oid) at base: the oldest says
    after: dict[str, tuple[str, str]] = {}  # path -> (mode, oid) at tip: the newest says
    sha = tip
    while sha != base:
        commit = commits.get(sha)
        if commit is None or not commit.parents:
            return None
        for change in commit.changes:  # newest commit first
            path, old = change.path, change.old_path
            if old is None:
                before[path] = (change.old_mode, change.old_oid)
            else:  # a rename: its old path goes, its new path comes
                before[old] = (change.old_mode, change.old_oid)
                after.setdefault(old, ABSENT)
                before[path] = ABSENT
            after.setdefault(path, (change.new_mode, change.new_oid))
        sha = commit.parents[0]
    net = []
    for path, (new_mode, new_oid) in after.items():
        old_mode, old_oid = before[path]
        if old_mode == new_mode and (old_oid == new_oid or old_mode == "000000"):
            continue  # as it was (absent before and after counts, whatever the oids say)
        if old_mode == "000000":
            status, old_oid = "A", "0" * len(new_oid)
        elif new_mode == "000000":
            status, new_oid = "D", "0" * len(old_oid)
        else:
            status = "M" if old_mode[:2] == new_mode[:2] else "T"
        net.append(Change(status, path, old_mode, new_mode, None, new_oid, old_oid))
    return net


def history(include: list[str], exclude: list[str], cwd: str | None = None) -> list[Commit]:
    return list(History(include, exclude, cwd))


TREE = ["ls-tree", "-r", "-z", "--full-tree"]
# `path NUL mode oid NUL` pairs: one split and a dict, not a parse per entry (git 2.36+).
# git quotes a %(path) with a control character, quote or backslash even with -z (and
# non-ASCII without core.quotePath=false): such a listing is read again the plain way.
TREE_FORMAT = [
    "-c",
    "core.quotePath=false",
    *TREE,
    "--format=%(path)%x00%(objectmode) %(objectname)",
]


def parse_tree(out: bytes) -> dict[str, str]:
    """Parse `git ls-tree -r -z` (`<mode> <type> <oid>TAB<path>` records) into
    path -> "mode oid"."""
    entries = {}
    for record in _tokens(out):
        if record:
            meta, path = record.split("\t", 1)
            entries[path] = f"{meta[:6]} {meta[meta.rfind(' ') + 1 :]}"
    return entries


def parse_tree_format(out: bytes) -> dict[str, str] | None:
    """Parse `git ls-tree` with TREE_FORMAT into path -> "mode oid"; None when git
    quoted a path (one starts with a double quote: a mode never does)."""
    if out.startswith(b'"') or b'\0"' in out:
        return None
    tokens = _tokens(out)
    return dict(zip(tokens[0:-1:2], tokens[1::2], strict=True))


class Tree:
    """Every path of a commit's tree with its "mode oid", listed in the background."""

    def __init__(self, rev: str, cwd: str | None = None, nice: int = 0) -> None:
        self.rev, self.cwd = rev, cwd
        self._pending = Pending([*TREE_FORMAT, rev], cwd, nice=nice)

    def wait(self, timeout: float) -> bool:
        return self._pending.wait(timeout)

    def entries(self) -> dict[str, str]:
        try:
            entries = parse_tree_format(self._pending.result())
        except GitError:  # git before 2.36 has no ls-tree --format
            entries = None
        return tree_entries(self.rev, self.cwd) if entries is None else entries


def tree_entries(rev: str, cwd: str | None = None) -> dict[str, str]:
    """Every path of a commit's tree with its "mode oid"."""
    return parse_tree(run([*TREE, rev], cwd=cwd))


def parse_status(out: bytes) -> list[WorkingChange]:
    """Parse `git status --porcelain=v2 -z`: a renamed entry is its new path (R) and
    its old path (D); staged and unstaged halves of one entry are two changes."""
    tokens = out.split(b"\0")
    changes = []
    i = 0
    while i < len(tokens):
        token = _decode(tokens[i])
        i += 1
        if not token:
            continue
        kind = token[0]
        if kind == "?":
            changes.append(WorkingChange(token[2:], "untracked", "A"))
            continue
        if kind not in "12u":
            continue  # "!" ignored, "#" headers
        fields = token.split(" ", 10 if kind == "u" else (9 if kind == "2" else 8))
        staged, unstaged, path = fields[1][0], fields[1][1], fields[-1]
        if kind == "u":
            staged, unstaged = "U", "."
        if kind == "2":
            old_path = _decode(tokens[i])
            i += 1
            changes.append(WorkingChange(old_path, "staged", "D"))
        if staged != ".":
            changes.append(WorkingChange(path, "staged", staged))
        if unstaged != ".":
            changes.append(WorkingChange(path, "unstaged", unstaged))
    return changes


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
DIFF_TREE = ["diff-tree", "-r", *_DIFF]


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
                lines = handle.read().splitlines()
        except OSError:
            pass
        else:
            fields = lines[-1].split(b" ", 2) if lines else []
            return _decode(fields[1]) if len(fields) > 2 else None
    return resolve(f"{ref}@{{0}}", cwd=cwd)


def is_shallow(cwd: str | None = None) -> bool:
    out = attempt(["rev-parse", "--is-shallow-repository"], cwd=cwd)
    return out is not None and _line(out) == "true"


# --------------------------------------------------------------------------- rollback


def _run_paths(args: list[str], paths: list[str], cwd: str | None = None) -> None:
    """Run a path-taking git command with the paths NUL-separated on stdin, literally."""
    data = b"".join(p.encode("utf-8", "surrogateescape") + b"\0" for p in paths)
    options = ["--pathspec-from-file=-", "--pathspec-file-nul"]
    run(["--literal-pathspecs", *args, *options], cwd=cwd, data=data)


def restore_paths(source: str, paths: list[str], cwd: str | None = None) -> None:
    """Put paths back to their content at `source`, in the index and the work tree."""
    if paths:
        _run_paths(["restore", f"--source={source}", "--staged", "--worktree"], paths, cwd)


def remove_paths(paths: list[str], cwd: str | None = None) -> None:
    if paths:
        _run_paths(["rm", "-q", "-r", "--ignore-unmatch"], paths, cwd)


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
