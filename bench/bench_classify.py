"""Classification throughput: session-guard's matcher against pathspec, side by side.

Usage:
    python bench/bench_classify.py [--repo DIR ...] [--runs N] [--policy FILE]

The corpus is real paths: `git ls-files` of every --repo given, plus the files of
the running Python installation (the standard library as CPython's `Lib/`, and
each installed package as its own tree). Every run builds a new Classifier, so
its caches start cold; pathspec's PathSpec (gitwildmatch patterns, last match
wins) classifies the same corpus in the same process, alternating with it, and
both must give the same answer for every path. Prints paths per second and the
ratio. A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

from pathspec import PathSpec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from guard.classify import Classifier
from guard.policy_file import default_policy_path, load_policy


def installed_paths() -> list[str]:
    """The running interpreter's files, as repository-relative paths."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    site = Path(sysconfig.get_paths()["purelib"])
    paths = []
    for file in stdlib.rglob("*"):
        if file.is_file() and "__pycache__" not in file.parts and site not in file.parents:
            paths.append("Lib/" + file.relative_to(stdlib).as_posix())
    for file in site.rglob("*"):
        if file.is_file() and "__pycache__" not in file.parts and ".dist-info" not in str(file):
            paths.append(file.relative_to(site).as_posix())
    return paths


def repo_paths(repo: Path) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    return [p.decode("utf-8", "surrogateescape") for p in out.split(b"\0") if p]


def timed(fn: object, *args: object) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn(*args)  # type: ignore[operator]
    return time.perf_counter() - start, result


def run_guard(policy: object, paths: list[str]) -> list[int]:
    return Classifier(policy).indices(paths)  # type: ignore[arg-type]


def run_pathspec(spec: PathSpec, paths: list[str]) -> list[int]:
    check = spec.check_file
    out = []
    for p in paths:
        found = check(p).index
        out.append(-1 if found is None else found)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", action="append", type=Path, default=[])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--policy", type=Path, default=default_policy_path())
    parser.add_argument("--no-installed", action="store_true", help="only the --repo paths")
    args = parser.parse_args()

    paths: list[str] = []
    for repo in args.repo:
        paths.extend(repo_paths(repo))
    if not args.no_installed:
        paths.extend(installed_paths())
    policy = load_policy(args.policy)
    spec = PathSpec([GitIgnoreSpecPattern(p.text) for p in policy.patterns])
    dirs = len({p.rpartition("/")[0] for p in paths})
    print(
        f"corpus: {len(paths)} paths in {dirs} directories; policy: "
        f"{len(policy.patterns)} patterns ({args.policy.name})"
    )

    guard_times, spec_times, warm_times = [], [], []
    for _ in range(args.runs):
        # Three cold guard runs (a new Classifier each) per pathspec run: the guard's
        # runs are short, so more of them steady its median on a noisy machine.
        pair = []
        for _ in range(3):
            g_time, g_result = timed(run_guard, policy, paths)
            pair.append(g_time)
        s_time, s_result = timed(run_pathspec, spec, paths)
        if g_result != s_result:
            print("MISMATCH between session-guard and pathspec", file=sys.stderr)
            return 1
        guard_times.append(statistics.median(pair))
        spec_times.append(s_time)
    warm = Classifier(policy)
    warm.indices(paths)
    for _ in range(args.runs):
        warm_times.append(timed(warm.indices, paths)[0])
    w_time = statistics.median(warm_times)

    g, s = statistics.median(guard_times), statistics.median(spec_times)
    ratios = sorted(st / gt for gt, st in zip(guard_times, spec_times, strict=True))
    print(
        f"session-guard, cold caches: {len(paths) / g:>12,.0f} paths/s  "
        f"(median of {args.runs}: {g * 1000:.1f} ms)"
    )
    print(f"session-guard, warm caches: {len(paths) / w_time:>12,.0f} paths/s")
    print(f"pathspec check_file loop:   {len(paths) / s:>12,.0f} paths/s  ({s * 1000:.1f} ms)")
    print(
        f"speed-up over pathspec: {statistics.median(ratios):.1f}x "
        f"(paired runs, min {ratios[0]:.1f}x, max {ratios[-1]:.1f}x); answers identical"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
