"""Stress the enforcement layers with random commits, then check the audit agrees.

Usage:
    python bench/stress.py [--commits 1000] [--seed 20251122] [--keep]

It builds a small repository (production under src/ and the top-level build and
CI files, tests under tests/, docs under docs/ plus README.md and CHANGELOG.md),
runs `guard install` and `guard session start --mode read-only`, and then makes
--commits attempts, each a random change set (add, modify, delete, rename across
categories, exec-bit flips, and restores of non-docs paths to their start
content) committed one of six ways:

    commit        git commit                                  (pre-commit, then
    no-verify     git commit --no-verify                       reference-transaction)
    amend         git commit --amend --no-edit                (of a session commit)
    merge         a side branch, then git merge --no-ff or --ff-only into main
    bypass-config git -c core.hooksPath=/dev/null commit --no-verify   (no hook runs)
    bypass-ref    git commit-tree, then the ref file written directly  (no hook runs)

An independent oracle says what each attempt should get: allowed when every path
the new commit changes against its first parent (or the branch move changes) is
docs, or is back to its session-start content. The oracle reads git (diff-tree),
never guard. At the end it runs `guard audit --format json` and checks:

- zero false allows: no attempt through the hooks landed that the oracle refuses;
- zero lost allowed attempts: every attempt the oracle allows landed;
- zero misses: every bypassed violating commit still reachable is in the audit
  with verdict violation or mixed;
- the audit lists exactly the session's commits still reachable (amended-away
  ones are not), so its count equals the landed commits;
- the audit's verdict of every commit agrees with the oracle.

It prints the figures and exits 1 on any mismatch. Standard library only (plus
session-guard in the running interpreter). Nothing is written into this
repository: the work goes to a fresh temporary directory, deleted at the end
unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import gen_repo

WORDS = ["billing", "cache", "checkout", "client", "engine", "export", "feed", "gateway"]
WORDS += ["handler", "index", "journal", "ledger", "mailer", "router"]
POOLS = {
    "production": [f"src/app/{w}.py" for w in WORDS]
    + [
        "src/app/__init__.py",
        "src/app/data.json",
        "pyproject.toml",
        "Makefile",
        ".github/workflows/ci.yml",
        "scripts/deploy.sh",
    ],
    "test": [f"tests/test_{w}.py" for w in WORDS[:10]]
    + ["tests/conftest.py", "tests/fixtures/sample.json"],
    "docs": [f"docs/{w}.md" for w in WORDS[:10]]
    + ["README.md", "CHANGELOG.md", "docs/guide/setup.md", "docs/img/arch.png"],
}
METHODS = {  # weights
    "commit": 40,
    "no-verify": 10,
    "amend": 10,
    "merge": 18,
    "bypass-config": 13,
    "bypass-ref": 9,
}
BYPASSES = {"bypass-config", "bypass-ref"}
BYPASS_HOOKS = ["-c", "core.hooksPath=/dev/null"]
INTENTS = {"docs": 40, "violate": 45, "restore": 15}  # weights of a change set's intent
VERDICT_BAD = {"violation", "mixed"}


class StressError(Exception):
    pass


@dataclass
class Attempt:
    number: int
    method: str
    expected: bool  # the oracle: should it land?
    landed: bool = False
    commit: str | None = None  # the new commit, when one landed
    replaced: str | None = None  # the commit an amend replaced
    refusal: str = ""  # the first line of what refused it

    @property
    def via_hooks(self) -> bool:
        return self.method not in BYPASSES


@dataclass
class Repo:
    path: Path
    env: dict[str, str]
    category: dict[str, str] = field(default_factory=dict)
    start: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> (mode, oid)
    start_head: str = ""
    start_tips: list[str] = field(default_factory=list)

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(["git", *args], cwd=self.path, env=self.env, capture_output=True)
        if check and done.returncode != 0:
            raise StressError(f"git {' '.join(args[:4])} failed: {text(done.stderr)}")
        return done

    def out(self, *args: str) -> str:
        return text(self.git(*args).stdout).strip()

    def guard(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        command = [sys.executable, "-m", "guard", *args]
        return subprocess.run(command, cwd=self.path, env=self.env, capture_output=True)

    def head(self) -> str:
        return self.out("rev-parse", "HEAD")

    def branch(self) -> str:
        return self.out("symbolic-ref", "HEAD")

    def tracked(self) -> list[str]:
        return [p for p in text(self.git("ls-files", "-z").stdout).split("\0") if p]


def text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


# --------------------------------------------------------------------------- the oracle


def raw_changes(repo: Repo, old: str, new: str) -> list[tuple[str, str, str, str]]:
    """(status, path, new mode, new oid) of every path that differs, renames split."""
    out = text(
        repo.git("diff-tree", "-r", "-z", "--raw", "--no-abbrev", "--no-renames", old, new).stdout
    )
    tokens = out.split("\0")
    changes = []
    for head, path in zip(tokens[0::2], tokens[1::2], strict=False):
        _, new_mode, _, new_oid, status = head.lstrip(":").split(" ")
        changes.append((status, path, new_mode, new_oid))
    return changes


def allowed(repo: Repo, old: str, new: str) -> bool:
    """Read-only allows docs, and any path put back to its session-start state."""
    for status, path, mode, oid in raw_changes(repo, old, new):
        if repo.category[path] == "docs":
            continue
        now = None if status == "D" else (mode, oid)
        if repo.start.get(path) != now:
            return False
    return True


# --------------------------------------------------------------------------- set up


def content(rng: random.Random, path: str) -> bytes:
    if path.endswith(".png"):
        return b"\x89PNG\r\n\x1a\n" + rng.randbytes(64)
    return f"{path}: {rng.random()}\n".encode()


def build(workdir: Path, seed: int) -> Repo:
    home = workdir / "home"
    home.mkdir(parents=True)
    env = {**gen_repo.git_env(str(home)), "GIT_EDITOR": "true"}
    repo = Repo(workdir / "repo", env)
    repo.path.mkdir()
    repo.git("init", "-q", "-b", "main")
    repo.git("config", "gc.auto", "0")
    rng = random.Random(seed)
    for paths in POOLS.values():
        for path in paths[::2]:
            write(repo, path, content(rng, path))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "initial")
    classify(repo)
    return repo


def classify(repo: Repo) -> None:
    """The pools' categories, checked against the policy (a wrong pool is a bench bug)."""
    every = [p for paths in POOLS.values() for p in paths]
    done = repo.guard("classify", "--json", *every)
    found = {row["path"]: row["category"] for row in json.loads(done.stdout)}
    for category, paths in POOLS.items():
        for path in paths:
            if found[path] != category:
                raise StressError(f"{path} is {found[path]}, not {category}: fix POOLS")
            repo.category[path] = category


