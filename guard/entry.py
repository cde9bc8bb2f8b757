"""The `guard` command (bin/guard): `guard check --staged` (what the pre-commit framework
runs on every commit) and `guard agent NAME` (what an agent runs before every tool
call) skip loading click and the rest of the CLI, which would cost more than the
check itself; `guard audit` starts reading the history first, and its common shapes
skip click too."""

from __future__ import annotations

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["check", "--staged"]:
        # The pre-commit framework runs this on every commit: with no session it must
        # cost no more than a bare Python start, so the repository is found by walking
        # up to its `.git` (as the agent hook does), not by running git.
        from guard.location import active_state

        state = active_state((os.getcwd(),), os.environ)
        if state is None:
            sys.exit(0)
        from guard.hooks.__main__ import run_hook

        sys.exit(run_hook(state, "pre-commit", []))
    if len(sys.argv) == 3 and sys.argv[1] == "agent":
        # An agent runs this before every tool call: with no session it must cost no
        # more than a bare Python start (the hook imports only os and sys until it
        # finds a session's files), so click and the CLI stay unloaded.
        from guard.agent.formats import AGENTS

        if sys.argv[2] in AGENTS:
            from guard.agent.hook import main as agent_main

            sys.exit(agent_main(sys.argv[2]))
    if sys.argv[1:2] == ["audit"]:
        _audit(sys.argv[2:])
    from guard.cli import main as cli_main

    cli_main()


def _audit(args: list[str]) -> None:
    """`guard audit` of the active (or latest) session: its git log starts before
    anything else loads, and `audit [--format F] [--output FILE]` skips click; the
    other shapes (options, help, bad values) go on to click."""
    if any(arg.startswith(("--session", "--since", "--base", "--head")) for arg in args):
        return
    import gc

    from guard.prefetch import start

    early = start()
    # What the audit builds lives until os._exit below: the cyclic collector would
    # only walk it again and again (about 60 passes, 10-15 ms for 300 commits).
    gc.disable()
    from guard import auditing
    from guard.evidence import prefetch

    prefetch(early)
    options = auditing.fast_argv(args)
    if options is not None:
        from guard.errors import boundary

        if hasattr(sys.stderr, "reconfigure"):  # as cli.run: non-UTF-8 paths print as bytes
            sys.stderr.reconfigure(errors="surrogateescape")
        fmt, output = options.get("--format", "text"), options.get("--output")
        code = boundary(lambda: auditing.audit(fmt=fmt, output=output))
        # Everything is written and every git process waited for: leave without
        # tearing down the report's objects one by one (about 30 ms for 300 commits).
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    gc.enable()  # click's way: an ordinary process again
