"""lefthook's conventions: which hooks it claims, and the guard as one of its jobs.

lefthook owns each hook its configuration names. `lefthook install`, and any hook it
runs after its main configuration changed, deletes a hook script of its own and
renames any other to `<hook>.old`, which it never runs; its own script runs only the
jobs of its configuration. A shim in its place cannot last, so at a hook lefthook
claims the guard is a job: the guard's own configuration (`lefthook.yml` in the
guard's state directory) declares a `session-guard` job for each such hook, running
the guard's shim for it, and one `extends` entry in lefthook's local configuration
(`lefthook-local.yml`: per work tree and never committed, as lefthook documents it)
brings that in. lefthook reads both on every run, so `lefthook install`, run again
or for the first time, and edits of its configuration keep the job. A hook lefthook
does not claim keeps the guard's own shim, which lefthook never touches.

Read from lefthook 2.2.2's source and checked against it (tests/e2e/test_hook_managers.py).
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
from collections.abc import Collection, Iterable
from typing import Any

from guard import gitio
from guard.errors import UsageError

# lefthook's own test for its scripts: any line containing this. So a guard shim must
# never contain it, or lefthook would delete the shim as its own.
OWN_MARK = b"LEFTHOOK"
OLD = ".old"  # where lefthook keeps a hook it replaced (and never runs it)
JOB = "session-guard"
CONFIG = "lefthook.yml"  # the guard's configuration, in the state directory
SHIMS = "lefthook"  # the folder of the shims its jobs run, in the state directory
LOCAL_FILE = "lefthook-local.yml"

# The names lefthook looks for, in its order: each extension in turn, each name within it.
_EXTENSIONS = (".yml", ".yaml", ".json", ".toml")
MAIN = ("lefthook", ".lefthook", os.path.join(".config", "lefthook"))
LOCAL = ("lefthook-local", ".lefthook-local", os.path.join(".config", "lefthook-local"))

NOTE = "# session-guard: `guard uninstall` removes this"
_CREATED = (
    "# session-guard: `guard install` wrote this file and `guard uninstall` removes it.\n"
    "# lefthook merges it into its configuration; the entry brings in the guard's job\n"
    "# for each hook lefthook runs.\n"
)
# gitignore has no trailing comments: the note is a line of its own.
_EXCLUDED = f"# session-guard wrote lefthook's local configuration:\n/{LOCAL_FILE}\n"


def is_script(path: str) -> bool:
    """Whether the file at `path` is lefthook's hook script: one lefthook takes for its
    own, which runs lefthook (not any hook that mentions LEFTHOOK=0)."""
    try:
        with open(path, "rb") as handle:
            content = handle.read()
    except OSError:
        return False
    return OWN_MARK in content and b"lefthook run " in content


def find(root: str, names: Iterable[str]) -> str | None:
    """The configuration file lefthook reads among `names` (lefthook reads one only)."""
    names = tuple(names)
    for extension in _EXTENSIONS:
        for name in names:
            path = os.path.join(root, name + extension)
            if os.path.isfile(path):
                return path
    return None


def config_path(state: str) -> str:
    return os.path.join(state, CONFIG)


def shim_path(state: str, hook: str) -> str:
    return os.path.join(state, SHIMS, hook)


def _read(path: str) -> dict[str, Any] | None:
    """A configuration file as data; None when it cannot be read here as lefthook would:
    TOML (no parser before Python 3.11), remote configurations, invalid YAML."""
    if path.endswith(".toml"):
        return None
    # Imported here: every session's audit and start look at the hooks through this
    # module, and only a repository that lefthook manages has a file to parse.
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, ValueError, yaml.YAMLError):
        return None
    data = {} if data is None else data
    if not isinstance(data, dict) or "remotes" in data or "remote" in data:
        return None
    return data


def _extends(data: dict[str, Any]) -> list[str]:
    value = data.get("extends")
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def claimed(root: str, hooks_dir: str, hooks: Collection[str], state: str) -> set[str]:
    """The hooks among `hooks` that lefthook runs, or will once it is installed: those
    whose script is lefthook's, and those its configuration names (main and local, and
    what they extend, but not the guard's own). A configuration it cannot read claims
    them all: the guard then waits for them as lefthook's jobs too (the safe side)."""
    found = {hook for hook in hooks if is_script(os.path.join(hooks_dir, hook))}
    pending = [path for path in (find(root, MAIN), find(root, LOCAL)) if path]
    seen = {os.path.realpath(config_path(state))}
    while pending:
        path = os.path.realpath(pending.pop())
        if path in seen:
            continue
        seen.add(path)
        data = _read(path)
        if data is None:
            return set(hooks)
        found |= {hook for hook in hooks if hook in data}
        for pattern in _extends(data):  # relative to the work tree, globs allowed
            pending += sorted(glob.glob(os.path.join(root, pattern)))
    return found


def config_text(state: str, hooks: Iterable[str], stdin: Collection[str]) -> str:
    """The guard's configuration: a `session-guard` job at each hook, running its shim."""
    lines = [
        "# session-guard: `guard install` wrote this; lefthook reads it through the",
        "# `extends` entry in lefthook-local.yml. Each job runs the guard's shim for",
        "# its hook, which exits at once when no session is active.",
    ]
    for hook in hooks:
        run = shlex.quote(shim_path(state, hook))
        if hook == "reference-transaction":
            run += " {1}"  # the transaction's state: `prepared` is the one judged
        lines += [f"{hook}:", "  jobs:", f"    - name: {JOB}", f"      run: {json.dumps(run)}"]
        if hook in stdin:
            lines.append("      use_stdin: true")  # the refs git gives the hook
    return "\n".join(lines) + "\n"


