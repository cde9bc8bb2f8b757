"""Policy files: YAML -> validated, frozen Policy, with the file:line of every pattern.

Loading has two stages, as ruff and gitleaks do: the YAML is composed into nodes
(which keep their positions), then every key and value is validated, collecting all
problems before one `PolicyError` reports them. Each pattern is translated to a
regular expression as it is read (`guard.patterns`), so that the classifier (and
the hooks that use it) need neither YAML nor pathspec at run time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

from guard import protect as _protect
from guard.errors import PolicyError
from guard.patterns import Pattern, compile_pattern
from guard.policy import Policy, Problem
from guard.protect import Protect
from guard.protect import Raw as RawProtect

SHIPPED_DISPLAY_DIR = "policies"
MAX_POLICY_BYTES = 1 << 20
MAX_DEPTH = 32

_NAME = re.compile(r"[a-z][a-z0-9_-]*\Z")
_SHIPPED_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_GLOB_CHARS = frozenset("*?[\\")
_TOP_KEYS = (
    "version",
    "extends",
    "categories",
    "default",
    "rules",
    "modes",
    "protect",
    "unknown_mcp_tools",
)
_UNKNOWN_MCP = ("allow", "refuse")  # an MCP tool the agent hook cannot judge, in a session
_RULE_KEYS = ("category", "paths")
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_INT = "tag:yaml.org,2002:int"


def shipped_dir() -> Path:
    """Where the shipped policies are: inside the package, or at the checkout's top."""
    from importlib import resources
    from pathlib import Path

    packaged = Path(str(resources.files("guard"))) / "policies"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / SHIPPED_DISPLAY_DIR


def shipped_names() -> list[str]:
    return sorted(p.stem for p in shipped_dir().glob("*.yaml"))


class _Reject(Exception):
    def __init__(self, mark: Any, message: str) -> None:
        super().__init__(message)
        self.mark = mark
        self.message = message


def _compose(text: str, fast: bool = True) -> Any:
    """Compose one YAML document into nodes, refusing aliases, tags and deep nesting.

    libyaml, where PyYAML has it, composes in a tenth of the time the Python loader
    takes (the server's hook loads the policy on every push): its events are checked
    first, so its composer never sees a document deeper than MAX_DEPTH. A document
    it refuses, or that breaks a rule, is composed again by the Python loader, whose
    messages and marks the policy errors quote; tests/test_policy.py holds the two
    to the same nodes, marks and errors.
    """
    import yaml

    libyaml = getattr(yaml, "CSafeLoader", None) if fast else None
    # Tabs are where the two disagree: the Python loader refuses a tab after a
    # token where libyaml takes it as a space, so such a text is the Python's alone.
    if libyaml is not None and "\t" not in text:
        try:
            _check(yaml.parse(text, Loader=libyaml))
            loader = libyaml(text)
            try:
                return loader.get_single_node()
            finally:
                loader.dispose()
        except (yaml.YAMLError, _Reject):
            pass  # the Python loader below says where and why

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event: Any = self.peek_event()  # type: ignore[no-untyped-call]
            _refused(event, self.depth + 1)
            self.depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    loader = Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _refused(event: Any, depth: int) -> None:
    """Raise _Reject for a node event the policy format does not allow at `depth`."""
    import yaml

    if isinstance(event, yaml.AliasEvent):
        raise _Reject(event.start_mark, "YAML aliases are not allowed")
    if getattr(event, "tag", None) not in (None, "!"):
        raise _Reject(event.start_mark, f"YAML tag {event.tag!r} is not allowed")
    if depth > MAX_DEPTH:
        raise _Reject(event.start_mark, f"nested deeper than {MAX_DEPTH} levels")


def _check(events: Iterable[Any]) -> None:
    """`_refused` for every node of a document's events, as the composer would meet them."""
    import yaml

    depth = 0  # collections open
    for event in events:
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        elif isinstance(event, yaml.NodeEvent):
            _refused(event, depth + 1)
            depth += isinstance(event, yaml.CollectionStartEvent)


