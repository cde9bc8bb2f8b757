"""`python -m guard.agent NAME`: the agent hook without the `guard` command."""

from __future__ import annotations

import sys

from guard.agent.formats import NAMES
from guard.agent.hook import EXIT_BLOCK, main

if sys.argv[1:] and sys.argv[1] in NAMES:
    sys.exit(main(sys.argv[1]))
sys.stderr.write(f"usage: python -m guard.agent {{{','.join(NAMES)}}} < hook.json\n")
sys.exit(EXIT_BLOCK)
