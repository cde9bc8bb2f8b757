"""Agent pre-tool hooks: judge an agent's edit or shell command before it runs.

`guard agent NAME` is the command an agent runs before each tool call, for every
agent of the dialect table in `formats` (Claude Code and Codex `PreToolUse`, Gemini
CLI `BeforeTool`, Cursor, Copilot, Windsurf, Cline and OpenCode in their own
events). It reads the hook JSON on stdin and, while a session is active:

- file edits (Claude `Write`/`Edit`/`MultiEdit`/`NotebookEdit`, Gemini
  `write_file`/`replace`, Codex `apply_patch` patches): each path is resolved
  (relative to the payload's `cwd`, `..` and symlinks followed) and, inside the
  repository, classified; a category the session's mode does not allow is refused,
  and so is anything in the git directory (hooks, config, refs, session state).
  Paths outside the repository, and paths git ignores, are not the guard's business.
- shell commands (Claude `Bash`, Codex's shell tool, Gemini `run_shell_command`)
  are screened (guard/shell/) for what would bypass or end the guard
  (`--no-verify`, `core.hooksPath`, `GIT_CONFIG_*`, `guard session stop`, `guard
  uninstall`, `git update-ref`, force pushes, moving a branch or HEAD to a commit
  from before the session, editing `.git` or the hooks) and for writes into paths
  the mode does not allow (redirections, `tee`, `sed -i`, `cp`, `mv`, `rm`, ...).

Every decision is journaled. Blocking is exit 2 with the reason on stderr (most
agents let the tool run on any other code, a crash or a missing command), plus the
refusal as JSON on stdout for the agents that read one (Cursor, Copilot, Cline).
MCP tools of the reference filesystem server are judged by their paths; other MCP
tools follow the policy's `unknown_mcp_tools`; Claude Code's plan mode refuses
every write into the repository. An observe-mode session warns and allows.
During a session the hook fails closed: unreadable input, an unparsable command or
unusable session state all block. Without a session it allows at once: only `os`
and `sys` are imported until a session's files are found, and the repository is
found by walking up to its `.git`, not by running git.

`guard agent NAME --on-stop warn|block` is the agent's end-of-turn hook (`stop`): it
audits the session and contradicts a final report the audit does not bear out.

The modules: `hook` (the entry, the journal, the block message), `payload` (hook
JSON to a `Call`), `judge` (a `Call` against the session: paths, protected
directories, git), `stop` (the end-of-turn hook), `install` (the agents' settings
entries).
"""
