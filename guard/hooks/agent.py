"""Agent pre-tool hooks: judge an agent's edit or shell command before it runs.

`guard agent claude|codex|gemini` is the command an agent runs before each tool
call (Claude Code and Codex `PreToolUse`, Gemini CLI `BeforeTool`). It reads the
hook JSON on stdin and, while a session is active:

- file edits (Claude `Write`/`Edit`/`MultiEdit`/`NotebookEdit`, Gemini
  `write_file`/`replace`, Codex `apply_patch` patches): each path is resolved
  (relative to the payload's `cwd`, `..` and symlinks followed) and, inside the
  repository, classified; a category the session's mode does not allow is refused,
  and so is anything in the git directory (hooks, config, refs, session state).
  Paths outside the repository, and paths git ignores, are not the guard's business.
- shell commands (Claude `Bash`, Codex's shell tool, Gemini `run_shell_command`)
  are parsed with `shlex` (after a pass that removes comments, here-document bodies
  and line continuations and hides quoted operators) and screened for what would
  bypass or end the guard (`--no-verify`, `core.hooksPath`, `GIT_CONFIG_*`,
  `guard session stop`, `guard uninstall`, `git update-ref`, force pushes, moving
  a branch or HEAD to a commit from before the session, editing `.git` or the
  hooks) and for writes into paths the mode does not allow (redirections, `tee`,
  `sed -i`, `cp`, `mv`, `rm`, `touch`, `truncate`, `install`, `ln`, ...). `&&`,
  `||`, `;`, pipes, subshells, `$( )`, here-documents fed to a shell, `bash -c`,
  `eval`, `env`/`sudo`/`xargs` prefixes, `cd` and `git -C` are followed.

Every decision is journaled. Blocking is exit 2 with the reason on stderr: the one
blocking signal all three agents document (their other non-zero codes, a crash or
a missing command all let the tool run). An observe-mode session warns and allows.
During a session the hook fails closed: unreadable input, an unparsable command or
unusable session state all block. Without a session it allows at once: only `os`
and `sys` are imported until a session's files are found, and the repository is
found by walking up to its `.git`, not by running git.

What screening cannot see: it reads the command text, not what programs do. An
interpreter running code (`python -c "open('src/x.py','w')"`, `node -e`, a
script, `make`), tools that rewrite files themselves (formatters with `--fix`,
code generators, `git apply`, `patch`, `tar -x`, `find -delete`), aliases (git's
and the shell's) and paths built from variables or command output (`> "$F"`) are
not judged. The commit layers still judge every commit such a write ends up in
(`pre-commit`, and `reference-transaction` even with `--no-verify`), and
`guard audit` lists it afterwards, committed or not.
"""

from __future__ import annotations

import os
import sys

from guard.location import Ambiguous, active_state, existing_dir, find_git

# Not `typing.TYPE_CHECKING`: importing typing costs more than this hook's whole run
# when no session is active. mypy treats any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from typing import IO, Any

    from guard.classify import Classifier
    from guard.session import Session
    from guard.shell.screen import Hit

AGENTS = ("claude", "codex", "gemini")
EXIT_ALLOW = 0
EXIT_BLOCK = 2  # the only code every agent treats as "do not run the tool"

# Environment variables naming the project an agent runs the hook for.
PROJECT_VARS = {
    "claude": ("CLAUDE_PROJECT_DIR",),
    "codex": (),  # Codex starts hooks in the session's cwd
    "gemini": ("GEMINI_PROJECT_DIR", "CLAUDE_PROJECT_DIR"),
}

SHOWN = 50  # paths kept in a journal entry
COMMAND_CHARS = 4000  # command text kept in a journal entry


def session_state(agent: str, environ: Mapping[str, str], cwd: str) -> str | None:
    """The state directory of an active session for the agent's project, else None.

    Looks where the agent says its project is (CLAUDE_PROJECT_DIR, GEMINI_PROJECT_DIR)
    and at the hook's own working directory; every linked worktree shares the state.
    """
    starts = (*(environ.get(name) for name in PROJECT_VARS.get(agent, ())), cwd)
    return active_state(starts, environ)


# --------------------------------------------------------------------------- entry point


