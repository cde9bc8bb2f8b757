"""`python -m guard.agent NAME`: the agent hook without the `guard` command."""

from __future__ import annotations

import sys

from guard.agent.formats import NAMES
from guard.agent.hook import EXIT_BLOCK, main

STOP = (["--on-stop", "warn"], ["--on-stop", "block"])
if sys.argv[1:] and sys.argv[1] in NAMES and (len(sys.argv) == 2 or sys.argv[2:] in STOP):
    sys.exit(main(sys.argv[1], on_stop=sys.argv[3] if len(sys.argv) > 2 else None))
sys.stderr.write(
    f"usage: python -m guard.agent {{{','.join(NAMES)}}} [--on-stop warn|block] < hook.json\n"
)
sys.exit(EXIT_BLOCK)
