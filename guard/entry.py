"""The `guard` command (bin/guard): `guard check --staged` (what the pre-commit framework
runs on every commit) and `guard agent NAME` (what an agent runs before every tool
call) skip loading click and the rest of the CLI, which would cost more than the
check itself."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["check", "--staged"]:
        from guard.hooks.__main__ import run_hook

        sys.exit(run_hook(None, "pre-commit", []))
    if len(sys.argv) == 3 and sys.argv[1] == "agent":
        # An agent runs this before every tool call: with no session it must cost no
        # more than a bare Python start (the hook imports only os and sys until it
        # finds a session's files), so click and the CLI stay unloaded.
        from guard.hooks.agent import AGENTS
        from guard.hooks.agent import main as agent_main

        if sys.argv[2] in AGENTS:
            sys.exit(agent_main(sys.argv[2]))
    from guard.cli import main as cli_main

    cli_main()