def main(
    agent: str,
    *,
    stdin: IO[bytes] | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: str | None = None,
) -> int:
    """Run the hook for `agent`: 0 allows the tool call, 2 blocks it."""
    stdin = stdin if stdin is not None else sys.stdin.buffer
    stdout = stdout if stdout is not None else sys.stdout
    stderr = stderr if stderr is not None else sys.stderr
    environ = environ if environ is not None else os.environ
    cwd = cwd if cwd is not None else os.getcwd()
    raw = stdin.read()

    def run() -> int:
        state = session_state(agent, environ, cwd)
        if state is None:
            return _allow(agent, stdout)
        return _guarded(agent, raw, state, cwd, stdout, stderr)

    from guard.errors import boundary

    return boundary(
        run, prefix="session-guard", where=f"{agent} hook", block=EXIT_BLOCK, err=stderr
    )


def _allow(agent: str, stdout: IO[str]) -> int:
    if agent == "gemini":
        stdout.write("{}\n")  # Gemini parses stdout as JSON on exit 0
    return EXIT_ALLOW


def _guarded(agent: str, raw: bytes, state: str, cwd: str, stdout: IO[str], stderr: IO[str]) -> int:
    from guard import store
    from guard.errors import GuardError

    try:
        session = store.load_active(state)
    except GuardError as exc:
        stderr.write(f"{exc.render().replace('guard:', 'session-guard:', 1)}\n")
        stderr.write("session-guard: blocking this tool call until the session state is sound\n")
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
        return EXIT_BLOCK
    if verdict.allowed:
        return _allow(agent, stdout)
    stderr.write(block_message(call, verdict, session))
    if session.observe:
        return _allow(agent, stdout)
    return EXIT_BLOCK


def _journal(state: str, session: Session, call: Call, verdict: Verdict) -> None:
    from guard import store
    from guard.hooks.run import now

    event = "allowed" if verdict.allowed else ("warned" if session.observe else "blocked")
    data: dict[str, Any] = {
        "layer": "agent",
        "agent": call.agent,
        "tool": call.tool,
        "decision": "allow" if verdict.allowed else "deny",
        "reason": verdict.reason,
    }
    if call.command is not None:
        data["command"] = call.command[:COMMAND_CHARS]
    if verdict.rows:
        data["paths"] = [row.data() for row in verdict.rows[:SHOWN]]
    store.append(state, event, session.id, data, now())


# --------------------------------------------------------------------------- payloads

EDIT_TOOLS: dict[str, dict[str, tuple[str, ...]]] = {
    "claude": {
        "Write": ("file_path",),
        "Edit": ("file_path",),
        "MultiEdit": ("file_path",),
        "NotebookEdit": ("notebook_path", "file_path"),
    },
    "codex": {"Write": ("file_path",), "Edit": ("file_path",)},
    "gemini": {"write_file": ("file_path",), "replace": ("file_path",)},
}
SHELL_TOOLS = {
    "claude": frozenset({"Bash"}),
    "codex": frozenset({"Bash", "shell", "local_shell", "shell_command", "exec_command"}),
    "gemini": frozenset({"run_shell_command"}),
}
PATCH_TOOLS = {"codex": frozenset({"apply_patch"})}
EVENTS = {"claude": "PreToolUse", "codex": "PreToolUse", "gemini": "BeforeTool"}
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
    from guard.errors import UsageError

    return UsageError(message)