def begin_session(repo: Repo) -> None:
    for args in (["install"], ["session", "start", "--mode", "read-only", "--reason", "stress"]):
        done = repo.guard(*args)
        if done.returncode != 0:
            raise StressError(f"guard {' '.join(args)}: {text(done.stderr)}")
    repo.start_head = repo.head()
    repo.start_tips = repo.out("for-each-ref", "--format=%(objectname)").split()
    listing = text(repo.git("ls-tree", "-r", "-z", "--full-tree", "HEAD").stdout)
    for record in filter(None, listing.split("\0")):
        meta, path = record.split("\t", 1)
        mode, _, oid = meta.split(" ")
        repo.start[path] = (mode, oid)


def write(repo: Repo, path: str, data: bytes) -> None:
    target = repo.path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


# --------------------------------------------------------------------------- change sets


def in_category(paths: list[str], repo: Repo, category: str | None) -> list[str]:
    return [p for p in paths if category is None or repo.category[p] == category]


def op_add(repo: Repo, rng: random.Random, category: str) -> None:
    tracked = set(repo.tracked())
    free = [p for p in POOLS[category] if p not in tracked]
    if free:
        path = rng.choice(free)
        write(repo, path, content(rng, path))
        repo.git("add", "--", path)


def op_modify(repo: Repo, rng: random.Random, category: str) -> None:
    paths = in_category(repo.tracked(), repo, category)
    if paths:
        path = rng.choice(paths)
        write(repo, path, content(rng, path))
        repo.git("add", "--", path)


def op_delete(repo: Repo, rng: random.Random, category: str) -> None:
    paths = in_category(repo.tracked(), repo, category)
    if paths:
        repo.git("rm", "-q", "-f", "--", rng.choice(paths))


def op_rename(repo: Repo, rng: random.Random, category: str) -> None:
    """Move a path of `category` to a free path of any category."""
    tracked = repo.tracked()
    paths = in_category(tracked, repo, category)
    taken = set(tracked)
    free = [p for p in repo.category if p not in taken]
    if paths and free:
        target = rng.choice(free)
        (repo.path / target).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", "--", rng.choice(paths), target)


