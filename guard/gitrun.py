"""The one runner every git call of session-guard goes through (`guard.gitio` asks
the questions): the only module that starts git.

It keeps three promises for every call:
- git sees the real objects: replace refs and grafts are ignored, and the
  configuration that changes what a history read prints is pinned (`PINNED`);
- nothing that grows with the repository or the plan goes on the command line
  (revisions, paths and messages travel on standard input), so 50,000 refs or a
  10,000-path rollback stay within the system's argument limits;
- any failure to start git or of git itself is a GitError (exit 4), never a raw
  OSError.

Git inherits our environment: GIT_DIR and GIT_INDEX_FILE set by a hook's caller
are honoured on purpose (`commit -a` and `commit <paths>` stage into a temporary
index).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import threading
from collections.abc import Callable, Iterable

from guard.errors import GitError

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

# How every diff is asked for, as `guard.gitparse.parse_diff` reads it: raw records,
# full ids, no rename pairing, submodules and external diff drivers as git stores them.
RAW_DIFF = [
    "--raw",
    "-z",
    "--no-abbrev",
    "--no-renames",
    "--ignore-submodules=none",
    "--no-ext-diff",
]
# What the index (GIT_INDEX_FILE if set) changes relative to HEAD. Here rather than
# with the other questions in `guard.gitio`: the pre-commit hook starts it before
# importing anything else, so git lists the index while Python loads the judge.
STAGED = ["diff", "--cached", *RAW_DIFF]


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
    message = stderr.decode("utf-8", "surrogateescape").strip() or f"exit status {code}"
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
    return one_line(run(args, cwd=cwd))


def one_line(out: bytes) -> str:
    """git's answer of one line as text, without its line break."""
    return out.decode("utf-8", "surrogateescape").rstrip("\n")


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