class _Raw:
    """One policy file after validation of its own structure (a loader's scratch pad)."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.version: int | None = None
        self.extends: tuple[str, Any] | None = None
        self.categories: list[tuple[str, Any]] = []
        self.default: tuple[str, Any] | None = None
        self.rules: list[tuple[str, str, Any]] = []  # (category, pattern, node)
        self.category_marks: list[tuple[str, Any]] = []
        self.modes: dict[str, list[tuple[str, Any]]] = {}
        self.protect: list[RawProtect] = []
        self.unknown_mcp: str | None = None


class _Reader:
    """Walks the composed nodes of one file, collecting located problems."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def add(self, mark: Any, message: str) -> None:
        self.problems.append(Problem(self.file, mark.line + 1, mark.column + 1, message))

    def mapping(self, node: Any, what: str, keys: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
        if node.tag != _MAP:
            self.add(node.start_mark, f"{what} must be a mapping")
            return
        seen: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if key_node.tag == _STR else None
            if key is None:
                self.add(key_node.start_mark, f"{what}: keys must be strings")
                continue
            if key in seen:
                first = seen[key].line + 1
                self.add(key_node.start_mark, f"duplicate key {key!r} (first on line {first})")
                continue
            seen[key] = key_node.start_mark
            if keys and key not in keys:
                self.add(key_node.start_mark, f"unknown key {key!r}{_did_you_mean(key, keys)}")
                continue
            yield key, value_node

    def records(
        self, node: Any, what: str, noun: str, keys: tuple[str, ...], required: tuple[str, ...]
    ) -> Iterator[tuple[Any, dict[str, Any]]]:
        """The items of the list `what` that are mappings holding every `required` key:
        (item, {key: value node}); what is wrong with the others is said."""
        if node.tag != _SEQ:
            self.add(node.start_mark, f"{what} must be a list")
            return
        for item in node.value:
            fields = dict(self.mapping(item, f"a {noun}", keys))
            if item.tag != _MAP:
                continue
            missing = [key for key in required if key not in fields]
            if missing:
                names = " and ".join(map(repr, missing))
                self.add(item.start_mark, f"{noun} is missing {names}")
                continue
            yield item, fields

    def string(self, node: Any, what: str) -> str | None:
        if node.tag != _STR or not isinstance(node.value, str):
            self.add(node.start_mark, f"{what} must be a string (quote it)")
            return None
        return str(node.value)

    def strings(self, node: Any, what: str) -> list[tuple[str, Any]]:
        if node.tag != _SEQ:
            self.add(node.start_mark, f"{what} must be a list")
            return []
        out = []
        for item in node.value:
            value = self.string(item, f"an item of {what}")
            if value is not None:
                out.append((value, item))
        return out

    def name(self, node: Any, what: str) -> str | None:
        value = self.string(node, what)
        if value is not None and not _NAME.match(value):
            self.add(node.start_mark, f"{what} {value!r} must match [a-z][a-z0-9_-]*")
            return None
        return value


def _did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str:
    import difflib

    close = [c for c in choices if c.startswith(word) or word.startswith(c)]
    close = close or difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _read_file(path: Path, display: str, problems: list[Problem]) -> _Raw | None:
    """Read and structurally validate one policy file (no cross-file checks)."""
    import yaml

    reader = _Reader(display, problems)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(Problem(display, 1, 1, f"cannot read policy: {exc.strerror}"))
        return None
    if len(data) > MAX_POLICY_BYTES:
        problems.append(Problem(display, 1, 1, f"policy is larger than {MAX_POLICY_BYTES} bytes"))
        return None
    try:
        node = _compose(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(display, 1, 1, f"policy is not UTF-8: {exc.reason}"))
        return None
    except _Reject as exc:
        reader.add(exc.mark, exc.message)
        return None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a NUL)
        text = data.decode("utf-8")[: exc.position]
        line, col = text.count("\n") + 1, len(text) - (text.rfind("\n") + 1) + 1
        problems.append(Problem(display, line, col, f"invalid YAML: {exc.reason}"))
        return None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problems.append(Problem(display, line, col, f"invalid YAML: {exc.problem or exc.context}"))
        return None
    if node is None:
        problems.append(Problem(display, 1, 1, "policy is empty"))
        return None
    raw = _Raw(display)
    for key, value in reader.mapping(node, "a policy", _TOP_KEYS):
        _READERS[key](reader, raw, value)
    if raw.version is None and not any(p.file == display for p in problems):
        reader.add(node.start_mark, "missing key 'version' (use: version: 1)")
    return raw


