"""The report as JSON (`guard.audit/v1`, the schema shipped beside this module)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def render(report: Mapping[str, Any]) -> str:
    """One compact line. ensure_ascii (the default) keeps a path with non-UTF-8 bytes
    (surrogate escapes) valid JSON. The report is a tree the audit built, with no
    cycle to look for: not looking is a third of the time at 10,000 changes."""
    return json.dumps(report, separators=(",", ":"), check_circular=False) + "\n"
