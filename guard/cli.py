"""The command line: click declarations that parse arguments and call guard/commands/.

Each command's body is one call to a function of `guard.commands.<name>`, which
returns the exit code; `run` is the one way in, through `guard.errors.boundary`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from guard import __version__
from guard.agent.formats import NAMES as AGENT_NAMES
from guard.errors import EXIT_OK, boundary
from guard.report import FORMATS
from guard.rollback import KINDS as ROLLBACK_KINDS
from guard.rollback import MARKED


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run a command and exit with the SPEC's exit code."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Parse `argv`, run the command, and return its exit code (errors included)."""
    if hasattr(sys.stderr, "reconfigure"):  # paths with non-UTF-8 bytes print as bytes
        sys.stderr.reconfigure(errors="surrogateescape")
    return boundary(lambda: _run_click(argv))


def _run_click(argv: list[str] | None) -> int:
    try:
        result = cli.main(args=argv, prog_name="guard", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("guard: aborted", err=True)
        return 1
    return result if isinstance(result, int) else EXIT_OK


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="session-guard")
def cli() -> None:
    """session-guard: make a declared read-only session enforceable and auditable."""


# --------------------------------------------------------------------------- classify


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read paths from standard input.")
@click.option("-z", "nul", is_flag=True, help="NUL-separated input and output.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this policy instead of .guard.yaml or the shipped default.",
)
def classify(
    paths: tuple[str, ...], from_stdin: bool, nul: bool, as_json: bool, policy_file: Path | None
) -> int:
    """Print each PATH's category and the rule that decided it."""
    from guard.commands import classify as command

    return command.classify(paths, from_stdin, nul, as_json, policy_file)


# --------------------------------------------------------------------------- policy


@cli.group()
def policy() -> None:
    """Validate and show policies."""


@policy.command("check")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
def policy_check(files: tuple[Path, ...]) -> int:
    """Validate policy FILES (default: the repository's effective policy)."""
    from guard.commands import policy as command

    return command.check(files)


@policy.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved policy as JSON.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Show this policy instead of the repository's effective one.",
)
def policy_show(as_json: bool, policy_file: Path | None) -> int:
    """Print the resolved policy: categories, default, modes and every rule in order."""
    from guard.commands import policy as command

    return command.show(as_json, policy_file)


# --------------------------------------------------------------------------- sessions


@cli.group()
def session() -> None:
    """Declare, inspect and end sessions."""


@session.command("start")
@click.option("--mode", default="read-only", show_default=True, help="A mode of the policy.")
@click.option("--reason", default="", help="Why the session exists (shown when blocking).")
@click.option("--lock", is_flag=True, help="Print a one-time code that `stop` will require.")
@click.option("--observe", is_flag=True, help="Record and warn, never block.")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Freeze this policy instead of .guard.yaml or the shipped default.",
)
@click.option(
    "--worktree",
    "scoped",
    is_flag=True,
    help="Scope the session to this worktree: its HEAD, the branches it checks out or "
    "creates; other worktrees work normally.",
)
@click.option(
    "--record",
    is_flag=True,
    help="Also record the session as the ref refs/guard/sessions/ID, to push with the "
    "work: CI and the server judge under its mode.",
)
def session_start(
    mode: str,
    reason: str,
    lock: bool,
    observe: bool,
    as_json: bool,
    policy_file: Path | None,
    scoped: bool,
    record: bool,
) -> int:
    """Start a session: from now on, changes outside the mode are blocked."""
    from guard.commands import session as command

    return command.start(
        mode, reason, lock, observe, as_json, policy_file, scoped=scoped, record=record
    )


@session.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
def session_status(as_json: bool) -> int:
    """Show the active session, if any."""
    from guard.commands import session_info as command

    return command.status(as_json)


@session.command("stop")
@click.option("--unlock", "code", help="The unlock code printed by `session start --lock`.")
@click.option("--session", "session_id", help="An active session by id (default: this worktree's).")
def session_stop(code: str | None, session_id: str | None) -> int:
    """End the active session and archive it."""
    from guard.commands import session as command

    return command.stop(code, session_id)


@session.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
def session_list(as_json: bool) -> int:
    """List this repository's sessions, oldest first."""
    from guard.commands import session_info as command

    return command.listing(as_json)


@session.command("verify")
@click.option("--session", "session_id", help="A session by id (default: the active one here).")
def session_verify(session_id: str | None) -> int:
    """Check the session journal's hash chain for edited, reordered or cut lines."""
    from guard.commands import session_info as command

    return command.verify(session_id)