def op_chmod(repo: Repo, rng: random.Random, category: str) -> None:
    paths = in_category(repo.tracked(), repo, category)
    if paths:
        path = rng.choice(paths)
        executable = os.access(repo.path / path, os.X_OK)
        (repo.path / path).chmod(0o644 if executable else 0o755)
        repo.git("add", "--", path)


def op_restore(repo: Repo, rng: random.Random, category: str) -> None:
    """Put a non-docs path that differs from the start back to its start state: check
    out its start content, or remove a path the start did not have (deleting it, or
    moving it to a free docs path, as one tidies a scratch file into the docs)."""
    del category
    differing = [
        path
        for _, path, _, _ in raw_changes(repo, repo.start_head, "HEAD")
        if repo.category[path] != "docs"
    ]
    if not differing:
        return
    path = rng.choice(differing)
    taken = set(repo.tracked())
    free_docs = [p for p in POOLS["docs"] if p not in taken and not p.endswith(".png")]
    if path in repo.start:
        repo.git("checkout", repo.start_head, "--", path)
    elif path in taken and free_docs and rng.random() < 0.5:
        target = rng.choice(free_docs)
        (repo.path / target).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", "-f", "--", path, target)
    else:
        repo.git("rm", "-q", "-f", "--ignore-unmatch", "--", path)


OPS = {"add": op_add, "modify": op_modify, "delete": op_delete, "rename": op_rename}
OPS["chmod"] = op_chmod


def change_set(repo: Repo, rng: random.Random) -> bool:
    """Stage a random change set; False when it came out empty."""
    intent = rng.choices(list(INTENTS), list(INTENTS.values()))[0]
    if intent == "violate":
        category = rng.choice(["production", "production", "test"])
        rng.choice(list(OPS.values()))(repo, rng, category)
    elif intent == "restore":
        for _ in range(rng.randint(1, 2)):
            op_restore(repo, rng, "")
    for _ in range(rng.randint(0 if intent != "docs" else 1, 2)):
        rng.choice(list(OPS.values()))(repo, rng, "docs")
    return repo.git("diff", "--cached", "--quiet", check=False).returncode == 1


# --------------------------------------------------------------------------- attempts


def clean(repo: Repo) -> None:
    """Back to HEAD after a refusal (no hook: this is the harness, not an attempt)."""
    repo.git(*BYPASS_HOOKS, "reset", "-q", "--hard", "HEAD")
    repo.git("clean", "-fdq")


def commit_with(repo: Repo, attempt: Attempt, args: list[str]) -> None:
    before = repo.head()
    done = repo.git(*args, check=False)
    after = repo.head()
    if after != before:
        attempt.landed, attempt.commit = True, after
        return
    message = text(done.stderr)
    if "session-guard: blocked" not in message:
        raise StressError(f"attempt {attempt.number} ({attempt.method}) failed: {message}")
    attempt.refusal = message.splitlines()[0]
    clean(repo)


def bypass_ref(repo: Repo, attempt: Attempt, message: str) -> None:
    """commit-tree, then the branch's ref file written by hand: no hook, no reflog."""
    tree = repo.out("write-tree")
    sha = repo.out("commit-tree", tree, "-p", "HEAD", "-m", message)
    git_dir = Path(repo.out("rev-parse", "--absolute-git-dir"))
    (git_dir / repo.branch()).write_text(sha + "\n")
    attempt.landed, attempt.commit = True, sha


def amendable(repo: Repo, attempts: list[Attempt]) -> bool:
    """HEAD is a non-merge commit that landed during the session."""
    head = repo.head()
    made = {a.commit for a in attempts if a.commit}
    return head in made and len(repo.out("rev-list", "--parents", "-n1", "HEAD").split()) == 2