def _read_version(reader: _Reader, raw: _Raw, node: Any) -> None:
    if node.tag != _INT or node.value.strip() != "1":
        reader.add(node.start_mark, f"unsupported version {node.value!r} (use: version: 1)")
        raw.version = 0
    else:
        raw.version = 1


def _read_extends(reader: _Reader, raw: _Raw, node: Any) -> None:
    value = reader.string(node, "extends")
    if value is not None:
        raw.extends = (value, node.start_mark)


def _read_categories(reader: _Reader, raw: _Raw, node: Any) -> None:
    for _, item in reader.strings(node, "categories"):
        name = reader.name(item, "category")
        if name is not None:
            raw.categories.append((name, item.start_mark))


def _read_default(reader: _Reader, raw: _Raw, node: Any) -> None:
    name = reader.name(node, "default")
    if name is not None:
        raw.default = (name, node.start_mark)


def _read_rules(reader: _Reader, raw: _Raw, node: Any) -> None:
    for _, fields in reader.records(node, "rules", "rule", _RULE_KEYS, _RULE_KEYS):
        category = reader.name(fields["category"], "category")
        paths = reader.strings(fields["paths"], "paths")
        if fields["paths"].tag == _SEQ and not fields["paths"].value:
            reader.add(fields["paths"].start_mark, "paths is empty: a rule needs a pattern")
        if category is None:
            continue
        raw.category_marks.append((category, fields["category"].start_mark))
        raw.rules.extend((category, text, item) for text, item in paths)


def _read_modes(reader: _Reader, raw: _Raw, node: Any) -> None:
    for name, value in reader.mapping(node, "modes", ()):
        if not _NAME.match(name):
            reader.add(value.start_mark, f"mode {name!r} must match [a-z][a-z0-9_-]*")
            continue
        allowed = []
        for _, item in reader.strings(value, f"mode {name!r}"):
            category = reader.name(item, "category")
            if category is not None:
                allowed.append((category, item.start_mark))
        raw.modes[name] = allowed


def _read_protect(reader: _Reader, raw: _Raw, node: Any) -> None:
    raw.protect.extend(_protect.read(reader, raw.file, node))


def _read_unknown_mcp(reader: _Reader, raw: _Raw, node: Any) -> None:
    value = reader.string(node, "unknown_mcp_tools")
    if value is not None and value not in _UNKNOWN_MCP:
        reader.add(node.start_mark, f"unknown_mcp_tools must be allow or refuse, not {value!r}")
    elif value is not None:
        raw.unknown_mcp = value


_READERS = {
    "version": _read_version,
    "extends": _read_extends,
    "categories": _read_categories,
    "default": _read_default,
    "rules": _read_rules,
    "modes": _read_modes,
    "protect": _read_protect,
    "unknown_mcp_tools": _read_unknown_mcp,
}


# --------------------------------------------------------------------------- resolve


def display_path(path: Path, root: Path | None) -> str:
    """How a policy file is named in messages: shipped ones as policies/NAME.yaml."""
    resolved = path.resolve()
    shipped = shipped_dir().resolve()
    if resolved.parent == shipped:
        return f"{SHIPPED_DISPLAY_DIR}/{resolved.name}"
    if root is not None:
        try:
            return resolved.relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _resolve_extends(value: str, base: Path) -> Path | None:
    if _SHIPPED_NAME.match(value):
        candidate = shipped_dir() / f"{value}.yaml"
        return candidate if candidate.is_file() else None
    candidate = base.parent / value  # an absolute `value` replaces the base
    return candidate if candidate.is_file() else None


