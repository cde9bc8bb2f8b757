"""The audit: `guard audit --format json` in each of its modes against the `git log`
that lists the same commits, at two session sizes, side by side.

Usage:
    python bench/bench_audit.py [--quick] [--audit-runs N] [--sizes 300,3000] [--keep]
                                [--workdir DIR]

Black-box: the installed `guard` script and git run as subprocesses. For each size
it clones the generated repository (bench/gen_repo.py: 20,000 files, 2,000 commits),
adds pre-session refs (tags, a release branch, stale branches), starts a read-only
session (hooks not installed), and only then writes the session's history with one
`git fast-import` run: small commits across src/tests/docs, one commit that moves
3,000 test files (half of them also edited, so git needs inexact rename detection),
renames, deletes, chmod +x, a few commits on the release branch, and a side branch
merged back by a merge commit. Each mode (the active session; `--since` the start
commit; `--base` the start `--head` main) runs in its own interleaved rounds, both
sizes in the same round, so the cost per extra commit is a per-round difference.
Prints its rows of the results table; see bench/README.md.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import gen_repo
import workspace
from timing import BenchError, Cmd, Round, Row, interleave, median, ms
from workspace import Plan, Workspace, git

BIG_MOVE = 3_000  # test files moved by the one big commit, whatever the session size
SESSION_EPOCH = gen_repo.EPOCH + workspace.COMMITS * 3600  # session commit i: + i * 10 min
SIDE = "refs/heads/feature/session"
RELEASE = "refs/heads/release/1.x"
SLOPE_TARGET = 1.3  # x git log's cost per extra commit
FIXED_TARGET = 150.0  # ms over git log, at the smaller session


# --------------------------------------------------------------------------- repositories


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


@dataclass
class Session:
    size: int
    repo: Path
    tips: list[str]  # every ref tip recorded at start, and the start commit
    start: str  # the start commit (HEAD at session start): the receipt

    def modes(self) -> dict[str, tuple[list[str], list[str]]]:
        """mode -> (guard audit's extra options, the revisions its history is)."""
        judge = ["--mode", "read-only"]
        return {
            "session": ([], ["--branches", "HEAD", "--not", *self.tips]),
            "--since": (
                ["--since", self.start, *judge],
                ["--branches", "HEAD", "--not", self.start],
            ),
            "--base/--head": (
                ["--base", self.start, "--head", "main", *judge],
                ["main", "--not", self.start],
            ),
        }


def make_session(ws: Workspace, origin: Path, size: int) -> Session:
    """Clone, add pre-session refs, start a read-only session, then write the history."""
    started = time.perf_counter()
    repo = workspace.clone(origin, ws.root / f"session-{size}", ws.env)
    pre_session_refs(repo, ws.env)
    ws.start_session(repo)
    status = json.loads(ws.run_guard(["session", "status", "--json"], repo))
    tips = list(dict.fromkeys([*status["refs"].values(), status["start_head"]]))
    start = contents(repo, ws.env, "HEAD")
    main = Branch("refs/heads/main", start, status["start_head"])
    release = Branch(RELEASE, dict(start), status["refs"][RELEASE])
    stream = SessionHistory(workspace.SEED + size, start).build(size, main, release)
    git(["fast-import", "--quiet", "--done"], repo, ws.env, stream)
    git(["reset", "-q", "--hard"], repo, ws.env)
    workspace.settle([repo], ws.env)
    session = Session(size, repo, tips, status["start_head"])
    found = count_commits(session, session.modes()["session"][1], ws.env)
    if found != size:
        raise BenchError(f"{repo.name}: {found} session commits, expected {size}")
    listing = ["--format=", "-z", "--name-only", "--no-renames", "--diff-merges=first-parent"]
    changes = git(["log", *listing, *session.modes()["session"][1]], repo, ws.env).count(b"\0")
    print(
        f"session of {size:,} commits: {changes:,} changed paths (renames as two), "
        f"{len(tips)} start tips; built in {time.perf_counter() - started:.0f} s"
    )
    return session


def count_commits(session: Session, revs: list[str], env: dict[str, str]) -> int:
    return int(git(["rev-list", "--count", *revs], session.repo, env))


def log(revs: list[str], listing: list[str]) -> list[str]:
    """git's own listing of the commits an audit judges: its first-parent diffs."""
    return ["git", "log", "-z", *listing, "-M", "--diff-merges=first-parent", *revs]


def mode_cmds(ws: Workspace, session: Session, mode: str) -> list[Cmd]:
    """The audit and its two git logs in this mode and session; one audit with its
    output kept first, which must judge exactly the commits git lists."""
    extra, revs = session.modes()[mode]
    audit = [ws.guard, "audit", "--format", "json", *extra]
    cmds = [
        Cmd(f"guard {session.size}", audit, session.repo, ws.env, expect=1),
        Cmd(f"raw {session.size}", log(revs, ["--raw", "--no-abbrev"]), session.repo, ws.env),
        Cmd(f"ns {session.size}", log(revs, ["--name-status"]), session.repo, ws.env),
    ]
    seen = json.loads(cmds[0].run(capture=True).stdout)["summary"]["commits"]
    if seen != count_commits(session, revs, ws.env):
        raise BenchError(f"guard audit ({mode}) judged {seen} commits, git lists another number")
    return cmds


def mode_rows(ws: Workspace, sessions: tuple[Session, Session], mode: str, plan: Plan) -> list[Row]:
    small, large = (s.size for s in sessions)
    cmds = [c for s in sessions for c in mode_cmds(ws, s, mode)]
    rounds = interleave(cmds, plan.audit_runs, plan.warmup)

    def growth(kind: str) -> Callable[[Round], float]:
        return lambda r: r[f"{kind} {large}"] - r[f"{kind} {small}"]

    per_commit = 1e3 / (large - small)
    rows = []
    for floor, form in (("raw", "--raw"), ("ns", "--name-status")):
        rows.append(
            Row(
                f"guard audit, {mode}: per extra commit vs git log {form}",
                median(rounds, growth("guard")) * per_commit,
                median(rounds, growth(floor)) * per_commit,
                median(rounds, lambda r, f=floor: growth("guard")(r) / growth(f)(r)),
                SLOPE_TARGET,
            )
        )
    rows.append(
        Row(
            f"guard audit, {mode}: at {small:,} commits vs git log --raw",
            ms(rounds, f"guard {small}"),
            ms(rounds, f"raw {small}"),
            1e3 * median(rounds, lambda r: r[f"guard {small}"] - r[f"raw {small}"]),
            FIXED_TARGET,
            difference=True,
        )
    )
    return rows


def audit_rows(ws: Workspace, origin: Path, plan: Plan) -> list[Row]:
    small, large = (make_session(ws, origin, n) for n in plan.sizes)
    return [row for mode in small.modes() for row in mode_rows(ws, (small, large), mode, plan)]


def main() -> int:
    return workspace.main(__doc__, "guard-bench-audit-", audit_rows)


if __name__ == "__main__":
    sys.exit(main())
