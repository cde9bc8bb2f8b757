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
    from collections.abc import Callable, Iterator, Mapping
    from typing import IO, Any

    from guard.classify import Classifier
    from guard.session import Session

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
    store.append(state, event, session.id, data, store.now())


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
PATCH_NAMES = ("apply_patch", "applypatch")


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


PATCH_HEADERS = (
    ("*** Add File: ", "write"),
    ("*** Update File: ", "write"),
    ("*** Move to: ", "write"),
    ("*** Delete File: ", "delete"),
)


def patch_targets(patch: str) -> list[tuple[str, str]]:
    """(operation, path) of every file a Codex `apply_patch` text adds, changes,
    moves to or deletes (its `*** Add File:`-style headers)."""
    targets = []
    for line in patch.splitlines():
        text = line.strip()
        for header, operation in PATCH_HEADERS:
            if text.startswith(header) and text[len(header) :].strip():
                targets.append((operation, text[len(header) :].strip()))
    return targets


# --------------------------------------------------------------------------- shell text

# Operator characters. Inside quotes or after a backslash they are replaced by
# private-use stand-ins before shlex sees the text, so that every token shlex
# returns made only of these characters is a real operator.
OPS = "();<>|&\n"
_HIDE = {c: chr(0xE000 + n) for n, c in enumerate(OPS)}
_SUB = "\ue0ff"  # stands for the output of a $( ), ` ` or <( ) substitution
_SHOW = str.maketrans({**{v: k for k, v in _HIDE.items()}, _SUB: "$(...)"})
OPERATORS = sorted(
    (
        "&&", "||", ";;", "&>>", "&>", ">>", ">&", "<&", ">|", "<<<", "<<", "<>", "|&",
        ";", "&", "|", "(", ")", "<", ">", "\n",
    ),
    key=len,
    reverse=True,
)  # fmt: skip
SEPARATORS = frozenset({"&&", "||", ";;", ";", "&", "|", "|&", "\n"})
WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})
MAX_DEPTH = 8  # nested shells, evals and substitutions followed


def _hide(char: str) -> str:
    return _HIDE.get(char, char)


class Script:
    """Shell text made ready for shlex: operators inside quotes hidden, comments and
    line continuations gone, here-document bodies and substitutions taken out."""

    __slots__ = ("bodies", "subs", "text")

    def __init__(self, text: str, bodies: list[str], subs: list[Script]) -> None:
        self.text = text
        self.bodies = bodies  # here-document bodies, in the order of their `<<`
        self.subs = subs  # the scripts of $( ), ` ` and <( ) substitutions


class _Out:
    __slots__ = ("bodies", "chars", "depth", "pending", "subs", "word_start")

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.bodies: list[str] = []
        self.subs: list[Script] = []
        self.pending: list[tuple[str, bool]] = []  # here-documents awaiting their body
        self.depth = 0
        self.word_start = True

    def add(self, char: str) -> None:
        self.chars.append(char)
        self.word_start = char in " \t\r;&|()<>"

    def raw(self, text: str) -> None:
        self.chars.append(text)
        self.word_start = False

    def sub(self, script: Script) -> None:
        self.subs.append(script)
        self.raw(_SUB)

    def done(self) -> Script:
        return Script("".join(self.chars), self.bodies, self.subs)


class ShellSyntax(Exception):
    """Shell text the screening cannot follow (an unclosed quote or substitution)."""


