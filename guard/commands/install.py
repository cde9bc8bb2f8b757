"""`guard install` and `guard uninstall`: the git hooks' shims and the agents' settings."""

from __future__ import annotations

from guard.commands.output import echo
from guard.errors import EXIT_OK


def install(
    hook_list: str | None,
    agents: tuple[str, ...],
    guard_path: str | None = None,
    local: bool = False,
    on_stop: str | None = None,
) -> int:
    """Install the git hooks (chaining any hook already there), then the agent hooks
    (their pre-tool entries, and end-of-turn entries answering as `on_stop` says)."""
    from guard.hooks import install as installer

    if (guard_path is not None or local or on_stop is not None) and not agents:
        from guard.errors import UsageError

        raise UsageError("--command, --local and --on-stop go with --agent NAME")
    for line in installer.install(installer.parse_hooks(hook_list)):
        echo(line)
    if agents:
        from guard.agent import install as agent_install

        root = agent_install.project_root()
        for name in agent_install.parse_agents(agents):
            command = agent_install.command_for(name, guard_path)
            for line in agent_install.install(name, root, command, local, on_stop or "warn"):
                echo(line)
    return EXIT_OK


def install_server(hook_list: str | None, hooks_dir: str | None, policy: str | None) -> int:
    """Write the server hooks into a bare repository (or `hooks_dir`)."""
    from guard.hooks import server

    hooks = [h.strip() for h in (hook_list or "pre-receive").split(",") if h.strip()]
    for line in server.install(hooks, hooks_dir, policy):
        echo(line)
    return EXIT_OK


def uninstall(hook_list: str | None, agents: tuple[str, ...], local: bool = False) -> int:
    """Remove the guard's hooks and put back what they replaced; say what was done."""
    from guard.hooks import install as installer

    lines: list[str] = []
    if agents:
        from guard.agent import install as agent_install

        root = agent_install.project_root()
        for name in agent_install.parse_agents(agents):
            lines += agent_install.uninstall(name, root, local)
    if hook_list or not agents:
        lines += installer.uninstall(installer.parse_hooks(hook_list))
    for line in lines or ["nothing to remove"]:
        echo(line)
    return EXIT_OK
