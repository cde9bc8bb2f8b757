"""The `guard` command (bin/guard): `guard check --staged` (what the pre-commit framework
runs on every commit) and `guard agent NAME` (what an agent runs before every tool
call) skip loading click and the rest of the CLI, which would cost more than the
check itself."""

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
    stop = sys.argv[3:] in (["--on-stop", "warn"], ["--on-stop", "block"])
    if sys.argv[1:2] == ["agent"] and len(sys.argv) > 2 and (len(sys.argv) == 3 or stop):
        # An agent runs this before every tool call (and, with --on-stop, at the end of
        # each turn): with no session it must cost no more than a bare Python start (the
        # hook imports only os and sys until it finds a session's files), so click and
        # the CLI stay unloaded.
        from guard.agent.formats import AGENTS

        if sys.argv[2] in AGENTS:
            from guard.agent.hook import main as agent_main

            sys.exit(agent_main(sys.argv[2], on_stop=sys.argv[4] if stop else None))
    from guard.cli import main as cli_main

    cli_main()