class _Scanner:
    """One pass over shell text, as bash reads it, producing a Script."""

    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self.handlers: dict[str, Callable[[_Out], bool]] = {
            "\n": self._newline,
            "'": self._quoted,
            '"': self._quoted,
            "\\": self._escape,
            "#": self._comment,
            "$": self._dollar,
            "`": self._backtick,
            "<": self._angle,
            ">": self._angle,
        }

    def peek(self, offset: int = 1) -> str:
        at = self.i + offset
        return self.s[at] if at < self.n else ""

    def script(self, closing: str = "") -> Script:
        out = _Out()
        while self.i < self.n:
            char = self.s[self.i]
            if closing and self._closes(char, closing, out):
                self.i += 1
                return out.done()
            handler = self.handlers.get(char)
            if handler is not None and handler(out):
                continue
            if out.word_start and char.isdigit() and self._fd_number():
                continue
            out.add(char)
            self.i += 1
        if closing:
            raise ShellSyntax("a `$(` or `` ` `` substitution is not closed")
        out.bodies.extend("" for _ in out.pending)  # a here-document cut off by the end
        return out.done()

    @staticmethod
    def _closes(char: str, closing: str, out: _Out) -> bool:
        if closing == ")" and char == "(":
            out.depth += 1
        elif char == closing:
            if closing == ")" and out.depth:
                out.depth -= 1
                return False
            return True
        return False

    def _newline(self, out: _Out) -> bool:
        out.add("\n")
        self.i += 1
        for delimiter, strip_tabs in out.pending:
            out.bodies.append(self._body(delimiter, strip_tabs))
        out.pending.clear()
        return True

    def _body(self, delimiter: str, strip_tabs: bool) -> str:
        lines = []
        while self.i < self.n:
            end = self.s.find("\n", self.i)
            end = self.n if end < 0 else end
            line = self.s[self.i : end]
            self.i = min(end + 1, self.n)
            if (line.lstrip("\t") if strip_tabs else line) == delimiter:
                break
            lines.append(line)
        return "\n".join(lines)

    def _quoted(self, out: _Out) -> bool:
        quote = self.s[self.i]
        out.raw(quote)
        self.i += 1
        while self.i < self.n:
            char = self.s[self.i]
            if char == quote:
                out.raw(quote)
                self.i += 1
                return True
            if quote == '"' and self._in_double(char, out):
                continue
            out.raw(_hide(char))
            self.i += 1
        raise ShellSyntax(f"a {quote} quote is not closed")

    def _in_double(self, char: str, out: _Out) -> bool:
        """Backslashes and substitutions inside double quotes."""
        if char == "\\" and self.i + 1 < self.n:
            following = self.s[self.i + 1]
            if following != "\n":
                out.raw("\\" + _hide(following))
            self.i += 2
            return True
        if char == "$" and self.peek() == "(":
            self.i += 2
            out.sub(self.script(")"))
            return True
        if char == "`":
            self.i += 1
            out.sub(self.script("`"))
            return True
        return False

    def _escape(self, out: _Out) -> bool:
        following = self.peek()
        self.i += 2
        if following == "\n":
            return True  # a line continuation
        if following in OPS or following == "#":
            out.raw(_hide(following))  # an escaped operator is a plain character
        elif following:
            out.raw("\\" + following)  # shlex removes the backslash
        return True

    def _comment(self, out: _Out) -> bool:
        if not out.word_start:
            return False
        end = self.s.find("\n", self.i)
        self.i = self.n if end < 0 else end
        return True

    def _dollar(self, out: _Out) -> bool:
        if self.peek() != "(":
            return False
        self.i += 2
        out.sub(self.script(")"))
        return True

    def _backtick(self, out: _Out) -> bool:
        self.i += 1
        out.sub(self.script("`"))
        return True

    def _angle(self, out: _Out) -> bool:
        if self.peek() == "(":  # process substitution: <(cmd) or >(cmd)
            self.i += 2
            out.sub(self.script(")"))
            return True
        if self.s.startswith("<<", self.i) and not self.s.startswith("<<<", self.i):
            self._heredoc(out)
            return True
        return False

    def _heredoc(self, out: _Out) -> None:
        self.i += 2
        strip_tabs = self.peek(0) == "-"
        self.i += strip_tabs
        while self.peek(0) in (" ", "\t"):
            self.i += 1
        delimiter = self._delimiter()
        if not delimiter:
            raise ShellSyntax("a here-document (`<<`) has no delimiter word")
        out.add("<")
        out.add("<")
        out.raw(" " + "".join(_hide(c) for c in delimiter) + " ")
        out.pending.append((delimiter, strip_tabs))

    def _delimiter(self) -> str:
        word = []
        while self.i < self.n and self.s[self.i] not in " \t\r" + OPS:
            char = self.s[self.i]
            if char in "'\"":
                end = self.s.find(char, self.i + 1)
                end = self.n if end < 0 else end
                word.append(self.s[self.i + 1 : end])
                self.i = end + 1
            else:
                if char != "\\":
                    word.append(char)
                self.i += 1
        return "".join(word)

    def _fd_number(self) -> bool:
        """`2>file`, `2>&1`: the descriptor is not a word of the command."""
        end = self.i
        while end < self.n and self.s[end].isdigit():
            end += 1
        if end < self.n and self.s[end] in "<>":
            self.i = end
            return True
        return False


def prepare(text: str) -> Script:
    """Shell text as a Script; ShellSyntax when a quote or substitution is not closed."""
    return _Scanner(text).script()


def split_operators(run: str) -> list[str]:
    """A run of operator characters (`&&(`, `;\\n`) as the operators bash reads."""
    ops = []
    at = 0
    while at < len(run):
        op = next(o for o in OPERATORS if run.startswith(o, at))
        ops.append(op)
        at += len(op)
    return ops


def tokens(text: str) -> list[tuple[bool, str]]:
    """(is_operator, text) tokens of prepared text, split by shlex (posix mode)."""
    import shlex

    lexer = shlex.shlex(text, posix=True, punctuation_chars=OPS)
    lexer.whitespace = " \t\r"  # a newline separates commands
    lexer.whitespace_split = True
    lexer.commenters = ""  # comments are gone; `#` inside a word is a plain character
    items: list[tuple[bool, str]] = []
    try:
        for token in lexer:
            if token and all(char in OPS for char in token):
                items.extend((True, op) for op in split_operators(token))
            else:
                items.append((False, token.translate(_SHOW)))
    except ValueError as exc:
        raise ShellSyntax(str(exc)) from None
    return items


class Simple:
    """One simple command: its words, its redirections, its here-document."""

    __slots__ = ("doc", "redirects", "words")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.redirects: list[tuple[str, str]] = []
        self.doc: str | None = None


