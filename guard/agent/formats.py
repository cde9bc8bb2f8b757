"""The agents the guard hooks into, one table of their dialects: read by the hook, the
payload parser, the settings installer and the CLI's choices.

Per agent: the hook event that runs before a tool call, the tools that edit files
(with the `tool_input` keys naming the file, tried in order), run shell commands or
apply patches, the environment variables naming the project, what the hook prints
to allow a call, and the settings file, matcher and handler the installer writes.
Plain dicts and tuples: the no-session path of the hook imports this module.
"""

from __future__ import annotations

import os

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): the
# TypedDict exists for mypy only, and at run time the table is plain dicts.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypedDict

    class Dialect(TypedDict):
        event: str  # the hook event that can still stop a tool call
        edit_tools: dict[str, tuple[str, ...]]  # tool -> tool_input keys naming its file
        shell_tools: tuple[str, ...]
        patch_tools: tuple[str, ...]  # their tool_input holds an apply_patch text
        project_vars: tuple[str, ...]  # environment variables naming the project
        allow_output: str  # stdout on exit 0 (allow)
        settings: str  # the project settings file, relative to the work tree
        matcher: str  # the tool names our settings entry matches (a regex)
        handler: dict[str, Any]  # our handler's fields after its type and command
        note: str  # said after installing


AGENTS: dict[str, Dialect] = {
    "claude": {
        "event": "PreToolUse",
        "edit_tools": {
            "Write": ("file_path",),
            "Edit": ("file_path",),
            "MultiEdit": ("file_path",),
            "NotebookEdit": ("notebook_path", "file_path"),
        },
        "shell_tools": ("Bash",),
        "patch_tools": (),
        "project_vars": ("CLAUDE_PROJECT_DIR",),
        "allow_output": "",
        "settings": os.path.join(".claude", "settings.json"),
        "matcher": "Edit|MultiEdit|Write|NotebookEdit|Bash",
        "handler": {"timeout": 30},  # seconds
        "note": "",
    },
    "codex": {
        "event": "PreToolUse",
        "edit_tools": {"Write": ("file_path",), "Edit": ("file_path",)},
        "shell_tools": ("Bash", "shell", "local_shell", "shell_command", "exec_command"),
        "patch_tools": ("apply_patch",),
        "project_vars": (),  # Codex starts hooks in the session's cwd
        "allow_output": "",
        # The JSON form of Codex's `[hooks]` config: `{"hooks": {...}}`.
        "settings": os.path.join(".codex", "hooks.json"),
        # Its shell tools reach hooks as Bash, its patches as apply_patch.
        "matcher": "Bash|apply_patch|Edit|Write",
        "handler": {"timeout": 30, "statusMessage": "session-guard: checking the session"},
        "note": (
            "project hooks load only in a trusted project (and older Codex versions "
            "need `[features] codex_hooks = true` in config.toml)"
        ),
    },
    "gemini": {
        "event": "BeforeTool",
        "edit_tools": {"write_file": ("file_path",), "replace": ("file_path",)},
        "shell_tools": ("run_shell_command",),
        "patch_tools": (),
        "project_vars": ("GEMINI_PROJECT_DIR", "CLAUDE_PROJECT_DIR"),
        "allow_output": "{}\n",  # Gemini parses stdout as JSON on exit 0
        "settings": os.path.join(".gemini", "settings.json"),
        "matcher": "write_file|replace|run_shell_command",
        "handler": {
            "name": "session-guard",
            "description": "Refuse edits and shell commands the active session does not allow",
            "timeout": 30000,  # milliseconds
        },
        "note": "",
    },
}
NAMES = tuple(AGENTS)
