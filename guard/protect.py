"""The policy's `protect:` rules: categories of paths that named branches refuse, for
every pusher, on a server running `guard hook pre-receive`.

    protect:
      - branches: [main, "release/*"]   # fnmatch patterns over the branch name
        categories: [production]        # categories of the policy
        allow: [release-bot]            # optional: pushers who may change them

Read by guard.policy_file (which hands over its reader, so this module imports nothing of
it at run time and costs the hooks nothing), judged by guard.hooks.server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

KEYS = ("branches", "categories", "allow")
REQUIRED = ("branches", "categories")
SEQ = "tag:yaml.org,2002:seq"


class Protect(NamedTuple):
    """One rule: on branches matching `branches`, paths of `categories` change only
    when the pusher is one of `allow`."""

    branches: tuple[str, ...]
    categories: tuple[str, ...]
    allow: tuple[str, ...]
    where: str  # file:line of the rule, for messages

    def covers(self, branch: str) -> bool:
        """Whether the rule applies to `branch` (a full ref name, refs/heads/...)."""
        from fnmatch import fnmatchcase

        name = branch.removeprefix("refs/heads/")
        return any(fnmatchcase(name, pattern) for pattern in self.branches)


# A rule read from YAML, before its categories are checked against the merged policy:
# the rule, and each category with its YAML mark.
Raw = tuple[Protect, list[tuple[str, Any]]]


def read(reader: Any, file: str, node: Any) -> list[Raw]:
    """The `protect:` list of one policy file; problems go to `reader` (policy_file._Reader)."""
    found = []
    for item, fields in reader.records(node, "protect", "protect rule", KEYS, REQUIRED):
        branches = _listed(reader, fields["branches"], "branches")
        categories = []
        for _, entry in reader.strings(fields["categories"], "categories"):
            name = reader.name(entry, "category")
            if name is not None:
                categories.append((name, entry.start_mark))
        if fields["categories"].tag == SEQ and not fields["categories"].value:
            reader.add(fields["categories"].start_mark, "categories is empty: protect what?")
        allow = _listed(reader, fields["allow"], "allow") if "allow" in fields else []
        rule = Protect(
            tuple(branches),
            tuple(name for name, _ in categories),
            tuple(allow),
            f"{file}:{item.start_mark.line + 1}",
        )
        found.append((rule, categories))
    return found


def _listed(reader: Any, node: Any, what: str) -> list[str]:
    """A list of non-empty strings (`branches`, `allow`)."""
    values = []
    for value, item in reader.strings(node, what):
        if value.strip():
            values.append(value)
        else:
            reader.add(item.start_mark, f"an item of {what} is empty")
    if node.tag == SEQ and not node.value and what == "branches":
        reader.add(node.start_mark, "branches is empty: a protect rule needs a branch")
    return values


def to_data(rules: Sequence[Protect]) -> list[dict[str, Any]]:
    return [
        {
            "branches": list(r.branches),
            "categories": list(r.categories),
            "allow": list(r.allow),
            "where": r.where,
        }
        for r in rules
    ]


def from_data(data: Sequence[Mapping[str, Any]]) -> tuple[Protect, ...]:
    return tuple(
        Protect(
            tuple(str(b) for b in r["branches"]),
            tuple(str(c) for c in r["categories"]),
            tuple(str(a) for a in r["allow"]),
            str(r["where"]),
        )
        for r in data
    )