def parse_payload(agent: str, raw: bytes, cwd: str) -> Call:
    """The call described by an agent's hook JSON; UsageError when it is unusable."""
    import json

    from guard.shell.files import patch_targets

    if not raw.strip():
        raise _bad("the hook received no input (expected the agent's JSON on stdin)")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise _bad(f"the hook input is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise _bad(f"the hook input is JSON but not an object ({type(data).__name__})")
    event = data.get("hook_event_name")
    tool = data.get("tool_name")
    if event is not None and event != EVENTS[agent]:
        return Call(agent, str(tool), "ignored", cwd)
    if not isinstance(tool, str):
        raise _bad("the hook input has no tool_name")
    where = data.get("cwd")
    base = os.path.join(cwd, where) if isinstance(where, str) and where else cwd
    if tool in EDIT_TOOLS[agent]:
        return Call(agent, tool, "edit", base, (("write", _edit_path(data, tool, agent)),))
    if tool in PATCH_TOOLS.get(agent, ()):
        patch = _text_input(data, tool, ("command", "input", "patch"))
        return Call(agent, tool, "edit", base, tuple(patch_targets(patch)), None)
    if tool in SHELL_TOOLS[agent]:
        return _shell_call(agent, tool, data, base)
    return Call(agent, tool, "ignored", base)


def _tool_input(data: Mapping[str, Any], tool: str) -> Mapping[str, Any]:
    tool_input = data.get("tool_input")
    if not isinstance(tool_input, dict):
        raise _bad(f"the {tool} call has no tool_input object")
    return tool_input


def _edit_path(data: Mapping[str, Any], tool: str, agent: str) -> str:
    tool_input = _tool_input(data, tool)
    for key in EDIT_TOOLS[agent][tool]:
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    raise _bad(f"the {tool} call names no file ({' or '.join(EDIT_TOOLS[agent][tool])})")


def _text_input(data: Mapping[str, Any], tool: str, keys: tuple[str, ...]) -> str:
    tool_input = _tool_input(data, tool)
    for key in keys:
        value = tool_input.get(key)
        if isinstance(value, str):
            return value
    raise _bad(f"the {tool} call has no {keys[0]} text")


def _shell_call(agent: str, tool: str, data: Mapping[str, Any], base: str) -> Call:
    import shlex

    from guard.shell.files import PATCH_NAMES, patch_targets

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


# --------------------------------------------------------------------------- decisions


class Row:
    """One path judged: where it is and whether the session allows touching it."""

    __slots__ = ("category", "root", "rule", "shown", "status", "via")

    def __init__(
        self,
        shown: str,
        status: str,
        via: str,
        category: str = "",
        rule: str | None = None,
        root: str = "",
    ) -> None:
        self.shown = shown  # relative to its work tree inside the repository, else as given
        self.status = status  # allowed, denied, protected, outside, ignored, unknown
        self.via = via
        self.category = category
        self.rule = rule
        self.root = root  # the work tree holding the path

    @property
    def refused(self) -> bool:
        return self.status in ("denied", "protected", "unknown")

    def line(self) -> str:
        if self.status == "protected":
            return (
                f"{self.shown} ({self.via}): inside the repository's git directory or hooks, "
                "which hold the guard's hooks and session state; off limits during a session"
            )
        if self.status == "unknown":
            return (
                f"{self.shown} ({self.via}): cannot tell where it points, and it names the git "
                "directory, the hooks or the guard's state"
            )
        rule = self.rule or "no rule matched: the policy default"
        return f"{self.shown}: {self.category} ({rule}), by {self.via}"

    def data(self) -> dict[str, object]:
        row: dict[str, object] = {"path": self.shown, "status": self.status, "via": self.via}
        if self.category:
            row.update(category=self.category, rule=self.rule)
        return row


class Verdict:
    __slots__ = ("allowed", "problems", "reason", "rows")

    def __init__(self, allowed: bool, reason: str, problems: list[str], rows: list[Row]) -> None:
        self.allowed = allowed
        self.reason = reason
        self.problems = problems  # lines for the agent: what is refused and why
        self.rows = rows


def _within(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip("/") + "/")


def _resolve(path: str, kind: str) -> str:
    """A path as the file system will treat it: symlinks followed, except the last
    component of a deletion (`rm link` removes the link, not what it points to)."""
    if kind != "delete":
        return os.path.realpath(path)
    parent, name = os.path.split(os.path.normpath(path))
    if name in ("", ".", ".."):
        return os.path.realpath(path)
    return os.path.join(os.path.realpath(parent), name)


FILES_SCANNED = 10000  # files of a directory judged one by one; the commit layers see the rest


def _files(directory: str, prefix: str) -> Iterator[str]:
    """Files under `directory` (not in nested `.git`), as `prefix` + relative path."""
    seen = 0
    for parent, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if d != ".git"]
        inner = os.path.relpath(parent, directory)
        for name in names:
            seen += 1
            if seen > FILES_SCANNED:
                return
            yield prefix + (name if inner == "." else f"{inner}/{name}")


# An unknown path (`"$(git rev-parse --git-dir)/hooks/x"`) that names these is refused.
PROTECTED_NAMES = (".git", "hooks", "guard")


