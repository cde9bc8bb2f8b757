"""Audit cost: `guard audit --format json` against the one `git log` that lists the same
session history, side by side, at two session sizes (300 and 3,000 commits).

Usage:
    python bench/bench_audit.py [--runs N] [--warmup N] [--sizes 300,3000] [--keep]
                                [--workdir DIR] [--files N] [--no-breakdown]

Run it with the Python that has session-guard installed (a dev venv). It generates a
repository with gen_repo.py (about 20,000 files, 2,000 commits; bare, reused with
--keep), and for each session size clones it, adds pre-session refs (tags, a release
branch, stale branches), starts a read-only session (`guard session start`, hooks not
installed), and only then writes the session's history with one `git fast-import` run:
small commits across src/tests/docs, one commit that moves 3,000 test files (half of
them also edited, so git needs inexact rename detection), renames, deletes, chmod +x,
a few commits on the release branch, and a side branch merged back by a merge commit.

Each size's table runs its commands interleaved (A B C, B C A, ...) after warm-up
rounds and reports medians and the median of the per-round ratios against the two
references. Every process is timed with time.perf_counter around subprocess.run
(stdout and stderr on /dev/null). The environment is hermetic (gen_repo.git_env). A
benchmark, not a test: nothing here asserts a time; only unexpected exit codes and
an audit that misses commits stop it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.dont_write_bytecode = True  # importing gen_repo and bench_hooks writes nothing into bench/

import gen_repo  # noqa: E402
from bench_hooks import (  # noqa: E402
    BenchError,
    Cmd,
    Table,
    clone,
    describe,
    git,
    measure,
    probe,
    settle,
)

BASE_COMMITS = 2_000  # in the generated repository (gen_repo --commits 1999, plus the first)
BIG_MOVE = 3_000  # test files moved by the one big commit, whatever the session size
SESSION_EPOCH = gen_repo.EPOCH + BASE_COMMITS * 3600  # session commit i: + i * 10 minutes
SIDE = "refs/heads/feature/session"
RELEASE = "refs/heads/release/1.x"
STARTUP = "python -c pass (bare start)"
TARGET = 1.5  # SPEC, Performance: guard audit within 1.5x of the one git log


# --------------------------------------------------------------------------- repositories


def origin_repo(workdir: Path, files: int, seed: int, home: str) -> tuple[Path, dict[str, object]]:
    """The generated bare repository (2,000 commits), reused when its stamp matches."""
    origin = workdir / "origin.git"
    stamp = gen_repo.read_stamp(origin)
    wanted = {"files": files, "seed": seed, "generator": gen_repo.VERSION, "commits": BASE_COMMITS}
    if stamp and all(stamp.get(k) == v for k, v in wanted.items()):
        print(f"reusing {origin} (head {str(stamp['head'])[:12]})")
        return origin, stamp
    if origin.exists():
        shutil.rmtree(origin)
    print(f"generating {files:,} files, {BASE_COMMITS:,} commits into {origin} ...", flush=True)
    stats = gen_repo.generate(origin, seed, files, BASE_COMMITS - 1, True, home)
    print(f"  generated in {stats['total_s']} s, head {str(stats['head'])[:12]}")
    return origin, stats


def pre_session_refs(repo: Path, env: dict[str, str]) -> None:
    """What a real repository has besides main: 40 tags (every 4th annotated), a
    release branch and 10 stale branches, at historical commits; no remote."""
    git(["remote", "remove", "origin"], repo, env)
    shas = git(["rev-list", "--reverse", "HEAD"], repo, env).decode().split()
    lines = [f"create refs/heads/release/1.x {shas[-100]}\n"]
    lines += [f"create refs/heads/feature/old-{j} {shas[1000 + 90 * j]}\n" for j in range(10)]
    lines += [f"create refs/tags/v0.{i} {shas[50 * i + 49]}\n" for i in range(40) if i % 4]
    git(["update-ref", "--stdin"], repo, env, "".join(lines).encode())
    for i in range(0, 40, 4):
        date = f"@{gen_repo.EPOCH + (50 * i + 49) * 3600} +0000"
        tag_env = {**env, "GIT_COMMITTER_DATE": date}
        git(["tag", "-a", "-m", f"Release 0.{i}", f"v0.{i}", shas[50 * i + 49]], repo, tag_env)


def contents(repo: Path, env: dict[str, str], rev: str) -> dict[str, tuple[str, bytes]]:
    """path -> (mode, content) of a commit, read in one ls-tree and one cat-file run."""
    entries: list[tuple[str, str, str]] = []
    for record in git(["ls-tree", "-r", "-z", "--full-tree", rev], repo, env).split(b"\0"):
        if record:
            meta, _, raw = record.partition(b"\t")
            mode, _kind, oid = meta.decode().split(" ")
            entries.append((raw.decode("utf-8", "surrogateescape"), mode, oid))
    out = git(["cat-file", "--batch"], repo, env, "".join(f"{e[2]}\n" for e in entries).encode())
    tree: dict[str, tuple[str, bytes]] = {}
    pos = 0
    for path, mode, _oid in entries:
        eol = out.index(b"\n", pos)
        size = int(out[pos:eol].split(b" ")[2])
        tree[path] = (mode, out[eol + 1 : eol + 1 + size])
        pos = eol + 1 + size + 1
    return tree


# --------------------------------------------------------------------------- session history


@dataclass
class Branch:
    ref: str
    tree: dict[str, tuple[str, bytes]]
    parent: str  # a sha or a :mark
    touched: set[str] = field(default_factory=set)  # paths written or deleted


class SessionHistory:
    """The session's commits as one fast-import stream (deterministic in seed and size)."""

    def __init__(self, seed: int, start: dict[str, tuple[str, bytes]]) -> None:
        self.rng = random.Random(seed)
        self.pools = {
            kind: sorted(p for p in start if p.startswith(prefix))
            for kind, prefix in (("src", "src/"), ("tests", "tests/"), ("docs", "docs/"))
        }
        self.plain_tools = sorted(
            p
            for p, (mode, _) in start.items()
            if mode == "100644" and p.startswith(("tools/", "config/"))
        )
        self.chunks: list[bytes] = []
        self.mark = 0
        self.number = 0
        self.who = f"{gen_repo.NAME} <{gen_repo.EMAIL}>".encode()

    # ------------------------------------------------------------------ primitives

    def _pick(self, branch: Branch, weights: tuple[float, float, float]) -> str:
        """A path of the branch's tree from the src/tests/docs pools (start paths)."""
        while True:
            kind = self.rng.choices(("src", "tests", "docs"), weights=weights)[0]
            path = self.rng.choice(self.pools[kind])
            if path in branch.tree:
                return path

    @staticmethod
    def _edit(content: bytes, number: int) -> bytes:
        return content + b"\n# session edit %d\n" % number

    def _commit(
        self, branch: Branch, message: str, ops: list[bytes], merge: str | None = None
    ) -> str:
        self.mark += 1
        self.number += 1
        date = b"%d +0000" % (SESSION_EPOCH + self.number * 600)
        head = [
            b"commit %s\n" % branch.ref.encode(),
            b"mark :%d\n" % self.mark,
            b"author %s %s\n" % (self.who, date),
            b"committer %s %s\n" % (self.who, date),
            gen_repo._data(message.encode()),
            b"from %s\n" % branch.parent.encode(),
        ]
        if merge:
            head.append(b"merge %s\n" % merge.encode())
        self.chunks.append(b"".join(head + ops) + b"\n")
        branch.parent = f":{self.mark}"
        return branch.parent

    @staticmethod
    def _write(branch: Branch, path: str, mode: str, content: bytes) -> bytes:
        branch.tree[path] = (mode, content)
        branch.touched.add(path)
        return b"M %s inline %s\n%s" % (
            mode.encode(),
            path.encode("utf-8", "surrogateescape"),
            gen_repo._data(content),
        )

    @staticmethod
    def _delete(branch: Branch, path: str) -> bytes:
        del branch.tree[path]
        branch.touched.add(path)
        return b"D %s\n" % path.encode("utf-8", "surrogateescape")

    # ------------------------------------------------------------------ commit kinds

    def small(self, branch: Branch) -> None:
        """1-14 paths across src/tests/docs, mostly edits, some new files."""
        ops, seen = [], set()
        for _ in range(self.rng.randint(1, 14)):
            path = self._pick(branch, (0.55, 0.30, 0.15))
            if path in seen:
                continue
            seen.add(path)
            mode, content = branch.tree[path]
            if self.rng.random() < 0.12:
                directory, _, name = path.rpartition("/")
                new = f"{directory}/new_{self.number}_{name}"
                ops.append(self._write(branch, new, mode, self._edit(content, self.number)))
            else:
                ops.append(self._write(branch, path, mode, self._edit(content, self.number)))
        claim = self.rng.random() < 0.1
        message = "docs: notes only" if claim else f"Session change {self.number}: {len(ops)} files"
        self._commit(branch, message, ops)

    def rename(self, branch: Branch) -> None:
        """1-5 src/docs files renamed in place, half of them also edited."""
        ops = []
        for i in range(self.rng.randint(1, 5)):
            old = self._pick(branch, (0.6, 0.0, 0.4))
            directory, _, name = old.rpartition("/")
            stem, dot, suffix = name.rpartition(".")
            new = f"{directory}/{stem}_v{self.number}{dot}{suffix}"
            mode, content = branch.tree[old]
            if i % 2:
                content = self._edit(content, self.number)
            ops += [self._delete(branch, old), self._write(branch, new, mode, content)]
        self._commit(branch, f"Rename {len(ops) // 2} modules", ops)

    def delete(self, branch: Branch) -> None:
        picks = self.rng.randint(3, 20)
        ops = [self._delete(branch, self._pick(branch, (0.4, 0.0, 0.6))) for _ in range(picks)]
        self._commit(branch, f"Remove {len(ops)} obsolete files", ops)

    def chmod(self, branch: Branch) -> None:
        """chmod +x on 10 tools/config files (a mode change, same content)."""
        ops: list[bytes] = []
        while len(ops) < 10 and self.plain_tools:
            path = self.plain_tools.pop(self.rng.randrange(len(self.plain_tools)))
            if path in branch.tree:
                ops.append(self._write(branch, path, "100755", branch.tree[path][1]))
        self._commit(branch, f"Make {len(ops)} tools executable", ops)

    def big_move(self, branch: Branch) -> None:
        """The first 3,000 test files (sorted) move from tests/unit/ to tests/suites/;
        every other one is also edited, so git must pair those by similarity."""
        moved = sorted(p for p in branch.tree if p.startswith("tests/unit/"))[:BIG_MOVE]
        ops = []
        for i, old in enumerate(moved):
            mode, content = branch.tree[old]
            if i % 2:
                content = self._edit(content, self.number)
            new = "tests/suites/" + old[len("tests/unit/") :]
            ops += [self._delete(branch, old), self._write(branch, new, mode, content)]
        self._commit(branch, f"Move {len(moved)} unit tests to tests/suites", ops)

    def merge(self, main: Branch, side: Branch) -> None:
        """Merge the side branch (its version wins for every path it touched)."""
        ops = []
        for path in sorted(side.touched):
            if path in side.tree:
                mode, content = side.tree[path]
                if main.tree.get(path) != (mode, content):
                    ops.append(self._write(main, path, mode, content))
            elif path in main.tree:
                ops.append(self._delete(main, path))
        self._commit(
            main, f"Merge branch '{side.ref[len('refs/heads/') :]}'", ops, merge=side.parent
        )

    # ------------------------------------------------------------------ the plan

    def build(self, commits: int, main: Branch, release: Branch) -> bytes:
        """`commits` commits: per 300, 5 on the release branch, 30 on a side branch,
        10 renames, 5 deletions, 4 chmod +x, one merge and one big move (not scaled)."""
        k = commits / 300
        n_release, n_side = round(5 * k), round(30 * k)
        special = ["rename"] * round(10 * k) + ["delete"] * round(5 * k) + ["chmod"] * round(4 * k)
        n_main = commits - n_release - n_side - 2  # big move and merge come on top
        if n_main < len(special):
            raise BenchError(f"a session of {commits} commits is too small for the mix")
        kinds = special + ["small"] * (n_main - len(special))
        self.rng.shuffle(kinds)
        kinds.insert(round(len(kinds) * 0.4), "big")
        fork, join = round(len(kinds) * 0.25), round(len(kinds) * 0.85)
        kinds.insert(join, "merge")
        # The timeline: side commits between the fork and the merge, release ones throughout.
        timeline: list[str] = []
        side_slots = sorted(fork + round(i * (join - fork) / max(1, n_side)) for i in range(n_side))
        release_slots = sorted(round(i * len(kinds) / max(1, n_release)) for i in range(n_release))
        for i, kind in enumerate(kinds):
            timeline.append(kind)
            timeline += ["side"] * side_slots.count(i)
            timeline += ["release"] * release_slots.count(i)
        side: Branch | None = None
        for kind in timeline:
            if kind == "side":
                if side is None:
                    side = Branch(SIDE, dict(main.tree), main.parent)
                self.small(side)
            elif kind == "release":
                self.small(release)
            elif kind == "merge":
                if side is None:
                    raise BenchError("the side branch was never forked")
                self.merge(main, side)
            elif kind == "big":
                self.big_move(main)
            else:
                getattr(self, kind)(main)
        return b"".join(self.chunks) + b"done\n"


