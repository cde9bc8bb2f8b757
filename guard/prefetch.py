"""`guard audit`'s one big git log, started before the rest of session-guard loads.

The log is the audit's critical path; the console script starts it first, from the
active session's start tips read here without checks (only os, subprocess and json
are loaded). `evidence.Gathering` then loads and checks the session properly and
adopts the running process only if it would have started exactly the same one.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping
from typing import Any

LOG_FORMAT = "--format=%x01%H %P%x00%an <%ae>%x00%aI%x00%B"


def log_args(include: list[str], exclude: list[str]) -> list[str]:
    """The audit's `git log`: commits of `include` not in `exclude`, each with its raw
    changes against its first parent, renames detected."""
    return [
        "log",
        LOG_FORMAT,
        "--raw",
        "-z",
        "--no-abbrev",
        "-M",
        "--ignore-submodules=none",
        "--no-ext-diff",
        "--diff-merges=first-parent",
        "--ignore-missing",
        *include,
        "--not",
        *exclude,
        "--",
    ]


def start_tips(refs: Mapping[str, str], start_head: str | None) -> list[str]:
    """What the session's log excludes: every ref tip recorded at start, and the
    start commit."""
    return [*refs.values(), *([start_head] if start_head else [])]


class Early:
    """The log started early: the common git directory it was found from, its
    arguments, the running process."""

    def __init__(self, common: str, args: list[str], process: subprocess.Popen[bytes]) -> None:
        self.common, self.args, self.process = common, args, process

    def discard(self) -> None:
        self.process.kill()
        self.process.communicate()


def start() -> Early | None:
    """The active session's log, started; None when there is no session to read (the
    audit's own path then says why, if anything is wrong)."""
    found = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        check=False,
    )
    if found.returncode != 0:
        return None
    common = found.stdout.decode("utf-8", "surrogateescape").rstrip("\n")
    try:
        with open(os.path.join(common, "guard", "session.json"), "rb") as handle:
            data: Any = json.loads(handle.read())
        tips = start_tips(data["refs"], data["start_head"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not all(isinstance(tip, str) for tip in tips):
        return None
    args = log_args(["--branches", "HEAD"], tips)
    process = subprocess.Popen(["git", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return Early(common, args, process)