def _chain(path: Path, root: Path | None, problems: list[Problem]) -> list[_Raw]:
    """Read a policy and everything it extends, base first."""
    chain: list[_Raw] = []
    seen: list[Path] = []
    current: Path | None = path
    while current is not None:
        resolved = current.resolve()
        display = display_path(current, root)
        if resolved in seen:
            names = " -> ".join(display_path(p, root) for p in [*seen, resolved])
            problems.append(Problem(chain[-1].file, 1, 1, f"extends cycle: {names}"))
            break
        seen.append(resolved)
        raw = _read_file(current, display, problems)
        if raw is None:
            break
        chain.append(raw)
        current = None
        if raw.extends is not None:
            value, mark = raw.extends
            current = _resolve_extends(value, resolved)
            if current is None:
                names = ", ".join(shipped_names())
                problems.append(
                    Problem(
                        raw.file,
                        mark.line + 1,
                        mark.column + 1,
                        f"extends {value!r}: no such shipped policy ({names}) or file",
                    )
                )
    chain.reverse()
    return chain


def _check_category(
    name: str, mark: Any, file: str, known: list[str], problems: list[Problem]
) -> None:
    if name not in known:
        hint = _did_you_mean(name, known) or f" (known: {', '.join(known) or 'none'})"
        message = f"unknown category {name!r}{hint}"
        problems.append(Problem(file, mark.line + 1, mark.column + 1, message))


def _merge(chain: list[_Raw], problems: list[Problem]) -> Policy:
    categories: list[str] = []
    default: str | None = None
    patterns: list[Pattern] = []
    modes: dict[str, tuple[str, ...]] = {}
    protect: list[Protect] = []
    unknown_mcp = "allow"
    for raw in chain:
        unknown_mcp = raw.unknown_mcp or unknown_mcp
        categories.extend(name for name, _ in raw.categories if name not in categories)
        guarded = [m for _, marks in raw.protect for m in marks]
        marks = [*raw.category_marks, *[m for v in raw.modes.values() for m in v], *guarded]
        for name, mark in marks:
            _check_category(name, mark, raw.file, categories, problems)
        protect.extend(rule for rule, _ in raw.protect)
        if raw.default is not None:
            _check_category(*raw.default, raw.file, categories, problems)
            default = raw.default[0]
        for category, text, node in raw.rules:
            mark = node.start_mark
            pattern, problem = compile_pattern(
                text, category, raw.file, mark.line + 1, mark.column + 1
            )
            if pattern is None:
                problems.append(Problem(raw.file, mark.line + 1, mark.column + 1, str(problem)))
            else:
                patterns.append(pattern)
        modes.update({name: tuple(c for c, _ in allowed) for name, allowed in raw.modes.items()})
    if chain and not problems:  # with other problems, these would only repeat them
        if not categories:
            problems.append(Problem(chain[0].file, 1, 1, "no categories: declare `categories:`"))
        if default is None:
            problems.append(Problem(chain[0].file, 1, 1, "no default category: declare `default:`"))
    return Policy(
        sources=tuple(raw.file for raw in chain),
        categories=tuple(categories),
        default=default or "",
        patterns=tuple(patterns),
        modes=modes,
        protect=tuple(protect),
        unknown_mcp_tools=unknown_mcp,
    )


def load_policy(path: Path, root: Path | None = None) -> Policy:
    """Load, validate and resolve a policy file and what it extends.

    Raises PolicyError with every problem found, each with file:line:col.
    """
    problems: list[Problem] = []
    chain = _chain(path, root, problems)
    policy = _merge(chain, problems)
    if problems:
        raise PolicyError(sorted(problems, key=lambda p: (p.file, p.line, p.col)))
    return policy


def default_policy_path() -> Path:
    return shipped_dir() / "default.yaml"


def effective_policy_path(root: Path | None) -> Path:
    """The repository's `.guard.yaml` if it has one, else the shipped default."""
    if root is not None:
        local = root / ".guard.yaml"
        if local.is_file():
            return local
    return default_policy_path()
