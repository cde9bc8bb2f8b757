"""`guard classify`: each path's category and the rule that decided it."""

from __future__ import annotations

import json
import os
import posixpath
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from guard import gitio
from guard.commands.policy import policy_for
from guard.errors import EXIT_OK, UsageError
from guard.quoting import shown


def classify(
    paths: Sequence[str], from_stdin: bool, nul: bool, as_json: bool, policy_file: Path | None
) -> int:
    """Print each path's category and rule: plain, NUL-separated (`nul`) or JSON."""
    from guard.classify import Classifier

    if nul and not from_stdin:
        raise UsageError("-z needs --stdin (it sets how paths are separated there)")
    if not paths and not from_stdin:
        raise UsageError("give paths to classify, or --stdin to read them")
    location = gitio.locate()
    classifier = Classifier(policy_for(policy_file, Path(location.root) if location else None))
    given = list(paths) + (_read_stdin(nul) if from_stdin else [])
    results = [(path, classifier.classify(_repo_path(path, location))) for path in given]
    out = sys.stdout.buffer
    if as_json:
        rows = [{"path": p, "category": d.category, "rule": d.rule} for p, d in results]
        _write(out, json.dumps(rows, indent=2) + "\n")
    elif nul:
        for path, decision in results:
            _write(out, f"{path}\0{decision.category}\0{decision.rule or ''}\0")
    else:
        width = max((len(d.category) for _, d in results), default=0)
        for path, decision in results:
            rule = decision.rule or "default"
            _write(out, f"{decision.category:<{width}}  {shown(path)}  ({rule})\n")
    out.flush()
    return EXIT_OK


def _read_stdin(nul: bool) -> list[str]:
    data = sys.stdin.buffer.read()
    parts = data.split(b"\0" if nul else b"\n")
    return [os.fsdecode(part) for part in parts if part]


def _repo_path(arg: str, location: gitio.Location | None) -> str:
    """A command-line path (relative to the current directory) as a repo-relative path."""
    if location is None:
        if arg.startswith("/"):
            raise UsageError(f"{arg!r}: an absolute path needs a repository to be relative to")
        joined = arg
    elif Path(arg).is_absolute():
        joined = os.path.relpath(arg, location.root)
    else:
        joined = location.prefix + arg
    norm = posixpath.normpath(joined)
    if norm in (".", "..") or norm.startswith("../"):
        raise UsageError(f"{arg!r} is outside the repository")
    return norm


def _write(out: IO[bytes], text: str) -> None:
    out.write(os.fsencode(text))