class Group:
    """A `( ... )` subshell."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: list[Simple | Group]) -> None:
        self.nodes = nodes


class _Parser:
    def __init__(self, items: list[tuple[bool, str]], bodies: list[str]) -> None:
        self.items = items
        self.at = 0
        self.bodies: Iterator[str] = iter(bodies)

    def nodes(self, nested: bool = False) -> list[Simple | Group]:
        nodes: list[Simple | Group] = []
        current = Simple()
        while self.at < len(self.items):
            is_op, text = self.items[self.at]
            self.at += 1
            if not is_op:
                current.words.append(text)
            elif text == ")":
                if nested:
                    break
            elif text == "(":
                current = self._flush(nodes, current)
                nodes.append(Group(self.nodes(nested=True)))
            elif text in SEPARATORS:
                current = self._flush(nodes, current)
            else:
                self._redirect(current, text)
        self._flush(nodes, current)
        return nodes

    @staticmethod
    def _flush(nodes: list[Simple | Group], current: Simple) -> Simple:
        if current.words or current.redirects or current.doc is not None:
            nodes.append(current)
        return Simple()

    def _redirect(self, current: Simple, op: str) -> None:
        target = None
        if self.at < len(self.items) and not self.items[self.at][0]:
            target = self.items[self.at][1]
            self.at += 1
        if op == "<<":
            current.doc = next(self.bodies, "")
        elif target is not None:
            current.redirects.append((op, target))


def parse(script: Script) -> list[Simple | Group]:
    return _Parser(tokens(script.text), script.bodies).nodes()


# --------------------------------------------------------------------------- screening


class Hit:
    """One thing a command would do that the session may forbid.

    kind: `bypass` (ends or sidesteps the guard; `word` may name a --git-dir),
    `write`/`delete`/`meta` (touches the path `word`; `meta` only matters for the
    git directory), or a move of HEAD or a branch to the commit `word`: `reset-hard`
    (an unknown commit is refused), `reset`, `checkout` (an existing branch is fine).
    `cwd` is where the command runs (None: unknown after a `cd $X`).
    """

    __slots__ = ("cwd", "into", "kind", "names", "what", "word")

    def __init__(
        self,
        kind: str,
        what: str,
        word: str = "",
        cwd: str | None = None,
        names: tuple[str, ...] = (),
        into: bool = False,
    ) -> None:
        self.kind = kind
        self.what = what
        self.word = word
        self.cwd = cwd
        self.names = names  # source names, when `word` is a destination that may be a directory
        self.into = into  # `word` is certainly a directory (several sources, -t)

    def _key(self) -> tuple[object, ...]:
        return (self.kind, self.what, self.word, self.cwd, self.names, self.into)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Hit) and self._key() == other._key()

    def __repr__(self) -> str:
        return f"Hit{self._key()!r}"


class _Ctx:
    __slots__ = ("cwd", "depth", "doc", "hits")

    def __init__(self, cwd: str | None, hits: list[Hit], depth: int) -> None:
        self.cwd = cwd
        self.hits = hits
        self.depth = depth
        self.doc: str | None = None

    def fork(self) -> _Ctx:
        """A context for a subshell or a wrapped command: its `cd` stays inside."""
        inner = _Ctx(self.cwd, self.hits, self.depth)
        inner.doc = self.doc
        return inner

    def hit(
        self, kind: str, what: str, word: str = "", names: tuple[str, ...] = (), into: bool = False
    ) -> None:
        self.hits.append(Hit(kind, what, word, self.cwd, names, into))

    def nested(self, text: str) -> None:
        """Screen shell text run by this command (bash -c, eval, a here-document)."""
        if self.depth >= MAX_DEPTH:
            raise ShellSyntax(f"commands nest more than {MAX_DEPTH} levels deep")
        _screen(prepare(text), _Ctx(self.cwd, self.hits, self.depth + 1))


def screen(command: str, cwd: str | None) -> list[Hit]:
    """What a shell command would do that a session may forbid. Pure: reads no files.

    Raises ShellSyntax for text bash would not run either (an unclosed quote)."""
    hits: list[Hit] = []
    _screen(prepare(command), _Ctx(cwd, hits, 0))
    return hits


def _screen(script: Script, ctx: _Ctx) -> None:
    for sub in script.subs:
        if ctx.depth >= MAX_DEPTH:
            raise ShellSyntax(f"commands nest more than {MAX_DEPTH} levels deep")
        _screen(sub, _Ctx(ctx.cwd, ctx.hits, ctx.depth + 1))
    _screen_nodes(parse(script), ctx)


def _screen_nodes(nodes: list[Simple | Group], ctx: _Ctx) -> None:
    for node in nodes:
        if isinstance(node, Group):
            _screen_nodes(node.nodes, ctx.fork())  # a subshell's `cd` stays inside it
        else:
            _screen_simple(node, ctx)


def _screen_simple(command: Simple, ctx: _Ctx) -> None:
    for op, target in command.redirects:
        if op in WRITE_REDIRECTS and not (op == ">&" and (target.isdigit() or target == "-")):
            ctx.hit("write", f"redirection {op}", target)
    ctx.doc = command.doc
    _command(command.words, ctx)


def opaque(word: str) -> bool:
    """Whether a word's value is only known when the shell runs (variables, substitutions)."""
    return "$" in word or "`" in word


