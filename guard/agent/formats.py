"""The agents the guard hooks into, one table of their dialects: read by the hook, the
payload parser, the settings installer, the CLI's choices and help, and the README's
table of agents (tests/test_agents.py checks the README against it).

Per agent, how its pre-tool hook payload reads (where it names the event, the tool,
the tool's arguments and the directory; which tools edit, delete, run shell commands,
apply patches or call MCP tools), what the hook prints to allow or refuse, and what
the installer writes where (the shape of the settings file, the events, the handler).
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
        title: str  # the agent's product name
        # --- the payload
        event_key: tuple[str, ...]  # where the payload names its hook event (): nowhere
        # The events judged: "" when the payload names the tool, else the one tool the
        # event stands for (its arguments are at input_key when that is an object,
        # else the payload's own fields). Other events pass.
        events: dict[str, str]
        tool_key: tuple[str, ...]  # where the payload names the tool
        input_key: tuple[str, ...]  # the tool's arguments: an object or its JSON text
        cwd_keys: tuple[tuple[str, ...], ...]  # the call's directory (a list: its first)
        edit_tools: dict[str, tuple[str, ...]]  # tool -> argument keys naming its file
        delete_tools: dict[str, tuple[str, ...]]  # tool -> argument keys naming its file
        shell_tools: tuple[str, ...]
        patch_tools: tuple[str, ...]  # their arguments hold an apply_patch text
        # A tool that calls an MCP tool -> the keys of its server, tool name, arguments
        # ("" for a key the agent does not send).
        mcp_tools: dict[str, tuple[str, str, str]]
        mcp_prefix: str  # MCP tools are named <prefix><server>__<tool> ("": not so)
        plan_key: tuple[str, ...]  # the agent's permission mode; "plan" refuses writes
        # The agent's own session (conversation, task) and tool-call ids, journaled with
        # each call it is let make so the audit can say which call wrote a change ((): none).
        session_key: tuple[str, ...]
        call_key: tuple[str, ...]
        project_vars: tuple[str, ...]  # environment variables naming the project
        allow_output: str  # stdout on allow
        deny_output: dict[str, Any]  # stdout on refuse, MESSAGE replaced ({}: none)
        # --- the installer
        shape: str  # groups (matcher groups), flat (entries per event), file (our own file)
        settings: str  # the project settings file, relative to the work tree
        local_settings: str  # an uncommitted per-user settings file ("": none)
        install_events: tuple[str, ...]  # the events our entries go under
        matcher: str  # groups: the tool names our entry matches (a regex)
        command_key: str  # the handler key holding the command
        handler: dict[str, Any]  # our handler, COMMAND where the command goes
        header: dict[str, Any]  # top-level keys of a settings file the installer creates
        template: str  # shape file: the file's text, COMMAND replaced
        # --- the README's table of agents
        fail_closed: str  # what a failed or timed-out hook does, and what we set
        blind: str  # what the hook cannot see with this agent
        note: str  # said after installing
        stop: StopHook  # the end-of-turn hook (guard/agent/stop.py)

    class StopHook(TypedDict):
        events: tuple[str, ...]  # the events our stop entries go under (): none
        message_keys: tuple[tuple[str, ...], ...]  # the agent's last message, inline
        transcript_keys: tuple[tuple[str, ...], ...]  # else a JSONL transcript's path
        continued_keys: tuple[tuple[str, ...], ...]  # true: a stop hook kept it going already
        allow_output: str  # stdout when there is nothing to say
        warn_output: dict[str, Any]  # stdout to tell the person, MESSAGE replaced ({}: none)
        block_output: dict[str, Any]  # stdout to keep the agent working ({}: cannot)
        support: str  # the README's table: what the hook reads and what its answers do


MESSAGE = "{message}"  # in deny_output: the block message
COMMAND = "{command}"  # in a handler or a template: the command that runs the hook

CLINE_HOOK = """#!/bin/sh
# session-guard: Cline's PreToolUse hook, written by `guard install --agent cline`.
# Cline reads {"cancel": ...} on stdout. The guard prints it itself; exit 2 without
# output is a guard failure during a session: refuse the call rather than let it run.
out=$({command})
code=$?
if [ "$code" -eq 2 ] && [ -z "$out" ]; then
  out='{"cancel": true, "errorMessage": "session-guard failed during a session: refused"}'
