"""An agent's `Call` judged against the active session: the paths it touches, resolved
and classified, the git directory and hooks kept off limits, and the hits of its
shell command. Reads files and asks git; writes nothing."""

from __future__ import annotations

import itertools
import os
import stat

from guard.classify import Classifier
from guard.judge import Judge as PathJudge
from guard.location import Ambiguous, existing_dir, find_git, repository_of
from guard.quoting import shown, visible
from guard.shell.parse import ShellSyntax, opaque
from guard.shell.screen import screen

# Not typing's TYPE_CHECKING (mypy treats any name TYPE_CHECKING as true): annotations
# import nothing at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator

    from guard.agent.payload import Call
    from guard.session import Session
    from guard.shell.screen import Hit

SHOWN = 50  # refused paths listed (of a directory, and in a journal entry)


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
        # allowed, denied, protected, outside, ignored, unknown, linked, config, elsewhere,
        # plan (a write while the agent is in plan mode)
        self.status = status
        self.via = via
        self.category = category
        self.rule = rule
        self.root = root  # the work tree holding the path

    @property
    def refused(self) -> bool:
        return self.status in (
            "denied",
            "protected",
            "unknown",
            "linked",
            "config",
            "elsewhere",
            "plan",
        )

    def line(self) -> str:
        name, via = shown(self.shown), visible(self.via)
        if self.status == "protected":
            return (
                f"{name} ({via}): inside the repository's git directory or hooks, "
                "which hold the guard's hooks and session state; off limits during a session"
            )
        if self.status == "config":
            return (
                f"{name} ({via}): a git configuration file, which decides what git runs "
                "(hooks included) and shows; off limits during a session"
            )
        if self.status == "linked":
            return (
                f"{name} ({via}): a file with more than one hard link shares its content "
                "with another path, possibly one the mode forbids; a write to it is refused "
                "during a session"
            )
        if self.status == "elsewhere":
            return (
                f"{name} ({via}): in the worktree {visible(self.root)}, not the one this "
                "session is scoped to; work only in the session's worktree"
            )
        if self.status == "plan":
            return (
                f"{name} ({via}): the agent is in plan mode, which changes nothing; "
                "put the plan in your reply"
            )
        if self.status == "unknown":
            return (
                f"{name} ({via}): cannot tell where it points, and it names the git "
                "directory, the hooks, the guard's state or a git configuration file"
            )
        rule = self.rule or "no rule matched: the policy default"
        return f"{name}: {self.category} ({rule}), by {via}"

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
PROTECTED_NAMES = (".git", "hooks", "guard", ".gitconfig", "gitconfig")


def _git_config_file(path: str) -> bool:
    """Whether git reads `path` as its global or system configuration: `~/.gitconfig`,
    `$XDG_CONFIG_HOME/git/config` (wherever it is), `/etc/gitconfig`, $GIT_CONFIG_GLOBAL.
    The repository's own `.git/config` is inside the protected git directory."""
    parent, name = os.path.split(path)
    if name == ".gitconfig" or path == "/etc/gitconfig":
        return True
    if name == "config" and os.path.basename(parent) == "git":
        return True
    named = os.environ.get("GIT_CONFIG_GLOBAL") or os.devnull  # /dev/null: no file at all
    return named != os.devnull and os.path.realpath(os.path.expanduser(named)) == path


