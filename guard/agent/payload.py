"""An agent's hook JSON as a `Call`: which tool, and which paths or command it names."""

from __future__ import annotations

import json
import os

from guard.agent.formats import AGENTS
from guard.errors import UsageError
from guard.shell.files import PATCH_NAMES, patch_targets

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

# Tool-input keys that move a shell command's working directory.
WORKDIR_KEYS = ("workdir", "dir_path", "directory")


class Call:
    """One tool call, as far as the guard cares: what kind, which paths or command."""

    __slots__ = ("agent", "command", "cwd", "kind", "paths", "tool")

    def __init__(
        self,
        agent: str,
        tool: str,
        kind: str,
        cwd: str,
        paths: tuple[tuple[str, str], ...] = (),
        command: str | None = None,
    ) -> None:
        self.agent = agent
        self.tool = tool
        self.kind = kind  # edit, shell, ignored (not a tool the guard inspects), invalid
        self.cwd = cwd
        self.paths = paths  # (operation, path as given): write or delete
        self.command = command


def _bad(message: str) -> Exception:
    return UsageError(message)


def parse_payload(agent: str, raw: bytes, cwd: str) -> Call:
    """The call described by an agent's hook JSON; UsageError when it is unusable."""
    if not raw.strip():
        raise _bad("the hook received no input (expected the agent's JSON on stdin)")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _bad(f"the hook input is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _bad(f"the hook input is JSON but not an object ({type(data).__name__})")
    dialect = AGENTS[agent]
    event = data.get("hook_event_name")
    tool = data.get("tool_name")
    if event is not None and event != dialect["event"]:
        return Call(agent, str(tool), "ignored", cwd)
    if not isinstance(tool, str):
        raise _bad("the hook input has no tool_name")
    where = data.get("cwd")
    base = os.path.join(cwd, where) if isinstance(where, str) and where else cwd
    if tool in dialect["edit_tools"]:
        path = _edit_path(data, tool, dialect["edit_tools"][tool])
        return Call(agent, tool, "edit", base, (("write", path),))
    if tool in dialect["patch_tools"]:
        patch = _text_input(data, tool, ("command", "input", "patch"))
        return Call(agent, tool, "edit", base, tuple(patch_targets(patch)), None)
    if tool in dialect["shell_tools"]:
        return _shell_call(agent, tool, data, base)
    return Call(agent, tool, "ignored", base)


def _tool_input(data: Mapping[str, Any], tool: str) -> Mapping[str, Any]:
    tool_input = data.get("tool_input")
    if not isinstance(tool_input, dict):
        raise _bad(f"the {tool} call has no tool_input object")
    return tool_input


def _edit_path(data: Mapping[str, Any], tool: str, keys: tuple[str, ...]) -> str:
    tool_input = _tool_input(data, tool)
    for key in keys:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            if "\0" in value:
                raise _bad(f"the {tool} call names a file with a NUL byte: {value!r}")
            return value
    raise _bad(f"the {tool} call names no file ({' or '.join(keys)})")


def _text_input(data: Mapping[str, Any], tool: str, keys: tuple[str, ...]) -> str:
    tool_input = _tool_input(data, tool)
    for key in keys:
        value = tool_input.get(key)
        if isinstance(value, str):
            return value
    raise _bad(f"the {tool} call has no {keys[0]} text")


def _shell_call(agent: str, tool: str, data: Mapping[str, Any], base: str) -> Call:
    import shlex  # only shell calls need it (and the `re` it imports)

    tool_input = _tool_input(data, tool)
    command = tool_input.get("command", tool_input.get("cmd"))
    for key in WORKDIR_KEYS:
        workdir = tool_input.get(key)
        if isinstance(workdir, str) and workdir:
            base = os.path.join(base, workdir)
            break
    if isinstance(command, list) and command and all(isinstance(w, str) for w in command):
        if os.path.basename(command[0]) in PATCH_NAMES and len(command) > 1:
            return Call(agent, tool, "edit", base, tuple(patch_targets(command[1])))
        return Call(agent, tool, "shell", base, command=shlex.join(command))
    if isinstance(command, str):
        return Call(agent, tool, "shell", base, command=command)
    raise _bad(f"the {tool} call has no command (a string or a list of strings)")
