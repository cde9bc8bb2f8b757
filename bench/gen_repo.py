"""Generate a deterministic git repository for the benchmarks (about 20,000 tracked files).

Usage:
    python bench/gen_repo.py --out DIR [--files N] [--seed N] [--commits N] [--bare]

The layout is a Python project: src/<package>/**.py (production, 55%),
tests/{unit,integration}/**/test_*.py and conftest.py (tests, 30%), docs/**.md
(12%), and the usual top-level files: README, pyproject.toml, CI workflows,
config/, scripts/ (3%); a few hundred directories, one path with a space and
one with a non-ASCII name. The history is one commit with every file, then
--commits small commits on main. Everything goes through one `git fast-import`
run with fixed identities and dates, in a hermetic git environment (no system or
global config), so the same --seed and --files give the same commit ids on any
machine. Standard library only.
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
from collections.abc import Iterator
from pathlib import Path

NAME = "session-guard bench"
EMAIL = "bench@example.invalid"
EPOCH = 1_700_000_000  # 2023-11-14T22:13:20Z; commit i is EPOCH + i hours
STAMP = "guard-bench.json"  # written into the generated repository's git dir
VERSION = 1  # of the layout: bump when a change alters the generated repository

WORDS = [
    "account",
    "audit",
    "batch",
    "billing",
    "cache",
    "catalog",
    "channel",
    "checkout",
    "client",
    "cluster",
    "config",
    "connector",
    "content",
    "cursor",
    "customer",
    "dashboard",
    "dataset",
    "delivery",
    "device",
    "digest",
    "dispatch",
    "document",
    "domain",
    "encoder",
    "engine",
    "event",
    "export",
    "feature",
    "feed",
    "filter",
    "gateway",
    "graph",
    "handler",
    "health",
    "history",
    "identity",
    "importer",
    "index",
    "inventory",
    "invoice",
    "job",
    "journal",
    "kernel",
    "ledger",
    "limit",
    "loader",
    "locale",
    "mailer",
    "manifest",
    "mapper",
    "market",
    "media",
    "member",
    "message",
    "metric",
    "migration",
    "model",
    "monitor",
    "network",
    "notify",
    "order",
    "packet",
    "pager",
    "parser",
    "partner",
    "payment",
    "pipeline",
    "plugin",
    "policy",
    "pricing",
    "profile",
    "project",
    "queue",
    "quota",
    "ranking",
    "reader",
    "record",
    "region",
    "registry",
    "release",
    "report",
    "request",
    "resolver",
    "resource",
    "router",
    "runtime",
    "scheduler",
    "schema",
    "search",
    "secret",
    "sender",
    "session",
    "settings",
    "shipping",
    "signal",
    "snapshot",
    "source",
    "storage",
    "stream",
    "summary",
    "supplier",
    "sync",
    "task",
    "template",
    "tenant",
    "ticket",
    "token",
    "tracker",
    "transfer",
    "upload",
    "usage",
    "user",
    "validator",
    "vault",
    "vendor",
    "webhook",
    "widget",
    "worker",
    "workflow",
]
VERBS = [
    "build",
    "check",
    "compute",
    "convert",
    "create",
    "fetch",
    "find",
    "load",
    "merge",
    "parse",
    "read",
    "render",
    "scan",
    "send",
    "split",
    "update",
    "write",
]
DOC_SECTIONS = [
    "guides",
    "reference",
    "tutorials",
    "howto",
    "architecture",
    "api",
    "operations",
    "adr",
    "changelog",
    "faq",
]

# Shares of --files; "other" gets the rest.
SHARES = {"production": 0.55, "test": 0.30, "docs": 0.12}


def git_env(home: str) -> dict[str, str]:
    """A hermetic environment for git: no system or global config, a fixed identity,
    C locale, UTC; PATH is kept, nothing else of the caller's environment is."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LC_ALL": "C",
        "LANG": "C",
        "TZ": "UTC",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": NAME,
        "GIT_AUTHOR_EMAIL": EMAIL,
        "GIT_COMMITTER_NAME": NAME,
        "GIT_COMMITTER_EMAIL": EMAIL,
        "GIT_TERMINAL_PROMPT": "0",
        "NO_COLOR": "1",
    }