def single(repo: Repo, rng: random.Random, number: int, method: str) -> Attempt | None:
    """One commit attempt on the current branch."""
    if not change_set(repo, rng):
        return None
    message = f"attempt {number}: {method}"
    parent = repo.out("rev-parse", "HEAD^") if method == "amend" else repo.head()
    attempt = Attempt(number, method, allowed(repo, parent, repo.out("write-tree")))
    if method == "amend":
        attempt.replaced = repo.head()
        commit_with(repo, attempt, ["commit", "-q", "--amend", "--no-edit", "--allow-empty"])
    elif method == "bypass-ref":
        bypass_ref(repo, attempt, message)
    else:
        args = {
            "commit": ["commit", "-q", "-m", message],
            "no-verify": ["commit", "-q", "--no-verify", "-m", message],
            "bypass-config": [*BYPASS_HOOKS, "commit", "-q", "--no-verify", "-m", message],
        }[method]
        commit_with(repo, attempt, args)
    return attempt


def merge(repo: Repo, rng: random.Random, number: int, side: str) -> list[Attempt]:
    """A commit on a new side branch (through the hooks or past them), then a merge
    of it into main: --no-ff (a merge commit) or --ff-only (a branch move)."""
    # The driver's own set-up, past the hooks: a branch made from a HEAD that holds
    # bypassed violations is itself refused (it would carry them), which is not what
    # this attempt is about.
    repo.git(*BYPASS_HOOKS, "switch", "-q", "-c", side)
    first = single(repo, rng, number, rng.choice(["commit", "commit", "bypass-config"]))
    repo.git("switch", "-q", "main")
    made = [first] if first else []
    if first is None or not first.landed:
        return made
    main, tip = repo.head(), repo.out("rev-parse", side)
    fast = rng.random() < 0.4
    attempt = Attempt(number, "merge", allowed(repo, main, tip))
    flags = ["--ff-only"] if fast else ["--no-ff", "-m", f"attempt {number}: merge {side}"]
    commit_with(repo, attempt, ["merge", "-q", *flags, side])
    if fast:
        attempt.commit = None  # a branch move, no new commit
    return [*made, attempt]


def drive(repo: Repo, rng: random.Random, count: int) -> list[Attempt]:
    attempts: list[Attempt] = []
    started = time.perf_counter()
    rounds = reported = 0
    while len(attempts) < count:
        rounds += 1
        method = rng.choices(list(METHODS), list(METHODS.values()))[0]
        if method == "amend" and not amendable(repo, attempts):
            method = "commit"
        number = len(attempts) + 1
        if method == "merge":
            attempts.extend(merge(repo, rng, number, f"side-{rounds}"))
        else:
            attempts.extend(filter(None, [single(repo, rng, number, method)]))
        if len(attempts) >= min(reported + 100, count):
            reported = len(attempts)
            print(f"  {len(attempts)} attempts, {time.perf_counter() - started:.0f} s", flush=True)
    return attempts


# --------------------------------------------------------------------------- checks


@dataclass
class Figures:
    attempts: int = 0
    through_hooks: int = 0
    blocked: int = 0
    bypassed: int = 0
    landed: int = 0  # new commits that landed (merge --ff-only moves are not commits)
    amended_away: int = 0
    bypassed_gone: int = 0  # bypassed violating commits an amend made unreachable
    reachable: int = 0
    audit_commits: int = 0
    audit_violations: int = 0
    false_allows: int = 0
    misses: int = 0
    lost_allowed: int = 0
    audit_mismatch: int = 0  # commits in the audit xor reachable session commits
    verdict_disagreements: int = 0
    integrity: str = ""
    examples: list[str] = field(default_factory=list)

    def failed(self) -> bool:
        bad = (self.false_allows, self.misses, self.lost_allowed, self.audit_mismatch)
        return any(bad) or self.verdict_disagreements > 0 or self.audit_commits != self.reachable


def audit(repo: Repo, figures: Figures) -> dict[str, dict[str, Any]]:
    done = repo.guard("audit", "--format", "json")
    if done.returncode not in (0, 1):
        raise StressError(f"guard audit failed ({done.returncode}): {text(done.stderr)}")
    report = json.loads(done.stdout)
    kinds = sorted({i["kind"] for i in report["integrity"]})
    figures.integrity = ", ".join(kinds) or "none"
    return {c["sha"]: c for c in report["commits"]}


def tally(attempts: list[Attempt], figures: Figures) -> None:
    figures.attempts = len(attempts)
    figures.through_hooks = sum(a.via_hooks for a in attempts)
    figures.blocked = sum(a.via_hooks and not a.landed for a in attempts)
    figures.bypassed = sum(not a.via_hooks for a in attempts)
    figures.landed = sum(a.commit is not None for a in attempts)
    figures.amended_away = sum(a.replaced is not None and a.landed for a in attempts)
    for a in attempts:
        if a.via_hooks and a.landed and not a.expected:
            figures.false_allows += 1
            figures.examples.append(f"false allow: attempt {a.number} ({a.method}) {a.commit}")
        if a.expected and not a.landed:
            figures.lost_allowed += 1
            figures.examples.append(f"lost: attempt {a.number} ({a.method}): {a.refusal}")