def make_session(
    origin: Path, target: Path, size: int, seed: int, python: str, env: dict[str, str]
) -> Session:
    """Clone, add pre-session refs, start a read-only session, then write the history."""
    started = time.perf_counter()
    repo = clone(origin, target, env)
    pre_session_refs(repo, env)
    guard_start(python, repo, env)
    status = json.loads(guard_out(python, ["session", "status", "--json"], repo, env))
    tips = list(dict.fromkeys([*status["refs"].values(), status["start_head"]]))
    start = contents(repo, env, "HEAD")
    release_sha = status["refs"][RELEASE]
    main = Branch("refs/heads/main", start, status["start_head"])
    release = Branch(RELEASE, dict(start), release_sha)
    stream = SessionHistory(seed + size, start).build(size, main, release)
    git(["fast-import", "--quiet", "--done"], repo, env, stream)
    git(["reset", "-q", "--hard"], repo, env)
    settle([repo], env)
    found = int(git(["rev-list", "--count", "--branches", "HEAD", "--not", *tips], repo, env))
    if found != size:
        raise BenchError(f"{target.name}: {found} session commits, expected {size}")
    session = Session(size, repo, tips, python, env)
    session.describe(time.perf_counter() - started)
    return session


def guard_out(python: str, args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([python, "-m", "guard", *args], cwd=cwd, env=env, capture_output=True)
    if done.returncode != 0:
        raise BenchError(
            f"guard {' '.join(args)} failed ({done.returncode}): "
            f"{(done.stdout + done.stderr).decode(errors='replace')[-2000:]}"
        )
    return done.stdout.decode(errors="replace")


def guard_start(python: str, repo: Path, env: dict[str, str]) -> None:
    """A read-only session; the guard's hooks are not installed (git's samples only)."""
    guard_out(
        python, ["session", "start", "--mode", "read-only", "--reason", "benchmark"], repo, env
    )


# --------------------------------------------------------------------------- the commands


@dataclass
class Session:
    size: int
    repo: Path
    tips: list[str]  # start tips as the session recorded them, and the start commit
    python: str
    env: dict[str, str]
    stats: dict[str, int] = field(default_factory=dict)

    def ref_log(self, listing: list[str]) -> list[str]:
        return [
            "git", "log", "-z", *listing, "-M", "--diff-merges=first-parent",
            "--branches", "HEAD", "--not", *self.tips,
        ]  # fmt: skip

    def describe(self, seconds: float) -> None:
        out = git(
            ["log", "--format=%x01%H", "-z", "--name-status", "-M", "--diff-merges=first-parent",
             "--branches", "HEAD", "--not", *self.tips], self.repo, self.env,
        ).split(b"\0")  # fmt: skip
        statuses: dict[str, int] = {}
        files: set[bytes] = set()
        names: set[bytes] = set()
        i, commits, biggest = 0, 0, 0
        per = 0
        while i < len(out):
            token = out[i].lstrip(b"\n")
            i += 1
            if not token:
                continue
            if token.startswith(b"\x01"):
                commits += 1
                biggest, per = max(biggest, per), 0
                continue
            letter = token[:1].decode()
            statuses[letter] = statuses.get(letter, 0) + 1
            per += 1
            if letter in "RC":
                old, new = out[i], out[i + 1]
                i += 2
                names.update((old, new))
                files.add(new)
            else:
                names.add(out[i])
                files.add(out[i])
                i += 1
        biggest = max(biggest, per)
        self.stats = {"commits": commits, "changes": sum(statuses.values()), "files": len(files)}
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items()))
        print(
            f"session of {commits:,} commits ({self.repo.name}, built in {seconds:.0f} s): "
            f"{sum(statuses.values()):,} changes ({counts}); {len(files):,} distinct files "
            f"touched (a rename counted once), {len(names):,} path names; largest commit "
            f"{biggest:,} changes; {len(self.tips)} start tips; main now "
            f"{git(['rev-parse', 'HEAD'], self.repo, self.env).decode()[:12]}"
        )


