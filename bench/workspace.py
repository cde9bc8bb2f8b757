"""The scratch side of the benchmarks: the run's plan (--quick or full), a scratch
directory under /tmp with a hermetic git environment, the generated repository and
its clones, and the installed `guard` command run as a subprocess."""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import gen_repo
from timing import BenchError, Row, print_rows

FILES = 20_000  # tracked files of the generated repository
COMMITS = 2_000  # its history before any session (the first commit and 1,999 small ones)
SEED = 20251121


@dataclass(frozen=True)
class Plan:
    """How much to measure: rounds per row and the audit's two session sizes."""

    runs: int  # timed rounds of a hot-path row
    audit_runs: int  # timed rounds of an audit row
    warmup: int
    sizes: tuple[int, int]  # session commits: the fixed cost is read at the first

    @property
    def label(self) -> str:
        return (
            f"{self.runs} rounds (audit {self.audit_runs}), {self.warmup} warm-up, "
            f"sessions of {self.sizes[0]:,} and {self.sizes[1]:,} commits"
        )


FULL = Plan(runs=41, audit_runs=31, warmup=2, sizes=(300, 3_000))
QUICK = Plan(runs=15, audit_runs=9, warmup=1, sizes=(100, 1_000))


def options(description: str) -> argparse.ArgumentParser:
    """The options every bench script takes."""
    parser = argparse.ArgumentParser(description=description)
    add = parser.add_argument
    add("--quick", action="store_true", help="fewer rounds and smaller sessions")
    add("--runs", type=int, help="timed rounds of each hot-path row")
    add("--audit-runs", type=int, help="timed rounds of each audit row")
    add("--sizes", help="the audit's two session sizes in commits, e.g. 300,3000")
    add("--keep", action="store_true", help="use --workdir, reuse its generated repo, keep it")
    add("--workdir", type=Path, default=Path("/tmp/guard-bench-run"))
    add("--files", type=int, default=FILES, help="tracked files of the generated repository")
    return parser


def plan(args: argparse.Namespace) -> Plan:
    chosen = QUICK if args.quick else FULL
    sizes = chosen.sizes
    if args.sizes:
        small, large = (int(s) for s in args.sizes.split(","))
        sizes = (small, large)
    return Plan(
        runs=args.runs or chosen.runs,
        audit_runs=args.audit_runs or chosen.audit_runs,
        warmup=chosen.warmup,
        sizes=sizes,
    )


@dataclass(frozen=True)
class Workspace:
    root: Path
    env: dict[str, str]  # hermetic: gen_repo.git_env
    guard: str  # the installed `guard` script
    python: str  # the interpreter that script runs with: the floor of a Python start
    files: int = FILES  # tracked files of the generated repository

    def run_guard(self, args: list[str], cwd: Path, codes: tuple[int, ...] = (0,)) -> bytes:
        done = subprocess.run([self.guard, *args], cwd=cwd, env=self.env, capture_output=True)
        if done.returncode not in codes:
            raise BenchError(
                f"guard {' '.join(args)} failed ({done.returncode}): "
                f"{(done.stdout + done.stderr).decode(errors='replace')[-2000:]}"
            )
        return done.stdout

    def start_session(self, repo: Path) -> None:
        start = ["session", "start", "--mode", "read-only", "--reason", "benchmark"]
        self.run_guard(start, repo)


def installed_guard() -> tuple[str, str]:
    """The `guard` script next to this Python (a venv's bin) or on PATH, and the
    interpreter its shebang names."""
    script = Path(sys.executable).parent / "guard"
    found = str(script) if script.exists() else shutil.which("guard")
    if found is None:
        raise BenchError("no `guard` command: pip install -e . into this Python's environment")
    with Path(found).open("rb") as handle:
        first = handle.readline().decode(errors="replace")
    python = first[2:].strip().split()[0] if first.startswith("#!") else sys.executable
    return found, python


