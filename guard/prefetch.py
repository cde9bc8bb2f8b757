"""`guard audit`'s one big git log, started before the rest of session-guard loads.

The log is the audit's critical path; the guard script starts it first, from the
active session's start tips read here without checks. Only os, _signal and fcntl
(to widen its pipe) are loaded before it starts: subprocess, typing, and re and enum
(which json and signal load) cost about 30 ms together, so git is started with
os.posix_spawn and the session file is read by lines. `evidence.Gathering` then loads and checks the
session properly and adopts the running process only if it would have started
exactly the same one.
"""

from __future__ import annotations

import os

try:  # the signal module wraps these numbers in enums: 8 ms to load `enum` first
    from _signal import SIGKILL, SIGPIPE  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # pragma: no cover - an interpreter without the builtin module
    from signal import SIGKILL, SIGPIPE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

LOG_FORMAT = "--format=%x01%H %P%x00%an <%ae>%x00%aI%x00%B"


def log_args(include: list[str], exclude: list[str]) -> list[str]:
    """The audit's `git log`: commits of `include` not in `exclude`, each with its raw
    changes against its first parent, renames detected."""
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
        "--not",
        *exclude,
        "--",
    ]


def start_tips(tips: Iterable[str], start_head: str | None) -> list[str]:
    """What a session's history excludes: every ref tip recorded at its start, then
    the start commit."""
    return [*tips, *([start_head] if start_head else [])]


class Spawned:
    """A process started with os.posix_spawnp, its stdout and stderr on pipes: what
    `gitio.Pending` drains, shaped as the subprocess.Popen it otherwise starts."""

    def __init__(self, argv: list[str], pipe_size: int = 0) -> None:
        """Raises OSError when `argv[0]` cannot be started (FileNotFoundError when it
        is not on PATH). `pipe_size`: the stdout pipe's capacity to ask for, where
        the system lets a pipe grow (Linux)."""
        out, err = os.pipe(), os.pipe()
        if pipe_size:
            _grow(out[0], pipe_size)
        try:
            self.pid = os.posix_spawnp(
                argv[0],
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_DUP2, out[1], 1),
                    (os.POSIX_SPAWN_DUP2, err[1], 2),
                ],
                setsigdef=(SIGPIPE,),  # as subprocess: Python ignores it
            )
        except OSError:
            for fd in (*out, *err):
                os.close(fd)
            raise
        os.close(out[1])
        os.close(err[1])
        self.stdout = open(out[0], "rb", buffering=0)  # noqa: SIM115 - closed by its reader
        self.stderr = open(err[0], "rb", buffering=0)  # noqa: SIM115
        self.returncode: int | None = None

    def wait(self) -> int:
        if self.returncode is None:
            self.returncode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        return self.returncode

    def kill(self) -> None:
        if self.returncode is None:
            os.kill(self.pid, SIGKILL)


def _grow(fd: int, size: int) -> None:
    """Ask for a bigger pipe; where that is refused or unknown, keep the pipe as it is."""
    import fcntl

    grow = getattr(fcntl, "F_SETPIPE_SZ", None)
    if grow is not None:
        try:  # noqa: SIM105 - contextlib is not loaded yet, and need not be
            fcntl.fcntl(fd, grow, size)
        except OSError:  # above the system's limit (/proc/sys/fs/pipe-max-size)
            pass


class Early:
    """The log started early: the common git directory it was found from, its
    arguments, the running process."""

    def __init__(self, common: str, args: list[str], process: Spawned) -> None:
        self.common, self.args, self.process = common, args, process

    def discard(self) -> None:
        self.process.kill()
        self.process.stdout.close()
        self.process.stderr.close()
        self.process.wait()


def read_tips(raw: bytes) -> list[str] | None:
    """What the log excludes (`start_tips`), read from a session file as `store.begin`
    writes it: JSON indented by two with sorted keys, so the ref tips are the lines
    between `  "refs": {` and its closing brace, and `start_head` a line of its own.
    Read by lines: the json module loads `re` (about 10 ms) before the log could
    start. None for a file of any other shape; the audit then starts the log itself."""
    tips: list[str] = []
    start_head: str | None = None
    refs_seen = head_seen = inside = False
    for line in raw.decode("utf-8", "surrogateescape").split("\n"):
        if inside:
            if line in ("  }", "  },"):
                inside = False
            elif (tip := _sha(line.rstrip(",").rpartition(": ")[2])) is not None:
                tips.append(tip)
            else:
                return None
        elif line == '  "refs": {':
            refs_seen = inside = True
        elif line in ('  "refs": {}', '  "refs": {},'):
            refs_seen = True
        elif line.startswith('  "start_head": '):
            value = line[16:].rstrip(",")
            start_head, head_seen = _sha(value), True
            if start_head is None and value != "null":
                return None
    if not refs_seen or inside or not head_seen:
        return None
    return start_tips(tips, start_head)


def _sha(value: str) -> str | None:
    """The object name in a JSON string `value`, or None."""
    name = value[1:-1]
    hexadecimal = not name.strip("0123456789abcdef")
    if value[:1] == value[-1:] == '"' and len(name) in (40, 64) and hexadecimal:
        return name
    return None


def _output(argv: list[str]) -> bytes | None:
    """What the command writes, None when it fails."""
    process = Spawned(argv)
    with process.stdout, process.stderr:
        chunks = []
        while chunk := process.stdout.read(1 << 16):
            chunks.append(chunk)
    return b"".join(chunks) if process.wait() == 0 else None


def start() -> Early | None:
    """The active session's log, started; None when there is no session to read (the
    audit's own path then says why, if anything is wrong)."""
    try:
        found = _output(["git", "rev-parse", "--path-format=absolute", "--git-common-dir"])
    except OSError:  # no git: the audit's own path says so
        return None
    if found is None:
        return None
    common = found.decode("utf-8", "surrogateescape").rstrip("\n")
    try:
        with open(os.path.join(common, "guard", "session.json"), "rb") as handle:
            tips = read_tips(handle.read())
    except OSError:
        return None
    if tips is None:
        return None
    args = log_args(["--branches", "HEAD"], tips)
    # 1 MiB: git never waits for a reader busy judging a big commit (the default 64
    # KiB held a fraction of one), so it writes the rest meanwhile.
    return Early(common, args, Spawned(["git", *args], pipe_size=1 << 20))