def table(session: Session, log_format: str) -> Table:
    repo, env, python = session.repo, session.env, session.python
    script = Path(python).parent / "guard"
    guard_argv = [str(script)] if script.exists() else [python, "-m", "guard"]
    guard_log = [
        "git", "log", log_format, "--raw", "-z", "--no-abbrev", "-M", "--ignore-submodules=none",
        "--no-ext-diff", "--diff-merges=first-parent", "--ignore-missing",
        "--branches", "HEAD", "--not", *session.tips, "--",
    ]  # fmt: skip
    rows = [
        ("guard audit --format json", [*guard_argv, "audit", "--format", "json"], 1),
        ("git log --raw -M (reference)", session.ref_log(["--raw", "--no-abbrev"]), 0),
        ("git log --name-status -M", session.ref_log(["--name-status"]), 0),
        ("git log as guard calls it (LOG_FORMAT)", guard_log, 0),
        (STARTUP, [python, "-c", "pass"], 0),
    ]
    return Table(
        str(session.size),
        f"Session of {session.size:,} commits ({session.stats['changes']:,} changes, "
        f"{session.stats['files']:,} files)",
        [Cmd(name, argv, repo, env, expect) for name, argv, expect in rows],
        [rows[1][0]],
        "raw",
    )


def report(tab: Table, times: dict[str, list[tuple[float, float]]]) -> dict[str, dict[str, float]]:
    """Print the table with paired ratios to both references; return per-row figures."""
    names = [c.name for c in tab.cmds]
    raw, ns = names[1], names[2]
    width = max(len(n) for n in names)
    print(f"\n### {tab.title}\n")
    print(
        f"| {'command':<{width}} | median ms |   min |   max | cpu ms | x --raw | x --name-status |"
    )
    print(f"|{'-' * (width + 2)}|----------:|------:|------:|-------:|--------:|----------------:|")
    rows = {}
    for name in names:
        walls = [t[0] for t in times[name]]
        cpus = [t[1] for t in times[name]]
        x_raw = statistics.median(w / b[0] for w, b in zip(walls, times[raw], strict=True))
        x_ns = statistics.median(w / b[0] for w, b in zip(walls, times[ns], strict=True))
        rows[name] = {"median": statistics.median(walls), "x_raw": x_raw, "x_ns": x_ns}
        print(
            f"| {name:<{width}} | {statistics.median(walls) * 1e3:9.1f} | {min(walls) * 1e3:5.0f} "
            f"| {max(walls) * 1e3:5.0f} | {statistics.median(cpus) * 1e3:6.1f} | {x_raw:7.2f} "
            f"| {x_ns:15.2f} |"
        )
    return rows