fi
[ -n "$out" ] || out='{"cancel": false}'
printf '%s\\n' "$out"
"""

OPENCODE_PLUGIN = """// session-guard: OpenCode plugin, written by `guard install --agent opencode`.
// Before each tool call it runs the guard's hook with the call on stdin; a refusal,
// a crash or a timeout of the hook throws, which stops the call. A hook that cannot
// be started at all (the command is missing) lets the call run, as every agent does
// outside a session; `guard install` warned if it was missing when it wrote this.
import { spawnSync } from "node:child_process";

const COMMAND = {command};

export const SessionGuard = async ({ directory }) => ({
  "tool.execute.before": async (input, output) => {
    const call = { tool: input.tool, sessionID: input.sessionID, callID: input.callID,
      args: output.args, cwd: directory };
    const done = spawnSync(COMMAND, { shell: true, cwd: directory, encoding: "utf8",
      input: JSON.stringify(call), timeout: 30000 });
    if (done.status === 0) return;
    if (done.status === 127 && !done.stdout) return;
    throw new Error(done.stderr || `session-guard: the hook failed (${done.error || done.signal})`);
  },
});
"""

FS_WRITERS: dict[str, tuple[tuple[str, str], ...]] = {
    # The reference filesystem MCP server (@modelcontextprotocol/server-filesystem):
    # its writing tools -> (operation, argument naming a path).
    "write_file": (("write", "path"),),
    "edit_file": (("write", "path"),),
    "create_directory": (("meta", "path"),),
    "move_file": (("delete", "source"), ("write", "destination")),
}
FS_READERS = frozenset(
    (
        "read_file",
        "read_text_file",
        "read_media_file",
        "read_multiple_files",
        "list_directory",
        "list_directory_with_sizes",
        "directory_tree",
        "search_files",
        "get_file_info",
        "list_allowed_directories",
    )
)

_CLAUDE_BLIND = (
    "writes by programs a Bash command starts (scripts, interpreters, build tools); "
    "MCP tools other than the reference filesystem server's"
)


# The end-of-turn hooks: where the payload holds the agent's last message (inline, or
# in a transcript file) and what the hook prints to tell the person, or to keep the
# agent working (`guard agent NAME --on-stop block`).
def _stop(support: str, *events: str, **given: Any) -> StopHook:
    hook: StopHook = {
        "events": events,
        "message_keys": (),
        "transcript_keys": (),
        "continued_keys": (),
        "allow_output": "",
        "warn_output": {},  # none: stderr only, in the agent's hook log
        "block_output": {},  # none: the agent cannot be kept working
        "support": support,
    }
    hook.update(given)  # type: ignore[typeddict-item]
    return hook


_TOLD = {"systemMessage": MESSAGE}
# Claude Code's Stop payload and output, which Codex's Stop hook takes too.
_LAST_MESSAGE_STOP: dict[str, Any] = {
    "message_keys": (("last_assistant_message",),),
    "continued_keys": (("stop_hook_active",),),
    "warn_output": _TOLD,
    "block_output": {"decision": "block", "reason": MESSAGE, **_TOLD},
}
_CLAUDE_STOP = _stop(
    "`Stop`, `SubagentStop`: `last_assistant_message`, else the transcript; "
    "`systemMessage` to the person; block: `decision: block` (once: "
    "`stop_hook_active` respected)",
    "Stop",
    "SubagentStop",
    # A subagent's own transcript first: `transcript_path` is its parent's.
    transcript_keys=(("agent_transcript_path",), ("transcript_path",)),
    **_LAST_MESSAGE_STOP,
)
_CODEX_STOP = _stop(
    "`Stop`: `last_assistant_message`, else the transcript; `systemMessage` to the "
    "person; block: `decision: block` (once: `stop_hook_active` respected)",
    "Stop",
    transcript_keys=(("transcript_path",),),
    **_LAST_MESSAGE_STOP,
)
_GEMINI_STOP = _stop(
    "`AfterAgent`: `prompt_response`; `systemMessage` to the person; block: "
    "`decision: deny` (a retry prompted by the message; `stop_hook_active` respected)",
    "AfterAgent",
    message_keys=(("prompt_response",),),
    continued_keys=(("stop_hook_active",),),
    allow_output="{}\n",  # stdout must be JSON
    warn_output=_TOLD,
    block_output={"decision": "deny", "reason": MESSAGE, **_TOLD},
)
_CURSOR_STOP = _stop(
    "`stop`: `transcript_path` where sent; no field for the person (stderr, in the "
    "hooks log); block: `followup_message` (once: `loop_count` respected)",
    "stop",
    transcript_keys=(("transcript_path",),),  # sent by recent versions only
    continued_keys=(("loop_count",),),
    block_output={"followup_message": MESSAGE},
)
_COPILOT_STOP = _stop(
    "`agentStop`: the transcript (`transcriptPath`); no field for the person "
    "(stderr, in the log); block: `decision: block` (once per audit result)",
    "agentStop",
    transcript_keys=(("transcriptPath",),),
    block_output={"decision": "block", "reason": MESSAGE},
)
_WINDSURF_STOP = _stop(  # a post hook: it tells (stderr, shown with show_output)
    "`post_cascade_response`: `tool_info.response`; stderr shown to the person; "
    "cannot block (a post hook): `--on-stop block` warns",
    "post_cascade_response",
    message_keys=(("tool_info", "response"),),
)
_CLINE_STOP = _stop(
    "none yet: `TaskComplete` runs once the task is done, as a second script; "
    "run `guard audit` before trusting the report"
)
_OPENCODE_STOP = _stop(
    "none yet: the plugin's `session.idle` event is not wired; run `guard audit` "
    "before trusting the report"
)

AGENTS: dict[str, Dialect] = {
    "claude": {
        "title": "Claude Code",
        "stop": _CLAUDE_STOP,
        "event_key": ("hook_event_name",),
        "events": {"PreToolUse": ""},
        "tool_key": ("tool_name",),
        "input_key": ("tool_input",),
        "cwd_keys": (("cwd",),),
        "edit_tools": {
            "Write": ("file_path",),
            "Edit": ("file_path",),
            "MultiEdit": ("file_path",),
            "NotebookEdit": ("notebook_path", "file_path"),
        },
        "delete_tools": {},
        "shell_tools": ("Bash",),
        "patch_tools": (),
        "mcp_tools": {},
        "mcp_prefix": "mcp__",
        "plan_key": ("permission_mode",),
        "session_key": ("session_id",),
        "call_key": ("tool_use_id",),
        "project_vars": ("CLAUDE_PROJECT_DIR",),
        "allow_output": "",
        "deny_output": {},
        "shape": "groups",
        "settings": os.path.join(".claude", "settings.json"),
        "local_settings": os.path.join(".claude", "settings.local.json"),
        "install_events": ("PreToolUse",),
        "matcher": "Edit|MultiEdit|Write|NotebookEdit|Bash|mcp__.*",
        "command_key": "command",
        # seconds; onFailure "block": a crash or timeout blocks (Claude Code 2.1.295+)
        "handler": {"type": "command", "command": COMMAND, "timeout": 30, "onFailure": "block"},
        "header": {},
        "template": "",
        "fail_closed": '`onFailure: "block"` (written): a crash or timeout blocks',
        "blind": _CLAUDE_BLIND,
        "note": "",
    },
    "codex": {
        "title": "Codex CLI",
        "stop": _CODEX_STOP,
        "event_key": ("hook_event_name",),
        "events": {"PreToolUse": ""},
        "tool_key": ("tool_name",),
        "input_key": ("tool_input",),
        "cwd_keys": (("cwd",),),
        "edit_tools": {"Write": ("file_path",), "Edit": ("file_path",)},
        "delete_tools": {},
        "shell_tools": ("Bash", "shell", "local_shell", "shell_command", "exec_command"),
        "patch_tools": ("apply_patch",),
        "mcp_tools": {},
        "mcp_prefix": "mcp__",
        "plan_key": (),
        "session_key": ("session_id",),
        "call_key": ("tool_use_id",),
        "project_vars": (),  # Codex starts hooks in the session's cwd
        "allow_output": "",
        "deny_output": {},
        "shape": "groups",
        # The JSON form of Codex's `[hooks]` config: `{"hooks": {...}}`.
        "settings": os.path.join(".codex", "hooks.json"),
        "local_settings": "",
        "install_events": ("PreToolUse",),
        # Its shell tools reach hooks as Bash, its patches as apply_patch.
        "matcher": "Bash|apply_patch|Edit|Write|mcp__.*",
        "command_key": "command",
        "handler": {
            "type": "command",
            "command": COMMAND,
            "timeout": 30,
            "statusMessage": "session-guard: checking the session",
        },
        "header": {},
        "template": "",
        "fail_closed": "none: a crash, timeout or bad output lets the call run",
        "blind": "writes by programs its shell starts; Codex's own sandbox is the other wall",
        "note": (
            "project hooks load only in a trusted project (and older Codex versions "
            "need `[features] codex_hooks = true` in config.toml)"
        ),
    },
    "gemini": {
        "title": "Gemini CLI",
        "stop": _GEMINI_STOP,
        "event_key": ("hook_event_name",),
        "events": {"BeforeTool": ""},
        "tool_key": ("tool_name",),
        "input_key": ("tool_input",),
        "cwd_keys": (("cwd",),),
        "edit_tools": {"write_file": ("file_path",), "replace": ("file_path",)},
        "delete_tools": {},
        "shell_tools": ("run_shell_command",),
        "patch_tools": (),
        "mcp_tools": {},
        "mcp_prefix": "mcp__",
        "plan_key": (),
        "session_key": ("session_id",),
        "call_key": (),
        "project_vars": ("GEMINI_PROJECT_DIR", "CLAUDE_PROJECT_DIR"),
        "allow_output": "{}\n",  # Gemini parses stdout as JSON on exit 0
        "deny_output": {},
        "shape": "groups",
        "settings": os.path.join(".gemini", "settings.json"),
        "local_settings": "",
        "install_events": ("BeforeTool",),
        "matcher": "write_file|replace|run_shell_command|mcp__.*",
        "command_key": "command",
        "handler": {
            "type": "command",
            "command": COMMAND,
            "name": "session-guard",
            "description": "Refuse edits and shell commands the active session does not allow",
            "timeout": 30000,  # milliseconds
        },
        "header": {},
        "template": "",
        "fail_closed": "none documented: a crash or timeout lets the call run",
        "blind": "writes by programs its shell starts",
        "note": "",
    },
    "cursor": {
        "title": "Cursor",
        "stop": _CURSOR_STOP,
        "event_key": ("hook_event_name",),
        "events": {
            "preToolUse": "",
            "beforeShellExecution": "beforeShellExecution",
            "beforeMCPExecution": "beforeMCPExecution",
        },
        "tool_key": ("tool_name",),
        "input_key": ("tool_input",),
        "cwd_keys": (("cwd",), ("workspace_roots",)),
        "edit_tools": {
            "Write": ("file_path", "path", "target_file"),
            "StrReplace": ("file_path", "path", "target_file"),
            "Edit": ("file_path", "path", "target_file"),
        },
        "delete_tools": {"Delete": ("file_path", "path", "target_file")},
        "shell_tools": ("Shell", "beforeShellExecution"),
        "patch_tools": (),
        "mcp_tools": {"beforeMCPExecution": ("", "tool_name", "tool_input")},
        "mcp_prefix": "",
        "plan_key": (),
        "session_key": ("conversation_id",),
        "call_key": ("tool_use_id",),
        "project_vars": (),
        # With failClosed, a permission hook that prints nothing counts as failed.
        "allow_output": '{"permission": "allow"}\n',
        "deny_output": {"permission": "deny", "user_message": MESSAGE, "agent_message": MESSAGE},
        "shape": "flat",
        "settings": os.path.join(".cursor", "hooks.json"),
        "local_settings": "",
        "install_events": ("preToolUse", "beforeShellExecution", "beforeMCPExecution"),
        "matcher": "",
        "command_key": "command",
        "handler": {"command": COMMAND, "timeout": 30, "failClosed": True},
        "header": {"version": 1},
        "template": "",
        "fail_closed": (
            "`failClosed: true` (written); reported by integrations, not in the pages of "
            "Cursor's documentation we could read: check your version"
        ),
        "blind": "writes by programs its shell starts; Tab completions",
        "note": "",
    },
    "copilot": {
        "title": "GitHub Copilot (CLI and coding agent)",
        "stop": _COPILOT_STOP,
        "event_key": (),
        "events": {},
        "tool_key": ("toolName",),
        "input_key": ("toolArgs",),
        "cwd_keys": (("cwd",),),
        "edit_tools": {"edit": ("path",), "create": ("path",)},
        "delete_tools": {},
        "shell_tools": ("bash",),
        "patch_tools": (),
        "mcp_tools": {},
        "mcp_prefix": "",
        "plan_key": (),
        "session_key": ("sessionId",),
        "call_key": (),
        "project_vars": (),
        "allow_output": "",
        "deny_output": {"permissionDecision": "deny", "permissionDecisionReason": MESSAGE},
        "shape": "flat",
        # One file of ours among `.github/hooks/*.json`; the coding agent reads the
        # default branch's copy, so it only works once committed there.
        "settings": os.path.join(".github", "hooks", "session-guard.json"),
        "local_settings": "",
        "install_events": ("preToolUse",),
        "matcher": "",
        "command_key": "bash",
        "handler": {"type": "command", "bash": COMMAND, "timeoutSec": 30},
        "header": {"version": 1},
        "template": "",
        "fail_closed": "none: a timeout or malformed output lets the call run",
        "blind": "MCP tools (their names carry no marker); writes by programs its shell starts",
        "note": (
            "the Copilot coding agent reads .github/hooks/ from the default branch: "
            "commit it there for the cloud agent"
        ),
    },
    "windsurf": {
        "title": "Windsurf (Cascade)",
        "stop": _WINDSURF_STOP,
        "event_key": ("agent_action_name",),
        "events": {
            "pre_write_code": "pre_write_code",
            "pre_run_command": "pre_run_command",
            "pre_mcp_tool_use": "pre_mcp_tool_use",
        },
        "tool_key": ("agent_action_name",),
        "input_key": ("tool_info",),
        "cwd_keys": (("tool_info", "cwd"),),
        "edit_tools": {"pre_write_code": ("file_path",)},
        "delete_tools": {},
        "shell_tools": ("pre_run_command",),
        "patch_tools": (),
        "mcp_tools": {
            "pre_mcp_tool_use": ("mcp_server_name", "mcp_tool_name", "mcp_tool_arguments")
        },
        "mcp_prefix": "",
        "plan_key": (),
        "session_key": ("trajectory_id",),
        "call_key": ("execution_id",),
        "project_vars": (),
        "allow_output": "",
        "deny_output": {},  # exit 2 only; stderr is shown
        "shape": "flat",
        "settings": os.path.join(".windsurf", "hooks.json"),
        "local_settings": "",
        "install_events": ("pre_write_code", "pre_run_command", "pre_mcp_tool_use"),
        "matcher": "",
        "command_key": "command",
        "handler": {"command": COMMAND, "show_output": True},
        "header": {},
        "template": "",
        "fail_closed": "none documented: only exit 2 blocks",
        "blind": "writes by programs its terminal starts",
        "note": "",
    },
    "cline": {
        "title": "Cline",
        "stop": _CLINE_STOP,
        "event_key": ("hookName",),
        "events": {"PreToolUse": ""},
        "tool_key": ("preToolUse", "toolName"),
        "input_key": ("preToolUse", "parameters"),
        "cwd_keys": (("workspaceRoots",),),
        "edit_tools": {
            "write_to_file": ("path",),
            "replace_in_file": ("path",),
            "new_rule": ("path",),
        },
        "delete_tools": {},
        "shell_tools": ("execute_command",),
        "patch_tools": ("apply_patch",),
        "mcp_tools": {"use_mcp_tool": ("server_name", "tool_name", "arguments")},
        "mcp_prefix": "",
        "plan_key": (),
        "session_key": ("taskId",),
        "call_key": (),
        "project_vars": (),
        "allow_output": '{"cancel": false}\n',
        "deny_output": {"cancel": True, "errorMessage": MESSAGE},
        "shape": "file",
        "settings": os.path.join(".clinerules", "hooks", "PreToolUse"),
        "local_settings": "",
        "install_events": ("PreToolUse",),
        "matcher": "",
        "command_key": "",
        "handler": {},
        "header": {},
        "template": CLINE_HOOK,
        "fail_closed": (
            "none documented; the hook script written refuses the call when the guard "
            "fails during a session"
        ),
        "blind": "writes by programs its terminal starts; macOS and Linux only",
        "note": "enable hooks in Cline's settings (Features: Enable Hooks)",
    },
    "opencode": {
        "title": "OpenCode",
        "stop": _OPENCODE_STOP,
        "event_key": (),
        "events": {},
        "tool_key": ("tool",),
        "input_key": ("args",),
        "cwd_keys": (("cwd",),),
        "edit_tools": {
            "write": ("filePath", "file_path"),
            "edit": ("filePath", "file_path"),
            "multiedit": ("filePath", "file_path"),
        },
        "delete_tools": {},
        "shell_tools": ("bash",),
        "patch_tools": ("patch", "apply_patch"),
        "mcp_tools": {},
        "mcp_prefix": "",
        "plan_key": (),
        "session_key": ("sessionID",),
        "call_key": ("callID",),
        "project_vars": (),
        "allow_output": "",
        "deny_output": {},
        "shape": "file",
        "settings": os.path.join(".opencode", "plugins", "session-guard.js"),
        "local_settings": "",
        "install_events": ("tool.execute.before",),
        "matcher": "",
        "command_key": "",
        "handler": {},
        "header": {},
        "template": OPENCODE_PLUGIN,
        "fail_closed": "the plugin written throws on a refusal, a crash or a timeout",
        "blind": (
            "MCP tools (named `<server>_<tool>`, no marker); writes by programs its shell "
            "starts; the before-hook reported not firing on a session's first message"
        ),
        "note": "",
    },
}
NAMES = tuple(AGENTS)
