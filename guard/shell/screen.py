"""What a shell command would do that a session may forbid: `screen`, its `Hit`s and the
dispatch of each command to its rule.

Followed here: `&&`, `||`, `;`, pipes, subshells and substitutions, here-documents
fed to a shell, `bash -c`, `eval`, `env`/`sudo`/`xargs`-style prefixes, `find
-exec`, `python -m guard`, `cd` and the environment (`GIT_CONFIG_*`, and `HOME` or
`XDG_CONFIG_HOME`, which move git's global configuration file). The rules of
commands that write files are in `files`, git's in `git`. Pure: reads no files.
"""

from __future__ import annotations

import os

from guard.shell import files, git
from guard.shell.options import Spec, options
from guard.shell.parse import (
    MAX_DEPTH,
    Group,
    Script,
    ShellSyntax,
    Simple,
    join_dir,
    opaque,
    parse,
    prepare,
)

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

WRITE_REDIRECTS = frozenset({">", ">>", ">|", "&>", "&>>", "<>", ">&"})


class Hit:
    """One thing a command would do that the session may forbid.

    kind: `bypass` (ends or sidesteps the guard; `word` may name a --git-dir),
    `write`/`delete`/`meta` (touches the path `word`; `meta` only matters for the
    git directory), or a move of HEAD or a branch to the commit `word`: `reset-hard`
    (an unknown commit is refused), `reset`, `checkout` (an existing branch is fine).
    `cwd` is where the command runs (None: unknown after a `cd $X`). `where` hits,
    one a command with the directory it runs in, only when `screen` is asked for them.
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


class Ctx:
    """Where the screening is: the directory (None once unknown), the hits so far, how
    deeply commands nest, and the here-document fed to the current command."""

    __slots__ = ("cwd", "depth", "doc", "feed", "hits")

    def __init__(self, cwd: str | None, hits: list[Hit], depth: int) -> None:
        self.cwd = cwd
        self.hits = hits
        self.depth = depth
        self.doc: str | None = None
        # the current command's standard input other than a here-document: (True, its
        # text) when the command line shows it, (False, what it is) when it does not
        self.feed: tuple[bool, str] | None = None

    def fork(self) -> Ctx:
        """A context for a subshell or a wrapped command: its `cd` stays inside."""
        inner = Ctx(self.cwd, self.hits, self.depth)
        inner.doc, inner.feed = self.doc, self.feed
        return inner

    def hit(
        self, kind: str, what: str, word: str = "", names: tuple[str, ...] = (), into: bool = False
    ) -> None:
        self.hits.append(Hit(kind, what, word, self.cwd, names, into))

    def nested(self, text: str) -> None:
        """Screen shell text run by this command (bash -c, eval, a here-document)."""
        if self.depth >= MAX_DEPTH:
            raise ShellSyntax(f"commands nest more than {MAX_DEPTH} levels deep")
        _screen(prepare(text), Ctx(self.cwd, self.hits, self.depth + 1))


def screen(command: str, cwd: str | None, *, where: bool = False) -> list[Hit]:
    """What a shell command would do that a session may forbid. Pure: reads no files.
    With `where`, also a `where` hit for each command run, in the directory it runs
    in (`cd`, `git -C`, `env -C` followed): which worktree a command acts on.

    Raises ShellSyntax for text bash would not run either (an unclosed quote)."""
    hits: list[Hit] = []
    _screen(prepare(command), Ctx(cwd, hits, 0))
    return hits if where else [hit for hit in hits if hit.kind != "where"]


def _screen(script: Script, ctx: Ctx) -> None:
    for sub in script.subs:
        if ctx.depth >= MAX_DEPTH:
            raise ShellSyntax(f"commands nest more than {MAX_DEPTH} levels deep")
        _screen(sub, Ctx(ctx.cwd, ctx.hits, ctx.depth + 1))
    _screen_nodes(parse(script), ctx)


def _screen_nodes(nodes: list[Simple | Group], ctx: Ctx) -> None:
    for node in nodes:
        if isinstance(node, Group):
            _screen_nodes(node.nodes, ctx.fork())  # a subshell's `cd` stays inside it
        else:
            _screen_simple(node, ctx)


def _screen_simple(command: Simple, ctx: Ctx) -> None:
    for op, target in command.redirects:
        if op in WRITE_REDIRECTS and not (op == ">&" and (target.isdigit() or target == "-")):
            ctx.hit("write", f"redirection {op}", target)
    ctx.doc = command.doc
    ctx.feed = _feed(command)
    _command(command.words, ctx)


def _feed(command: Simple) -> tuple[bool, str] | None:
    """What the command reads on its standard input, when not a here-document: a
    here-string's text, a file, or the output of the command piped into it."""
    feed = None
    for op, target in command.redirects:
        if op == "<<<":
            feed = (
                (True, target)
                if not opaque(target)
                else (False, "a here-string with a substitution")
            )
        elif op in ("<", "<&", "<>"):
            feed = (True, "") if target == os.devnull else (False, f"the file {target}")
    if feed is not None or command.doc is not None or not command.piped:
        return feed
    return _output(command.fed)