# --------------------------------------------------------------------------- enforcement


@cli.command()
@click.option("--staged", is_flag=True, required=True, help="Check the staged changes.")
def check(staged: bool) -> int:
    """Judge the staged changes against the active session (pre-commit's entry)."""
    from guard.commands import hook as command

    del staged
    return command.check_staged()


@cli.group()
def hook() -> None:
    """Git hook entry points (the installed shims call a faster path)."""


@hook.command("reference-transaction")
@click.argument("phase")
def hook_reference_transaction(phase: str) -> int:
    """Judge a ref update: `prepared` blocks commits the session does not allow."""
    from guard.commands import hook as command

    return command.reference_transaction(phase)


@hook.command("pre-push")
@click.argument("remote", required=False)
@click.argument("url", required=False)
def hook_pre_push(remote: str | None, url: str | None) -> int:
    """Refuse to push commits that break the active session."""
    from guard.commands import hook as command

    del remote, url
    return command.pre_push()


@hook.command("pre-receive")
def hook_pre_receive() -> int:
    """A server's hook: refuse a push that breaks a recorded session or a protect rule."""
    from guard.commands import hook as command

    return command.pre_receive()


@hook.command("update")
@click.argument("ref")
@click.argument("old")
@click.argument("new")
def hook_update(ref: str, old: str, new: str) -> int:
    """A server's hook for one ref (REF OLD NEW), where pre-receive is not offered."""
    from guard.commands import hook as command

    return command.update(ref, old, new)


def _agents_help() -> str:
    """The agents and their hooks, from the one table of dialects."""
    from guard.agent.formats import AGENTS

    rows = []
    for name, d in AGENTS.items():
        stops = ", ".join(d["stop"]["events"])
        ending = f"; end of turn: {stops}" if stops else ""
        rows.append(
            f"{name}: {d['title']}, {', '.join(d['install_events'])}{ending} ({d['settings']})"
        )
    return "\b\n" + "\n".join(["Agents (hook events, settings file):", *rows])


ON_STOP = click.Choice(["warn", "block"])


@cli.command("agent", epilog=_agents_help())
@click.argument("name", type=click.Choice(AGENT_NAMES))
@click.option(
    "--on-stop",
    type=ON_STOP,
    help="Be the end-of-turn hook: audit the session and tell (warn), or also keep "
    "the agent working (block), when it is not clean or the last message says otherwise.",
)
def agent_hook(name: str, on_stop: str | None) -> int:
    """An agent's pre-tool hook: read its JSON on stdin; exit 0 allows, 2 blocks.

    NAME is one of the agents below; `guard install --agent NAME` writes the entry
    that runs it. Without a session it allows at once. With --on-stop it is the
    agent's end-of-turn hook instead, and always exits 0 (its JSON answer decides).
    """
    from guard.commands import hook as command

    return command.agent(name, on_stop)


@cli.command()
@click.option(
    "--hooks", "hook_list", help="Comma-separated: pre-commit,reference-transaction,pre-push."
)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    type=click.Choice(AGENT_NAMES),
    help="Also merge this agent's pre-tool hook into its project settings (repeatable).",
)
@click.option(
    "--command",
    "guard_path",
    metavar="PATH",
    help="The guard the agent hook runs (default: `guard` if on PATH, else this one's path).",
)
@click.option(
    "--local",
    is_flag=True,
    help="Write the agent's uncommitted local settings (Claude Code: .claude/settings.local.json).",
)
@click.option(
    "--on-stop",
    type=ON_STOP,
    help="The agent's end-of-turn hook when the audit is not clean: tell (warn, the "
    "default), or also keep the agent working where it allows (block).",
)
@click.option(
    "--server",
    is_flag=True,
    help="Install the server hooks (pre-receive; --hooks pre-receive,update) in a bare repository.",
)
@click.option(
    "--hooks-dir",
    type=click.Path(file_okay=False),
    help="With --server: write them here (GitLab's custom_hooks, Gitea's pre-receive.d).",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, exists=True),
    help="With --server: judge pushes with this policy (git config guard.policy).",
)
def install(
    hook_list: str | None,
    agents: tuple[str, ...],
    guard_path: str | None,
    local: bool,
    on_stop: str | None,
    server: bool,
    hooks_dir: str | None,
    policy_file: str | None,
) -> int:
    """Install the git hooks (chaining any hook already there), and agent hooks."""
    from guard.commands import install as command

    if server:
        return command.install_server(hook_list, hooks_dir, policy_file)
    return command.install(hook_list, agents, guard_path, local, on_stop)