def join_dir(base: str | None, word: str | None) -> str | None:
    """Where `cd word` from `base` leads; None when that cannot be known."""
    if word is None:
        return os.path.expanduser("~")
    if word == "-" or opaque(word):
        return None
    word = os.path.expanduser(word)
    if os.path.isabs(word):
        return os.path.normpath(word)
    return None if base is None else os.path.normpath(os.path.join(base, word))


def assignment(word: str) -> tuple[str, str] | None:
    """(name, value) when the word is a shell variable assignment."""
    name, eq, value = word.partition("=")
    valid = name[:1].isalpha() or name[:1] == "_"
    if not eq or not valid or not all(c.isalnum() or c == "_" for c in name) or not name.isascii():
        return None
    return name, value


# Variables through which git reads configuration (so: core.hooksPath) from the
# environment. A global or system file of /dev/null sets nothing.
CONFIG_ENV = ("GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM")


def _check_env(name: str, value: str | None, ctx: _Ctx) -> None:
    if name not in CONFIG_ENV or (name.endswith(("GLOBAL", "SYSTEM")) and value == os.devnull):
        return
    ctx.hit(
        "bypass",
        f"setting {name} feeds git configuration through the environment, which can point "
        "git at other hooks than the guard's",
    )


KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "time", "fi", "done"}
)
UNFOLLOWED = frozenset({"for", "select", "case", "function", "esac"})


def _command(words: list[str], ctx: _Ctx) -> None:
    start = 0
    while start < len(words) and (pair := assignment(words[start])) is not None:
        _check_env(pair[0], pair[1], ctx)
        start += 1
    if start >= len(words):
        return
    name = os.path.basename(words[start])
    args = words[start + 1 :]
    if name in KEYWORDS:
        _command(args, ctx)
        return
    if name in UNFOLLOWED:
        return
    handler = COMMANDS.get(name) or _family(name)
    if handler is not None:
        handler(args, ctx)


def _family(name: str) -> Callable[[list[str], _Ctx], None] | None:
    if name.startswith(("python", "pypy")) and all(c.isdigit() or c == "." for c in name[6:]):
        return _python
    return None


# ---- option parsing shared by the commands below


class Spec:
    """Which options of a command take a value: short ones (`-m msg`, `-mmsg`),
    short ones whose value can only be attached (`-S<key>`), long ones (`--file F`)."""

    __slots__ = ("long", "optional", "short")

    def __init__(self, short: str = "", optional: str = "", long: tuple[str, ...] = ()) -> None:
        self.short = short
        self.optional = optional
        self.long = frozenset(long)


class Parsed:
    __slots__ = ("dashdash", "flags", "positionals", "values")

    def __init__(self) -> None:
        self.flags: list[str] = []  # every option seen: "-n", "--force-with-lease"
        self.values: dict[str, list[str]] = {}
        self.positionals: list[str] = []
        self.dashdash: int | None = None  # how many positionals came before `--`

    def value(self, *names: str) -> str | None:
        for name in names:
            if name in self.values:
                return self.values[name][-1]
        return None

    def has(self, *names: str) -> bool:
        return any(name in self.flags for name in names)


def options(args: list[str], spec: Spec, permute: bool = True) -> Parsed:
    """Split arguments as getopt_long and git's parse-options do; `permute` False stops
    at the first positional (bash, env, sudo: the rest belongs to the command)."""
    parsed = Parsed()
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--":
            parsed.dashdash = len(parsed.positionals)
            parsed.positionals.extend(args[at:])
            break
        if arg.startswith("--"):
            at = _long_option(arg, args, at, spec, parsed)
        elif arg.startswith("-") and len(arg) > 1:
            at = _short_options(arg, args, at, spec, parsed)
        else:
            parsed.positionals.append(arg)
            if not permute:
                parsed.positionals.extend(args[at:])
                break
    return parsed


def _long_option(arg: str, args: list[str], at: int, spec: Spec, parsed: Parsed) -> int:
    name, eq, value = arg.partition("=")
    parsed.flags.append(name)
    if eq:
        parsed.values.setdefault(name, []).append(value)
    elif name in spec.long and at < len(args):
        parsed.values.setdefault(name, []).append(args[at])
        return at + 1
    return at


def _short_options(arg: str, args: list[str], at: int, spec: Spec, parsed: Parsed) -> int:
    for index, char in enumerate(arg[1:], 2):
        flag = "-" + char
        parsed.flags.append(flag)
        rest = arg[index:]
        if char in spec.short:
            if not rest and at < len(args):
                rest, at = args[at], at + 1
            parsed.values.setdefault(flag, []).append(rest)
            return at
        if char in spec.optional:
            if rest:
                parsed.values.setdefault(flag, []).append(rest)
            return at
    return at


# ---- commands that change directory, the environment, or run other commands


def _cd(args: list[str], ctx: _Ctx) -> None:
    target = next((a for a in args if a == "-" or not a.startswith("-")), None)
    ctx.cwd = join_dir(ctx.cwd, target)


def _popd(args: list[str], ctx: _Ctx) -> None:
    ctx.cwd = None


