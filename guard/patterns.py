"""A policy's patterns: validated, translated to regular expressions with pathspec's
gitwildmatch translation, and described for the classifier's fast matcher."""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_STARS = 4
MAX_PATTERN = 1024


class Pattern(NamedTuple):
    """One pattern of the flattened rule list, translated and located.

    `regex` decides whether the pattern matches a whole path (pathspec's
    translation, applied with `re.search`). The other fields describe the
    pattern's last real path segment so the classifier can find candidates
    quickly: `last` is that segment's glob (None when the pattern has none, e.g.
    `**`, or is too unusual to bucket), `last_regex` its translation (applied with
    `re.match` to one path component), `dir_only` says the pattern only matches
    paths below a match (`tests/`, `docs/**`), `anywhere` says the pattern is a
    single unanchored segment, so a match of `last` alone decides.
    """

    text: str
    category: str
    file: str
    line: int
    col: int
    regex: str
    last: str | None
    last_regex: str | None
    dir_only: bool
    anywhere: bool

    @property
    def rule(self) -> str:
        """The deciding rule as users see it: `policies/default.yaml:42: tests/`."""
        return f"{self.file}:{self.line}: {self.text}"


def shape(text: str) -> tuple[str | None, bool, bool]:
    """Return (last segment glob, dir_only, anywhere) for a gitwildmatch pattern.

    Mirrors the normalisation of pathspec's GitIgnoreSpecPattern: a leading `/`
    anchors, a single segment matches at any depth, a trailing `/` or `/**` means
    "only what is below a match".
    """
    if not text.endswith("\\ "):
        text = text.rstrip()
    segs = text.split("/")
    anchored = segs[0] == ""
    if anchored:
        del segs[0]
    dir_only = bool(segs) and segs[-1] == ""
    if dir_only:
        segs.pop()
    # "name" and "**/name" match at any depth; "a/b" and "/name" only from the top.
    anywhere = not anchored and (len(segs) == 1 or (len(segs) == 2 and segs[0] == "**"))
    is_dir = dir_only
    while segs and segs[-1] == "**":
        segs.pop()
        dir_only = True
        anywhere = False
    if not segs:  # "**", "/**", "**/": every path, or every path below the top
        return None, is_dir, False
    if "" in segs or "**" in segs[-1] or "\\" in segs[-1]:
        return None, dir_only, False
    return segs[-1], dir_only, anywhere


def _translate(text: str) -> tuple[str | None, str | None]:
    """Return (regex, problem) for a pattern: pathspec's gitwildmatch translation,
    not compiled here (`compile_pattern` compiles what it must check)."""
    # Imported here: the hot paths (hooks) load frozen policies and never need it.
    from pathspec.patterns.gitignore.base import GitIgnorePatternError
    from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

    try:
        regex, include = GitIgnoreSpecPattern.pattern_to_regex(text)
    except (GitIgnorePatternError, ValueError) as exc:
        return None, f"invalid pattern {text!r}: {exc}"
    if include is None or regex is None:
        return None, f"pattern {text!r} can never match (an unclosed '[' or a bare '/'?)"
    return regex, None


def _pattern_problem(text: str) -> str | None:
    """Reject patterns that are legal gitignore but wrong for a category policy."""
    if not text.strip():
        return "empty pattern"
    if text.startswith("!"):
        return (
            f"negation is not supported ({text!r}): add a later rule with the other "
            "category instead (the last matching rule wins)"
        )
    if text.startswith("#"):
        return f"pattern {text!r} is a comment in gitignore syntax; escape it as '\\#'"
    if text != text.rstrip() and not text.endswith("\\ "):
        return f"pattern {text!r} has trailing whitespace, which gitignore syntax drops"
    if "//" in text:
        return f"pattern {text!r} has an empty path segment ('//') and can never match"
    if "[[:" in text:
        return f"pattern {text!r} uses a POSIX character class, which is not supported"
    if "\n" in text or "\0" in text:
        return f"pattern {text!r} contains a newline or NUL"
    if any(segment.count("*") > MAX_STARS for segment in text.split("/") if segment != "**"):
        # Each `*` is a `[^/]*` in the regex: many in one segment backtrack
        # polynomially in the name's length, and a policy must never hang a hook.
        return f"pattern {text!r} has more than {MAX_STARS} '*' in one path segment"
    if len(text) > MAX_PATTERN:
        return f"pattern is longer than {MAX_PATTERN} characters"
    return None


def compile_pattern(
    text: str, category: str, file: str, line: int, col: int
) -> tuple[Pattern | None, str | None]:
    """Validate and translate one pattern; return the Pattern or a problem message."""
    problem = _pattern_problem(text)
    if problem:
        return None, problem
    regex, problem = _translate(text)
    if regex is None:
        return None, problem
    try:
        re.compile(regex)  # the one check: the last segment's regex is a part of it
    except re.error as exc:
        return None, f"invalid pattern {text!r}: {exc}"
    last, dir_only, anywhere = shape(text)
    last_regex = None
    if last is not None:
        # The segment alone, anchored: pathspec's translation of "/<segment>".
        last_regex, _ = _translate("/" + last)
        if last_regex is None:  # pragma: no cover - the whole pattern translated
            last = None
    pattern = Pattern(text, category, file, line, col, regex, last, last_regex, dir_only, anywhere)
    return pattern, None
