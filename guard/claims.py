"""What a text claims about a change, and whether the audited change bears it out.

A pull request's title and body, or an agent's final report, says things a reviewer
takes on trust: "documentation-only changes", "no functional changes", "12 files
changed". `extract` finds those claims with a small table of patterns (a claim
negated, quoted or in code is a mention, not a claim); `check` holds each one
against the paths the audited commits change, by category, and gives the evidence
when it is false. Pure: the audit passes what it has already classified.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from guard.patterns import compile_pattern

DOCS, TEST = "docs", "test"
SHOWN = 20  # evidence paths listed per claim; the counts cover the rest

# The kinds of claim, as the report names them (the JSON schema lists the same).
KINDS = (
    "docs-only",
    "read-only",
    "tests-only",
    "no-functional-changes",
    "configuration-unchanged",
    "files-changed",
)

_DOC = r"(?:documentation|docs?|readme)"
_CONFIG = r"(?:config(?:uration)?s?|settings)"
_NUMBER = r"(?P<n>\d{1,3}(?:,\d{3})+|\d+|one|two|three|four|five|six|seven|eight|nine|ten)"
_APPROX = (
    r"(?:(?P<q>\b(?:about|around|roughly|approximately|over|more\s+than|at\s+least|under"
    r"|fewer\s+than|less\s+than|at\s+most)\b|~)\s*)?"
)
# "no files changed outside docs/" is narrower than it starts: such a phrase claims nothing.
_UNQUALIFIED = r"(?!\s+(?:outside|in|under|to|except|besides|other|beyond|apart))"
_FILES = r"(?:source\s+)?files?"
_CHANGED = r"(?:changed|modified|touched|updated|edited)"
_CHANGES = r"(?:changes|changed|modifies|modified|touches|touched|updates|updated|edits|edited)"

# The claims a body can make: (kind, pattern). Each pattern is one phrase a person
# or an agent writes; what it does not cover it does not claim.
PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(text, re.IGNORECASE))
    for kind, text in (
        (
            "docs-only",
            rf"\b{_DOC}[\s-]+only\b"
            r"(?!\s+(?:if|when|for|in|on|covers?|describes?|mentions?|shows?|says?|lists?)\b)",
        ),
        ("docs-only", rf"\b(?:changes|touches|updates|edits|modifies)\s+only\s+(?:the\s+)?{_DOC}"),
        ("docs-only", rf"\bonly\s+(?:changes|touches|updates|edits)\s+(?:the\s+)?{_DOC}"),
        (
            "docs-only",
            rf"\bno\s+(?:source[\s-]+)?code\s+(?:changes?|was\s+changed)\b{_UNQUALIFIED}",
        ),
        (
            "read-only",
            r"\bread[\s-]?only\s+(?:analysis|investigation|review|session|exploration|audit"
            r"|pass|research|task|triage)\b"
            r"(?!\s+(?:mode|flag|option|command|tool|api|endpoint|role|user|access|support)\b)",
        ),
        ("tests-only", r"\btests?-only\b"),
        (
            "tests-only",
            r"\btests?\s+only\b(?=\s*(?:\Z|[.,;:!)]|changes?\b|updates?\b|commits?\b|pr\b))",
        ),
        ("tests-only", r"\b(?:changes|touches|updates|adds|edits)\s+only\s+(?:the\s+)?tests\b"),
        ("tests-only", r"\bonly\s+(?:changes|touches|updates|adds|edits)\s+(?:the\s+)?tests\b"),
        (
            "no-functional-changes",
            r"\bno\s+(?:functional|behaviou?r(?:al)?|logic|production|runtime)"
            r"(?:\s+code)?\s+changes?\b",
        ),
        ("no-functional-changes", r"\bnon[\s-]functional\s+changes?\b"),
        (
            "configuration-unchanged",
            rf"\b{_CONFIG}(?:\s+files?)?\s+(?:is\s+|are\s+|was\s+|were\s+|remains?\s+|stays?\s+)?"
            r"(?:unchanged|untouched)\b",
        ),
        ("configuration-unchanged", rf"\bno\s+{_CONFIG}(?:\s+files?)?\s+changes?\b"),
        ("configuration-unchanged", rf"\bno\s+changes?\s+to\s+(?:the\s+|any\s+)?{_CONFIG}\b"),
        (
            "configuration-unchanged",
            rf"\bwithout\s+(?:changing|touching|modifying)\s+(?:the\s+|any\s+)?{_CONFIG}\b",
        ),
        ("files-changed", rf"{_APPROX}\b{_NUMBER}\s+{_FILES}\s+{_CHANGED}\b"),
        ("files-changed", rf"\b{_CHANGES}\s+{_APPROX}\b{_NUMBER}\s+{_FILES}\b"),
        ("files-changed", rf"{_APPROX}\b{_NUMBER}\s+{_CHANGED}\s+files\b"),
        (
            "files-changed",
            rf"\bno\s+files?\s+(?:were\s+|was\s+)?(?:changed|modified|touched)\b{_UNQUALIFIED}",
        ),
        ("files-changed", rf"\b(?:made|makes)\s+no\s+changes\b{_UNQUALIFIED}"),
    )
)

# What a commit message says when it claims documentation or analysis only. The
# subject's conventions: Conventional Commits (`docs:`, `docs(api)!:`, a docs scope
# under another type), `[docs]`, a docs path as the scope (`docs/worklog:`), after
# any `fixup!`/`squash!`/`amend!` (what `git commit --fixup` writes) and gitmoji
# (an emoji or a `:memo:` code).
SUBJECT_CLAIM = re.compile(
    r"""
    \A\s*(?:(?:fixup|squash|amend)!\s*)*
    (?:(?::[a-z0-9_+-]+:|[^\w\s\[(:!])\s*)*
    (?:
        (?:docs?|documentation)\s*(?:\([^)]*\))?!?\s*:
      | [a-z]+\((?:docs?|documentation|readme|worklog|notes?)(?:[/,\s][^)]*)?\)!?\s*:
      | \[(?:docs?|documentation)\]
      | docs?/[^\s:]*\s*:
      | (?:update|improve|edit|fix|add)[sd]?\s+(?:the\s+)?(?:documentation|docs)\s*\Z
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A title claims tests only as a commit subject does: `test:`, `tests(api):`.
TITLE_TESTS = re.compile(r"\A\s*tests?\s*(?:\([^)]*\))?!?\s*:", re.IGNORECASE)

# Words before a phrase that turn it around: "not documentation-only", "isn't
# read-only analysis", "more than docs only". Looked for in the same sentence only.
NEGATION = re.compile(
    r"\b(?:not|no\s+longer|never|nor|neither|beyond|rather\s+than|instead\s+of|other\s+than"
    r"|more\s+than|isn't|aren't|wasn't|weren't|isnt|arent|wasnt|cannot|can't|won't)\W+"
    r"(?:\w+\W+){0,3}\Z",
    re.IGNORECASE,
)
# Mentions, not claims: code, quoted phrases, block quotes (someone else's words).
MENTIONS = re.compile(
    r"```.*?(?:```|\Z)|`[^`\n]*`|\"[^\"\n]{0,80}\"|“[^”\n]{0,80}”|^[ \t]*>[^\n]*",
    re.DOTALL | re.MULTILINE,
)
WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip

# Configuration by path convention, for a policy without a `config` category (the
# default policy files it under production): build, CI, packaging, settings.
CONFIG_PATTERNS = (
    "*.toml", "*.ini", "*.cfg", "*.conf", "*.properties", "*.yaml", "*.yml",
    ".env", ".env.*", ".*rc", ".editorconfig", "package.json", "tsconfig*.json",
    "Dockerfile", "*.dockerfile", "Makefile", ".github/", "config/", "settings.py",
)  # fmt: skip
CONFIG_CATEGORIES = ("config", "configuration")


class Claim(NamedTuple):
    """One claim a text makes: its kind, the words that make it, the line they are on,
    and for `files-changed` the number and how it is meant (`=`, `~`, `>=`, `<=`)."""

    kind: str
    text: str
    line: int
    number: int | None = None
    bound: str = "="


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group())