def _export(args: list[str], ctx: _Ctx) -> None:
    for arg in args:
        if not arg.startswith(("-", "+")):
            name, eq, value = arg.partition("=")
            _check_env(name, value if eq else None, ctx)


ENV_SPEC = Spec("uCS", "", ("--unset", "--chdir", "--split-string"))


def _env(args: list[str], ctx: _Ctx) -> None:
    parsed = options(args, ENV_SPEC, permute=False)
    inner = ctx.fork()
    chdir = parsed.value("-C", "--chdir")
    if chdir is not None:
        inner.cwd = join_dir(ctx.cwd, chdir)
    split = parsed.value("-S", "--split-string")
    words = [*(split.split() if split else []), *parsed.positionals]
    _command(words, inner)


# name -> (short options with values, long options with values, leading positionals to skip)
WRAPPERS: dict[str, tuple[str, tuple[str, ...], int]] = {
    "sudo": ("ugCDhprtTU", ("--user", "--group", "--chdir", "--prompt", "--role", "--type"), 0),
    "doas": ("uC", (), 0),
    "nohup": ("", (), 0),
    "command": ("", (), 0),
    "builtin": ("", (), 0),
    "exec": ("a", (), 0),
    "nice": ("n", ("--adjustment",), 0),
    "timeout": ("sk", ("--signal", "--kill-after"), 1),
    "stdbuf": ("ioe", ("--input", "--output", "--error"), 0),
    "setsid": ("", (), 0),
    "xargs": (
        "aEdILnPs",
        ("--arg-file", "--delimiter", "--max-lines", "--max-args", "--max-procs", "--max-chars"),
        0,
    ),
}


def _wrapper(name: str) -> Callable[[list[str], _Ctx], None]:
    short, long, skip = WRAPPERS[name]
    spec = Spec(short, "", long)

    def run(args: list[str], ctx: _Ctx) -> None:
        parsed = options(args, spec, permute=False)
        if name == "command" and parsed.has("-v", "-V"):
            return  # only looks the command up
        inner = ctx.fork()
        chdir = parsed.value("-D", "--chdir") if name == "sudo" else None
        if chdir is not None:
            inner.cwd = join_dir(ctx.cwd, chdir)
        _command(parsed.positionals[skip:], inner)

    return run


SHELL_SPEC = Spec("oO", "", ("--rcfile", "--init-file"))


def _shell(args: list[str], ctx: _Ctx) -> None:
    while args and args[0].startswith("+"):  # bash's +o OPTION, +x
        args = args[2:] if args[0] == "+o" else args[1:]
    parsed = options(args, SHELL_SPEC, permute=False)
    commands = any(f.startswith("-") and not f.startswith("--") and "c" in f for f in parsed.flags)
    if commands:
        ctx.nested(parsed.positionals[0] if parsed.positionals else "")
    elif ctx.doc is not None and (not parsed.positionals or parsed.has("-s")):
        ctx.nested(ctx.doc)  # `bash <<EOF`: the here-document is the script


def _eval(args: list[str], ctx: _Ctx) -> None:
    ctx.nested(" ".join(args))


def _find(args: list[str], ctx: _Ctx) -> None:
    at = 0
    while at < len(args):
        if args[at] in ("-exec", "-execdir", "-ok", "-okdir"):
            end = at + 1
            while end < len(args) and args[end] not in (";", "+"):
                end += 1
            _command(args[at + 1 : end], ctx.fork())
            at = end
        at += 1


def _python(args: list[str], ctx: _Ctx) -> None:
    """`python -m guard ...` is the guard; `python -c CODE` cannot be seen into."""
    at = 0
    while at < len(args):
        arg = args[at]
        if arg in ("-W", "-X"):
            at += 2
            continue
        if not arg.startswith("-") or arg.startswith("--") or "c" in arg:
            return  # a script, a long option, or `-c CODE`
        if "m" in arg:
            module = arg[arg.index("m") + 1 :]
            rest = args[at + 1 :]
            if not module and rest:
                module, rest = rest[0], rest[1:]
            if module == "guard":
                _guard(rest, ctx)
            return
        at += 1


def _guard(args: list[str], ctx: _Ctx) -> None:
    words = [a for a in args if not a.startswith("-")]
    if words[:1] == ["uninstall"]:
        ctx.hit("bypass", "`guard uninstall` removes the guard's hooks")
    elif words[:2] == ["session", "stop"]:
        ctx.hit(
            "bypass",
            "`guard session stop` ends the session: only the person who started it may end it",
        )


# ---- commands that write, move or delete files


def _targets(kind: str, what: str, spec: Spec) -> Callable[[list[str], _Ctx], None]:
    def run(args: list[str], ctx: _Ctx) -> None:
        for path in options(args, spec).positionals:
            ctx.hit(kind, what, path)

    return run


def _names(sources: list[str]) -> tuple[str, ...]:
    return tuple(os.path.basename(s.rstrip("/")) or s for s in sources)


COPY_SPEC = Spec("tSmog", "", ("--target-directory", "--suffix", "--mode", "--owner", "--group"))


