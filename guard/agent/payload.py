"""An agent's hook JSON as a `Call`: which tool, and which paths or command it names.

Every dialect is read through the same fields of formats.AGENTS: where the payload
names its event, its tool, the tool's arguments and its directory, and which tools
edit, delete, run shell commands, apply patches or call MCP tools.
"""

from __future__ import annotations

import json
import os

from guard.agent.formats import AGENTS, FS_READERS, FS_WRITERS, MESSAGE
from guard.errors import UsageError
from guard.shell.files import PATCH_NAMES, patch_targets

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from guard.agent.formats import Dialect

# Tool-input keys that move a shell command's working directory.
WORKDIR_KEYS = ("workdir", "working_directory", "dir_path", "directory", "cwd")
COMMAND_KEYS = ("command", "cmd", "command_line")
PATCH_KEYS = ("command", "input", "patch", "patchText")


class Call:
    """One tool call, as far as the guard cares: what kind, which paths or command."""

    __slots__ = ("agent", "call_id", "command", "cwd", "kind", "paths", "plan", "session", "tool")

    def __init__(
        self,
        agent: str,
        tool: str,
        kind: str,
        cwd: str,
        paths: tuple[tuple[str, str], ...] = (),
        command: str | None = None,
        plan: bool = False,
    ) -> None:
        self.agent = agent
        self.tool = tool
        # edit, shell, mcp (an MCP tool the guard cannot judge), ignored (not a tool
        # the guard inspects), invalid
        self.kind = kind
        self.cwd = cwd
        self.paths = paths  # (operation, path as given): write, delete or meta
        self.command = command
        self.plan = plan  # the agent is in plan mode: every write is refused
        self.session: str | None = None  # the agent's own session id, where it names one
        self.call_id: str | None = None  # the agent's id of this tool call, likewise


def _bad(message: str) -> Exception:
    return UsageError(message)