class Judge:
    """Decides one call against the active session: reads files and asks git, writes nothing."""

    def __init__(self, session: Session, state: str) -> None:
        from guard.classify import Classifier

        self.session = session
        self.common = os.path.realpath(os.path.dirname(state))
        hooks = session.hooks.hooks_dir if session.hooks else os.path.join(self.common, "hooks")
        self.protected = (self.common, os.path.realpath(hooks))
        self.classifier: Classifier = Classifier(session.policy)
        self._found: dict[str, tuple[str, str, str] | None] = {}
        self.cwd = os.path.dirname(self.common)  # the call's directory, once deciding

    def decide(self, call: Call) -> Verdict:
        self.cwd = call.cwd
        if call.kind == "shell":
            return self.shell(call.command or "", call.cwd)
        rows = [
            row for op, path in call.paths for row in self.judge_path(path, call.cwd, op, call.tool)
        ]
        return self._verdict([], self._unignored(rows))

    # ---- paths

    def locate(self, path: str) -> tuple[str, str, str] | None:
        """The repository holding `path` (an existing directory), cached."""
        if path not in self._found:
            try:
                self._found[path] = find_git(path)
            except (Ambiguous, OSError):
                self._found[path] = None
        return self._found[path]

    def judge_path(self, given: str, base: str, kind: str, via: str) -> list[Row]:
        """Rows for one path an operation touches (a directory: its files too)."""
        real = _resolve(os.path.join(base, given), kind)
        if self._protected(real, kind):
            return [Row(self._shown(real, given), "protected", via)]
        found = self.locate(existing_dir(os.path.dirname(real) if real != "/" else real))
        if found is None or found[2] != self.common:
            return [Row(real, "outside", via)]
        root = found[0]
        relative = os.path.relpath(real, root)
        if relative == ".git" or relative.startswith(".git/"):
            return [Row(relative, "protected", via)]
        if kind == "meta" or (kind == "delete" and not os.path.lexists(real)):
            # git tracks no directories or owners; deleting nothing changes nothing
            return [Row(relative, "allowed", via)]
        if os.path.isdir(real):
            return self._directory(real, relative, root, via)
        return [self._row(relative, root, via)]

    def _row(self, relative: str, root: str, via: str) -> Row:
        decision = self.classifier.classify(relative)
        status = "allowed" if decision.category in self.session.allowed else "denied"
        return Row(relative, status, via, decision.category, decision.rule, root)

    def _directory(self, real: str, relative: str, root: str, via: str) -> list[Row]:
        """A directory is judged as one (`src/`) and by the files in it, since a docs
        folder can hold code the policy calls production."""
        prefix = "" if relative == "." else relative + "/"
        if prefix:
            head = self._row(prefix, root, via)
            if head.refused:
                return [head]
        rows = []
        for path in _files(real, prefix):
            row = self._row(path, root, via)
            if row.refused:
                rows.append(row)
                if len(rows) >= SHOWN:
                    break
        return rows or [Row(prefix or ".", "allowed", via)]

    def _shown(self, real: str, given: str) -> str:
        """A protected path as the user knows it: relative to the main work tree."""
        top = os.path.dirname(self.common)
        if os.path.basename(self.common) == ".git" and real != top and _within(real, top):
            return os.path.relpath(real, top)
        return given

    def _protected(self, real: str, kind: str) -> bool:
        for directory in self.protected:
            if _within(real, directory):
                return True
            if kind in ("delete", "meta") and _within(directory, real):
                return True  # rm -rf .git, or the repository itself
        return False

    @staticmethod
    def _unignored(rows: list[Row]) -> list[Row]:
        """Refused paths git ignores cannot be committed without -f: let them pass."""
        by_root: dict[str, list[Row]] = {}
        for row in rows:
            if row.status == "denied" and row.shown != ".":
                by_root.setdefault(row.root, []).append(row)
        if not by_root:
            return rows
        from guard import gitio

        for root, denied in by_root.items():
            paths = [row.shown for row in denied]
            # One path a line (-z needs --stdin); a quoted odd name just stays refused.
            args = ["-c", "core.quotePath=false", "check-ignore", "--", *paths]
            out = gitio.attempt(args, cwd=root)
            ignored = set(os.fsdecode(out).split("\n")) if out else set()
            for row in denied:
                if row.shown in ignored:
                    row.status = "ignored"
        return rows

    # ---- shell

    def shell(self, command: str, cwd: str) -> Verdict:
        from guard.shell.parse import ShellSyntax
        from guard.shell.screen import screen

        try:
            hits = screen(command, cwd)
        except ShellSyntax as exc:
            return Verdict(False, f"unparsable command: {exc}", [f"cannot parse it: {exc}"], [])
        problems: list[str] = []
        rows: list[Row] = []
        for hit in hits:
            if hit.kind == "bypass":
                if self._in_repository(hit.cwd, hit.word):
                    problems.append(hit.what)
            elif hit.kind in ("write", "delete", "meta"):
                rows.extend(self._hit_rows(hit))
            else:
                problem = self._move_problem(hit)
                if problem is not None:
                    problems.append(problem)
        return self._verdict(problems, self._unignored(rows))

    def _in_repository(self, cwd: str | None, git_dir: str) -> bool:
        """Whether a git or guard command at `cwd` acts on the session's repository
        (an unknown directory counts: better refuse than let a bypass through)."""
        if cwd is None:
            return True
        from guard.shell.parse import opaque

        if git_dir and not opaque(git_dir):
            return _within(os.path.realpath(os.path.join(cwd, git_dir)), self.common)
        found = self.locate(existing_dir(os.path.realpath(cwd)))
        return found is not None and found[2] == self.common

    def _hit_rows(self, hit: Hit) -> list[Row]:
        from guard.shell.parse import opaque

        word = hit.word
        if opaque(word):
            return [Row(word, "unknown", hit.what)] if self._names_protected(word) else []
        path = os.path.expanduser(word)
        if not os.path.isabs(path) and hit.cwd is None:
            return []  # relative to a directory only known when the shell runs
        base = hit.cwd or "/"
        targets = [path]
        into = hit.into or word.endswith("/") or os.path.isdir(os.path.join(base, path))
        if hit.names and into and not any(opaque(name) for name in hit.names):
            targets = [os.path.join(path, name) for name in hit.names]
        return [row for t in targets for row in self.judge_path(t, base, hit.kind, hit.what)]

    @staticmethod
    def _names_protected(word: str) -> bool:
        parts = word.replace("\\", "/").split("/")
        return any(part in PROTECTED_NAMES for part in parts)

    def _move_problem(self, hit: Hit) -> str | None:
        """Moving HEAD or a branch to a commit the session did not start from or build on."""
        start = self.session.start_head
        if start is None or not self._in_repository(hit.cwd, ""):
            return None
        from guard import gitio
        from guard.shell.parse import opaque

        cwd = self.cwd
        if hit.cwd is not None and os.path.isdir(hit.cwd):
            cwd = hit.cwd
        if opaque(hit.word):
            if hit.kind != "reset-hard":
                return None
            return f"`{hit.what} {hit.word}`: cannot tell which commit it moves to"
        if hit.kind == "checkout" and gitio.resolve(f"refs/heads/{hit.word}", cwd=cwd):
            return None  # switching to an existing branch
        sha = gitio.resolve(f"{hit.word}^{{commit}}", cwd=cwd)
        if sha is None or sha == start or gitio.is_ancestor(start, sha, cwd=cwd):
            return None
        return (
            f"`{hit.what} {hit.word}` moves to {sha[:12]}, which is not the session's start "
            f"commit {start[:12]} or built on it"
        )

    # ---- verdict

    def _verdict(self, problems: list[str], rows: list[Row]) -> Verdict:
        refused = [row for row in rows if row.refused]
        problems = problems + [row.line() for row in refused]
        if problems:
            return Verdict(False, "; ".join(problems), problems, rows)
        if rows and all(row.status == "outside" for row in rows):
            reason = "outside the repository"
        elif any(row.status == "ignored" for row in rows):
            reason = "paths the mode does not allow are ignored by git"
        else:
            reason = "nothing the session's mode forbids"
        return Verdict(True, reason, [], rows)


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


def _usage() -> int:
    sys.stderr.write(f"usage: python -m guard.hooks.agent {{{','.join(AGENTS)}}} < hook.json\n")
    return EXIT_BLOCK


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]) if sys.argv[1:] and sys.argv[1] in AGENTS else _usage())