def check_audit(session: Session, cmd: Cmd) -> None:
    """One audit with its output kept: it must see every session commit."""
    done = subprocess.run(cmd.argv, cwd=cmd.cwd, env=cmd.env, capture_output=True)
    if done.returncode != cmd.expect:
        raise BenchError(f"{cmd.name}: exit {done.returncode}: {done.stderr.decode()[-2000:]}")
    summary = json.loads(done.stdout)["summary"]
    report_ = json.loads(done.stdout)
    if summary["commits"] != session.size:
        raise BenchError(f"the audit saw {summary['commits']} commits of {session.size}")
    kinds = sorted({i["kind"] for i in report_["integrity"]})
    print(
        f"  audit ({session.size}): {summary['commits']} commits, "
        f"{summary['violating_commits']} violating, {summary['violations']:,} violations, "
        f"{summary['net_violations']:,} net, verdict {summary['verdict']}, exit {done.returncode}; "
        f"integrity: {', '.join(kinds) or 'none'}; JSON {len(done.stdout) / 1e6:.1f} MB"
    )


# --------------------------------------------------------------------------- breakdown

PHASES = r"""
import sys, time, os, json, gc
t0 = time.perf_counter()
from guard.prefetch import start as start_log
early = start_log()  # as the guard script does: the log first
t_log = time.perf_counter() - t0
gc.disable()  # as the guard script does
from guard import auditing, evidence, gitio
from guard import audit as core
mode = sys.argv[1]
if mode == "phases":
    # What the guard script does for `guard audit --format json`, with marks: when
    # each moment came (wall ms since this script began; add the interpreter's own
    # start) and the CPU each thread and git's processes spent. No call is wrapped
    # in the streaming loop, so the marks cost nothing there.
    import threading
    marks, cpu = {}, {"python main thread": 0.0, "python pipe threads": 0.0}
    last = [time.thread_time()]
    def mark(name):
        marks.setdefault(name, time.perf_counter() - t0)
    def main_cpu():
        if threading.current_thread() is threading.main_thread():
            now = time.thread_time(); cpu["python main thread"] += now - last[0]; last[0] = now
    def after(owner, name, label):
        real = getattr(owner, name)
        def inner(*a, **k):
            out = real(*a, **k); main_cpu(); mark(label); return out
        setattr(owner, name, inner)
    real_init, real_end = gitio.History.__init__, gitio.History._end
    real_drain = gitio.Pending._drain
    def init(self, *a, **k):
        real_init(self, *a, **k); mark("git log adopted")
    def end(self):
        mark("git log's last byte read"); real_end(self)
    def drain(self, process):
        begun = time.thread_time(); real_drain(self, process)
        cpu["python pipe threads"] += time.thread_time() - begun
    gitio.History.__init__, gitio.History._end, gitio.Pending._drain = init, end, drain
    after(evidence.Gathering, "finish", "evidence gathered (all but the commits)")
    after(core, "build", "report built")
    after(auditing, "render_json", "JSON rendered")  # as auditing imported it
    after(auditing, "emit", "written")
    mark("imported")
    marks["git log started"] = t_log
    evidence.prefetch(early)
    rc = auditing.audit(fmt="json", output=os.devnull)
    main_cpu()
    times = os.times()
    cpu["git (all its processes)"] = times.children_user + times.children_system
    print(json.dumps({"rc": rc, "marks": marks, "cpu": cpu}))
else:
    import cProfile, pstats, io
    prof = cProfile.Profile()
    prof.enable()
    evidence.prefetch(early)
    rc = auditing.audit(fmt="json", output=os.devnull)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(15)
    text = out.getvalue()
    print(text[text.find("   ncalls"):].rstrip())
"""