def _copy_like(what: str, args: list[str], ctx: _Ctx, link: bool = False) -> list[str]:
    """cp, mv, install, ln: hit the destination; return the sources."""
    parsed = options(args, COPY_SPEC)
    positionals = parsed.positionals
    directory = parsed.value("-t", "--target-directory")
    if directory is not None:
        sources, dest, into = positionals, directory, True
    elif link and len(positionals) == 1:
        sources, dest, into = positionals, ".", True  # `ln -s TARGET`: a link here
    elif len(positionals) >= 2:
        sources, dest, into = positionals[:-1], positionals[-1], len(positionals) > 2
    else:
        return []
    if parsed.has("-T", "--no-target-directory"):
        ctx.hit("write", what, dest)
    else:
        ctx.hit("write", what, dest, _names(sources), into)
    return sources


def _cp(args: list[str], ctx: _Ctx) -> None:
    _copy_like("cp", args, ctx)


def _ln(args: list[str], ctx: _Ctx) -> None:
    _copy_like("ln", args, ctx, link=True)


def _install(args: list[str], ctx: _Ctx) -> None:
    parsed = options(args, COPY_SPEC)
    if parsed.has("-d", "--directory"):
        for path in parsed.positionals:
            ctx.hit("meta", "install -d", path)
    else:
        _copy_like("install", args, ctx)


def _mv(args: list[str], ctx: _Ctx) -> None:
    for source in _copy_like("mv", args, ctx):
        ctx.hit("delete", "mv", source)


def _mode_change(what: str, kind: str) -> Callable[[list[str], _Ctx], None]:
    """chmod MODE FILE..., chown OWNER FILE... (no MODE with --reference)."""

    def run(args: list[str], ctx: _Ctx) -> None:
        words = [a for a in args if not a.startswith("--") and not _mode_flags(a)]
        reference = any(a.startswith("--reference") for a in args)
        for path in words if reference else words[1:]:
            ctx.hit(kind, what, path)

    return run


def _mode_flags(arg: str) -> bool:
    """`-R`, `-Rv`: options of chmod and chown (a mode such as `-x` is not one)."""
    return len(arg) > 1 and arg[0] == "-" and all(c in "RcfvhHLP" for c in arg[1:])


def _sed(args: list[str], ctx: _Ctx) -> None:
    in_place, script_given, positionals = False, False, []
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--":
            positionals.extend(args[at:])
            break
        if arg.startswith("--"):
            name, eq, _ = arg.partition("=")
            in_place = in_place or name == "--in-place"
            script_given = script_given or name in ("--expression", "--file")
            at += not eq and name in ("--expression", "--file", "--line-length")
        elif arg.startswith("-") and len(arg) > 1:
            place, script, takes_next = _sed_bundle(arg[1:])
            in_place, script_given = in_place or place, script_given or script
            at += takes_next or (arg == "-i" and at < len(args) and args[at] == "")  # BSD -i ''
        else:
            positionals.append(arg)
    if in_place:
        for path in positionals if script_given else positionals[1:]:
            ctx.hit("write", "sed -i", path)


def _sed_bundle(letters: str) -> tuple[bool, bool, bool]:
    """(in place, script given, the next argument is this option's value)."""
    for index, char in enumerate(letters):
        if char == "i":
            return True, False, False  # the rest is a backup suffix
        if char in "efl":
            return False, char != "l", index == len(letters) - 1
    return False, False, False


def _perl(args: list[str], ctx: _Ctx) -> None:
    in_place, script_given, positionals = False, False, []
    at = 0
    while at < len(args):
        arg = args[at]
        at += 1
        if arg == "--" or not arg.startswith("-") or len(arg) == 1:
            positionals.extend(args[at - (arg != "--") :])
            break
        for index, char in enumerate(arg[1:], 2):
            if char == "i":
                in_place = True
                break
            if char in "eE":
                script_given = True
                at += index == len(arg)
                break
            if char in "MmIFxlC0dD":
                break
    if in_place:
        for path in positionals if script_given else positionals[1:]:
            ctx.hit("write", "perl -i", path)


def _dd(args: list[str], ctx: _Ctx) -> None:
    for arg in args:
        if arg.startswith("of="):
            ctx.hit("write", "dd of=", arg[3:])


def _download(letter: str, long: str) -> Callable[[list[str], _Ctx], None]:
    """curl -o FILE, wget -O FILE."""

    def run(args: list[str], ctx: _Ctx) -> None:
        for at, arg in enumerate(args):
            value = None
            if arg.startswith(long + "="):
                value = arg.partition("=")[2]
            elif arg == long or (arg[:1] == "-" and arg[1:2] != "-" and arg.endswith(letter)):
                value = args[at + 1] if at + 1 < len(args) else None
            elif arg.startswith("-" + letter) and len(arg) > 2:
                value = arg[2:]
            if value and value != "-":
                ctx.hit("write", f"{long} (download)", value)

    return run


def _apply_patch(args: list[str], ctx: _Ctx) -> None:
    text = ctx.doc if ctx.doc is not None else (args[0] if args else "")
    for operation, path in patch_targets(text):
        ctx.hit(operation, "apply_patch", path)


# ---- git


GIT_VALUE_GLOBALS = frozenset(
    {"--git-dir", "--work-tree", "--namespace", "--super-prefix", "--list-cmds", "--attr-source"}
)


