"""Hook overhead: git commits with and without the guard's hooks, and the session-active
pre-commit check against git's own floor, measured side by side.

Usage:
    python bench/bench_hooks.py [--runs N] [--keep] [--workdir DIR] [--files N]
                                [--staged N] [--small N] [--tables LIST] [--breakdown]

Run it with the Python that has session-guard installed (a dev venv); the hooks
are installed with that interpreter. It generates a repository with gen_repo.py
(about 20,000 files) and clones it three times: `plain` (no hooks), `hooked`
(`guard install`, no session) and `session` (`guard install`, then a read-only
session). Staged states are prepared as separate index files in `session` and
handed to each command through GIT_INDEX_FILE, as `git commit` hands its index to
the pre-commit hook; the rest of the hook's environment is what git itself sets
for hooks, captured once from a real `git commit`.

Each table runs its commands interleaved (A B C, B C A, ...) after warm-up rounds,
and reports medians and the median of the per-round ratios against the table's
baseline. Every process is timed with time.perf_counter around subprocess.run;
the cpu column is the children's user+system time (getrusage). The environment
is hermetic: no system or global git config, fixed identity, C locale, an empty
HOME, nothing of the caller's environment but PATH. A benchmark, not a test:
nothing here asserts a time; only unexpected exit codes stop it. See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gen_repo

DEVNULL = subprocess.DEVNULL
TABLES = ("shim", "commit", "big", "small")


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------- processes


@dataclass
class Cmd:
    """One command of a table. `before` runs untimed before every timed run."""

    name: str
    argv: list[str]
    cwd: Path
    env: dict[str, str]
    expect: int | None = 0
    before: Callable[[], None] | None = None


@dataclass
class Table:
    key: str
    title: str
    cmds: list[Cmd]
    baseline: list[str]  # command names summed per round
    baseline_label: str
    target: tuple[str, float] | None = None  # (row name, highest ratio wanted)
    short: str = ""  # the target's label in the summary
    notes: list[str] = field(default_factory=list)


def run_timed(cmd: Cmd) -> tuple[float, float]:
    if cmd.before is not None:
        cmd.before()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        cmd.argv, cwd=cmd.cwd, env=cmd.env, stdin=DEVNULL, stdout=DEVNULL, stderr=DEVNULL
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cmd.expect is not None and done.returncode != cmd.expect:
        raise BenchError(f"{cmd.name}: exit {done.returncode}, expected {cmd.expect}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def probe(cmd: Cmd) -> str:
    """Run once with output captured; check the exit code; return stderr's first line."""
    if cmd.before is not None:
        cmd.before()
    done = subprocess.run(cmd.argv, cwd=cmd.cwd, env=cmd.env, stdin=DEVNULL, capture_output=True)
    if cmd.expect is not None and done.returncode != cmd.expect:
        raise BenchError(
            f"{cmd.name}: exit {done.returncode}, expected {cmd.expect}\n"
            f"  argv: {cmd.argv}\n  cwd: {cmd.cwd}\n"
            f"  stderr: {done.stderr.decode(errors='replace')[:2000]}"
        )
    lines = done.stderr.decode(errors="replace").strip().splitlines()
    return lines[0] if lines else ""


def measure(table: Table, runs: int, warmup: int) -> dict[str, list[tuple[float, float]]]:
    """Interleaved rounds, the starting command rotating each round."""
    times: dict[str, list[tuple[float, float]]] = {c.name: [] for c in table.cmds}
    n = len(table.cmds)
    gc.disable()
    try:
        for r in range(warmup + runs):
            order = table.cmds[r % n :] + table.cmds[: r % n]
            for cmd in order:
                result = run_timed(cmd)
                if r >= warmup:
                    times[cmd.name].append(result)
    finally:
        gc.enable()
    return times


