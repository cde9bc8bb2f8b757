"""How a path is written into a command a person pastes: a git pathspec that means
exactly that path, and a shell word that survives the shell."""

from __future__ import annotations

import re

_SAFE_WORD = re.compile(r"[\w@%+=:,./-]+\Z", re.ASCII)
_MAGIC = re.compile(r"\A:|[*?\[\\]")


def literal(path: str) -> str:
    """A path as a git pathspec that means exactly that path: a leading `:` would be
    pathspec magic and `*?[` wildcards, so such paths get `:(literal)`."""
    if _MAGIC.search(path):
        return f":(literal){path}"
    return path


def quote(path: str) -> str:
    """A path as a shell word: safe to paste into the suggested command."""
    if _SAFE_WORD.match(path) and not path.startswith("-"):
        return path
    return "'" + path.replace("'", "'\"'\"'") + "'"