def _output(node: Simple | Group | None) -> tuple[bool, str]:
    """The text a piped command writes, when its words show it: a literal `echo`,
    `printf` without directives, or `cat` of a here-document or here-string."""
    if not isinstance(node, Simple) or not node.words:
        return False, "the output of another command"
    name, args = os.path.basename(node.words[0]), node.words[1:]
    if any(opaque(word) for word in args):
        return False, f"the output of {name}, which depends on the shell's variables"
    if name == "echo":
        escapes = False
        while args and args[0] in ("-n", "-e", "-E", "-ne", "-en"):
            escapes = escapes or "e" in args[0]
            args = args[1:]
        text = " ".join(args)
        return True, _unescape(text) if escapes else text
    if name == "printf" and args and "%" not in args[0]:
        return True, _unescape(args[0])
    if name == "cat" and not args and (node.doc is not None or node.redirects):
        fed = _feed(node)
        if node.doc is not None and fed is None:
            return True, node.doc
        if fed is not None:
            return fed
    return False, f"the output of {name}"


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


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
# Variables that say where git finds its global configuration file: setting them swaps it
# for another one (`HOME=/tmp/h git commit`), for this command or, exported, every later one.
CONFIG_HOME_ENV = ("HOME", "XDG_CONFIG_HOME")


def _check_env(name: str, value: str | None, ctx: Ctx) -> None:
    if name in CONFIG_HOME_ENV:
        ctx.hit(
            "bypass",
            f"setting {name} swaps the configuration file git reads for another, which can "
            "point git at other hooks than the guard's",
        )
        return
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
UNFOLLOWED = frozenset({"for", "select", "case", "esac"})


def _command(words: list[str], ctx: Ctx) -> None:
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
    if name == "function":  # `function f { BODY; }`: the body is screened as if run
        _command(args[1:], ctx)
        return
    ctx.hit("where", name)
    handler = COMMANDS.get(name) or _family(name)
    if handler is not None:
        handler(args, ctx)


def _family(name: str) -> Callable[[list[str], Ctx], None] | None:
    if name.startswith(("python", "pypy")) and all(c.isdigit() or c == "." for c in name[6:]):
        return _python
    return None


# ---- commands that change directory, the environment, or run other commands


def _cd(args: list[str], ctx: Ctx) -> None:
    target = next((a for a in args if a == "-" or not a.startswith("-")), None)
    ctx.cwd = join_dir(ctx.cwd, target)


def _popd(args: list[str], ctx: Ctx) -> None:
    ctx.cwd = None


def _export(args: list[str], ctx: Ctx) -> None:
    for arg in args:
        if not arg.startswith(("-", "+")):
            name, eq, value = arg.partition("=")
            _check_env(name, value if eq else None, ctx)


ENV_SPEC = Spec("uCS", "", ("--unset", "--chdir", "--split-string"))


def _env(args: list[str], ctx: Ctx) -> None:
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


def _wrapper(name: str) -> Callable[[list[str], Ctx], None]:
    short, long, skip = WRAPPERS[name]
    spec = Spec(short, "", long)

    def run(args: list[str], ctx: Ctx) -> None:
        parsed = options(args, spec, permute=False)
        if name == "command" and parsed.has("-v", "-V"):
            return  # only looks the command up
        inner = ctx.fork()
        chdir = parsed.value("-D", "--chdir") if name == "sudo" else None
        if chdir is not None:
            inner.cwd = join_dir(ctx.cwd, chdir)
        _command(parsed.positionals[skip:], inner)

    return run


STDIN_SCRIPT = (
    "a shell runs commands read from its input, which the screening cannot see: run "
    "them as commands of their own so they are screened"
)
SHELL_SPEC = Spec("oO", "", ("--rcfile", "--init-file"))


def _shell(args: list[str], ctx: Ctx) -> None:
    while args and args[0].startswith("+"):  # bash's +o OPTION, +x
        args = args[2:] if args[0] == "+o" else args[1:]
    parsed = options(args, SHELL_SPEC, permute=False)
    commands = any(f.startswith("-") and not f.startswith("--") and "c" in f for f in parsed.flags)
    if commands:
        ctx.nested(parsed.positionals[0] if parsed.positionals else "")
    elif not parsed.positionals or parsed.has("-s"):  # the script is its input
        if ctx.doc is not None:
            ctx.nested(ctx.doc)  # `bash <<EOF`: the here-document is the script
        elif ctx.feed is not None and ctx.feed[0]:
            ctx.nested(ctx.feed[1])  # `echo '...' | sh`, `bash <<< '...'`
        elif ctx.feed is not None:
            ctx.hits.append(Hit("bypass", f"{STDIN_SCRIPT} ({ctx.feed[1]})"))  # anywhere


def _eval(args: list[str], ctx: Ctx) -> None:
    ctx.nested(" ".join(args))


def _find(args: list[str], ctx: Ctx) -> None:
    at = 0
    while at < len(args):
        if args[at] in ("-exec", "-execdir", "-ok", "-okdir"):
            end = at + 1
            while end < len(args) and args[end] not in (";", "+"):
                end += 1
            _command(args[at + 1 : end], ctx.fork())
            at = end
        at += 1


def _python(args: list[str], ctx: Ctx) -> None:
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


def _guard(args: list[str], ctx: Ctx) -> None:
    words = [a for a in args if not a.startswith("-")]
    if words[:1] == ["uninstall"]:
        ctx.hit("bypass", "`guard uninstall` removes the guard's hooks")
    elif words[:2] == ["session", "stop"]:
        ctx.hit(
            "bypass",
            "`guard session stop` ends the session: only the person who started it may end it",
        )


COMMANDS: dict[str, Callable[[list[str], Ctx], None]] = {
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
    "guard": _guard,
    **git.COMMANDS,
    **files.COMMANDS,
}