def phases(session: Session, reps: int) -> dict[str, Any]:
    """Median over `reps` in-process runs of each moment and each CPU share."""
    runs = []
    for _ in range(reps):
        done = subprocess.run(
            [session.python, "-c", PHASES, "phases"],
            cwd=session.repo,
            env=session.env,
            capture_output=True,
        )
        if done.returncode != 0:
            raise BenchError(f"breakdown failed: {done.stderr.decode(errors='replace')[-2000:]}")
        runs.append(json.loads(done.stdout.decode().strip().splitlines()[-1]))
    return {
        part: {
            key: statistics.median(r[part][key] for r in runs if key in r[part])
            for key in runs[0][part]
        }
        for part in ("marks", "cpu")
    }


def print_breakdown(
    sessions: list[Session], results: list[dict[str, Any]], whole: list[tuple[float, float]]
) -> None:
    """`whole`: per size, the table's medians of the audit and of its git log."""
    sizes = [s.size for s in sessions]
    print("\n## Where guard audit's time goes (in process, median of runs)\n")
    for size, (audit_ms, log_ms) in zip(sizes, whole, strict=True):
        print(f"- {size:,} commits: whole process {audit_ms:.0f} ms; git log alone {log_ms:.0f}")
    head = "".join(f"{f'{n:,} commits':>16}" for n in sizes)
    print(f"\n{'moment (wall ms since the script began)':<48}{head}")
    for key in sorted(results[0]["marks"], key=results[0]["marks"].get):
        cells = "".join(f"{1e3 * r['marks'].get(key, float('nan')):16.0f}" for r in results)
        print(f"{key:<48}{cells}")
    print(f"\n{'CPU (ms)':<48}{head}")
    for key in results[0]["cpu"]:
        print(f"{key:<48}" + "".join(f"{1e3 * r['cpu'][key]:16.0f}" for r in results))
    totals = "".join(f"{1e3 * sum(r['cpu'].values()):16.0f}" for r in results)
    print(f"{'total (two cores: the wall floor is half of it)':<48}{totals}")