def at(data: object, keys: Sequence[str]) -> object:
    """The value at `keys` in nested objects, None where one is missing or not an object."""
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _object(value: object, what: str) -> Mapping[str, Any] | None:
    """A tool's arguments: an object, or the JSON text of one (Copilot's toolArgs)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise _bad(f"{what} is a string but not JSON ({exc})") from None
        if not isinstance(value, dict):
            raise _bad(f"{what} is JSON but not an object ({type(value).__name__})")
    return value if isinstance(value, dict) else None


def _directory(data: Mapping[str, Any], dialect: Dialect, cwd: str) -> str:
    for keys in dialect["cwd_keys"]:
        where = at(data, keys)
        if isinstance(where, list) and where:
            where = where[0]
        if isinstance(where, str) and where:
            return os.path.join(cwd, where)
    return cwd


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
    event = at(data, dialect["event_key"]) if dialect["event_key"] else None
    standing = ""  # the tool the event stands for
    if event is not None:
        if event not in dialect["events"]:
            return Call(agent, str(at(data, dialect["tool_key"])), "ignored", cwd)
        standing = dialect["events"][str(event)]
    tool = standing or at(data, dialect["tool_key"])
    if not isinstance(tool, str):
        raise _bad(f"the hook input has no {'.'.join(dialect['tool_key'])}")
    base = _directory(data, dialect, cwd)
    found = at(data, dialect["input_key"])
    if standing and not isinstance(found, dict):
        arguments: Mapping[str, Any] | None = data  # Cursor's: the call is at the top
    else:
        arguments = _object(found, f"the {tool} call's arguments")
    plan = bool(dialect["plan_key"]) and at(data, dialect["plan_key"]) == "plan"
    call = _call(agent, dialect, tool, arguments, base)
    call.plan = plan
    call.session = _id(data, dialect["session_key"])
    call.call_id = _id(data, dialect["call_key"])
    return call


ID_CHARS = 200  # of an agent's session or call id kept: a journal entry stays bounded


def _id(data: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """An id the payload names at `keys` (a string or a number), else None."""
    found = at(data, keys) if keys else None
    if isinstance(found, bool) or not isinstance(found, (str, int)):
        return None
    return str(found)[:ID_CHARS] or None


def _call(
    agent: str, dialect: Dialect, tool: str, arguments: Mapping[str, Any] | None, base: str
) -> Call:
    for table, op in ((dialect["edit_tools"], "write"), (dialect["delete_tools"], "delete")):
        if tool in table:
            path = _path(_need(arguments, tool, dialect), tool, table[tool])
            return Call(agent, tool, "edit", base, ((op, path),))
    if tool in dialect["patch_tools"]:
        patch = _text(_need(arguments, tool, dialect), tool, PATCH_KEYS)
        return Call(agent, tool, "edit", base, tuple(patch_targets(patch)))
    if tool in dialect["shell_tools"]:
        return _shell_call(agent, tool, _need(arguments, tool, dialect), base)
    if tool in dialect["mcp_tools"]:
        server_key, name_key, args_key = dialect["mcp_tools"][tool]
        found = _need(arguments, tool, dialect)
        name = found.get(name_key)
        if not isinstance(name, str):
            raise _bad(f"the {tool} call names no MCP tool ({name_key})")
        server = found.get(server_key) if server_key else None
        shown = f"{server}/{name}" if isinstance(server, str) else name
        return _mcp_call(agent, shown, name, _object(found.get(args_key), shown), base)
    prefix = dialect["mcp_prefix"]
    if prefix and tool.startswith(prefix) and "__" in tool[len(prefix) :]:
        return _mcp_call(agent, tool, tool.rsplit("__", 1)[1], arguments, base)
    return Call(agent, tool, "ignored", base)


def _mcp_call(
    agent: str, tool: str, name: str, arguments: Mapping[str, Any] | None, base: str
) -> Call:
    """A filesystem server's writer is judged by the paths it names, its readers pass,
    and any other MCP tool is one the guard cannot judge (the policy decides)."""
    if name in FS_READERS:
        return Call(agent, tool, "ignored", base)
    if name not in FS_WRITERS:
        return Call(agent, tool, "mcp", base)
    found = _need(arguments, tool, None)
    paths = tuple((op, _path(found, tool, (key,))) for op, key in FS_WRITERS[name])
    return Call(agent, tool, "edit", base, paths)


def _need(
    arguments: Mapping[str, Any] | None, tool: str, dialect: Dialect | None
) -> Mapping[str, Any]:
    if arguments is None:
        where = ".".join(dialect["input_key"]) if dialect else "arguments"
        raise _bad(f"the {tool} call has no {where} object")
    return arguments


def _path(arguments: Mapping[str, Any], tool: str, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = arguments.get(key)
        if isinstance(value, str) and value:
            if "\0" in value:
                raise _bad(f"the {tool} call names a file with a NUL byte: {value!r}")
            return value
    raise _bad(f"the {tool} call names no file ({' or '.join(keys)})")


def _text(arguments: Mapping[str, Any], tool: str, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = arguments.get(key)
        if isinstance(value, str):
            return value
    raise _bad(f"the {tool} call has no {keys[0]} text")


def _shell_call(agent: str, tool: str, arguments: Mapping[str, Any], base: str) -> Call:
    import shlex  # only shell calls need it (and the `re` it imports)

    command = next((arguments[k] for k in COMMAND_KEYS if k in arguments), None)
    for key in WORKDIR_KEYS:
        workdir = arguments.get(key)
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


def deny_output(agent: str, message: str) -> str:
    """What the agent reads on stdout when a call is refused ("" for exit 2 alone)."""
    shape = AGENTS[agent]["deny_output"]
    return fill(shape, message) if shape else ""


def fill(shape: Mapping[str, Any], message: str) -> str:
    """An answer of the dialect table as a JSON line, MESSAGE replaced by `message`."""
    filled = {key: message if value == MESSAGE else value for key, value in shape.items()}
    return json.dumps(filled, ensure_ascii=False) + "\n"
