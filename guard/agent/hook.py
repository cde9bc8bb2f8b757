"""The agent hook's entry: find the session, judge the call, journal it, allow or block.

`main` is what `guard agent NAME` runs. Without a session it allows at once, having
imported only `os`, `sys`, `guard.location` and the formats table; the payload parser,
the judge and the store load only once a session's files are found.

Git's configuration decides which hooks git runs and what it shows the audit, so during
a session it is frozen, except for who commits and how output is coloured: `git config`
may read anything but write (set, unset, rename or remove) only `user.*` and `color.*`,
in any file, `--file` included; `git config --edit` is refused; so are writes by any
tool into `~/.gitconfig`, `$XDG_CONFIG_HOME/git/config` (any `git/config`),
`/etc/gitconfig` and `$GIT_CONFIG_GLOBAL` (`.git/config` is inside the protected git
directory), and setting `HOME`, `XDG_CONFIG_HOME` or `GIT_CONFIG_*`, which swap the
configuration git reads. `git replace` may list and delete replacements, not create
them. A write to a file with more than one hard link is refused, as is creating a hard
link to a path the mode forbids: the two names share one content.
"""

from __future__ import annotations

import os
import sys

from guard.agent.formats import AGENTS
from guard.location import active_state

# Not `typing.TYPE_CHECKING`: importing typing costs more than this hook's whole run
# when no session is active. mypy treats any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import IO, Any

    from guard.agent.judge import Verdict
    from guard.agent.payload import Call
    from guard.session import Session

EXIT_ALLOW = 0
EXIT_BLOCK = 2  # the only code every agent treats as "do not run the tool"

COMMAND_CHARS = 4000  # command text kept in a journal entry


def session_state(agent: str, environ: Mapping[str, str], cwd: str) -> str | None:
    """The state directory of an active session for the agent's project, else None.

    Looks where the agent says its project is (CLAUDE_PROJECT_DIR, GEMINI_PROJECT_DIR)
    and at the hook's own working directory; the session governing that worktree (its own, else
    the repository-wide one); guard.agent.judge binds a worktree session to its worktree.
    """
    return active_state(starts(agent, environ, cwd), environ)


def starts(agent: str, environ: Mapping[str, str], cwd: str) -> tuple[str | None, ...]:
    """Where to look for the agent's project, in order."""
    dialect = AGENTS.get(agent)
    names = dialect["project_vars"] if dialect is not None else ()
    return (*(environ.get(name) for name in names), cwd)


# --------------------------------------------------------------------------- entry point


