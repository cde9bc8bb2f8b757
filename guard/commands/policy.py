"""`guard policy check` and `guard policy show`, and the policy a command applies."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from guard import gitio
from guard.commands.output import echo
from guard.errors import EXIT_OK, PolicyError
from guard.policy import Policy, Problem
from guard.policy_file import effective_policy_path, load_policy


def policy_for(policy_file: Path | None, root: Path | None) -> Policy:
    """`--policy FILE` when given, else the repository's effective policy, loaded."""
    path = policy_file if policy_file is not None else effective_policy_path(root)
    return load_policy(path, root)


def check(files: Sequence[Path]) -> int:
    """Validate policy files (default: the effective one); report every problem at once."""
    location = gitio.locate()
    root = Path(location.root) if location else None
    problems: list[Problem] = []
    for path in files or (effective_policy_path(root),):
        try:
            loaded = load_policy(path, root)
        except PolicyError as exc:
            problems.extend(exc.problems)
            continue
        modes = ", ".join(loaded.modes) or "none"
        echo(
            f"ok: {' -> '.join(reversed(loaded.sources))}: {len(loaded.patterns)} patterns, "
            f"categories {', '.join(loaded.categories)}, modes {modes}"
        )
    if problems:
        raise PolicyError(problems)
    return EXIT_OK


def show(as_json: bool, policy_file: Path | None) -> int:
    """Print the resolved policy: categories, default, modes and every rule in order."""
    location = gitio.locate()
    loaded = policy_for(policy_file, Path(location.root) if location else None)
    if as_json:
        echo(json.dumps(_policy_data(loaded), indent=2))
    else:
        for line in _policy_lines(loaded):
            echo(line)
    return EXIT_OK


def _policy_data(loaded: Policy) -> dict[str, Any]:
    return {
        "sources": list(loaded.sources),
        "categories": list(loaded.categories),
        "default": loaded.default,
        "modes": {name: list(allowed) for name, allowed in loaded.modes.items()},
        "rules": [
            {"category": p.category, "pattern": p.text, "rule": p.rule} for p in loaded.patterns
        ],
    }


def _policy_lines(loaded: Policy) -> Iterable[str]:
    yield f"# resolved from {' -> '.join(loaded.sources)} (last matching rule wins)"
    yield f"categories: {', '.join(loaded.categories)}"
    yield f"default: {loaded.default}"
    yield "modes:"
    for name, allowed in loaded.modes.items():
        yield f"  {name}: {', '.join(allowed) or '(nothing)'}"
    yield "rules:"
    width = max((len(p.category) for p in loaded.patterns), default=0)
    for p in loaded.patterns:
        yield f"  {p.category:<{width}}  {p.text:<32}  {p.file}:{p.line}"