class Judge:
    """Decides one call against the active session: reads files and asks git, writes nothing."""

    def __init__(self, session: Session, state: str) -> None:
        self.session = session
        self.common = os.path.realpath(os.path.dirname(repository_of(state)))
        # A session scoped to one worktree binds the agent to it: the call's directory,
        # every path it touches and every directory its commands run in.
        self.home = os.path.realpath(session.worktree) if session.worktree else None
        hooks = session.hooks.hooks_dir if session.hooks else os.path.join(self.common, "hooks")
        self.protected = (self.common, os.path.realpath(hooks))
        self.paths = PathJudge(Classifier(session.policy), session.allowed)
        self._found: dict[str, tuple[str, str, str] | None] = {}
        self.cwd = os.path.dirname(self.common)  # the call's directory, once deciding

    def decide(self, call: Call) -> Verdict:
        self.cwd = call.cwd
        escape = self._elsewhere(call.cwd)
        if escape is not None:
            return self._verdict([f"it runs in {escape}"], [])
        if call.kind == "mcp":
            return self.mcp(call.tool)
        if call.kind == "shell":
            verdict = self.shell(call.command or "", call.cwd)
        else:
            rows = [
                row
                for op, path in call.paths
                for row in self.judge_path(path, call.cwd, op, call.tool)
            ]
            verdict = self._verdict([], self._unignored(rows))
        return self._planned(verdict) if call.plan else verdict

    def mcp(self, tool: str) -> Verdict:
        """An MCP tool the guard cannot judge: the policy's `unknown_mcp_tools` decides."""
        if self.session.policy.unknown_mcp_tools == "refuse":
            problem = (
                f"{tool} is an MCP tool the guard cannot judge, and the policy refuses "
                "those during a session (unknown_mcp_tools: refuse)"
            )
            return Verdict(False, problem, [problem], [])
        reason = "an MCP tool the guard cannot judge (unknown_mcp_tools: allow)"
        return Verdict(True, reason, [], [])

    def _planned(self, verdict: Verdict) -> Verdict:
        """In plan mode every write into the repository is refused, even to a path the
        mode allows (Claude Code keeps its plans outside the repository)."""
        planned = [row for row in verdict.rows if row.status in ("allowed", "ignored")]
        if not planned:
            return verdict
        for row in planned:
            row.status = "plan"
        problems = verdict.problems + [row.line() for row in planned]
        return Verdict(False, "; ".join(problems), problems, verdict.rows)

    # ---- paths

    def locate(self, path: str) -> tuple[str, str, str] | None:
        """The repository holding `path` (an existing directory), cached."""
        if path not in self._found:
            try:
                self._found[path] = find_git(path)
            except (Ambiguous, OSError):
                self._found[path] = None
        return self._found[path]

    def _elsewhere(self, directory: str | None, what: str = "") -> str | None:
        """For a session scoped to a worktree: how `directory` lies in another
        worktree of the repository (None when it is the session's, or outside the
        repository); an unknown directory counts for a git or guard command."""
        if self.home is None:
            return None
        if directory is None:
            if what in ("git", "git -C", "guard"):
                return f"a directory only known when the shell runs (`{what}`)"
            return None
        found = self.locate(existing_dir(os.path.realpath(directory)))
        if found is None or found[2] != self.common or found[0] == self.home:
            return None
        return (
            f"the worktree {visible(found[0])}, not {visible(self.home)}, the one this "
            "session is scoped to; work only in the session's worktree"
        )

    def judge_path(self, given: str, base: str, kind: str, via: str) -> list[Row]:
        """Rows for one path an operation touches (a directory: its files too)."""
        unresolved = os.path.normpath(os.path.join(base, given))
        real = _resolve(unresolved, kind)
        if self._protected(real, kind):
            return [Row(self._shown(real, given), "protected", via)]
        if kind == "write" and (_git_config_file(real) or _git_config_file(unresolved)):
            return [Row(given, "config", via)]
        if kind == "write" and self._hard_linked(real):
            return [Row(given, "linked", via)]
        # a directory written as a whole (`git checkout REV .`) may be the root itself
        whole = kind == "write" and os.path.isdir(real)
        parent = real if whole or real == "/" else os.path.dirname(real)
        found = self.locate(existing_dir(parent))
        if found is None or found[2] != self.common:
            return [Row(real, "outside", via)]
        root = found[0]
        relative = os.path.relpath(real, root)
        if self.home is not None and root != self.home:
            return [Row(relative, "elsewhere", via, root=root)]
        if relative == ".git" or relative.startswith(".git/"):
            return [Row(relative, "protected", via)]
        if kind == "meta" or (kind == "delete" and not os.path.lexists(real)):
            # git tracks no directories or owners; deleting nothing changes nothing
            return [Row(relative, "allowed", via)]
        if os.path.isdir(real):
            return self._directory(real, relative, root, via)
        return [self._row(relative, root, via)]

    def _row(self, relative: str, root: str, via: str) -> Row:
        """One repository path against the policy and the session's mode, as the one
        judge of what a violation is decides."""
        category, rule = self.paths.category(relative)
        status = "allowed" if category in self.paths.allowed else "denied"
        return Row(relative, status, via, category, rule, root)

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

    def _hard_linked(self, real: str) -> bool:
        """An existing regular file with other names on the repository's file system:
        writing it writes them, wherever they are."""
        try:
            found = os.stat(real)
            ours = os.stat(self.common)
        except OSError:
            return False
        return stat.S_ISREG(found.st_mode) and found.st_nlink > 1 and found.st_dev == ours.st_dev

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
        from guard import gitrun

        for root, denied in by_root.items():
            paths = [row.shown for row in denied]
            # One path a line (-z needs --stdin); a quoted odd name just stays refused.
            args = ["-c", "core.quotePath=false", "check-ignore", "--", *paths]
            out = gitrun.attempt(args, cwd=root)
            ignored = set(os.fsdecode(out).split("\n")) if out else set()
            for row in denied:
                if row.shown in ignored:
                    row.status = "ignored"
        return rows

    # ---- shell

    def shell(self, command: str, cwd: str) -> Verdict:
        try:
            hits = screen(command, cwd, where=self.home is not None)
        except ShellSyntax as exc:
            return Verdict(False, f"unparsable command: {exc}", [f"cannot parse it: {exc}"], [])
        except RecursionError:  # `nohup nohup ...` thousands deep: a wrapper chain, unbounded
            why = "it nests too deeply to screen"
            return Verdict(False, f"unparsable command: {why}", [f"cannot parse it: {why}"], [])
        problems: list[str] = []
        rows: list[Row] = []
        for hit in hits:
            if hit.kind == "where":
                escape = self._elsewhere(hit.cwd, hit.what)
                if escape is not None and f"`{hit.what}` runs in {escape}" not in problems:
                    problems.append(f"`{hit.what}` runs in {escape}")
            elif hit.kind == "bypass":
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
        pairs = itertools.pairwise(parts)
        return any(part in PROTECTED_NAMES for part in parts) or ("git", "config") in pairs

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
