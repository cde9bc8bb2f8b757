"""Shell text to commands: the scanner that readies it for shlex, the tokens, the parser.

The scanner reads the text as bash does (quotes, `$'...'` with its C escapes, `$"..."`,
escapes, comments, line continuations, here-documents, `$( )`, backticks and `<( )`)
and hides quoted operator characters, so that shlex's tokens split at real operators
only; the parser turns the tokens into simple commands and `( )` groups, the
commands of `case` arms included. Pure: no files, no environment.
"""

from __future__ import annotations

import os

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


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
MAX_DEPTH = 8  # nested shells, evals and substitutions followed
MAX_GROUPS = 64  # nested `( )` subshells and case commands parsed


C_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r",
    "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"', "?": "?",
}  # fmt: skip
HEX = "0123456789abcdefABCDEF"


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
        # here-documents awaiting their body: (delimiter, strip tabs, body expanded)
        self.pending: list[tuple[str, bool, bool]] = []
        self.depth = 0
        self.word_start = True

    def add(self, char: str) -> None:
        self.chars.append(char)
        self.word_start = char in " \t\r\n;&|()<>"

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

    def __init__(self, text: str, level: int = 0) -> None:
        self.s = text
        self.i = 0
        self.n = len(text)
        self.level = level  # substitutions open around the current position
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
        """The text up to `closing` (the end of a substitution), or to the end."""
        if not closing:
            return self._script(closing)
        self.level += 1
        if self.level > MAX_DEPTH:  # refused before recursing any deeper
            raise ShellSyntax(f"commands nest more than {MAX_DEPTH} levels deep")
        script = self._script(closing)
        self.level -= 1
        return script

    def _script(self, closing: str) -> Script:
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
        for delimiter, strip_tabs, expanded in out.pending:
            body = self._body(delimiter, strip_tabs)
            out.bodies.append(body)
            if expanded:
                out.subs.extend(_body_subs(body, self.level))
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
        following = self.peek()
        if following == '"':  # $"...": a translated string, read as a double-quoted one
            self.i += 1
            return True
        if following == "'":  # $'...': C escapes decoded; the value is one plain word
            self.i += 2
            for char in self._ansi_c():
                out.raw(_hide(char) if char in OPS else "\\" + char)
            return True
        if following != "(":
            return False
        self.i += 2
        out.sub(self.script(")"))
        return True

    def _ansi_c(self) -> str:
        """The value of a `$'...'` string, its opening quote read already."""
        value: list[str] = []
        while self.i < self.n:
            char = self.s[self.i]
            self.i += 1
            if char == "'":
                return "".join(value)
            if char == "\\" and self.i < self.n:
                value.append(self._c_escape())
            else:
                value.append(char)
        raise ShellSyntax("a $' quote is not closed")

    def _c_escape(self) -> str:
        """One backslash escape of a `$'...'` string, as bash decodes it."""
        char = self.s[self.i]
        self.i += 1
        if char in C_ESCAPES:
            return C_ESCAPES[char]
        if char == "c" and self.i < self.n:  # \cX: the control character
            self.i += 1
            return chr(ord(self.s[self.i - 1]) & 0x1F)
        digits, base, most = {"x": (HEX, 16, 2), "u": (HEX, 16, 4), "U": (HEX, 16, 8)}.get(
            char, ("01234567", 8, 3)
        )
        start = self.i - (base == 8)
        end = start
        while end < self.n and end - start < most and self.s[end] in digits:
            end += 1
        if end == start:
            return "\\" + char  # not an escape bash knows: kept as written
        self.i = end
        code = int(self.s[start:end], base)
        return chr(code) if code < 0x110000 else "\ufffd"

    def _backtick(self, out: _Out) -> bool:
        self.i += 1
        out.sub(self.script("`"))
        return True

    def _angle(self, out: _Out) -> bool:
        if self.peek() == "(":  # process substitution: <(cmd) or >(cmd)
            self.i += 2
            out.sub(self.script(")"))
            return True
        if self.s.startswith("<<<", self.i):  # a here-string: the next word is read as usual
            for _ in range(3):
                out.add("<")
            self.i += 3
            return True
        if self.s.startswith("<<", self.i):
            self._heredoc(out)
            return True
        return False

    def _heredoc(self, out: _Out) -> None:
        self.i += 2
        strip_tabs = self.peek(0) == "-"
        self.i += strip_tabs
        while self.peek(0) in (" ", "\t"):
            self.i += 1
        start = self.i
        delimiter = self._delimiter()
        expanded = not any(c in "'\"\\" for c in self.s[start : self.i])
        if not delimiter:
            raise ShellSyntax("a here-document (`<<`) has no delimiter word")
        out.add("<")
        out.add("<")
        out.raw(" " + "".join(_hide(c) for c in delimiter) + " ")
        out.pending.append((delimiter, strip_tabs, expanded))

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