def report(table: Table, times: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    """Print the table; return each row's median paired ratio."""
    rounds = len(next(iter(times.values())))
    base = [sum(times[b][i][0] for b in table.baseline) for i in range(rounds)]
    base_cpu = [sum(times[b][i][1] for b in table.baseline) for i in range(rounds)]
    rows: list[tuple[str, list[float], list[float]]] = [
        (c.name, [t[0] for t in times[c.name]], [t[1] for t in times[c.name]]) for c in table.cmds
    ]
    if len(table.baseline) > 1:
        rows.append((table.baseline_label, base, base_cpu))
    width = max(len(r[0]) for r in rows)
    print(f"\n### {table.title}\n")
    print(
        f"| {'command':<{width}} | median ms |   min |   max | cpu ms | x {table.baseline_label} |"
    )
    rule = "-" * (len(table.baseline_label) + 3)
    print(f"|{'-' * (width + 2)}|----------:|------:|------:|-------:|{rule}:|")
    ratios: dict[str, float] = {}
    for name, walls, cpus in rows:
        ratio = statistics.median(w / b for w, b in zip(walls, base, strict=True))
        ratios[name] = ratio
        print(
            f"| {name:<{width}} | {statistics.median(walls) * 1e3:9.1f} | {min(walls) * 1e3:5.1f} "
            f"| {max(walls) * 1e3:5.1f} | {statistics.median(cpus) * 1e3:6.1f} "
            f"| {ratio:>{len(table.baseline_label) + 2}.2f} |"
        )
    for note in table.notes:
        print(f"\n{note}")
    return ratios


# --------------------------------------------------------------------------- set-up


def git(args: list[str], cwd: Path, env: dict[str, str], data: bytes | None = None) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, input=data, capture_output=True)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args[:3])} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


