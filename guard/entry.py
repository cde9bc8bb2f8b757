"""The `guard` console script: `guard check --staged` (what the pre-commit framework
runs on every commit) skips loading click and the rest of the CLI, which would
cost more than the check itself."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["check", "--staged"]:
        from guard.hooks.__main__ import run_hook

        sys.exit(run_hook(None, "pre-commit", []))
    from guard.cli import main as cli_main

    cli_main()