def _bound(word: str | None) -> str:
    word = re.sub(r"\s+", " ", (word or "").lower())
    if word in ("over", "more than", "at least"):
        return ">="
    if word in ("under", "fewer than", "less than", "at most"):
        return "<="
    return "~" if word else "="


def _number(text: str) -> int:
    return WORDS.get(text.lower()) or int(text.replace(",", ""))


def _claim(kind: str, match: re.Match[str], text: str) -> Claim:
    line = text.count("\n", 0, match.start()) + 1
    words = re.sub(r"\s+", " ", match.group().strip())
    if kind != "files-changed":
        return Claim(kind, words, line)
    if "n" not in match.re.groupindex:  # "no files changed", "made no changes"
        return Claim(kind, words, line, 0)
    return Claim(kind, words, line, _number(match["n"]), _bound(match["q"]))


def _negated(text: str, start: int) -> bool:
    sentence = re.split(r"[.!?;:\n]", text[max(0, start - 80) : start])[-1]
    return NEGATION.search(sentence + " ") is not None


def extract(text: str) -> list[Claim]:
    """The claims `text` makes, in the order it makes them, each kind (and count) once.
    The first line is a title: `docs:`/`docs(...)`/`[docs]` and `test:` prefixes claim
    too, as a commit subject's do."""
    plain = MENTIONS.sub(_blank, text)
    title = plain.split("\n", 1)[0]
    found: list[tuple[int, Claim]] = []
    if SUBJECT_CLAIM.search(title):
        found.append((0, Claim("docs-only", title.strip(), 1)))
    if TITLE_TESTS.search(title):
        found.append((0, Claim("tests-only", title.strip(), 1)))
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(plain):
            if not _negated(plain, match.start()):
                found.append((match.start(), _claim(kind, match, plain)))
    claims: dict[tuple[str, int | None, str], Claim] = {}
    for _, claim in sorted(found, key=lambda pair: pair[0]):
        claims.setdefault((claim.kind, claim.number, claim.bound), claim)
    return list(claims.values())


