"""Policy + path -> Decision(category, deciding pattern): the fast matcher.

The answer is defined as pathspec's: the last pattern (in policy order) whose
gitwildmatch regex matches the path decides; no match gives the default. Checking
every pattern against every path costs about 30 us a path with 160 patterns, so
the classifier splits each path into its directory and its name:

- A directory's decision does not depend on the file name. It is cached: the best
  pattern index matching the directory (or one of its ancestors) as a directory,
  built from the parent's cached value plus the patterns whose last segment can
  match the directory's own name.
- The name is then checked against the patterns whose last segment can match a
  file name: literal names by dictionary, globs bucketed by the first character,
  extension and last character their literal prefix and suffix fix, each tried
  from the highest index down, stopping as soon as no remaining pattern can beat
  the directory's decision. `bench/bench_classify.py` measures the result.

Paths git never produces (a newline, `//`, a leading `./` or `/`, a trailing `/`)
take the plain path: every regex, last to first, exactly as pathspec evaluates.
Only `re` is imported, so hooks can classify without loading pathspec or YAML.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import NamedTuple

from guard.patterns import Pattern
from guard.policy import Policy

_Match = Callable[[str], object]


class Decision(NamedTuple):
    """A path's category and the pattern that decided it (None: the policy default)."""

    category: str
    pattern: Pattern | None

    @property
    def rule(self) -> str | None:
        return self.pattern.rule if self.pattern is not None else None


_Entry = tuple[int, str, str, int, "_Match | None", "frozenset[str] | None"]


def _lazy(regex: str, method: str, needles: tuple[str, ...] = ()) -> _Match:
    """A stand-in for `re.compile(regex).<method>` that compiles on its first call.

    `needles` are substrings any match must contain (`src/` and `doc/` for
    `**/src/doc/**/*.md`): checking them first spares most paths the regex.
    """
    compiled: list[_Match] = []

    def call(text: str) -> object:
        for needle in needles:
            if needle not in text:
                return None
        if not compiled:
            compiled.append(getattr(re.compile(regex), method))
        return compiled[0](text)

    return call


def _needles(text: str) -> tuple[str, ...]:
    """Literal directory segments a path must contain for the pattern to match it."""
    segments = text.strip("/").split("/")[:-1]
    return tuple(f"{s}/" for s in segments if s and s != "**" and not _GLOB.search(s))


_GLOB = re.compile(r"[*?\[\\]")
_LAST_GLOB = re.compile(r"[*?\]][^*?\]]*\Z")


def _affixes(glob: str) -> tuple[str, str]:
    """Literal text a name must start and end with to match a segment glob."""
    first = _GLOB.search(glob)
    prefix = glob[: first.start()] if first else glob
    tail = _LAST_GLOB.search(glob)
    suffix = glob[tail.start() + 1 :] if tail else ""
    return prefix, suffix