def guard_cmd(python: str, args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run([python, "-m", "guard", *args], cwd=cwd, env=env, capture_output=True)
    if done.returncode != 0:
        raise BenchError(
            f"guard {' '.join(args)} failed ({done.returncode}): "
            f"{(done.stdout + done.stderr).decode(errors='replace')}"
        )
    return done.stdout.decode(errors="replace")


def origin_repo(workdir: Path, files: int, seed: int, home: str) -> tuple[Path, dict[str, object]]:
    """The generated bare repository, reused when its stamp matches (--keep)."""
    origin = workdir / "origin.git"
    stamp = gen_repo.read_stamp(origin)
    wanted = {"files": files, "seed": seed, "generator": gen_repo.VERSION}
    if stamp and all(stamp.get(k) == v for k, v in wanted.items()):
        print(f"reusing {origin} (head {str(stamp['head'])[:12]})")
        return origin, stamp
    if origin.exists():
        shutil.rmtree(origin)
    print(f"generating {files} files into {origin} ...", flush=True)
    stats = gen_repo.generate(origin, seed, files, 10, True, home)
    print(f"  generated in {stats['total_s']} s, head {str(stats['head'])[:12]}")
    return origin, stats


def clone(origin: Path, target: Path, env: dict[str, str]) -> Path:
    if target.exists():
        shutil.rmtree(target)
    git(["clone", "-q", str(origin), str(target)], cwd=origin.parent, env=env)
    return target


def settle(repos: list[Path], env: dict[str, str]) -> None:
    """Rewrite each clone's index in a later second than its checkout. Entries written
    in the same second as the index are "racily clean": git re-reads and hashes them on
    every refresh, which made `git commit` 5x slower in whichever clone had more of them."""
    time.sleep(1.05 - time.time() % 1.0)
    for repo in repos:
        git(["update-index", "-q", "--refresh"], repo, env)
        smudged = sum(
            1
            for line in git(["ls-files", "--debug"], repo, env).splitlines()
            if line.strip() == b"size: 0\tflags: 0"
        )
        if smudged:
            print(f"  note: {repo.name} still has {smudged} racily clean index entries")


def hook_environment(workdir: Path, env: dict[str, str]) -> dict[str, str]:
    """What `git commit` adds to a pre-commit hook's environment (this git version)."""
    probe_dir = workdir / "env-probe"
    if probe_dir.exists():
        shutil.rmtree(probe_dir)
    git(["init", "-q", str(probe_dir)], cwd=workdir, env=env)
    out = probe_dir / "hook-env"
    hook = probe_dir / ".git" / "hooks" / "pre-commit"
    # The interpreter itself, not a wrapper such as a pyenv shim that edits the environment.
    hook.write_text(
        f"#!/bin/sh\n'{os.path.realpath(sys.executable)}' -I -c "
        f"'import os, json; print(json.dumps(dict(os.environ)))' > '{out}'\n"
    )
    hook.chmod(0o755)
    git(["commit", "--allow-empty", "-q", "-m", "probe"], cwd=probe_dir, env=env)
    seen = json.loads(out.read_text())
    shutil.rmtree(probe_dir)
    shell = {"PWD", "OLDPWD", "SHLVL", "_"}
    return {k: v for k, v in seen.items() if env.get(k) != v and k not in shell}


def new_blobs(repo: Path, env: dict[str, str], contents: list[bytes]) -> list[str]:
    """Write blobs in one fast-import run; return their ids in order."""
    marks = repo / ".git" / "bench-marks"
    stream = b"".join(
        b"blob\nmark :%d\ndata %d\n%s\n" % (i + 1, len(c), c) for i, c in enumerate(contents)
    )
    git(
        ["fast-import", "--quiet", f"--export-marks={marks}"],
        cwd=repo,
        env=env,
        data=stream + b"done\n",
    )
    ids = {}
    for line in marks.read_text().splitlines():
        mark, sha = line.split()
        ids[int(mark[1:])] = sha
    marks.unlink()
    return [ids[i + 1] for i in range(len(contents))]


@dataclass
class Staged:
    key: str
    label: str
    index: str  # relative to the work tree, as git passes it
    paths: int
    counts: str
    expect: int

    @property
    def size(self) -> str:
        return "big" if self.key.endswith("big") else "small"


def prepare_indexes(
    repo: Path, env: dict[str, str], seed: int, big: int, small: int
) -> list[Staged]:
    """Index files with `big` and `small` docs and production paths staged."""
    tracked = [
        p.decode("utf-8", "surrogateescape")
        for p in git(["ls-files", "-z"], repo, env).split(b"\0")
        if p
    ]
    docs = sorted(p for p in tracked if p.startswith("docs/") and p.endswith(".md"))
    prod = sorted(p for p in tracked if p.startswith("src/") and p.endswith(".py"))
    if len(prod) < big or len(docs) < small:
        raise BenchError(f"{len(prod)} production and {len(docs)} docs files: use more --files")
    rng = random.Random(seed)
    doc_dirs = sorted({p.rpartition("/")[0] for p in docs})
    docs_big = docs[:big] + [
        f"{doc_dirs[i % len(doc_dirs)]}/bench-added-{i:05d}.md"
        for i in range(max(0, big - len(docs)))
    ]
    sets = {
        "docs-big": (docs_big, 0, f"{big:,} docs paths, allowed"),
        "prod-big": (sorted(rng.sample(prod, big)), 1, f"{big:,} production paths, blocked"),
        "docs-small": (sorted(rng.sample(docs, small)), 0, f"{small} docs paths, allowed"),
        "prod-small": (sorted(rng.sample(prod, small)), 1, f"{small} production paths, blocked"),
    }
    everything = [(key, p) for key, (paths, _, _) in sets.items() for p in paths]
    blobs = new_blobs(
        repo, env, [f"{p}\nedited by the benchmark ({key})\n".encode() for key, p in everything]
    )
    by_set: dict[str, list[bytes]] = {key: [] for key in sets}
    for (key, path), sha in zip(everything, blobs, strict=True):
        by_set[key].append(
            b"100644 %s\t%s\0" % (sha.encode(), path.encode("utf-8", "surrogateescape"))
        )
    staged = []
    for key, (paths, expect, label) in sets.items():
        rel = f".git/bench-index-{key}"
        shutil.copyfile(repo / ".git" / "index", repo / rel)
        index_env = {**env, "GIT_INDEX_FILE": str(repo / rel)}
        git(["update-index", "-z", "--index-info"], repo, index_env, b"".join(by_set[key]))
        out = git(["diff", "--cached", "--name-status", "-z"], repo, index_env).split(b"\0")
        statuses = [s.decode() for s in out[0::2] if s]
        if len(statuses) != len(paths):
            raise BenchError(f"{key}: {len(statuses)} staged, expected {len(paths)}")
        counts = ", ".join(f"{statuses.count(s):,} {s}" for s in sorted(set(statuses)))
        staged.append(Staged(key, label, rel, len(paths), counts, expect))
    return staged


def restorer(state: Path) -> Callable[[], None]:
    """Put the session's journal back as it was at start (a blocked check appends)."""
    saved = {
        name: (state / name).read_bytes()
        for name in ("journal.jsonl", "journal.head")
        if (state / name).exists()
    }

    def restore() -> None:
        for name, data in saved.items():
            (state / name).write_bytes(data)

    return restore


# --------------------------------------------------------------------------- breakdown

PHASES = r"""
import sys, time
t0 = time.perf_counter()
from guard.hooks import __main__ as hm
from guard.hooks import run
t1 = time.perf_counter()
state, mode = sys.argv[1], sys.argv[2]
if mode == "phases":
    # Wall time of guard.hooks.run's callees and the public functions of gitio and
    # store, by call path (a wrapper costs about a microsecond a call).
    import functools, json, os, subprocess
    import guard.classify as classify, guard.gitio as gitio, guard.store as store
    spent, stack = {}, []
    def wrap(owner, name, label):
        fn = getattr(owner, name)
        @functools.wraps(fn)
        def inner(*a, **k):
            stack.append(label)
            key = tuple(stack)
            start = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] = spent.get(key, 0.0) + time.perf_counter() - start
                stack.pop()
        setattr(owner, name, inner)
    wrap(classify.Classifier, "indices", "Classifier.indices")
    for name, value in list(vars(run).items()):
        module = getattr(value, "__module__", "") or ""
        if callable(value) and module.startswith("guard.") and name != "pre_commit":
            if not isinstance(value, type) or name == "Classifier":
                wrap(run, name, name)
    for mod in (gitio, store):
        for name, value in list(vars(mod).items()):
            if (callable(value) and getattr(value, "__module__", "") == mod.__name__
                    and not isinstance(value, type) and not name.startswith("_")):
                wrap(mod, name, mod.__name__.rpartition(".")[2] + "." + name)
    wrap(subprocess, "run", "subprocess.run (git process)")
    wrap(json, "dumps", "json.dumps")
    wrap(json, "loads", "json.loads")
    wrap(os, "fsync", "os.fsync")
    t2 = time.perf_counter()
    rc = hm.main([state, "pre-commit"])
    t3 = time.perf_counter()
    print(f"imports (guard.hooks, guard.hooks.run): {1e3 * (t1 - t0):.1f} ms; "
          f"main(): {1e3 * (t3 - t2):.1f} ms; exit {rc}")
    def show(path):
        kids = [k for k in spent if len(k) == len(path) + 1 and k[:-1] == path]
        for k in sorted(kids, key=lambda k: -spent[k]):
            if spent[k] >= 0.0003:
                label = "  " * len(path) + k[-1]
                print(f"  {label:<44} {1e3 * spent[k]:7.1f} ms")
                show(k)
    show(())
else:
    import cProfile, pstats, io
    prof = cProfile.Profile()
    prof.enable()
    rc = hm.main([state, "pre-commit"])
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(12)
    text = out.getvalue()
    print(text[text.find("   ncalls"):].rstrip())
"""


@dataclass
class Node:
    """One line of -X importtime: a module, its own and cumulative microseconds."""

    name: str
    own: int
    cum: int
    children: list[Node]

    @property
    def ours(self) -> bool:
        return self.name == "guard" or self.name.startswith("guard.")


def importtime_tree(stderr: str) -> list[Node]:
    """Parse -X importtime output into trees (a module's imports come before it)."""
    pending: dict[int, list[Node]] = {}
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        own, cum, raw = line.split(":", 1)[1].split("|")
        name = raw[1:]
        depth = (len(name) - len(name.lstrip(" "))) // 2
        node = Node(name.strip(), int(own), int(cum), pending.pop(depth + 1, []))
        pending.setdefault(depth, []).append(node)
    return pending.get(0, [])


def _walk(node: Node, indent: int) -> None:
    heavy = sorted((c for c in node.children if not c.ours and c.cum >= 700), key=lambda c: -c.cum)
    extra = "; " + ", ".join(f"{c.name} {c.cum / 1e3:.1f}" for c in heavy) if heavy else ""
    label = "  " * indent + node.name
    print(f"  {label:<34} {node.cum / 1e3:6.1f} ms  (self {node.own / 1e3:.1f}){extra}")
    for child in node.children:
        if child.ours:
            _walk(child, indent + 1)


def _flatten(node: Node) -> list[Node]:
    return [node, *(n for child in node.children for n in _flatten(child))]


def print_imports(tree: list[Node]) -> None:
    total = sum(n.cum for n in tree)
    ours = sum(n.cum for n in tree if n.ours)
    print(
        f"  all imports {total / 1e3:.1f} ms: start-up and .pth files "
        f"{(total - ours) / 1e3:.1f} ms, guard {ours / 1e3:.1f} ms"
    )
    for node in tree:
        if node.ours:
            _walk(node, 0)
    flat = [n for node in tree if node.ours for n in _flatten(node)]
    top = sorted(flat, key=lambda n: -n.own)[:10]
    print(
        "  heaviest modules by own time (under guard): "
        + ", ".join(f"{n.name} {n.own / 1e3:.1f}" for n in top)
    )


def breakdown(setup: Setup, staged: list[Staged], runs: int = 7) -> None:
    print("\n## Where the time goes (session active, one process each)\n")
    python, repo, state = setup.python, setup.session, str(setup.state)
    for s in staged:
        env = setup.hook_env(s.index)
        print(f"### {s.label} ({s.counts})\n")
        results = []  # -X importtime: keep the run with the median total
        for _ in range(runs):
            setup.restore()
            done = subprocess.run(
                [python, "-X", "importtime", "-I", "-m", "guard.hooks", state, "pre-commit"],
                cwd=repo,
                env=env,
                stdin=DEVNULL,
                stdout=DEVNULL,
                stderr=subprocess.PIPE,
            )
            tree = importtime_tree(done.stderr.decode(errors="replace"))
            results.append((sum(n.cum for n in tree), tree))
        results.sort(key=lambda r: r[0])
        print(f"-X importtime (median of {runs} runs; ms, cumulative; heavy imports after ';'):")
        print_imports(results[len(results) // 2][1])
        titles = {
            "phases": "phases (wall, wrappers around guard.hooks.run's callees)",
            "profile": "cProfile of main(), top 12 by own time",
        }
        for mode, title in titles.items():
            setup.restore()
            done = subprocess.run(
                [python, "-I", "-c", PHASES, state, mode],
                cwd=repo,
                env=env,
                stdin=DEVNULL,
                capture_output=True,
            )
            out = done.stdout.decode(errors="replace").rstrip()
            print(f"\n{title}:\n{out or done.stderr.decode(errors='replace')[-1500:]}")
        print()
    setup.restore()


def describe(python: str, env: dict[str, str]) -> None:
    code = "import sys, guard; print(sys.version.split()[0], sys.executable, guard.__file__)"
    version, executable, module = subprocess.run(
        [python, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    source = Path(module).parent.parent
    rev = subprocess.run(
        ["git", "-C", str(source), "describe", "--always", "--dirty"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"git: {git(['--version'], Path('/'), env).decode().strip()}")
    print(f"python: {version} ({executable})")
    print(f"session-guard: {source} ({rev or 'not a git checkout'})")
    print(
        f"machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cpus; "
        f"/bin/sh -> {os.path.realpath('/bin/sh')}; load {os.getloadavg()[0]:.2f}"
    )


@dataclass
class Setup:
    """The clones and what every table needs from them."""

    workdir: Path
    env: dict[str, str]
    python: str
    plain: Path
    hooked: Path
    session: Path
    staged: list[Staged]
    added: dict[str, str]  # what git adds to a hook's environment
    restore: Callable[[], None]

    @property
    def state(self) -> Path:
        return self.session / ".git" / "guard"

    def hook_env(self, index: str) -> dict[str, str]:
        return {**self.env, **self.added, "GIT_INDEX_FILE": index}


def set_up(args: argparse.Namespace, workdir: Path) -> Setup:
    home = workdir / "home"
    home.mkdir(exist_ok=True)
    (workdir / "no-hooks").mkdir(exist_ok=True)
    env = gen_repo.git_env(str(home))
    describe(args.python, env)
    print(f"runs: {args.runs} (+{args.warmup} warm-up), interleaved; workdir {workdir}")
    origin, stats = origin_repo(workdir, args.files, args.seed, str(home))
    print(
        f"repo: {stats['tracked']:,} tracked files in {stats['directories']} directories, "
        f"{stats['kinds']}"
    )
    plain, hooked, session = (
        clone(origin, workdir / n, env) for n in ("plain", "hooked", "session")
    )
    settle([plain, hooked, session], env)
    staged = prepare_indexes(session, env, args.seed, args.staged, args.small)
    for repo in (hooked, session):
        guard_cmd(args.python, ["install"], repo, env)
    start = ["session", "start", "--mode", "read-only", "--reason", "benchmark"]
    guard_cmd(args.python, start, session, env)
    added = hook_environment(workdir, env)
    shown = ", ".join(
        f"{k}={v if len(v) < 40 else v[:37] + '...'}" for k, v in sorted(added.items())
    )
    print(f"hook environment git adds (applied to every hook-side command): {shown}")
    restore = restorer(session / ".git" / "guard")
    return Setup(workdir, env, args.python, plain, hooked, session, staged, added, restore)


def shim_table(setup: Setup) -> Table:
    env, repo, python = setup.hook_env(".git/index"), setup.hooked, setup.python
    rows = [
        ("true", [shutil.which("true") or "/bin/true"]),
        ("sh -c :", ["sh", "-c", ":"]),
        ("python -I -c pass", [python, "-I", "-c", "pass"]),
        ("python -c pass", [python, "-c", "pass"]),
    ]
    return Table(
        "shim",
        "Process starts, for scale (a shim is an sh start)",
        [Cmd(name, argv, repo, env) for name, argv in rows],
        ["sh -c :"],
        "sh -c :",
    )


def commit_table(setup: Setup) -> Table:
    base_sha = git(["rev-parse", "HEAD"], setup.plain, setup.env).decode().strip()
    counter = [0]

    def resetter(repo: Path, cmd_env: dict[str, str]) -> Callable[[], None]:
        def reset() -> None:
            git(["update-ref", "refs/heads/main", base_sha], repo, setup.env)
            counter[0] += 1  # a distinct date: every commit writes a new object
            date = f"@{gen_repo.EPOCH + 10_000_000 + counter[0]} +0000"
            cmd_env["GIT_AUTHOR_DATE"] = cmd_env["GIT_COMMITTER_DATE"] = date

        return reset

    commit = ["git", "commit", "--allow-empty", "-q", "-m", "x"]
    hooks_off = ["git", "-c", f"core.hooksPath={setup.workdir / 'no-hooks'}", *commit[1:]]
    rows = [
        ("commit, no hooks (plain clone)", commit, setup.plain),
        ("commit, guard hooks (hooked clone)", commit, setup.hooked),
        ("commit, hooks off (hooked clone, core.hooksPath=empty dir)", hooks_off, setup.hooked),
    ]
    cmds = []
    for name, argv, repo in rows:
        cmd_env = dict(setup.env)
        cmds.append(Cmd(name, argv, repo, cmd_env, 0, resetter(repo, cmd_env)))
    return Table(
        "commit",
        "(a) No session: git commit --allow-empty -q -m x, branch reset between rounds",
        cmds,
        [rows[0][0]],
        "no hooks",
        target=(rows[1][0], 1.15),
        short="(a) hooked / plain git commit, no session",
        notes=[
            "`guard install` arms the hooks: `guard session start` writes the shims and "
            "`guard session stop` removes them, so without a session git runs no hook. "
            "The last row is a control: the hooked clone with its hooks switched off."
        ],
    )


def staged_table(setup: Setup, s: Staged) -> Table:
    env, repo, python = setup.hook_env(s.index), setup.session, setup.python
    guard_restore = setup.restore if s.expect else None
    guard_rows = [
        ("sh .git/hooks/pre-commit (shim)", ["sh", ".git/hooks/pre-commit"]),
        (
            "python -I -m guard.hooks STATE pre-commit",
            [python, "-I", "-m", "guard.hooks", str(setup.state), "pre-commit"],
        ),
    ]
    script = Path(python).parent / "guard"
    if script.exists():
        guard_rows.append(("guard check --staged (click CLI)", [str(script), "check", "--staged"]))
    floor_rows = [
        ("git diff --cached --name-status -z", ["git", "diff", "--cached", "--name-status", "-z"]),
        ("python -c pass", [python, "-c", "pass"]),
    ]
    cmds = [Cmd(n, argv, repo, env, s.expect, guard_restore) for n, argv in guard_rows]
    cmds += [Cmd(n, argv, repo, env) for n, argv in floor_rows]
    part = "(b)" if s.size == "big" else "(c)"
    return Table(
        s.key,
        f"{part} Session active (read-only): {s.label} ({s.counts}), exit {s.expect}",
        cmds,
        [n for n, _ in floor_rows],
        "floor",
        target=(guard_rows[0][0], 3.0),
        short=f"{part} shim / floor, {s.label}",
        notes=["floor = git diff --cached --name-status -z + python -c pass, summed per round."],
    )


def run_tables(tables: list[Table], runs: int, warmup: int, restore: Callable[[], None]) -> None:
    summary = []
    for table in tables:
        samples = [f"{c.name}: {line}" for c in table.cmds if c.expect == 1 and (line := probe(c))]
        print(f"\nrunning {table.key} ...", flush=True)
        restore()
        ratios = report(table, measure(table, runs, warmup))
        if samples:
            print(f"(stderr, first line: {samples[0][:160]})")
        if table.target:
            row, limit = table.target
            summary.append((table.short, ratios[row], limit))
    restore()
    if summary:
        print("\n### Targets (SPEC, Performance)\n")
        print("| table | ratio | target | |")
        print("|---|---:|---:|---|")
        for title, ratio, limit in summary:
            verdict = "within" if ratio <= limit else "OVER"
            print(f"| {title} | {ratio:.2f} | <= {limit:g} | {verdict} |")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--runs", type=int, default=15, help="timed rounds per table (default 15)")
    add("--warmup", type=int, default=2, help="untimed rounds first (default 2)")
    add("--files", type=int, default=20_000, help="tracked files in the generated repo")
    add("--seed", type=int, default=20251121)
    add("--staged", type=int, default=10_000, help="paths staged in the big tables")
    add("--small", type=int, default=20, help="paths staged in the small tables")
    add("--tables", default=",".join(TABLES), help=f"subset of {','.join(TABLES)}")
    add("--breakdown", action="store_true", help="also profile the session-active hook")
    add("--keep", action="store_true", help="use --workdir, reuse its generated repo, keep it")
    add("--workdir", type=Path, default=Path("/tmp/guard-bench"))
    add("--python", default=sys.executable, help="the Python with session-guard (default: this)")
    args = parser.parse_args()
    args.wanted = [t.strip() for t in args.tables.split(",") if t.strip()]
    if unknown := set(args.wanted) - set(TABLES):
        parser.error(f"unknown tables: {', '.join(sorted(unknown))}")
    return args


def main() -> int:
    args = parse_args()
    workdir = args.workdir if args.keep else Path(tempfile.mkdtemp(prefix="guard-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        setup = set_up(args, workdir)
        tables = []
        if "shim" in args.wanted:
            tables.append(shim_table(setup))
        if "commit" in args.wanted:
            tables.append(commit_table(setup))
        chosen = [s for s in setup.staged if s.size in args.wanted]
        tables += [staged_table(setup, s) for s in chosen]
        run_tables(tables, args.runs, args.warmup, setup.restore)
        if args.breakdown:
            breakdown(setup, chosen or setup.staged)
        print(f"\ntotal {time.perf_counter() - started:.0f} s; load {os.getloadavg()[0]:.2f}")
        if args.keep:
            print(
                f"kept {workdir}: clones plain, hooked and session (an active read-only "
                "session; staged states in .git/bench-index-*)"
            )
    except BenchError as exc:
        print(f"\nbench_hooks: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