def git(args: list[str], cwd: Path | str, env: dict[str, str]) -> bytes:
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)
    return done.stdout


# --------------------------------------------------------------------------- layout


def _names(rng: random.Random, count: int, parts: int, sep: str = "_") -> list[str]:
    """`count` distinct names of `parts` words each, in a deterministic order."""
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        name = sep.join(rng.sample(WORDS, parts))
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _directories(rng: random.Random, root: str, count: int) -> list[str]:
    """`count` directories under `root`, one to three levels deep, parents included."""
    tops = _names(rng, max(3, round(count**0.5 / 1.5)), 1)
    dirs = [f"{root}/{t}" for t in tops]
    while len(dirs) < count:
        parent = rng.choice(dirs)
        if parent.count("/") >= 3:
            continue
        child = f"{parent}/{rng.choice(WORDS)}"
        if child not in dirs:
            dirs.append(child)
    return dirs


def _spread(rng: random.Random, dirs: list[str], count: int) -> Iterator[str]:
    """Pick a directory for each of `count` files: a skewed spread (a few big ones)."""
    weights = [rng.lognormvariate(0.0, 0.9) for _ in dirs]
    return iter(rng.choices(dirs, weights=weights, k=count))


def _unique(taken: set[str], directory: str, stem: str, suffix: str) -> str:
    path = f"{directory}/{stem}{suffix}"
    n = 2
    while path in taken:
        path = f"{directory}/{stem}_{n}{suffix}"
        n += 1
    taken.add(path)
    return path


def python_module(rng: random.Random, module: str) -> str:
    words = rng.sample(WORDS, 3)
    lines = [
        f'"""{module.capitalize()}: {" ".join(words)} helpers."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    lines += [
        f"import {m}"
        for m in sorted(rng.sample(["os", "re", "json", "time", "logging", "typing"], 2))
    ]
    lines.append("")
    for _ in range(rng.randint(1, 24)):
        fn = f"{rng.choice(VERBS)}_{rng.choice(WORDS)}"
        a, b = rng.randint(2, 99), rng.randint(0, 999)
        lines += [
            "",
            f"def {fn}(value: int, *, scale: int = {a}) -> int:",
            f'    """{fn.replace("_", " ").capitalize()} for one {rng.choice(WORDS)}."""',
            f"    if value < {b}:",
            "        return value * scale",
            f"    return (value - {b}) // scale + {rng.randint(1, 50)}",
            "",
        ]
    return "\n".join(lines) + "\n"


def python_test(rng: random.Random, module: str) -> str:
    lines = [f'"""Tests for {module}."""', "", "import pytest", ""]
    for i in range(rng.randint(1, 15)):
        fn = f"{rng.choice(VERBS)}_{rng.choice(WORDS)}"
        lines += [
            "",
            f"def test_{fn}_{i}():",
            f"    assert {rng.randint(0, 9)} + {rng.randint(0, 9)} >= 0",
            "",
        ]
    return "\n".join(lines) + "\n"