def _git(args: list[str], ctx: _Ctx) -> None:
    scope = ctx.fork()
    git_dir = ""
    at = 0
    while at < len(args) and args[at].startswith("-"):
        arg = args[at]
        value = args[at + 1] if at + 1 < len(args) else ""
        name, eq, attached = arg.partition("=")
        if arg == "-C":
            scope.cwd = join_dir(scope.cwd, value)
        elif arg == "-c" or arg == "--config-env":
            _git_config_entry(value, scope, arg)
        elif name == "--config-env" and eq:
            _git_config_entry(attached, scope, name)
        elif name == "--git-dir":
            git_dir = attached if eq else value
        at += 2 if arg in ("-C", "-c", "--config-env") or (arg in GIT_VALUE_GLOBALS) else 1
    if at < len(args):
        handler = GIT_COMMANDS.get(args[at])
        if handler is not None:
            handler(args[at + 1 :], scope, git_dir)


HOOKS_KEY = "core.hookspath"


def _config_key_danger(key: str) -> str | None:
    key = key.strip().lower()
    if key == HOOKS_KEY:
        return "makes git run other hooks than the guard's"
    if key == "include.path" or (key.startswith("includeif.") and key.endswith(".path")):
        return "pulls in a configuration file, which can point git at other hooks"
    return None


def _git_config_entry(entry: str, scope: _Ctx, option: str) -> None:
    key = entry.partition("=")[0]
    danger = _config_key_danger(key)
    if danger is not None:
        scope.hit("bypass", f"`git {option} {key}=...` {danger}")


def _no_verify(parsed: Parsed) -> bool:
    # parse-options accepts unambiguous prefixes; an ambiguous one makes git fail anyway
    return any(len(f) >= 6 and "--no-verify".startswith(f) for f in parsed.flags)


COMMIT_SPEC = Spec(
    "CcFmt",
    "uS",
    (
        "--message", "--file", "--template", "--author", "--date", "--reuse-message",
        "--reedit-message", "--fixup", "--squash", "--cleanup", "--trailer",
        "--pathspec-from-file",
    ),
)  # fmt: skip
MERGE_SPEC = Spec(
    "mFsX", "S", ("--message", "--file", "--strategy", "--strategy-option", "--into-name")
)
PUSH_SPEC = Spec("o", "", ("--repo", "--receive-pack", "--exec", "--push-option"))


def _git_commit(args: list[str], scope: _Ctx, git_dir: str) -> None:
    parsed = options(args, COMMIT_SPEC)
    if parsed.has("-n") or _no_verify(parsed):
        scope.hit("bypass", "`git commit --no-verify` skips the guard's pre-commit hook", git_dir)


def _git_merge(args: list[str], scope: _Ctx, git_dir: str) -> None:
    if _no_verify(options(args, MERGE_SPEC)):  # here -n means --no-stat
        scope.hit("bypass", "`git merge --no-verify` skips the guard's commit hooks", git_dir)


def _git_push(args: list[str], scope: _Ctx, git_dir: str) -> None:
    parsed = options(args, PUSH_SPEC)  # here -n means --dry-run
    if _no_verify(parsed):
        scope.hit("bypass", "`git push --no-verify` skips the guard's pre-push hook", git_dir)
    forced = parsed.has("-f", "--force", "--mirror", "--force-if-includes") or any(
        f.startswith("--force-with-lease") for f in parsed.flags
    )
    if forced or any(p.startswith("+") for p in parsed.positionals):
        scope.hit("bypass", "a force push rewrites the remote's history", git_dir)


def _git_update_ref(args: list[str], scope: _Ctx, git_dir: str) -> None:
    scope.hit(
        "bypass",
        "`git update-ref` moves a ref directly, past the checks commits and merges get",
        git_dir,
    )


def _git_reflog(args: list[str], scope: _Ctx, git_dir: str) -> None:
    if args[:1] in (["expire"], ["delete"]):
        scope.hit("bypass", f"`git reflog {args[0]}` erases history the audit reads", git_dir)


def _git_reset(args: list[str], scope: _Ctx, git_dir: str) -> None:
    parsed = options(args, Spec("", "", ("--pathspec-from-file",)))
    revs = parsed.positionals if parsed.dashdash is None else parsed.positionals[: parsed.dashdash]
    if len(revs) != 1 or len(parsed.positionals) != 1 or revs[0] in ("HEAD", "@"):
        return  # no commit named, or a reset of paths in the index
    hard = parsed.has("--hard", "--keep", "--merge")
    what = "git reset --hard" if hard else "git reset"
    scope.hit("reset-hard" if hard else "reset", what, revs[0])


CHECKOUT_SPEC = Spec("bB", "", ("--orphan", "--conflict", "--pathspec-from-file"))
SWITCH_SPEC = Spec("cC", "", ("--orphan", "--conflict", "--create", "--force-create"))