def profile(session: Session) -> None:
    done = subprocess.run(
        [session.python, "-c", PHASES, "profile"], cwd=session.repo, env=session.env,
        capture_output=True,
    )  # fmt: skip
    print(f"\ncProfile of the audit in process, {session.size:,} commits, top 15 by own time")
    print("(threads not profiled: the log's parser runs in one)\n")
    print(done.stdout.decode(errors="replace").rstrip() or done.stderr.decode()[-2000:])


# --------------------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--runs", type=int, default=11, help="timed rounds per table (default 11)")
    add("--warmup", type=int, default=2, help="untimed rounds first (default 2)")
    add("--sizes", default="300,3000", help="session sizes in commits (default 300,3000)")
    add("--files", type=int, default=20_000, help="tracked files in the generated repo")
    add("--seed", type=int, default=20251121)
    add("--no-breakdown", dest="breakdown", action="store_false", help="skip the profile")
    add("--reps", type=int, default=3, help="in-process breakdown runs per size (default 3)")
    add("--keep", action="store_true", help="use --workdir, reuse its generated repo, keep it")
    add("--workdir", type=Path, default=Path("/tmp/guard-bench-audit"))
    add("--python", default=sys.executable, help="the Python with session-guard (default: this)")
    args = parser.parse_args()
    args.size_list = [int(s) for s in args.sizes.split(",") if s.strip()]
    return args


