"""The report as JSON (`guard.audit/v1`, the schema shipped beside this module)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def render(report: Mapping[str, Any]) -> str:
    # Compact: with `indent` json falls back to its pure-Python encoder, which took
    # longer than reading the history. ensure_ascii (the default) keeps a path with
    # non-UTF-8 bytes (surrogate escapes) valid JSON. No spaces after separators and
    # no cycle check (the report is a tree): 5% less to write, 15% faster to encode.
    return json.dumps(report, separators=(",", ":"), check_circular=False) + "\n"