@contextmanager
def workspace(args: argparse.Namespace, prefix: str) -> Iterator[Workspace]:
    """A fresh scratch directory under /tmp (deleted at the end), or --workdir with --keep."""
    root = args.workdir if args.keep else Path(tempfile.mkdtemp(prefix=prefix))
    root.mkdir(parents=True, exist_ok=True)
    (root / "home").mkdir(exist_ok=True)
    guard, python = installed_guard()
    try:
        env = gen_repo.git_env(str(root / "home"))
        yield Workspace(root, env, guard, python, getattr(args, "files", FILES))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def git(args: list[str], cwd: Path, env: dict[str, str], data: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, input=data, capture_output=True)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args[:3])} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def origin(ws: Workspace) -> Path:
    """The generated bare repository, reused when its stamp matches (--keep)."""
    repo = ws.root / "origin.git"
    stamp = gen_repo.read_stamp(repo)
    wanted = {"files": ws.files, "seed": SEED, "generator": gen_repo.VERSION, "commits": COMMITS}
    if stamp and all(stamp.get(k) == v for k, v in wanted.items()):
        print(f"reusing {repo} (head {str(stamp['head'])[:12]})")
        return repo
    if repo.exists():
        shutil.rmtree(repo)
    print(f"generating {ws.files:,} files, {COMMITS:,} commits into {repo} ...", flush=True)
    stats = gen_repo.generate(repo, SEED, ws.files, COMMITS - 1, True, ws.env["HOME"])
    print(f"  {stats['tracked']:,} tracked files, generated in {stats['total_s']} s")
    return repo


def clone(source: Path, target: Path, env: dict[str, str]) -> Path:
    if target.exists():
        shutil.rmtree(target)
    git(["clone", "-q", str(source), str(target)], cwd=source.parent, env=env)
    return target


def settle(repos: list[Path], env: dict[str, str]) -> None:
    """Rewrite each clone's index in a later second than its checkout. Entries written
    in the same second as the index are "racily clean": git re-reads and hashes them on
    every refresh, which slows `git commit` in whichever clone has more of them
    (https://git-scm.com/docs/racy-git)."""
    time.sleep(1.05 - time.time() % 1.0)
    for repo in repos:
        git(["update-index", "-q", "--refresh"], repo, env)


def describe(ws: Workspace, plan_: Plan) -> None:
    code = "import sys, guard; print(sys.version.split()[0], guard.__file__)"
    version, module = subprocess.run(
        [ws.python, "-c", code], env=ws.env, capture_output=True, text=True, check=True
    ).stdout.split()
    source = Path(module).parent.parent
    rev = subprocess.run(
        ["git", "-C", str(source), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    guard_version = ws.run_guard(["--version"], ws.root).decode().strip()
    print(f"{guard_version} from {source} ({rev or 'not a git checkout'}), script {ws.guard}")
    print(f"python {version} ({ws.python}); {git(['--version'], ws.root, ws.env).decode().strip()}")
    print(
        f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cpus, "
        f"load {os.getloadavg()[0]:.2f}; {plan_.label}; workdir {ws.root}"
    )


def journal_restorer(repo: Path) -> Callable[[], None]:
    """Put the session's journal back as it is now: a blocked check and every agent
    decision append to it, and a journal that grows between rounds is not the same
    command twice."""
    state = repo / ".git" / "guard"
    saved = {
        name: (state / name).read_bytes()
        for name in ("journal.jsonl", "journal.head")
        if (state / name).exists()
    }

    def restore() -> None:
        for name, data in saved.items():
            (state / name).write_bytes(data)

    return restore


def main(doc: str, prefix: str, build: Callable[[Workspace, Path, Plan], list[Row]]) -> int:
    """A bench script's whole run: options, scratch space, the rows, the table."""
    args = options(doc.splitlines()[0]).parse_args()
    chosen = plan(args)
    started = time.perf_counter()
    try:
        with workspace(args, prefix) as ws:
            describe(ws, chosen)
            print_rows(build(ws, origin(ws), chosen))
    except BenchError as exc:
        print(f"\n{prefix.strip('-')}: {exc}", file=sys.stderr)
        return 1
    print(f"\n{time.perf_counter() - started:.0f} s; load {os.getloadavg()[0]:.2f}")
    return 0
