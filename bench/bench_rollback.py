"""`guard rollback --apply` at scale, against git doing the same writes by itself.

Usage:
    python bench/bench_rollback.py [--files N] [--paths N] [--runs N] [--keep] [--against GUARD]

A repository of --files files (default 100,000) in which a session's one commit,
made with the hooks off, changed --paths production files (default 10,000) with
200-character paths. Timed, alternating, each from the same violated state:

- `guard rollback --apply`: the audit that plans it, the checks, the commit built
  out of sight (its trees written by `mktree`), the ref transaction, the checkout
  of the changed paths, and the audit that proves it;
- the floor: `git read-tree` of the start commit plus `git checkout-index` of the
  same paths, the index and tree writes alone (no commit, no checks);
- with `--against GUARD`, another checkout's `guard` too, in the same rounds (an
  A/B of two versions on one repository).

Run it with the Python whose environment has session-guard installed. A benchmark,
not a test: it prints the ratio and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gen_repo import git, git_env
from timing import BenchError, Cmd, Row, interleave, median, ms, print_rows
from workspace import installed_guard

TARGET = 2.0  # the SPEC's: at most twice git's own writes
COMMITTER = b"committer Bench <bench@example.com> 1700000000 +0000\n"


def long_path(n: int) -> str:
    """A production path of exactly 200 characters."""
    return (f"src/generated/module_{n:05d}/handler_{n:05d}_" + "x" * 200)[:197] + ".py"


def fast_import(
    repo: Path, env: dict[str, str], message: bytes, files: list[str], blob: int
) -> None:
    """One commit on main (on top of its tip, if any) setting `files` to blob `blob`."""
    parent = subprocess.run(
        ["git", "rev-parse", "-q", "--verify", "main"], cwd=repo, env=env, capture_output=True
    ).stdout.strip()
    stream = [f"blob\nmark :1\ndata 2\n{blob}\n".encode(), b"commit refs/heads/main\n"]
    stream += [COMMITTER, b"data %d\n%s\n" % (len(message), message)]
    stream += [b"from %s\n" % parent] if parent else []
    stream += [f"M 100644 :1 {path}\n".encode() for path in files]
    done = subprocess.run(
        ["git", "fast-import", "--quiet"], cwd=repo, env=env, input=b"".join([*stream, b"\n"])
    )
    if done.returncode != 0:
        raise BenchError("git fast-import failed")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="Keep the repository.")
    parser.add_argument(
        "--against",
        metavar="GUARD",
        help="Also time this guard script (another checkout's) in the same rounds.",
    )
    args = parser.parse_args()
    guard, _python = installed_guard()
    work = Path(tempfile.mkdtemp(prefix="guard-bench-rollback-"))
    env = git_env(str(work))
    repo = work / "repo"
    try:
        git(["init", "-q", "-b", "main", str(repo)], work, env)
        changed = [long_path(n) for n in range(args.paths)]
        others = [f"lib/part_{n // 1000:03d}/file_{n:06d}.txt" for n in range(args.files)]
        fast_import(repo, env, b"start", [*changed, *others[: args.files - args.paths]], 1)
        git(["reset", "-q", "--hard"], repo, env)
        start = git(["rev-parse", "main"], repo, env).decode().strip()
        subprocess.run([guard, "session", "start"], cwd=repo, env=env, check=True)
        fast_import(repo, env, b"drift", changed, 2)  # a commit with the hooks off
        drift = git(["rev-parse", "main"], repo, env).decode().strip()
        git(["read-tree", "-m", "-u", start, drift], repo, env)

        def violated() -> None:
            """Back to the drift, untimed: branch, index and tree, no backups, no notes."""
            git(["update-ref", "refs/heads/main", drift], repo, env)
            git(["read-tree", "--reset", "-u", drift], repo, env)
            refs = git(
                ["for-each-ref", "--format=%(refname)", "refs/guard/", "refs/notes/"], repo, env
            )
            for ref in refs.decode().split():
                git(["update-ref", "-d", ref], repo, env)

        rollback = Cmd("rollback", [guard, "rollback", "--apply"], repo, env, before=violated)
        floor = Cmd(
            "read-tree + checkout-index",
            ["sh", "-c", f"git read-tree {start} && git checkout-index -f -z --stdin"],
            repo,
            env,
            stdin="".join(f"{p}\0" for p in changed).encode(),
            before=violated,
        )
        guards = [rollback]
        if args.against:
            argv = [args.against, "rollback", "--apply"]
            guards.append(Cmd("against", argv, repo, env, before=violated))
        rounds = interleave([*guards, floor], args.runs, warmup=1)
        what = f"rollback --apply: {args.paths:,} paths of 200 chars, {args.files:,} files"
        rows = [
            Row(
                what if cmd is rollback else f"the same, {args.against}",
                ms(rounds, cmd.name),
                ms(rounds, floor.name),
                median(rounds, lambda r, name=cmd.name: r[name] / r[floor.name]),
                TARGET,
            )
            for cmd in guards
        ]
        print_rows(rows, "guard rollback")
    finally:
        if args.keep:
            print(f"kept: {repo}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
