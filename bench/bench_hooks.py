"""The commit hot path: `git commit` with the guard's hooks and no session, and
`guard check --staged` (the pre-commit framework's entry) with no session and during
a read-only session, each against its floor in the same interleaved rounds.

Usage:
    python bench/bench_hooks.py [--quick] [--runs N] [--keep] [--workdir DIR]

Black-box: the installed `guard` script and git run as subprocesses. It clones the
generated repository (bench/gen_repo.py, 20,000 files) three times: `plain` (no
hooks), `hooked` (`guard install`, no session) and `session` (`guard install`, then
a read-only session). Staged states are separate index files in `session`, handed
to each command through GIT_INDEX_FILE as `git commit` hands its index to a hook,
with the rest of the environment git gives hooks (captured from a real commit).
A fourth clone, `tags`, holds 50,000 tags and a session: a docs commit through every
hook there is a figure to watch (no target). Prints its rows of the results table;
see bench/README.md.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import gen_repo
import workspace
from timing import BenchError, Cmd, Row, interleave, median, ms
from workspace import Plan, Workspace, git

COMMIT_TARGET = 1.05  # x an unhooked git commit
NO_SESSION_TARGET = 1.2  # x python -c pass
SESSION_TARGETS = {20: 2.5, 10_000: 3.0}  # staged paths -> x (git diff --cached + python -c pass)
TAGS = 50_000  # refs of the repository of the many-refs row (a figure, no target)


def hook_environment(ws: Workspace) -> dict[str, str]:
    """What `git commit` adds to a pre-commit hook's environment (this git version)."""
    probe = ws.root / "env-probe"
    if probe.exists():
        shutil.rmtree(probe)
    git(["init", "-q", str(probe)], ws.root, ws.env)
    out = probe / "hook-env"
    hook = probe / ".git" / "hooks" / "pre-commit"
    # The interpreter itself, not a wrapper such as a pyenv shim that edits the environment.
    hook.write_text(
        f"#!/bin/sh\n'{os.path.realpath(ws.python)}' -I -c "
        f"'import os, json; print(json.dumps(dict(os.environ)))' > '{out}'\n"
    )
    hook.chmod(0o755)
    git(["commit", "--allow-empty", "-q", "-m", "probe"], probe, ws.env)
    seen = json.loads(out.read_text())
    shutil.rmtree(probe)
    shell = {"PWD", "OLDPWD", "SHLVL", "_"}
    return {k: v for k, v in seen.items() if ws.env.get(k) != v and k not in shell}


def new_blobs(repo: Path, env: dict[str, str], contents: list[bytes]) -> list[str]:
    """Write blobs in one fast-import run; return their ids in order."""
    marks = repo / ".git" / "bench-marks"
    stream = b"".join(
        b"blob\nmark :%d\ndata %d\n%s\n" % (i + 1, len(c), c) for i, c in enumerate(contents)
    )
    git(["fast-import", "--quiet", f"--export-marks={marks}"], repo, env, stream + b"done\n")
    ids = {}
    for line in marks.read_text().splitlines():
        mark, sha = line.split()
        ids[int(mark[1:])] = sha
    marks.unlink()
    return [ids[i + 1] for i in range(len(contents))]


@dataclass(frozen=True)
class Staged:
    label: str
    index: str  # relative to the work tree, as git passes it
    paths: int
    expect: int  # the check's exit code: 0 allowed, 1 blocked


def prepare_indexes(repo: Path, env: dict[str, str], sizes: list[int]) -> list[Staged]:
    """Index files with docs paths (allowed) and production paths (blocked) staged,
    `sizes` of each: docs files modified, then new docs files when there are too few."""
    tracked = [
        p.decode("utf-8", "surrogateescape")
        for p in git(["ls-files", "-z"], repo, env).split(b"\0")
        if p
    ]
    docs = sorted(p for p in tracked if p.startswith("docs/") and p.endswith(".md"))
    prod = sorted(p for p in tracked if p.startswith("src/") and p.endswith(".py"))
    rng = random.Random(workspace.SEED)
    doc_dirs = sorted({p.rpartition("/")[0] for p in docs})
    sets: dict[str, tuple[list[str], int]] = {}
    for n in sizes:
        more = range(max(0, n - len(docs)))
        extra = [f"{doc_dirs[i % len(doc_dirs)]}/bench-added-{i:05d}.md" for i in more]
        sets[f"docs-{n}"] = (docs + extra if extra else rng.sample(docs, n), 0)
        sets[f"prod-{n}"] = (sorted(rng.sample(prod, n)), 1)
    everything = [(key, p) for key, (paths, _) in sets.items() for p in paths]
    blobs = new_blobs(
        repo, env, [f"{p}\nedited by the benchmark ({key})\n".encode() for key, p in everything]
    )
    entries: dict[str, list[bytes]] = {key: [] for key in sets}
    for (key, path), sha in zip(everything, blobs, strict=True):
        entries[key].append(
            b"100644 %s\t%s\0" % (sha.encode(), path.encode("utf-8", "surrogateescape"))
        )
    staged = []
    for key, (paths, expect) in sets.items():
        rel = f".git/bench-index-{key}"
        shutil.copyfile(repo / ".git" / "index", repo / rel)
        index_env = {**env, "GIT_INDEX_FILE": str(repo / rel)}
        git(["update-index", "-z", "--index-info"], repo, index_env, b"".join(entries[key]))
        listed = git(["diff", "--cached", "--name-only", "-z"], repo, index_env).count(b"\0")
        if listed != len(paths):
            raise BenchError(f"{key}: {listed} paths staged, expected {len(paths)}")
        kind = "docs (allowed)" if expect == 0 else "production (blocked)"
        staged.append(Staged(f"{len(paths):,} {kind}", rel, len(paths), expect))
    return staged


