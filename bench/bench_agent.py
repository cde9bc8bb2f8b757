"""The agent hot path: `guard agent claude` fed a PreToolUse payload on stdin, with no
session and during a read-only session, against a bare Python start in the same
interleaved rounds.

Usage:
    python bench/bench_agent.py [--quick] [--runs N] [--keep] [--workdir DIR]

Black-box: the installed `guard` script runs as a subprocess, from a clone of the
generated repository (bench/gen_repo.py, 20,000 files), with CLAUDE_PROJECT_DIR set
as Claude Code sets it. With no session: a Write to a docs path. During the session:
that Write (allowed), a Write to a production file (refused, exit 2) and a Bash
command (allowed: it reads, and writes only into docs/). Prints its rows of the
results table; see bench/README.md.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import workspace
from timing import Cmd, Row, interleave, median, ms
from workspace import Plan, Workspace, git

NO_SESSION_TARGET = 1.1  # x python -c pass
BASH = "git status --short && grep -rn TODO src > docs/todo.md"


def payload(repo: Path, tool: str, tool_input: dict[str, str]) -> bytes:
    return json.dumps(
        {
            "session_id": "bench",
            "hook_event_name": "PreToolUse",
            "cwd": str(repo),
            "tool_name": tool,
            "tool_input": tool_input,
        }
    ).encode()


def agent_rows(ws: Workspace, origin: Path, plan: Plan) -> list[Row]:
    repo = workspace.clone(origin, ws.root / "agent", ws.env)
    env = {**ws.env, "CLAUDE_PROJECT_DIR": str(repo)}
    tracked = git(["ls-files", "-z", "src/"], repo, ws.env).split(b"\0")
    production = next(p.decode() for p in tracked if p.endswith(b".py"))
    docs = payload(repo, "Write", {"file_path": str(repo / "docs" / "analysis.md")})
    agent = [ws.guard, "agent", "claude"]

    def cmd(name: str, stdin: bytes, expect: int = 0) -> Cmd:
        return Cmd(name, agent, repo, env, expect, stdin)

    # The same payload on the floor's stdin: both pay for the pipe.
    bare = Cmd("python", [ws.python, "-c", "pass"], repo, env, stdin=docs)
    # The end-of-turn hook runs once a turn, and with no session must cost as little.
    ending = json.dumps({"hook_event_name": "Stop", "cwd": str(repo)}).encode()
    stop = Cmd("stop", [*agent, "--on-stop", "warn"], repo, env, 0, ending)
    rounds = interleave([cmd("guard", docs), stop, bare], plan.runs, plan.warmup)
    rows = [
        Row(
            f"guard agent claude{flag}, no session vs python -c pass",
            ms(rounds, name),
            ms(rounds, "python"),
            median(rounds, lambda r, name=name: r[name] / r["python"]),
            NO_SESSION_TARGET,
        )
        for name, flag in (("guard", ""), ("stop", " --on-stop warn"))
    ]
    ws.start_session(repo)
    restore = workspace.journal_restorer(repo)
    calls = {
        "Write to docs (allowed)": (docs, 0),
        "Write to production (blocked)": (
            payload(repo, "Write", {"file_path": str(repo / production)}),
            2,
        ),
        "Bash (allowed)": (payload(repo, "Bash", {"command": BASH}), 0),
    }
    cmds = [bare] + [cmd(name, stdin, expect) for name, (stdin, expect) in calls.items()]
    for c in cmds:
        c.before = restore
    rounds = interleave(cmds, plan.runs, plan.warmup)
    restore()
    for name in calls:
        rows.append(
            Row(
                f"guard agent claude, session, {name} vs python",
                ms(rounds, name),
                ms(rounds, "python"),
                median(rounds, lambda r, name=name: r[name] / r["python"]),
            )
        )
    return rows


def main() -> int:
    return workspace.main(__doc__, "guard-bench-agent-", agent_rows)


if __name__ == "__main__":
    sys.exit(main())