class _Bucket:
    """Patterns indexed by their last segment, for finding those a name can match.

    Literal segments are found by dictionary; globs are grouped by what their
    literal prefix and suffix fix (`*_test.go` can only match names ending in
    `.go`, `LICENSE*` only names starting with `L`) and checked by prefix and
    suffix before any regex runs. Every list is ordered from the highest pattern
    index down, so a scan can stop early.
    """

    def __init__(self, patterns: list[tuple[int, Pattern]]) -> None:
        self.literal: dict[str, list[int]] = {}
        self.always: list[int] = []
        self._by_ext: dict[str, list[_Entry]] = {}
        self._any_ext: list[_Entry] = []
        for index, pattern in reversed(patterns):
            last, last_regex = pattern.last, pattern.last_regex
            if last is None or last_regex is None:
                self.always.append(index)
            elif not _GLOB.search(last):
                self.literal.setdefault(last, []).append(index)
            else:
                prefix, suffix = _affixes(last)
                # A glob with a single `*` is decided by its prefix and suffix alone.
                simple = last == f"{prefix}*{suffix}"
                match = None if simple else _lazy(last_regex, "match")
                size = len(prefix) + len(suffix)
                entry = (index, prefix, suffix, size, match, _first_chars(last))
                if "." in suffix:
                    self._by_ext.setdefault(suffix.rpartition(".")[2], []).append(entry)
                else:
                    self._any_ext.append(entry)
        self.globs_by_key: dict[str, list[_Entry]] = {}

    def globs(self, name: str) -> list[_Entry]:
        """The glob entries that may match `name`, highest index first."""
        key = _key(name)
        globs = self.globs_by_key.get(key)
        if globs is None:
            globs = self.globs_for(key, name)
        return globs

    def globs_for(self, key: str, name: str) -> list[_Entry]:
        dot = name.rfind(".")
        ext = name[dot + 1 :] if dot >= 0 else None
        first, last = name[0], name[-1]
        extra = self._by_ext.get(ext, ()) if ext is not None else ()
        globs = [
            entry
            for entry in [*extra, *self._any_ext]
            if (entry[5] is None or first in entry[5]) and entry[2][-1:] in ("", last)
        ]
        globs.sort(key=lambda e: -e[0])
        self.globs_by_key[key] = globs
        return globs


def _key(name: str) -> str:
    """What decides which globs can match a name: its first character, and its
    extension or (without a dot) its last character. `indices` inlines this."""
    dot = name.rfind(".")
    return name[0] + name[dot:] if dot >= 0 else name[0] + name[-1]


def _first_chars(glob: str) -> frozenset[str] | None:
    """The characters a name matching `glob` can start with, when few and known."""
    if glob[0] not in "*?[\\":
        return frozenset(glob[0])
    close = glob.find("]", 2)
    if glob[0] == "[" and close > 0:
        chars = glob[1:close]
        if not any(c in chars for c in "!^-[\\"):
            return frozenset(chars)
    return None