def commit_row(ws: Workspace, plain: Path, hooked: Path, plan: Plan) -> Row:
    base = git(["rev-parse", "HEAD"], plain, ws.env).decode().strip()
    dates = iter(range(gen_repo.EPOCH + 10_000_000, gen_repo.EPOCH + 20_000_000))

    def cmd(name: str, repo: Path) -> Cmd:
        env = dict(ws.env)

        def reset() -> None:  # the same parent, a new date: a new commit object each run
            git(["update-ref", "refs/heads/main", base], repo, ws.env)
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{next(dates)} +0000"

        argv = ["git", "commit", "--allow-empty", "-q", "-m", "x"]
        return Cmd(name, argv, repo, env, before=reset)

    rounds = interleave([cmd("hooked", hooked), cmd("plain", plain)], plan.runs, plan.warmup)
    return Row(
        "git commit, hooks installed, no session vs unhooked",
        ms(rounds, "hooked"),
        ms(rounds, "plain"),
        median(rounds, lambda r: r["hooked"] / r["plain"]),
        COMMIT_TARGET,
    )


def many_refs_row(ws: Workspace, origin: Path, plan: Plan) -> Row:
    """A docs commit through every hook during a session, in a clone with 50,000 tags
    at 2,000 commits (each hook reads the session's start tips, and walks history
    excluding them), against the same commit with the hooks off."""
    repo = workspace.clone(origin, ws.root / "tags", ws.env)
    shas = git(["rev-list", "HEAD"], repo, ws.env).decode().split()
    creates = "".join(f"create refs/tags/t{n:05d} {shas[n % len(shas)]}\n" for n in range(TAGS))
    git(["update-ref", "--stdin"], repo, ws.env, creates.encode())
    git(["pack-refs", "--all"], repo, ws.env)
    ws.run_guard(["install"], repo)
    ws.start_session(repo)
    restore = workspace.journal_restorer(repo)
    base = shas[0]
    page = repo / "docs" / "worklog.md"
    dates = iter(range(gen_repo.EPOCH + 10_000_000, gen_repo.EPOCH + 20_000_000))

    def cmd(name: str, *config: str) -> Cmd:
        env = dict(ws.env)

        def reset() -> None:  # a new docs edit on the same parent, a new date
            restore()
            git(["update-ref", "refs/heads/main", base], repo, ws.env)
            when = next(dates)
            page.parent.mkdir(exist_ok=True)
            page.write_text(f"Worklog {when}\n")
            git(["add", "docs/worklog.md"], repo, ws.env)
            env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"@{when} +0000"

        argv = ["git", *config, "commit", "-q", "-m", "docs: worklog"]
        return Cmd(name, argv, repo, env, before=reset)

    off = ("-c", "core.hooksPath=/dev/null")
    rounds = interleave([cmd("hooked"), cmd("off", *off)], plan.runs, plan.warmup)
    restore()
    return Row(
        f"git commit of a docs file, session, {TAGS:,} tags vs hooks off",
        ms(rounds, "hooked"),
        ms(rounds, "off"),
        median(rounds, lambda r: r["hooked"] / r["off"]),
    )


def check_rows(ws: Workspace, origin: Path, plan: Plan) -> list[Row]:
    plain, hooked, session = (
        workspace.clone(origin, ws.root / name, ws.env) for name in ("plain", "hooked", "session")
    )
    workspace.settle([plain, hooked, session], ws.env)
    staged = prepare_indexes(session, ws.env, sorted(SESSION_TARGETS))
    for repo in (hooked, session):
        ws.run_guard(["install"], repo)
    ws.start_session(session)
    added = hook_environment(ws)
    restore = workspace.journal_restorer(session)
    rows = [commit_row(ws, plain, hooked, plan)]

    check = [ws.guard, "check", "--staged"]
    bare = [ws.python, "-c", "pass"]
    env = {**ws.env, **added, "GIT_INDEX_FILE": ".git/index"}
    rounds = interleave(
        [Cmd("guard", check, hooked, env), Cmd("python", bare, hooked, env)],
        plan.runs,
        plan.warmup,
    )
    rows.append(
        Row(
            "guard check --staged, no session vs python -c pass",
            ms(rounds, "guard"),
            ms(rounds, "python"),
            median(rounds, lambda r: r["guard"] / r["python"]),
            NO_SESSION_TARGET,
        )
    )
    diff = ["git", "diff", "--cached", "--name-status", "-z"]
    for s in staged:
        env = {**ws.env, **added, "GIT_INDEX_FILE": s.index}
        cmds = [
            Cmd("guard", check, session, env, s.expect, before=restore),
            Cmd("git", diff, session, env),
            Cmd("python", bare, session, env),
        ]
        rounds = interleave(cmds, plan.runs, plan.warmup)
        rows.append(
            Row(
                f"guard check --staged, session, {s.label} vs git diff + python",
                ms(rounds, "guard"),
                ms(rounds, "git", "python"),
                median(rounds, lambda r: r["guard"] / (r["git"] + r["python"])),
                SESSION_TARGETS[s.paths],
            )
        )
    restore()
    rows.append(many_refs_row(ws, origin, plan))
    return rows


def main() -> int:
    return workspace.main(__doc__, "guard-bench-hooks-", check_rows)


if __name__ == "__main__":
    sys.exit(main())
