"""husky 9's conventions: its hook wrappers, and running one from the guard's shim.

husky 9 sets core.hooksPath to `.husky/_` and, on every run (`npm install` runs it
through the `prepare` script), writes there a wrapper for each of the hooks it knows:
`. "$(dirname "$0")/h"`. Its runner `h` then runs the user's script `.husky/<name>`,
taking the name from the wrapper's own path. So a wrapper moved aside to
`<hook>.guard-chained` and run from there would look for
`.husky/pre-commit.guard-chained` and silently run nothing: the guard's shim sources
it in a subshell instead, where `$0` is still the hook's own path. reference-transaction
is not among husky's hooks, so husky never writes that one; the pre-commit and
pre-push shims it writes its wrapper over again, which is the same wrapper the shim
already runs, so `guard install` and `session start` take them back.

Read from husky 9.1.7's source and checked against it (tests/e2e/test_hook_managers.py).
"""

from __future__ import annotations

import os
import re

# 9.1 writes `$(dirname "$0")`, 9.0 wrote `${0%/*}`.
_WRAPPER = re.compile(rb'#!/usr/bin/env sh\n\. "(\$\(dirname "\$0"\)|\$\{0%/\*\})/h"\n?')


def is_wrapper(path: str) -> bool:
    """Whether the file at `path` is one of husky's hook wrappers."""
    try:
        with open(path, "rb") as handle:
            return _WRAPPER.fullmatch(handle.read(256)) is not None
    except OSError:
        return False


def manages(hooks_dir: str) -> bool:
    """Whether husky wrote the hooks directory: its runner `h` beside its wrappers."""
    return os.path.isfile(os.path.join(hooks_dir, "h")) and any(
        is_wrapper(os.path.join(hooks_dir, hook)) for hook in ("pre-commit", "pre-push")
    )