def config_paths(changed: Mapping[str, Iterable[str]]) -> set[str]:
    """The changed paths that are configuration: the policy's `config` category if it
    has one, else the conventions above among paths that are neither docs nor tests."""
    named = [name for name in CONFIG_CATEGORIES if name in changed]
    if named:
        return {path for name in named for path in changed[name]}
    regexes = [re.compile(p.regex) for p in _config_patterns()]
    return {
        path
        for category, paths in changed.items()
        if category not in (DOCS, TEST)
        for path in paths
        if any(regex.search(path) for regex in regexes)
    }


def _config_patterns() -> list[Any]:
    compiled = [compile_pattern(text, "config", "claims", 0, 0)[0] for text in CONFIG_PATTERNS]
    return [pattern for pattern in compiled if pattern is not None]


def _allowed(kind: str, modes: Mapping[str, Sequence[str]]) -> set[str]:
    if kind == "docs-only":
        return {DOCS}
    if kind == "read-only":
        return set(modes.get("read-only", (DOCS,)))
    if kind == "tests-only":
        return set(modes.get("tests-only", (DOCS, TEST)))
    # no-functional-changes: documentation and tests, not production nor a policy's own
    # categories (configuration, generated code): what they are, a path cannot tell
    return {DOCS, TEST}


def _within(actual: int, claim: Claim) -> bool:
    expected = claim.number or 0
    if claim.bound == ">=":
        return actual >= expected
    if claim.bound == "<=":
        return actual <= expected
    if claim.bound == "~":
        return abs(actual - expected) <= max(1, expected // 10)
    return actual == expected


def _row(
    claim: Claim, bad: Mapping[str, Sequence[str]], detail: str, holds: bool
) -> dict[str, Any]:
    paths = sorted({p for ps in bad.values() for p in ps})
    return {
        "kind": claim.kind,
        "text": claim.text,
        "line": claim.line,
        "holds": holds,
        "detail": detail,
        "counts": {category: len(ps) for category, ps in bad.items() if ps},
        "paths": paths[:SHOWN],
        "more": max(0, len(paths) - SHOWN),
    }


def _counted(bad: Mapping[str, Sequence[str]]) -> str:
    return ", ".join(f"{len(paths):,} {category}" for category, paths in bad.items() if paths)


def check(
    claims: Sequence[Claim],
    changed: Mapping[str, Iterable[str]],
    files: int,
    modes: Mapping[str, Sequence[str]],
) -> list[dict[str, Any]]:
    """Each claim held against the change: `changed` is category -> the paths the
    audited change touches, `files` how many files it changes (a rename once), `modes`
    the policy's modes (what `read-only` and `tests-only` allow)."""
    sets = {category: sorted(set(paths)) for category, paths in changed.items()}
    rows = []
    for claim in claims:
        if claim.kind == "files-changed":
            bound = {"=": "", "~": "about ", ">=": "at least ", "<=": "at most "}[claim.bound]
            counts = {category: paths for category, paths in sets.items() if paths}
            holds = _within(files, claim)
            said = f"claims {bound}{claim.number:,}, the change has {files:,} file(s)"
            rows.append(_row(claim, counts, said, holds))
            continue
        if claim.kind == "configuration-unchanged":
            bad = {"config": sorted(config_paths(sets))}
            what = "of configuration"
        else:
            allowed = _allowed(claim.kind, modes)
            bad = {category: paths for category, paths in sets.items() if category not in allowed}
            what = "outside " + (", ".join(sorted(allowed)) or "nothing")
        total = len({p for ps in bad.values() for p in ps})
        detail = (
            f"changes {total:,} path(s) {what}: {_counted(bad)}"
            if total
            else f"no path {what} changed"
        )
        rows.append(_row(claim, bad, detail, total == 0))
    return rows


def false_claims(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The report's claims that the change contradicts (none when none were checked)."""
    return [claim for claim in report.get("claims", ()) if claim.get("holds") is False]


def evidence(claim: Mapping[str, Any]) -> str:
    """The first paths that contradict a claim, and how many more: ` (a, b and 3 more)`."""
    paths = claim.get("paths") or []
    shown = ", ".join(paths[:5])
    more = len(paths) - 5 + claim.get("more", 0)
    return f" ({shown}{f' and {more:,} more' if more > 0 else ''})" if shown else ""


def summary(claim: Mapping[str, Any]) -> str:
    """One line for a false claim: what was said, where, and what the change shows."""
    where = f" (line {claim['line']})" if "line" in claim else ""
    said = f"false claim {claim.get('text', '')!r}{where}: {claim.get('detail', '')}"
    return said + evidence(claim)