def main() -> int:
    args = parse_args()
    workdir = args.workdir if args.keep else Path(tempfile.mkdtemp(prefix="guard-bench-audit-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        home = workdir / "home"
        home.mkdir(exist_ok=True)
        env = gen_repo.git_env(str(home))
        describe(args.python, env)
        print(f"runs: {args.runs} (+{args.warmup} warm-up), interleaved; workdir {workdir}")
        origin, _ = origin_repo(workdir, args.files, args.seed, str(home))
        log_format = subprocess.run(
            [args.python, "-c", "from guard.prefetch import LOG_FORMAT; print(LOG_FORMAT)"],
            env=env, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        sessions = [
            make_session(origin, workdir / f"session-{n}", n, args.seed, args.python, env)
            for n in args.size_list
        ]
        results = []
        for session in sessions:
            tab = table(session, log_format)
            for cmd in tab.cmds:
                probe(cmd)
            check_audit(session, tab.cmds[0])
            print(f"running {session.size} ...", flush=True)
            results.append(report(tab, measure(tab, args.runs, args.warmup)))
        summary(sessions, results)
        if args.breakdown:
            found = [phases(s, args.reps) for s in sessions]
            whole = [
                (
                    1e3 * r["guard audit --format json"]["median"],
                    1e3 * r["git log --raw -M (reference)"]["median"],
                )
                for r in results
            ]
            print_breakdown(sessions, found, whole)
            profile(sessions[0])
        print(f"\ntotal {time.perf_counter() - started:.0f} s; load {os.getloadavg()[0]:.2f}")
        if args.keep:
            print(f"kept {workdir}: origin.git and session-N clones (active read-only sessions)")
    except BenchError as exc:
        print(f"\nbench_audit: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def summary(sessions: list[Session], results: list[dict[str, dict[str, float]]]) -> None:
    guard, raw, ns = (
        "guard audit --format json",
        "git log --raw -M (reference)",
        "git log --name-status -M",
    )
    print("\n### Summary: target and growth\n")
    print(
        "| session | changes | guard ms | git --raw ms | guard ms/commit | git ms/commit "
        "| x --raw | x --name-status | target |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for s, r in zip(sessions, results, strict=True):
        g, b = r[guard], r[raw]
        verdict = "within" if g["x_raw"] <= TARGET and g["x_ns"] <= TARGET else "OVER"
        g_ms, b_ms = g["median"] * 1e3, b["median"] * 1e3
        print(
            f"| {s.size:,} | {s.stats['changes']:,} | {g_ms:.0f} | {b_ms:.0f} "
            f"| {g_ms / s.size:.2f} | {b_ms / s.size:.2f} "
            f"| {g['x_raw']:.2f} | {g['x_ns']:.2f} | <= {TARGET:g}: {verdict} |"
        )
    if len(sessions) >= 2:
        (s1, r1), (s2, r2) = (sessions[0], results[0]), (sessions[-1], results[-1])
        extra = s2.size - s1.size
        ratio = r2[guard]["x_raw"] / r1[guard]["x_raw"]
        grow_g = (r2[guard]["median"] - r1[guard]["median"]) * 1e3 / extra
        grow_b = (r2[raw]["median"] - r1[raw]["median"]) * 1e3 / extra
        grow_n = (r2[ns]["median"] - r1[ns]["median"]) * 1e3 / extra
        print(
            f"\nratio of ratios (x --raw at {s2.size:,} / at {s1.size:,}): {ratio:.2f} "
            f"(1.00: guard grows exactly as git does)\n"
            f"marginal cost per extra commit ({s1.size:,} -> {s2.size:,}): guard {grow_g:.2f} ms, "
            f"git --raw {grow_b:.2f} ms, git --name-status {grow_n:.2f} ms "
            f"(guard/git {grow_g / grow_b:.2f})"
        )


if __name__ == "__main__":
    sys.exit(main())
