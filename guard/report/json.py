"""The report as JSON (`guard.audit/v1`, the schema shipped beside this module)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from json.encoder import encode_basestring_ascii as _string
from typing import Any


def encode(value: Any) -> str:
    # Compact: with `indent` json falls back to its pure-Python encoder, which took
    # longer than reading the history. ensure_ascii (the default) keeps a path with
    # non-UTF-8 bytes (surrogate escapes) valid JSON. No spaces after separators and
    # no cycle check (the report is a tree): 5% less to write, 15% faster to encode.
    return json.dumps(value, separators=(",", ":"), check_circular=False)


# The report's two long lists, a change row per changed path and a rollback step per
# path to undo, are written by templates: the same text as `encode`, character for
# character (json's own string encoder), in a fraction of its time. The few values
# besides the paths are encoded once each; rows of another shape take the general way.
_CHANGE_KEYS = ("path", "old_path", "status", "category", "rule", "allowed", "restores")
_TAIL = ',"status":%s,"category":%s,"rule":%s,"allowed":%s,"restores":%s}'
_STEP_KEYS = ("path", "action", "source", "category", "command")
_LITERAL = {True: "true", False: "false", None: "null"}


def _shaped(rows: Sequence[Mapping[str, Any]], keys: tuple[str, ...]) -> bool:
    """Whether the rows have exactly these keys in this order (each list is made by
    one function, so the first row tells; values are strings, None or booleans)."""
    return not rows or tuple(rows[0]) == keys


def encode_commit(row: Mapping[str, Any], tails: dict[tuple[Any, ...], str] | None = None) -> str:
    """A commit row, as `encode` writes it. `tails`: the text after the paths of each
    change row, by its values, kept from one commit to the next (they repeat: few
    statuses, categories and rules)."""
    changes = row["changes"]
    if list(row)[-1] != "changes" or not _shaped(changes, _CHANGE_KEYS):
        return encode(row)
    head = encode({key: value for key, value in row.items() if key != "changes"})
    string, known = _string, {} if tails is None else tails
    parts = []
    for c in changes:
        key = (c["status"], c["category"], c["rule"], c["allowed"], c["restores"])
        tail = known.get(key)
        if tail is None:
            tail = known[key] = _TAIL % (
                string(key[0]),
                string(key[1]),
                "null" if key[2] is None else string(key[2]),
                _LITERAL[key[3]],
                _LITERAL[key[4]],
            )
        old = "null" if c["old_path"] is None else string(c["old_path"])
        parts.append(f'{{"path":{string(c["path"])},"old_path":{old}{tail}')
    return f'{head[:-1]}{"," if len(head) > 2 else ""}"changes":[{",".join(parts)}]}}'


def encode_step(step: Mapping[str, Any]) -> str:
    """A rollback step, as `encode` writes it."""
    return _step(step, {}) if tuple(step) == _STEP_KEYS else encode(step)


def encode_plan(steps: Sequence[Mapping[str, Any]]) -> str:
    """The rollback plan, as `encode` writes it."""
    if not _shaped(steps, _STEP_KEYS):
        return encode(steps)
    middles: dict[tuple[Any, ...], str] = {}
    return f"[{','.join([_step(step, middles) for step in steps])}]"


def _step(step: Mapping[str, Any], middles: dict[tuple[Any, ...], str], plain: bool = False) -> str:
    """A step of the usual shape. `middles`: the text between its path and its command,
    by its action, source and category (they take few values). `plain`: its path and
    command hold only characters JSON writes as they are (ASCII letters, digits and
    `_@%+=:,./-`), so they need no string encoder."""
    key = (step["action"], step["source"], step["category"])
    middle = middles.get(key)
    if middle is None:
        action, source, category = key
        source_text = "null" if source is None else _string(source)
        middle = middles[key] = (
            f',"action":{_string(action)},"source":{source_text},'
            f'"category":{_string(category)},"command":'
        )
    if plain:
        return f'{{"path":"{step["path"]}"{middle}"{step["command"]}"}}'
    return f'{{"path":{_string(step["path"])}{middle}{_string(step["command"])}}}'


class Streamed:
    """The report's long lists encoded while the audit makes them, as git still
    writes: each commit's row (`commit`, in order), and each rollback step of the
    checked-out branch (`step`; the audit keeps the texts in the plan's order)."""

    def __init__(self) -> None:
        self.commits: list[str] = []
        self.steps: list[str] = []
        self._middles: dict[tuple[Any, ...], str] = {}
        self._tails: dict[tuple[Any, ...], str] = {}

    def commit(self, row: Mapping[str, Any]) -> None:
        self.commits.append(encode_commit(row, self._tails))

    def step(self, step: Mapping[str, Any], plain: bool = False) -> str:
        """A rollback step, encoded; `plain` as `_step` says."""
        if tuple(step) != _STEP_KEYS:
            return encode(step)
        return _step(step, self._middles, plain)


def render(report: Mapping[str, Any], streamed: Streamed | None = None) -> str:
    """The report as one line of JSON, with the lists `streamed` already encoded
    where they are complete. Joined once: each copy of a 3 MB text costs a
    millisecond or two of fresh memory."""
    commits, steps = (streamed.commits, streamed.steps) if streamed else ([], [])
    if len(commits) != len(report["commits"]):
        commits = [encode_commit(row) for row in report["commits"]]
    complete = bool(steps) and len(steps) == len(report["rollback"])
    chunks = ["{"]
    for key, value in report.items():
        chunks.append(f"{',' if len(chunks) > 1 else ''}{encode(key)}:")
        if key == "commits":
            chunks.extend(_listed(commits))
        elif key == "rollback":
            chunks.extend(_listed(steps) if complete else [encode_plan(value)])
        else:
            chunks.append(encode(value))
    chunks.append("}\n")
    return "".join(chunks)


def _listed(items: Sequence[str]) -> list[str]:
    """A JSON list of encoded items, as pieces for one join: `[`, the items with a
    comma between each two, `]`."""
    if not items:
        return ["[]"]
    pieces = [","] * (2 * len(items) + 1)
    pieces[0], pieces[-1] = "[", "]"
    pieces[1:-1:2] = items
    return pieces