def _git_checkout(args: list[str], scope: _Ctx, git_dir: str) -> None:
    parsed = options(args, CHECKOUT_SPEC)
    if parsed.dashdash is not None or not parsed.positionals:
        return  # restores paths: HEAD stays
    starts = parsed.value("-b", "-B", "--orphan") is not None or parsed.has("-d", "--detach")
    if starts or len(parsed.positionals) == 1:
        scope.hit("checkout", "git checkout", parsed.positionals[0])


def _git_switch(args: list[str], scope: _Ctx, git_dir: str) -> None:
    parsed = options(args, SWITCH_SPEC)
    if parsed.positionals:
        scope.hit("checkout", "git switch", parsed.positionals[0])


CONFIG_SPEC = Spec("f", "", ("--file", "--blob", "--type", "--default", "--comment", "--value"))
CONFIG_READS = frozenset(
    {"--get", "--get-all", "--get-regexp", "--get-urlmatch", "--list", "-l", "--get-color"}
)
CONFIG_VERBS = frozenset(
    {"set", "unset", "get", "list", "edit", "rename-section", "remove-section"}
)


def _config_verb(parsed: Parsed) -> tuple[str, list[str]]:
    words = parsed.positionals
    if words and words[0] in CONFIG_VERBS:  # git 2.46's `git config set KEY VALUE`
        return words[0], words[1:]
    for flag in ("--unset", "--unset-all", "--rename-section", "--remove-section"):
        if parsed.has(flag):
            return flag.lstrip("-").replace("-all", ""), words
    if parsed.has(*CONFIG_READS):
        return "get", words
    setting = len(words) >= 2 or parsed.has("--add", "--replace-all")
    return ("set" if setting else "get"), words


def _git_config(args: list[str], scope: _Ctx, git_dir: str) -> None:
    verb, words = _config_verb(options(args, CONFIG_SPEC))
    if not words:
        return
    if verb in ("set", "unset"):
        danger = _config_key_danger(words[0])
        if danger is not None:
            scope.hit("bypass", f"`git config {words[0]}` {danger}", git_dir)
    elif verb in ("rename-section", "remove-section") and words[0].lower() == "core":
        scope.hit("bypass", f"`git config --{verb} core` drops core.hooksPath", git_dir)


def _git_rm(args: list[str], scope: _Ctx, git_dir: str) -> None:
    parsed = options(args, Spec("", "", ("--pathspec-from-file",)))
    if not parsed.has("--cached"):
        for path in parsed.positionals:
            scope.hit("delete", "git rm", path)


def _git_mv(args: list[str], scope: _Ctx, git_dir: str) -> None:
    positionals = options(args, Spec()).positionals
    if len(positionals) >= 2:
        for source in positionals[:-1]:
            scope.hit("delete", "git mv", source)
        scope.hit(
            "write", "git mv", positionals[-1], _names(positionals[:-1]), len(positionals) > 2
        )


GIT_COMMANDS: dict[str, Callable[[list[str], _Ctx, str], None]] = {
    "commit": _git_commit,
    "merge": _git_merge,
    "pull": _git_merge,
    "push": _git_push,
    "update-ref": _git_update_ref,
    "reflog": _git_reflog,
    "reset": _git_reset,
    "checkout": _git_checkout,
    "switch": _git_switch,
    "config": _git_config,
    "rm": _git_rm,
    "mv": _git_mv,
}

COMMANDS: dict[str, Callable[[list[str], _Ctx], None]] = {
    "cd": _cd,
    "pushd": _cd,
    "popd": _popd,
    "export": _export,
    "declare": _export,
    "typeset": _export,
    "readonly": _export,
    "local": _export,
    "env": _env,
    **{name: _wrapper(name) for name in WRAPPERS},
    **{name: _shell for name in ("bash", "sh", "zsh", "dash", "ksh", "mksh", "ash")},
    "eval": _eval,
    "find": _find,
    "git": _git,
    "guard": _guard,
    "rm": _targets("delete", "rm", Spec()),
    "rmdir": _targets("delete", "rmdir", Spec()),
    "unlink": _targets("delete", "unlink", Spec()),
    "shred": _targets("write", "shred", Spec("ns", "", ("--iterations", "--size"))),
    "touch": _targets("write", "touch", Spec("dtr", "", ("--date", "--reference"))),
    "truncate": _targets("write", "truncate", Spec("sr", "", ("--size", "--reference"))),
    "tee": _targets("write", "tee", Spec()),
    "mkdir": _targets("meta", "mkdir", Spec("m", "", ("--mode",))),
    "cp": _cp,
    "mv": _mv,
    "install": _install,
    "ln": _ln,
    "chmod": _mode_change("chmod", "write"),  # git records the executable bit
    "chown": _mode_change("chown", "meta"),
    "chgrp": _mode_change("chgrp", "meta"),
    "sed": _sed,
    "perl": _perl,
    "dd": _dd,
    "curl": _download("o", "--output"),
    "wget": _download("O", "--output-document"),
    **{name: _apply_patch for name in PATCH_NAMES},
}


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
        if git_dir and not opaque(git_dir):
            return _within(os.path.realpath(os.path.join(cwd, git_dir)), self.common)
        found = self.locate(existing_dir(os.path.realpath(cwd)))
        return found is not None and found[2] == self.common

    def _hit_rows(self, hit: Hit) -> list[Row]:
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