def flagged(row: dict[str, Any]) -> list[str]:
    """The audit's violating changes of a commit, as `STATUS old -> new`."""
    return [
        f"{c['status']} {c['old_path'] + ' -> ' if c['old_path'] else ''}{c['path']}"
        for c in row["changes"]
        if not c["allowed"] and not c["restores"]
    ] or ["(none)"]


def compare(
    attempts: list[Attempt], reachable: set[str], found: dict[str, Any], figures: Figures
) -> None:
    figures.reachable = len(reachable)
    figures.audit_commits = len(found)
    figures.audit_violations = sum(c["verdict"] in VERDICT_BAD for c in found.values())
    figures.audit_mismatch = len(reachable ^ set(found))
    for a in attempts:
        gone = a.commit is not None and a.commit not in reachable
        figures.bypassed_gone += gone and not a.via_hooks and not a.expected
        if a.commit is None or gone:
            continue
        verdict = found.get(a.commit, {}).get("verdict")
        if not a.via_hooks and not a.expected and verdict not in VERDICT_BAD:
            figures.misses += 1
            figures.examples.append(f"miss: attempt {a.number} ({a.method}) {a.commit}: {verdict}")
        if verdict is not None and (verdict in VERDICT_BAD) == a.expected:
            figures.verdict_disagreements += 1
            figures.examples.append(
                f"disagreement: attempt {a.number} ({a.method}) {a.commit[:12]}: audit says "
                f"{verdict}, the oracle {'allows' if a.expected else 'refuses'} it; flagged: "
                + ", ".join(flagged(found[a.commit]))
            )


def check(repo: Repo, attempts: list[Attempt]) -> Figures:
    figures = Figures()
    tally(attempts, figures)
    listed = repo.out("rev-list", "--branches", "HEAD", "--not", *repo.start_tips)
    compare(attempts, set(listed.split()), audit(repo, figures), figures)
    return figures


def report(figures: Figures, elapsed: float) -> None:
    rows = [
        ("attempts", figures.attempts),
        ("  through the hooks", figures.through_hooks),
        ("  blocked", figures.blocked),
        ("  bypassed", figures.bypassed),
        ("commits landed", figures.landed),
        ("  replaced by an amend", figures.amended_away),
        ("  still reachable", figures.reachable),
        ("  bypassed violations replaced by an amend", figures.bypassed_gone),
        ("audit commits", figures.audit_commits),
        ("audit violations (violation or mixed)", figures.audit_violations),
        ("false allows", figures.false_allows),
        ("misses (bypassed violations not flagged)", figures.misses),
        ("lost allowed attempts", figures.lost_allowed),
        ("audit commits not matching the reachable ones", figures.audit_mismatch),
        ("audit verdicts disagreeing with the oracle", figures.verdict_disagreements),
        ("elapsed s", round(elapsed, 1)),
        ("audit integrity findings", figures.integrity),
    ]
    for name, value in rows:
        print(f"{name:<48} {value:>8}")
    for line in figures.examples[:40]:
        print(f"  {line}")
    if len(figures.examples) > 40:
        print(f"  ... and {len(figures.examples) - 40} more")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commits", type=int, default=1000, help="commit attempts (1000)")
    parser.add_argument("--seed", type=int, default=20251122)
    parser.add_argument("--keep", action="store_true", help="keep the repository")
    options = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="guard-stress-"))
    started = time.perf_counter()
    try:
        repo = build(workdir, options.seed)
        begin_session(repo)
        print(f"{options.commits} attempts in {repo.path} (seed {options.seed})", flush=True)
        attempts = drive(repo, random.Random(options.seed), options.commits)
        figures = check(repo, attempts)
    except StressError as exc:
        print(f"stress: {exc}", file=sys.stderr)
        return 2
    finally:
        if options.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(figures, time.perf_counter() - started)
    print("FAIL" if figures.failed() else "OK: every figure matches")
    return 1 if figures.failed() else 0


if __name__ == "__main__":
    sys.exit(main())