def _body_subs(body: str, level: int) -> list[Script]:
    """The `$( )` and backtick substitutions bash runs in an unquoted here-document's
    body (a backslash keeps `$`, a backtick or itself literal there; quotes are text)."""
    scanner = _Scanner(body, level)
    subs = []
    while scanner.i < scanner.n:
        char = body[scanner.i]
        if char == "\\":
            scanner.i += 2
        elif char == "$" and scanner.peek() == "(":
            scanner.i += 2
            subs.append(scanner.script(")"))
        elif char == "`":
            scanner.i += 1
            subs.append(scanner.script("`"))
        else:
            scanner.i += 1
    return subs


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

    __slots__ = ("doc", "fed", "piped", "redirects", "words")

    def __init__(self) -> None:
        self.words: list[str] = []
        self.redirects: list[tuple[str, str]] = []
        self.doc: str | None = None
        self.piped = False  # its input is the output of the command before a `|`
        self.fed: Simple | Group | None = None  # that command


class Group:
    """A `( ... )` subshell."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: list[Simple | Group]) -> None:
        self.nodes = nodes


# Reserved words after which a command still begins (`then case ...`, `{ case ...`).
LEADING = frozenset({"if", "then", "else", "elif", "do", "while", "until", "!", "{", "time"})


def _leading(current: Simple) -> bool:
    """Whether the next word is where a command begins."""
    return all(word in LEADING for word in current.words)


class _Parser:
    def __init__(self, items: list[tuple[bool, str]], bodies: list[str]) -> None:
        self.items = items
        self.at = 0
        self.bodies: Iterator[str] = iter(bodies)
        self.level = 0  # subshells and case commands open

    def nodes(self, nested: bool = False, arm: bool = False) -> list[Simple | Group]:
        """Commands up to the end, or to the `)` closing a subshell (`nested`), or to the
        end of a case arm (`arm`: `;;`, `;&`, `;;&` or the `esac`)."""
        self.level += 1
        if self.level > MAX_GROUPS:  # refused before recursing any deeper
            raise ShellSyntax(f"subshells and case commands nest more than {MAX_GROUPS} deep")
        nodes = self._nodes(nested, arm)
        self.level -= 1
        return nodes

    def _nodes(self, nested: bool, arm: bool) -> list[Simple | Group]:
        nodes: list[Simple | Group] = []
        current = Simple()
        while self.at < len(self.items):
            is_op, text = self.items[self.at]
            self.at += 1
            if not is_op and text in ("case", "esac") and _leading(current):
                current = self._flush(nodes, current)
                if self._case_word(text, nodes, arm):
                    break
            elif not is_op:
                current.words.append(text)
            elif arm and (text == ";;" or (text == ";" and self._next_is("&"))):
                self.at += text == ";"
                break
            elif text == ")":
                if nested:
                    break
            elif text == "(":
                current = self._flush(nodes, current)
                nodes.append(Group(self.nodes(nested=True)))
            elif text in SEPARATORS:
                current = self._flush(nodes, current, piped=text in ("|", "|&"))
            else:
                self._redirect(current, text)
        self._flush(nodes, current)
        return nodes

    def _case_word(self, text: str, nodes: list[Simple | Group], arm: bool) -> bool:
        """`case` starts a case command; `esac` ends the arm (True: stop there)."""
        if text == "case":
            self._case(nodes)
        elif arm:
            self.at -= 1  # the `esac`, left for `_case`
            return True
        return False

    def _next_is(self, op: str) -> bool:
        return self.at < len(self.items) and self.items[self.at] == (True, op)

    def _case(self, nodes: list[Simple | Group]) -> None:
        """`case WORD in PATTERN) COMMANDS;; ... esac`: the commands of every arm."""
        while self.at < len(self.items) and self.items[self.at] != (False, "in"):
            self.at += 1
        self.at += 1
        while self.at < len(self.items):
            is_op, text = self.items[self.at]
            self.at += 1
            if is_op and text in ("\n", ";", "&"):
                continue  # between arms, and the `&` of `;;&`
            if (is_op, text) == (False, "esac"):
                return
            while self.at < len(self.items) and self.items[self.at - 1] != (True, ")"):
                self.at += 1  # the patterns, up to their `)`
            nodes.extend(self.nodes(arm=True))

    @staticmethod
    def _flush(nodes: list[Simple | Group], current: Simple, piped: bool = False) -> Simple:
        """The next command, `current` kept if it has anything (`piped`: the next one
        reads its output)."""
        if current.words or current.redirects or current.doc is not None:
            nodes.append(current)
        following = Simple()
        if piped:
            following.piped, following.fed = True, nodes[-1] if nodes else None
        return following

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


# --------------------------------------------------------------------------- words


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
