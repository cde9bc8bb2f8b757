"""How a path reaches a person: shown as git shows it, as a git pathspec that means
exactly that path, and as a shell word that survives the shell. One set of rules
for every output, so a file named with a carriage return or an escape sequence
can never rewrite what a terminal shows."""

from __future__ import annotations

import os
import re

_SAFE_WORD = re.compile(r"[\w@%+=:,./-]+\Z", re.ASCII)
_MAGIC = re.compile(r"\A:|[*?\[\\]")
# A path that is already a literal pathspec and a shell word: no leading `-` or `:`,
# no wildcard, nothing to quote (most paths; a plan may hold 100,000 of them).
_PLAIN = re.compile(r"[\w@%+=,./][\w@%+=:,./-]*\Z", re.ASCII)
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\v": "\\v"}


def _escaped(char: str) -> str:
    """One character as C writes it: named escapes, else its bytes in octal."""
    return _NAMED.get(char) or "".join(f"\\{byte:03o}" for byte in os.fsencode(char))


def visible(text: str) -> str:
    """`text` with every character a terminal would act on written as a C escape."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else _escaped(char) for char in text)


def shown(path: str) -> str:
    """A path as git shows it (core.quotePath's C-style quoting, non-ASCII kept):
    as it is when plain, else in double quotes with escapes."""
    if path.isprintable() and '"' not in path and "\\" not in path:
        return path
    inner = "".join(
        "\\" + char if char in '"\\' else (char if char.isprintable() else _escaped(char))
        for char in path
    )
    return f'"{inner}"'


def literal(path: str) -> str:
    """A path as a git pathspec that means exactly that path: a leading `:` would be
    pathspec magic and `*?[` wildcards, so such paths get `:(literal)`."""
    if _MAGIC.search(path):
        return f":(literal){path}"
    return path


def pathspec_word(path: str) -> str:
    """A path as a shell word that git takes as exactly that path."""
    return path if _PLAIN.match(path) else quote(literal(path))


def quote(path: str) -> str:
    """A path as a shell word, safe to paste: single quotes, or for a path with
    control characters bash's `$'...'`, so none reaches the terminal raw."""
    if _SAFE_WORD.match(path) and not path.startswith("-"):
        return path
    if not path.isprintable():
        inner = "".join(
            "\\" + char if char in "'\\" else (char if char.isprintable() else _escaped(char))
            for char in path
        )
        return f"$'{inner}'"
    return "'" + path.replace("'", "'\"'\"'") + "'"