def main(
    agent: str,
    *,
    stdin: IO[bytes] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
    on_stop: str | None = None,
) -> int:
    """Run the hook for `agent`: 0 allows the tool call, 2 blocks it. With `on_stop`
    (warn or block) it is the agent's end-of-turn hook instead (guard.agent.stop)."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    environ = environ if environ is not None else os.environ
    cwd = cwd if cwd is not None else os.getcwd()
    raw = stdin.read()
    # Looked for before the error boundary is loaded: with no session the hook allows
    # having loaded nothing more. A failure to look is the boundary's to report.
    failure: Exception | None = None
    try:
        state = session_state(agent, environ, cwd)
    except Exception as exc:
        state, failure = None, exc
    if state is None and failure is None:
        if on_stop is not None:
            stdout.write(AGENTS[agent]["stop"]["allow_output"])
            return EXIT_ALLOW
        return _allow(agent, stdout)
    if on_stop is not None:
        from guard.agent.stop import stopped

        where = _project(agent, environ, cwd, state)
        return stopped(agent, on_stop, raw, state, where, failure, stdout, stderr)

    def run() -> int:
        if failure is not None:
            raise failure
        assert state is not None  # noqa: S101 - a state or a failure, above
        return _guarded(agent, raw, state, cwd, stdout, stderr)

    from guard.errors import boundary

    return boundary(
        run, prefix="session-guard", where=f"{agent} hook", block=EXIT_BLOCK, err=stderr
    )


def _project(agent: str, environ: Mapping[str, str], cwd: str, state: str | None) -> str:
    """The first place looked in that the session was found for: the audit runs there."""
    for start in starts(agent, environ, cwd):
        try:
            if start and os.path.isdir(start) and active_state((start,), environ) == state:
                return start
        except Exception:  # noqa: S112 - the stop hook reports what failed
            continue
    return cwd


def _allow(agent: str, stdout: IO[str]) -> int:
    dialect = AGENTS.get(agent)
    if dialect is not None and dialect["allow_output"]:
        stdout.write(dialect["allow_output"])
    return EXIT_ALLOW


def _guarded(agent: str, raw: bytes, state: str, cwd: str, stdout: IO[str], stderr: IO[str]) -> int:
    from guard import store
    from guard.agent.judge import Judge, Verdict
    from guard.agent.payload import Call, deny_output, parse_payload
    from guard.errors import GuardError

    try:
        session = store.load_active(state)
    except GuardError as exc:
        stderr.write(f"{exc.render().replace('guard:', 'session-guard:', 1)}\n")
        stderr.write("session-guard: blocking this tool call until the session state is sound\n")
        stdout.write(deny_output(agent, f"session-guard: the session state is unusable: {exc}"))
        return EXIT_BLOCK
    if session is None:  # pragma: no cover - the session ended since its files were seen
        return _allow(agent, stdout)
    try:
        call = parse_payload(agent, raw, cwd)
    except GuardError as exc:
        call = Call(agent, "", "invalid", cwd)
        verdict = Verdict(False, f"unusable hook input: {exc.message}", [exc.message], [])
    else:
        if call.kind == "ignored":
            return _allow(agent, stdout)
        verdict = Judge(session, state).decide(call)
    try:
        _journal(state, session, call, verdict)
    except GuardError as exc:
        stderr.write(f"{exc.render().replace('guard:', 'session-guard:', 1)}\n")
        stderr.write("session-guard: blocking: this decision could not be journaled\n")
        stdout.write(deny_output(agent, f"session-guard: cannot journal this decision: {exc}"))
        return EXIT_BLOCK
    if verdict.allowed:
        return _allow(agent, stdout)
    message = block_message(call, verdict, session)
    stderr.write(message)
    if session.observe:
        return _allow(agent, stdout)
    stdout.write(deny_output(agent, message))  # the agents that read a refusal on stdout
    return EXIT_BLOCK


def _journal(state: str, session: Session, call: Call, verdict: Verdict) -> None:
    from guard import store
    from guard.agent.judge import SHOWN

    event = "allowed" if verdict.allowed else ("warned" if session.observe else "blocked")
    data: dict[str, Any] = {
        "layer": "agent",
        "agent": call.agent,
        "tool": call.tool,
        "decision": "allow" if verdict.allowed else "deny",
        "reason": verdict.reason,
    }
    # The agent's own ids, so the audit can say which call wrote a change.
    if call.session is not None:
        data["agent_session"] = call.session
    if call.call_id is not None:
        data["call_id"] = call.call_id
    if call.command is not None:
        data["command"] = call.command[:COMMAND_CHARS]
    if verdict.rows:
        # Refused paths first: of a call naming thousands, the ones that matter are kept.
        rows = sorted(verdict.rows, key=lambda row: not row.refused)
        data["paths"] = [row.data() for row in rows[:SHOWN]]
        if len(rows) > SHOWN:
            data["path_count"] = len(rows)
    store.append(state, event, session.id, data, store.now())


# --------------------------------------------------------------------------- messages

EXAMPLES = {
    "docs": "a docs path such as docs/ or a *.md file",
    "test": "a test path such as tests/",
}


def instead(session: Session) -> str:
    """What the agent can do instead, given what the mode allows."""
    if not session.allowed:
        return "this session allows no changes: put your findings in your reply instead."
    places = [EXAMPLES.get(category, f"a {category} path") for category in session.allowed]
    return f"write your findings to {' or '.join(places)}, and leave the paths above as they are."


def block_message(call: Call, verdict: Verdict, session: Session) -> str:
    """What the agent reads: what was refused and why, and what it can do instead."""
    allowed = ", ".join(session.allowed) or "nothing"
    reason = f'; reason: "{session.reason}"' if session.reason else ""
    verb = "would block" if session.observe else "blocked"
    if call.kind == "invalid":
        what = "this tool call"
    elif call.kind == "shell":
        what = f"this {call.tool} command"
    else:
        what = f"this {call.tool} call"
    lines = [
        f"session-guard: {verb} {what}. Session {session.id} is in {session.mode} mode, "
        f"which allows {allowed}{reason}.",
        *(f"  - {problem}" for problem in verdict.problems),
    ]
    if session.observe:
        lines.append("  (observe mode: recorded, not blocked)")
        return "\n".join(lines) + "\n"
    owner = "the person who started it (it is locked)" if session.locked else "a person"
    lines += [
        f"What you can do instead: {instead(session)}",
        "Do not work around this with other tools, scripts or git options: the commit hooks "
        "and `guard audit` see every change that reaches the repository.",
        f"If the change is really needed, stop and ask {owner} to end the session "
        "(guard session stop).",
    ]
    return "\n".join(lines) + "\n"
