"""How commands print: results to stdout, diagnostics to stderr, one line a call."""

from __future__ import annotations

import json
import sys
from typing import Any


def echo(line: str = "", *, err: bool = False) -> None:
    """Write `line` and a newline to stdout (stderr with `err`), and flush. The text
    goes out as it is: the commands write no colour codes (the audit's text report,
    drawn by rich, is the one place with colour)."""
    stream = sys.stderr if err else sys.stdout
    stream.write(line + "\n")
    stream.flush()


def echo_json(data: Any) -> None:
    """`data` as indented JSON with sorted keys, on stdout."""
    echo(json.dumps(data, indent=2, sort_keys=True))