class Classifier:
    """Classifies repo-relative POSIX paths under one policy. Not thread-safe (caches)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        patterns = policy.patterns
        # Compiled on first use: a hook judging a few paths needs a handful of the
        # policy's regexes, and compiling all of them costs more than its whole run.
        self._search: list[_Match] = [_lazy(p.regex, "search", _needles(p.text)) for p in patterns]
        # A pattern whose last segment matched needs no regex check when it is a
        # single unanchored segment: the segment match alone decides.
        self._decides = [p.anywhere for p in patterns]
        indexed = list(enumerate(patterns))
        self._dirs_bucket = _Bucket(indexed)
        self._files = _Bucket([(i, p) for i, p in indexed if not p.dir_only])
        self._dirs: dict[str, int] = {}
        # directory -> pattern index -> whether it matches a file there whose name
        # its last segment matches (`indices`).
        self._below: dict[str, dict[int, bool]] = {}
        self._decisions: list[tuple[str, str | None]] | None = None

    def decisions(self) -> list[tuple[str, str | None]]:
        """(category, rule) of each pattern, then the default's (at index -1): what an
        index from `indices` decides, picked without building a Decision."""
        if self._decisions is None:
            policy = self.policy
            self._decisions = [(p.category, p.rule) for p in policy.patterns]
            self._decisions.append((policy.default, None))
        return self._decisions

    def classify(self, path: str) -> Decision:
        index = self.index(path)
        if index < 0:
            return Decision(self.policy.default, None)
        pattern = self.policy.patterns[index]
        return Decision(pattern.category, pattern)

    def category(self, path: str) -> str:
        index = self.index(path)
        return self.policy.patterns[index].category if index >= 0 else self.policy.default

    def index(self, path: str) -> int:
        """Index of the deciding pattern, or -1 when none matches."""
        return self.indices((path,))[0]

    def indices(self, paths: Iterable[str]) -> list[int]:  # noqa: C901 - one inlined hot loop
        """Indices of the deciding patterns (-1: none matches), one per path.

        The batch form is the fast one: the whole loop below runs with local names.
        """
        dirs, decides, search = self._dirs, self._decides, self._search
        literals, globs_by_key = self._files.literal, self._files.globs_by_key
        globs_for, always = self._files.globs_for, self._files.always
        below = self._below
        out = []
        for path in paths:
            directory, slash, name = path.rpartition("/")
            if not name or "\n" in name:
                out.append(self.reference_index(path))
                continue
            best = -1
            if slash:
                cached = dirs.get(directory)  # only clean directories are cached
                if cached is not None:
                    best = cached
                else:
                    if (
                        "\n" in directory
                        or "//" in path
                        or directory[:1] in ("", "/")
                        or directory == "."
                        or directory.startswith("./")
                    ):
                        out.append(self.reference_index(path))
                        continue
                    best = self._directory(directory)
            # Below, a pattern's regex runs only for a name its last segment matches:
            # whether the rest matches then depends on the directory alone, so it is
            # asked once a directory (10,000 files in 50 folders: 50 regex runs).
            matches = below.get(directory)
            if matches is None:
                matches = below[directory] = {}
            # The file name: the scan of _raise, inlined as it runs once a path.
            literal = literals.get(name)
            if literal is not None:
                for index in literal:
                    if index <= best:
                        break
                    if decides[index]:
                        best = index
                        break
                    hit = matches.get(index)
                    if hit is None:
                        hit = matches[index] = search[index](path) is not None
                    if hit:
                        best = index
                        break
            dot = name.rfind(".")
            key = name[0] + name[dot:] if dot >= 0 else name[0] + name[-1]
            globs = globs_by_key.get(key)
            if globs is None:
                globs = globs_for(key, name)
            for index, prefix, suffix, minimum, match, _ in globs:
                if index <= best:
                    break
                if (
                    len(name) >= minimum
                    and name.startswith(prefix)
                    and name.endswith(suffix)
                    and (match is None or match(name))
                ):
                    if decides[index]:
                        best = index
                        break
                    hit = matches.get(index)
                    if hit is None:
                        hit = matches[index] = search[index](path) is not None
                    if hit:
                        best = index
                        break
            for index in always:
                if index <= best:
                    break
                if search[index](path):
                    best = index
                    break
            out.append(best)
        return out

    def _directory(self, directory: str) -> int:
        """The best index matching everything below `directory`; computed once each.

        A pattern matches a directory's contents when it matches the directory itself
        or an ancestor: the parent's cached answer, raised by the patterns whose last
        segment matches this directory's name. Probing "dir/" with a pattern's regex
        asks whether it matches everything below the directory.
        """
        parent, slash, name = directory.rpartition("/")
        best = -1
        if slash:
            known = self._dirs.get(parent)
            best = self._directory(parent) if known is None else known
        best = self._raise(self._dirs_bucket, name, directory + "/", best)
        self._dirs[directory] = best
        return best

    def _raise(self, bucket: _Bucket, name: str, subject: str, best: int) -> int:
        """The highest index above `best` of a pattern matching `subject` whose last
        segment matches `name`, else `best` (the scan `indices` inlines for files)."""
        decides, search = self._decides, self._search
        for index in bucket.literal.get(name, ()):
            if index <= best:
                break
            if decides[index] or search[index](subject):
                best = index
                break
        for index, prefix, suffix, minimum, match, _ in bucket.globs(name):
            if index <= best:
                break
            if (
                len(name) >= minimum
                and name.startswith(prefix)
                and name.endswith(suffix)
                and (match is None or match(name))
                and (decides[index] or search[index](subject))
            ):
                best = index
                break
        for index in bucket.always:
            if index <= best:
                break
            if search[index](subject):
                return index
        return best

    def reference_index(self, path: str) -> int:
        """The plain evaluation: every pattern, last to first (pathspec's own method)."""
        if path.startswith("/"):
            path = path[1:]
        elif path.startswith("./"):
            path = path[2:]
        for index in range(len(self._search) - 1, -1, -1):
            if self._search[index](path):
                return index
        return -1
