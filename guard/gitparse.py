"""Pure parsers of git's NUL-separated output: raw diffs, logs, trees and status.

No git runs here (`gitio` runs it): each parser takes the bytes git wrote, so it
is tested on any text, including what no real repository would produce.
"""

from __future__ import annotations

from guard.changes import ABSENT, Change, Commit, WorkingChange


def decode(raw: bytes) -> str:
    """git's bytes as text; undecodable bytes kept as surrogate escapes."""
    return raw.decode("utf-8", "surrogateescape")


def parse_raw(tokens: list[str], start: int = 0) -> tuple[list[Change], int]:
    """Parse `--raw -z` records from `tokens` (the decoded output split on NUL).

    A record is `:oldmode newmode oldsha newsha STATUS` then the path, or two paths
    for a rename (one R change) or a copy (an addition of the new path). Stops at
    the first token that is not a record, or at a record whose paths are not in
    `tokens` yet (output still streaming); returns the changes and that position.
    """
    changes: list[Change] = []
    append = changes.append
    i, end = start, len(tokens)
    while i + 1 < end:
        head = tokens[i]
        if head[:1] != ":":
            if head[:2] != "\n:":
                break
            head = head[1:]
        old_mode, new_mode, old_oid, new_oid, status = head[1:].split(" ")
        letter = status[0]
        if letter == "R" or letter == "C":
            if i + 2 >= end:
                break
            path = tokens[i + 2]
            if letter == "R":
                append(Change("R", path, old_mode, new_mode, tokens[i + 1], new_oid, old_oid))
            else:
                append(Change("A", path, ABSENT, new_mode, None, new_oid))
            i += 3
        else:
            append(Change(letter, tokens[i + 1], old_mode, new_mode, None, new_oid, old_oid))
            i += 2
    return changes, i


def _is_record(token: str) -> bool:
    return token[:1] == ":" or token[:2] == "\n:"


def tokens(out: bytes) -> list[str]:
    """NUL-separated git output, decoded once (undecodable bytes kept as escapes)."""
    return out.decode("utf-8", "surrogateescape").split("\0")


class LogParser:
    """Parses `git log LOG_FORMAT --raw -z` output fed in pieces as git writes it:
    per commit a header (sha and parents), author, date and message, then its
    records. Positional, so no message or path can confuse it; a commit is kept
    once the token after its last record has arrived (or the output has ended)."""

    def __init__(self) -> None:
        self.commits: list[Commit] = []
        self._rest = b""  # bytes after the last NUL: a token still arriving
        self._tokens: list[str] = []  # whole tokens not parsed yet
        self._open: tuple[str, tuple[str, ...], str, str, str] | None = None
        self._changes: list[Change] = []

    def feed(self, data: bytes) -> None:
        cut = data.rfind(b"\0")
        if cut < 0:
            self._rest += data
            return
        self._tokens += tokens(self._rest + data[:cut])
        self._rest = data[cut + 1 :]
        self._parse(final=False)

    def close(self) -> list[Commit]:
        self._tokens += tokens(self._rest)
        self._rest = b""
        self._parse(final=True)
        return self.commits

    def _parse(self, final: bool) -> None:
        tokens = self._tokens
        i, end = 0, len(tokens)
        while True:
            if self._open is None:
                while i < end and not tokens[i].lstrip("\n").startswith("\x01"):
                    i += 1
                if i == end or (i + 4 > end and not final):
                    break
                sha, *listed = tokens[i].lstrip("\n")[1:].split(" ")
                author, date, message = [*tokens[i + 1 : i + 4], "", "", ""][:3]
                self._open = (sha, tuple(filter(None, listed)), author, date, message)
                i += 4
            changes, i = parse_raw(tokens, i)
            self._changes += changes
            if not final and (i >= end or _is_record(tokens[i])):
                break  # its records may go on in the next piece
            sha, parents, author, date, message = self._open
            subject = message.split("\n", 1)[0]
            self.commits.append(
                Commit(
                    sha,
                    parents,
                    subject,
                    tuple(self._changes),
                    author,
                    date,
                    message.rstrip("\n"),
                )
            )
            self._open, self._changes = None, []
        del tokens[:i]


def parse_log(out: bytes) -> list[Commit]:
    """Parse a whole `git log LOG_FORMAT --raw -z` output."""
    parser = LogParser()
    parser.feed(out)
    return parser.close()


def parse_diff(out: bytes) -> list[Change]:
    return parse_raw(tokens(out))[0]


def parse_diffs(out: bytes) -> list[list[Change]]:
    """Parse `git diff-tree --stdin --always -r -z --raw`: per line read, a header
    (the commits) and then its records, none for an empty diff."""
    found = []
    parts = tokens(out)
    i, end = 0, len(parts)
    while i < end and parts[i]:  # the token after the last NUL is empty
        changes, i = parse_raw(parts, i + 1)
        found.append(changes)
    return found


def parse_tree(out: bytes) -> dict[str, str]:
    """Parse `git ls-tree -r -z` (`<mode> <type> <oid>TAB<path>` records) into
    path -> "mode oid"."""
    entries = {}
    for record in tokens(out):
        if record:
            meta, path = record.split("\t", 1)
            entries[path] = f"{meta[:6]} {meta[meta.rfind(' ') + 1 :]}"
    return entries


def parse_status(out: bytes) -> list[WorkingChange]:
    """Parse `git status --porcelain=v2 -z`: a renamed entry is its new path (R) and
    its old path (D), a copied one (status.renames=copies) a new path (A) beside a
    source that stays; staged and unstaged halves of one entry are two changes."""
    tokens = out.split(b"\0")
    changes = []
    i = 0
    while i < len(tokens):
        token = decode(tokens[i])
        i += 1
        if not token:
            continue
        kind = token[0]
        if kind == "?":
            changes.append(WorkingChange(token[2:], "untracked", "A"))
            continue
        if kind not in "12u":
            continue  # "!" ignored, "#" headers
        fields = token.split(" ", 10 if kind == "u" else (9 if kind == "2" else 8))
        staged, unstaged, path = fields[1][0], fields[1][1], fields[-1]
        if kind == "u":
            staged, unstaged = "U", "."
        if kind == "2":
            old_path = decode(tokens[i])
            i += 1
            if fields[8].startswith("R"):  # its score: R or C, and how alike
                side = "staged" if staged == "R" else "unstaged"  # `.R`: an intent to add
                changes.append(WorkingChange(old_path, side, "D"))
            staged, unstaged = ("A" if x == "C" else x for x in (staged, unstaged))
        if staged != ".":
            changes.append(WorkingChange(path, "staged", staged))
        if unstaged != ".":
            changes.append(WorkingChange(path, "unstaged", unstaged))
    return changes
