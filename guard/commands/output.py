"""How commands print: results to stdout, diagnostics to stderr, one line a call."""

from __future__ import annotations

import re
import sys
from typing import IO

# What click.echo removed from text going to a file or a pipe, kept so the
# commands print the same bytes as when click printed for them.
_ANSI = re.compile(r"\033\[[0-?]*[ -/]*[@-~]")


def echo(line: str = "", *, err: bool = False) -> None:
    """Write `line` and a newline to stdout (stderr with `err`), and flush."""
    stream: IO[str] = sys.stderr if err else sys.stdout
    text = line + "\n"
    if not stream.isatty():
        text = _ANSI.sub("", text)
    stream.write(text)
    stream.flush()
