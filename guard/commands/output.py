"""How commands print: results to stdout, diagnostics to stderr, one line a call."""

from __future__ import annotations

import sys


def echo(line: str = "", *, err: bool = False) -> None:
    """Write `line` and a newline to stdout (stderr with `err`), and flush. The text
    goes out as it is: the commands write no colour codes (the audit's text report,
    drawn by rich, is the one place with colour)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()