def declares(state: str, hook: str) -> bool:
    """Whether the guard's configuration has a job at `hook`."""
    try:
        with open(config_path(state), encoding="utf-8") as handle:
            return f"\n{hook}:\n" in handle.read()
    except OSError:
        return False


def linked(root: str, state: str) -> bool:
    """Whether the local configuration lefthook reads in `root` extends the guard's."""
    local = find(root, LOCAL)
    data = _read(local) if local else None
    return data is not None and config_path(state) in _extends(data)


# --------------------------------------------------------------------------- the local file


def _with_entry(text: str, target: str) -> str | None:
    """`text` with `target` first in its top-level `extends` list; None when that list
    is not a plain block list this can edit without guessing (flow style, a scalar)."""
    entry = f"- {json.dumps(target)}  {NOTE}\n"
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if re.fullmatch(r"extends:\s*(#.*)?", line.rstrip("\r\n")):
            items = [x for x in lines[number + 1 :] if x.strip() and not x.lstrip().startswith("#")]
            found = re.match(r"(\s*)- ", items[0]) if items else None
            indent = found.group(1) if found else "  "
            return "".join([*lines[: number + 1], indent + entry, *lines[number + 1 :]])
        if re.match(r"extends\s*:", line):
            return None
    separator = "" if not text or text.endswith("\n") else "\n"
    return f"{text}{separator}extends:  {NOTE}\n  {entry}"


def _same_but_extends(old: dict[str, Any], text: str, extends: list[str]) -> bool:
    """Whether an edit to `text` changed nothing but the `extends` list, now `extends`."""
    import yaml

    try:
        new = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return False
    if not isinstance(new, dict):
        return False
    rest = {key: value for key, value in old.items() if key != "extends"}
    return _extends(new) == extends and rest == {k: v for k, v in new.items() if k != "extends"}


def _edit_problem(root: str, local: str) -> str | None:
    """Why the guard will not edit `local`, or None."""
    if gitio.is_tracked(local, cwd=root):
        return "is tracked: it is the team's file, and a change to it would ship"
    if not local.endswith((".yml", ".yaml")) or _read(local) is None:
        return "is not YAML this can edit (JSON, TOML, remote configurations)"
    return None


def check(root: str, state: str) -> None:
    """Raise when the guard cannot bring its configuration into lefthook's in `root`."""
    local = find(root, LOCAL)
    if local is None or linked(root, state):
        return
    problem = _edit_problem(root, local)
    if problem is None:
        with open(local, encoding="utf-8") as handle:
            text = handle.read()
        if _with_entry(text, config_path(state)) is None:
            problem = "has an `extends` that is not a plain list"
    if problem:
        raise UsageError(
            f"lefthook runs hooks the guard needs, and its local configuration {local} "
            f"{problem}, so the guard cannot add its job there",
            hint=f"add {config_path(state)!r} to `extends` in {local} yourself (lefthook "
            "reads the guard's job from there), then run guard install again",
        )


def link(root: str, state: str, common: str) -> str | None:
    """Make lefthook's local configuration in `root` extend the guard's; say what was
    written (None: nothing was needed). Raises as `check` does."""
    check(root, state)
    target = config_path(state)
    local = find(root, LOCAL)
    if local is None:
        path = os.path.join(root, LOCAL_FILE)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"{_CREATED}extends:\n  - {json.dumps(target)}\n")
        _exclude(common, add=True)  # a personal file: never in `git status` or an audit
        return f"wrote {path}, lefthook's local configuration, to bring the guard's job in"
    if linked(root, state):
        return None
    with open(local, encoding="utf-8") as handle:
        text = handle.read()
    edited = _with_entry(text, target) or text
    old = _read(local) or {}
    if not _same_but_extends(old, edited, [target, *_extends(old)]):
        raise UsageError(f"could not add the guard's entry to `extends` in {local}")
    with open(local, "w", encoding="utf-8") as handle:
        handle.write(edited)
    return f"added the guard's configuration to `extends` in {local}"


def unlink(root: str, state: str, common: str) -> str | None:
    """Take the guard's entry out of lefthook's local configuration in `root` again
    (the whole file when the guard wrote it); say what was done."""
    target = config_path(state)
    local = find(root, LOCAL)
    if local is None or not linked(root, state):
        return None
    with open(local, encoding="utf-8") as handle:
        text = handle.read()
    old = _read(local) or {}
    if text.startswith(_CREATED) and old == {"extends": [target]}:
        os.remove(local)
        _exclude(common, add=False)
        return f"removed {local}"
    kept = "".join(line for line in text.splitlines(keepends=True) if NOTE not in line)
    left = [entry for entry in _extends(old) if entry != target]
    if not _same_but_extends(old, kept, left):
        return f"left {local} alone: take {target!r} out of its `extends` yourself"
    with open(local, "w", encoding="utf-8") as handle:
        handle.write(kept)
    return f"took the guard's entry out of `extends` in {local}"


def _exclude(common: str, add: bool) -> None:
    """Add or take out the guard's line for the local file in `info/exclude`."""
    path = os.path.join(common, "info", "exclude")
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        text = ""
    if add == (_EXCLUDED in text):
        return
    if add:
        text += ("" if not text or text.endswith("\n") else "\n") + _EXCLUDED
    else:
        text = text.replace(_EXCLUDED, "")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