@cli.command()
@click.option("--hooks", "hook_list", help="Comma-separated subset to remove (default: all).")
@click.option(
    "--agent",
    "agents",
    multiple=True,
    type=click.Choice(AGENT_NAMES),
    help="Remove only this agent's hook (repeatable); git hooks stay unless --hooks is given.",
)
@click.option("--local", is_flag=True, help="From the agent's local settings file instead.")
def uninstall(hook_list: str | None, agents: tuple[str, ...], local: bool) -> int:
    """Remove the guard's hooks and put back what they replaced."""
    from guard.commands import install as command

    return command.uninstall(hook_list, agents, local)


# --------------------------------------------------------------------------- audit

# The options `guard audit` and `guard report` share: the same report, rendered.
_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True
)
_VERBOSE = click.option(
    "--verbose",
    is_flag=True,
    help="Text: every commit, path and command, after the summary (other formats hold them).",
)


@cli.command()
@click.option(
    "--session",
    "session_id",
    help="An archived session (default: the active one, else the latest stopped one).",
)
@click.option("--since", help="A start commit (the receipt), when the session state is gone.")
@click.option("--mode", help="Judge with this mode of the policy (default: the session's).")
@click.option("--base", help="Audit an explicit range: its base (with --head).")
@click.option("--head", help="Audit an explicit range: its head (with --base).")
@_FORMAT
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here.")
@click.option(
    "--claims",
    metavar="FILE",
    help="Check what this text (a pull request, an agent's report; - for stdin) claims.",
)
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --base/--head or --since: judge by this policy, not .guard.yaml.",
)
@_VERBOSE
def audit(
    session_id: str | None,
    since: str | None,
    mode: str | None,
    base: str | None,
    head: str | None,
    fmt: str,
    output: Path | None,
    claims: str | None,
    policy_file: Path | None,
    verbose: bool,
) -> int:
    """Everything that changed since the session started, judged, with a rollback plan."""
    from guard.commands import audit as command

    return command.audit(
        session_id, since, mode, base, head, fmt, output, claims, policy_file, verbose
    )


@cli.command()
@click.option("--session", "session_id", help="An archived session (default: the latest).")
@_FORMAT
@click.option(
    "--input",
    "source",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Render this JSON report (guard audit --format json) instead.",
)
@_VERBOSE
def report(session_id: str | None, fmt: str, source: Path | None, verbose: bool) -> int:
    """Render the final audit stored when a session stopped, or a JSON report."""
    from guard.commands import audit as command

    return command.report(session_id, fmt, source, verbose)


@cli.command()
@click.option(
    "--session",
    "session_id",
    help="An archived session (default: the active one, else the latest stopped one).",
)
@click.option("--since", help="A start commit (the receipt), when the session state is gone.")
@click.option("--mode", help="Judge with this mode of the policy (default: the session's).")
@click.option("--base", help="Roll back an explicit range: its base (with --head).")
@click.option("--head", help="Roll back an explicit range: its head, a branch (with --base).")
@click.option("--ref", help="Roll back this branch (default: the one checked out).")
@click.option("--apply", "do_apply", is_flag=True, help="Make the rollback commit.")
@click.option("--branch", help="Commit on this new branch instead.")
@click.option(
    "--paths",
    type=click.Choice([*ROLLBACK_KINDS, MARKED]),
    help="List the paths of one kind, for the printed commands to read.",
)
@click.option("-z", "nul", is_flag=True, help="With --paths: NUL-separated, for those commands.")
def rollback(
    session_id: str | None,
    since: str | None,
    mode: str | None,
    base: str | None,
    head: str | None,
    ref: str | None,
    do_apply: bool,
    branch: str | None,
    paths: str | None,
    nul: bool,
) -> int:
    """Print the rollback plan; with --apply, commit it (one new commit and a backup ref)."""
    from guard.commands import rollback as command

    return command.rollback(session_id, since, mode, base, head, ref, do_apply, branch, paths, nul)


# --------------------------------------------------------------------------- demo


@cli.command()
@click.option("--keep", is_flag=True, help="Keep the temporary repository and print its path.")
def demo(keep: bool) -> int:
    """Replay a drifting read-only session in a throw-away repository, step by step."""
    from guard.commands import demo as command

    return command.demo(keep)