def markdown(rng: random.Random, title: str) -> str:
    out = [f"# {title.replace('-', ' ').capitalize()}", ""]
    for _ in range(rng.randint(1, 12)):
        out.append(f"## {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}")
        out.append("")
        out.append(" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120))) + ".")
        out.append("")
    return "\n".join(out)


def _other(rng: random.Random, taken: set[str], i: int) -> tuple[str, str, str]:
    """The i-th tooling file: config/*.yaml, scripts/*.sh (executable), tools/*.py."""
    name = WORDS[(i * 7) % len(WORDS)]
    if i % 3 == 0:
        return _unique(taken, "config", name, ".yaml"), f"{name}:\n  enabled: {i}\n", "100644"
    if i % 3 == 1:
        return _unique(taken, "scripts", name, ".sh"), f"#!/bin/sh\necho {name} {i}\n", "100755"
    return _unique(taken, "tools", name, ".py"), python_module(rng, name), "100644"


def layout(seed: int, files: int) -> dict[str, tuple[str, bytes]]:
    """path -> (mode, content) for the first commit; deterministic in (seed, files)."""
    rng = random.Random(seed)
    counts = {k: round(files * share) for k, share in SHARES.items()}
    counts["other"] = files - sum(counts.values())
    tree: dict[str, tuple[str, bytes]] = {}
    taken: set[str] = set()

    def add(path: str, text: str, mode: str = "100644") -> None:
        tree[path] = (mode, text.encode())
        taken.add(path)

    # Production: src/<package>/**/<module>.py, an __init__.py in every directory.
    src_dirs = _directories(rng, "src", max(4, counts["production"] // 60))
    for d in src_dirs:
        add(f"{d}/__init__.py", f'"""The {d.rpartition("/")[2]} package."""\n')
    where = _spread(rng, src_dirs, max(0, counts["production"] - len(src_dirs)))
    for d in where:
        stem = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
        path = _unique(taken, d, stem, ".py")
        add(path, python_module(rng, stem))

    # Tests: tests/unit mirrors part of src/, tests/integration has its own areas.
    mirrored = [
        d.replace("src/", "tests/unit/", 1) for d in rng.sample(src_dirs, len(src_dirs) // 2)
    ]
    test_dirs = mirrored + _directories(rng, "tests/integration", max(2, len(src_dirs) // 6))
    for d in test_dirs[: max(1, len(test_dirs) // 3)]:
        add(f"{d}/conftest.py", "import pytest\n\n\n@pytest.fixture\ndef value():\n    return 1\n")
    remaining = max(0, counts["test"] - sum(1 for p in tree if p.startswith("tests/")))
    for d in _spread(rng, test_dirs, remaining):
        stem = f"test_{rng.choice(WORDS)}_{rng.choice(WORDS)}"
        path = _unique(taken, d, stem, ".py")
        add(path, python_test(rng, stem))

    # Docs: docs/<section>/**.md, plus two awkward names.
    doc_dirs = _directories(rng, "docs", max(3, counts["docs"] // 40))
    doc_dirs = [
        f"docs/{DOC_SECTIONS[i % len(DOC_SECTIONS)]}{d[4:]}" for i, d in enumerate(doc_dirs)
    ]
    add("docs/guides/getting started.md", markdown(rng, "getting-started"))
    add("docs/i18n/caf\u00e9.md", markdown(rng, "cafe"))
    for d in _spread(rng, sorted(set(doc_dirs)), max(0, counts["docs"] - 2)):
        stem = f"{rng.choice(WORDS)}-{rng.choice(WORDS)}"
        path = _unique(taken, d, stem, ".md")
        add(path, markdown(rng, stem))

    # Other: top-level and tooling files (production by the default policy).
    fixed = {
        "README.md": markdown(rng, "project"),
        "CHANGELOG.md": markdown(rng, "changelog"),
        "pyproject.toml": '[project]\nname = "bench-project"\nversion = "1.0.0"\n',
        "setup.cfg": "[flake8]\nmax-line-length = 100\n",
        ".gitignore": "__pycache__/\n*.pyc\n/build/\n",
        "Makefile": "test:\n\tpytest -q\n",
        ".github/workflows/ci.yml": "on: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    }
    for path, text in fixed.items():
        add(path, text)
    i = 0
    while len(tree) < files:
        path, text, mode = _other(rng, taken, i)
        add(path, text, mode)
        i += 1
    return tree


# --------------------------------------------------------------------------- history


def _data(payload: bytes) -> bytes:
    return b"data %d\n%s\n" % (len(payload), payload)


def fast_import_stream(
    seed: int, tree: dict[str, tuple[str, bytes]], commits: int
) -> Iterator[bytes]:
    """A fast-import stream: the first commit with every file, then `commits` small ones."""
    rng = random.Random(seed + 1)
    who = f"{NAME} <{EMAIL}>".encode()
    paths = sorted(tree)
    for number in range(commits + 1):
        if number == 0:
            changed = {p: tree[p] for p in paths}
            message = b"Initial import"
        else:
            picked = rng.sample(paths, rng.randint(1, min(40, len(paths))))
            changed = {}
            for p in picked:
                mode, content = tree[p]
                tree[p] = changed[p] = (mode, content + f"\n# change {number}\n".encode())
            message = b"Change %d: %d files" % (number, len(changed))
        date = b"%d +0000" % (EPOCH + number * 3600)
        out = [
            b"commit refs/heads/main\n",
            b"author %s %s\n" % (who, date),
            b"committer %s %s\n" % (who, date),
        ]
        out.append(_data(message))
        for path, (mode, content) in changed.items():
            out.append(b"M %s inline %s\n" % (mode.encode(), path.encode()))
            out.append(_data(content))
        out.append(b"\n")
        yield b"".join(out)


def generate(
    out: Path, seed: int, files: int, commits: int, bare: bool, home: str
) -> dict[str, object]:
    """Write the repository into `out` (created; must not exist or be empty)."""
    env = git_env(home)
    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    git(["init", "-q", *(["--bare"] if bare else []), str(out)], cwd=out, env=env)
    git(["symbolic-ref", "HEAD", "refs/heads/main"], cwd=out, env=env)
    tree = layout(seed, files)
    with subprocess.Popen(
        ["git", "fast-import", "--quiet", "--done"],
        cwd=out,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    ) as proc:
        assert proc.stdin is not None
        for chunk in fast_import_stream(seed, tree, commits):
            proc.stdin.write(chunk)
        proc.stdin.write(b"done\n")
        proc.stdin.close()
        if proc.wait() != 0:
            raise SystemExit("git fast-import failed")
    imported = time.perf_counter() - start
    if not bare:
        git(["reset", "-q", "--hard"], cwd=out, env=env)
    head = git(["rev-parse", "HEAD"], cwd=out, env=env).decode().strip()
    listed = git(
        ["ls-files", "-z"] if not bare else ["ls-tree", "-r", "-z", "--name-only", "HEAD"],
        cwd=out,
        env=env,
    )
    tracked = [p.decode("utf-8", "surrogateescape") for p in listed.split(b"\0") if p]
    kinds = {"production (src/)": 0, "test (tests/)": 0, "docs (docs/)": 0, "other": 0}
    for p in tracked:
        key = {"src": "production (src/)", "tests": "test (tests/)", "docs": "docs (docs/)"}.get(
            p.partition("/")[0], "other"
        )
        kinds[key] += 1
    stats: dict[str, object] = {
        "generator": VERSION,
        "seed": seed,
        "files": files,
        "commits": commits + 1,
        "bare": bare,
        "head": head,
        "tracked": len(tracked),
        "directories": len({p.rpartition("/")[0] for p in tracked if "/" in p} | {""}) - 1,
        "kinds": kinds,
        "fast_import_s": round(imported, 2),
        "total_s": round(time.perf_counter() - start, 2),
    }
    git_dir = out if bare else out / ".git"
    (git_dir / STAMP).write_text(json.dumps(stats, indent=2) + "\n")
    return stats


def read_stamp(repo: Path) -> dict[str, object] | None:
    for candidate in (repo / STAMP, repo / ".git" / STAMP):
        try:
            stamp = json.loads(candidate.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(stamp, dict):
            return stamp
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="directory to create")
    parser.add_argument("--files", type=int, default=20_000, help="tracked files (default 20000)")
    parser.add_argument("--seed", type=int, default=20251121)
    parser.add_argument("--commits", type=int, default=10, help="small commits after the first")
    parser.add_argument(
        "--bare", action="store_true", help="no work tree (what bench_hooks clones)"
    )
    parser.add_argument("--force", action="store_true", help="delete --out first if it exists")
    args = parser.parse_args()
    if args.out.exists() and any(args.out.iterdir()):
        if not args.force:
            print(
                f"{args.out} exists and is not empty (use --force to replace it)", file=sys.stderr
            )
            return 2
        shutil.rmtree(args.out)
    with tempfile.TemporaryDirectory(prefix="guard-bench-home-") as home:
        stats = generate(args.out, args.seed, args.files, args.commits, args.bare, home)
    print(json.dumps(stats, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
