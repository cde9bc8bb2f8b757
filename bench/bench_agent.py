"""The agent hook's cost per tool call, with and without a session, side by side.

Usage:
    python bench/bench_agent.py [--runs N]

Builds a small repository, then times `guard agent claude` fed a PreToolUse `Write`
payload: with no session (the SPEC: no more than a bare Python start), and with a
read-only session for an allowed path (docs/analysis.md), a refused one
(src/app.py) and a screened shell command. The floor, `python -c pass`, is measured
in the same interleaved rounds, and so is the hook started directly with
`python -I -c`, without the `guard` script. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GUARD = str(Path(sys.executable).parent / "guard")


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    clean.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_AUTHOR_NAME="bench",
        GIT_AUTHOR_EMAIL="bench@example.com",
        GIT_COMMITTER_NAME="bench",
        GIT_COMMITTER_EMAIL="bench@example.com",
    )
    return clean


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


def timed(argv: list[str], repo: Path, stdin: bytes, environ: dict[str, str]) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, input=stdin, capture_output=True, env=environ)
    return time.perf_counter() - start, done.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    environ = env()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        (repo / "src").mkdir()
        (repo / "src" / "app.py").write_text("x = 1\n")
        for command in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "init"]):
            subprocess.run(["git", *command], cwd=repo, env=environ, check=True)
        write_docs = payload(repo, "Write", {"file_path": str(repo / "docs/analysis.md")})
        write_src = payload(repo, "Write", {"file_path": str(repo / "src/app.py")})
        bypass = payload(repo, "Bash", {"command": "git commit --no-verify -qam fix"})
        agent = [GUARD, "agent", "claude"]
        direct = [
            sys.executable,
            "-I",
            "-c",
            "import sys; from guard.agent.hook import main; sys.exit(main('claude'))",
        ]
        rows = {
            "python -c pass": ([sys.executable, "-c", "pass"], b"", 0),
            "no session: guard agent claude": (agent, write_docs, 0),
            "no session: python -I -c (the hook without the guard script)": (
                direct,
                write_docs,
                0,
            ),
        }
        results: dict[str, list[float]] = {name: [] for name in rows}
        for _ in range(args.runs):
            for name, (argv, stdin, expect) in rows.items():
                seconds, code = timed(argv, repo, stdin, environ)
                assert code == expect, (name, code)
                results[name].append(seconds)
        subprocess.run(
            [GUARD, "session", "start", "--reason", "bench"],
            cwd=repo,
            env=environ,
            capture_output=True,
            check=True,
        )
        session_rows = {
            "session: Write docs/analysis.md (allowed)": (agent, write_docs, 0),
            "session: Write src/app.py (refused)": (agent, write_src, 2),
            "session: Bash git commit --no-verify (refused)": (agent, bypass, 2),
            "python -c pass (again)": ([sys.executable, "-c", "pass"], b"", 0),
        }
        results.update({name: [] for name in session_rows})
        for _ in range(args.runs):
            for name, (argv, stdin, expect) in session_rows.items():
                seconds, code = timed(argv, repo, stdin, environ)
                assert code == expect, (name, code)
                results[name].append(seconds)
    floor = statistics.median(results["python -c pass"] + results["python -c pass (again)"])
    print(f"python {sys.version.split()[0]}; {args.runs} interleaved rounds; medians\n")
    print("| call | median ms | x python -c pass |")
    print("| --- | ---: | ---: |")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"| {name} | {median * 1000:.1f} | {median / floor:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
