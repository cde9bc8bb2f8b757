"""The policy as the guard applies it: the frozen `Policy` (with the file:line of
every pattern), the located `Problem`s a policy file can have, and the plain data a
session freezes it into, which the hooks read back without YAML or pathspec.
`guard.policy_file` reads policy files into this.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guard import protect as _protect
from guard.patterns import Pattern
from guard.protect import Protect


# Values on the hooks' hot path are typing.NamedTuple, not dataclasses: importing
# dataclasses (it loads inspect) and building each class cost about 30 ms a hook
# run, measured with `python -X importtime -m guard.hooks`; NamedTuples are just
# as immutable and typed.
class Problem(NamedTuple):
    """One located problem in a policy file (line and column are 1-based)."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class Policy(NamedTuple):
    """A resolved policy: categories, default, ordered patterns (last match wins), modes."""

    sources: tuple[str, ...]
    categories: tuple[str, ...]
    default: str
    patterns: tuple[Pattern, ...]
    modes: Mapping[str, tuple[str, ...]]
    protect: tuple[Protect, ...] = ()  # what named branches refuse on a server
    unknown_mcp_tools: str = "allow"


_PATTERN_FIELDS = ("text", "category", "file", "line", "col", "regex", "last", "last_regex")


def policy_to_data(policy: Policy) -> dict[str, Any]:
    """The resolved policy as plain data, frozen into session state."""
    return {
        "sources": list(policy.sources),
        "categories": list(policy.categories),
        "default": policy.default,
        "modes": {name: list(allowed) for name, allowed in policy.modes.items()},
        "protect": _protect.to_data(policy.protect),
        "unknown_mcp_tools": policy.unknown_mcp_tools,
        "patterns": [
            [*(getattr(p, name) for name in _PATTERN_FIELDS), p.dir_only, p.anywhere]
            for p in policy.patterns
        ],
    }


def policy_from_data(data: Mapping[str, Any]) -> Policy:
    """Rebuild a frozen policy without YAML or pathspec; raises on malformed data."""
    patterns = []
    for fields in data["patterns"]:
        text, category, file, line, col, regex, last, last_regex, dir_only, anywhere = fields
        patterns.append(
            Pattern(
                text,
                category,
                file,
                line,
                col,
                regex,
                last,
                last_regex,
                bool(dir_only),
                bool(anywhere),
            )
        )
    for pattern in patterns:
        if not isinstance(pattern.regex, str) or not isinstance(pattern.category, str):
            raise ValueError("malformed frozen pattern")
    return Policy(
        sources=tuple(data["sources"]),
        categories=tuple(data["categories"]),
        default=str(data["default"]),
        patterns=tuple(patterns),
        modes={str(k): tuple(v) for k, v in data["modes"].items()},
        protect=_protect.from_data(data.get("protect", ())),
        unknown_mcp_tools=str(data.get("unknown_mcp_tools", "allow")),  # older sessions
    )
