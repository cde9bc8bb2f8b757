"""Where session-guard keeps its state, and the repository found without running git.

State lives in the repository's common git directory under `guard/`, so every
linked worktree sees it and nothing of it is ever committed. Every module that
names the state directory or one of its files takes the name from here:

    guard/                       a repository-wide session (session.json, journal...)
    guard/sessions/<id>/         every archived session, whatever its scope
    guard/main-worktree/         a session scoped to the main worktree
    guard/worktrees/<name>/      a session scoped to the linked worktree whose git
                                 directory is <common>/worktrees/<name> (git's name)

A scoped session's folder is keyed by the worktree's name in git's own layout, in
the common directory rather than the worktree's git directory, so that removing a
worktree never removes the record of its session, and every worktree (and the
audit from any of them) finds every session by listing one folder.

Imports only `os`: the hooks and the agent hook call this before they know whether
a session is active, and with none they must cost no more than a bare Python start.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: importing typing costs more than a no-session run
if TYPE_CHECKING:
    from collections.abc import Mapping

STATE_DIR = "guard"
SESSION = "session.json"  # the active session; with JOURNAL, what the shims test for
JOURNAL = "journal.jsonl"
HEAD = "journal.head"
LOCK = "lock"
ARCHIVE = "sessions"
INSTALLED = "installed.json"
MAIN_WORKTREE = "main-worktree"  # guard/main-worktree/: the main worktree's own session
WORKTREES = "worktrees"  # guard/worktrees/<name>/: a linked worktree's own session
# In a worktree's own git directory: a rollback whose commit landed and whose
# checkout may not have (see guard.rollback).
ROLLBACK_PENDING = "guard-rollback.json"
ROLLBACK_LOCK = "guard-rollback.lock"  # flock(2) target: one rollback at a time

# With these set, git may find another repository than the walk does: ask git.
GIT_ENV = ("GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE", "GIT_CEILING_DIRECTORIES")


def state_dir(common: str) -> str:
    """The state directory of the repository whose common git directory is `common`."""
    return os.path.join(common, STATE_DIR)


def repository_state() -> str:
    """The state directory of the repository around the current directory, as git
    finds it (GitError outside one)."""
    from guard import gitio

    return state_dir(gitio.common_dir())


def scoped_state(common: str, git_dir: str) -> str:
    """The state directory of a session scoped to the worktree whose own git directory
    is `git_dir` (the main worktree's is the common directory itself)."""
    if os.path.realpath(git_dir) == os.path.realpath(common):
        return os.path.join(common, STATE_DIR, MAIN_WORKTREE)
    return os.path.join(common, STATE_DIR, WORKTREES, os.path.basename(git_dir))


def scoped_states(state: str) -> list[str]:
    """Every scoped state directory under the repository state `state`, active or not."""
    found = [os.path.join(state, MAIN_WORKTREE)]
    try:
        names = sorted(os.listdir(os.path.join(state, WORKTREES)))
    except OSError:
        names = []
    found += [os.path.join(state, WORKTREES, name) for name in names]
    return [path for path in found if os.path.isdir(path)]


def active_states(state: str) -> list[str]:
    """The state directories of every active session of the repository whose state
    is `state`: the repository-wide one first, then each worktree's."""
    return [path for path in (state, *scoped_states(state)) if active(path)]


def repository_of(state: str) -> str:
    """The repository state directory (`<common>/guard`) holding `state`, which may be
    a scoped session's folder below it."""
    parent = os.path.dirname(state)
    if os.path.basename(state) == MAIN_WORKTREE:
        return parent
    if os.path.basename(parent) == WORKTREES:
        return os.path.dirname(parent)
    return state


def active(state: str) -> bool:
    """Whether anything of an active session is on disk (its file or its journal)."""
    return os.path.exists(os.path.join(state, SESSION)) or os.path.exists(
        os.path.join(state, JOURNAL)
    )


class Ambiguous(Exception):
    """The walk cannot answer as git would (an odd `.git` file, an environment override)."""


def find_git(start: str) -> tuple[str, str, str] | None:
    """(work tree root, git dir, common dir) of the repository holding `start`, or None.

    Walks up from `start` as git's discovery does: a `.git` directory that looks like
    a repository, or a `.git` file saying `gitdir: <path>` (linked worktrees,
    submodules), whose `commondir` file names the directory worktrees share. Raises
    Ambiguous where git would stop with an error.
    """
    current = os.path.abspath(start)
    while True:
        dot = os.path.join(current, ".git")
        if os.path.isdir(dot):
            found = _repository(current, dot)
            if found is not None:
                return found
            # git skips a `.git` directory that is not a repository and keeps looking
        elif os.path.isfile(dot):
            found = _repository(current, _read_gitfile(dot))
            if found is None:
                raise Ambiguous(f"{dot} points to {_read_gitfile(dot)}, not a git directory")
            return found
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _read_gitfile(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(4096)
    except (OSError, UnicodeDecodeError) as exc:
        raise Ambiguous(f"{path}: {exc}") from exc
    if not text.startswith("gitdir: "):
        raise Ambiguous(f"{path} is not a gitfile")
    target = text[len("gitdir: ") :].strip()
    return os.path.normpath(os.path.join(os.path.dirname(path), target))


def _repository(root: str, git_dir: str) -> tuple[str, str, str] | None:
    common = git_dir
    try:
        with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as handle:
            common = os.path.normpath(os.path.join(git_dir, handle.read().strip()))
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as exc:
        raise Ambiguous(f"{git_dir}/commondir: {exc}") from exc
    looks_right = os.path.isfile(os.path.join(git_dir, "HEAD")) and os.path.isdir(
        os.path.join(common, "objects")
    )
    if not looks_right:
        return None
    return os.path.realpath(root), os.path.realpath(git_dir), os.path.realpath(common)


def existing_dir(path: str) -> str:
    """`path` if it is a directory, else its nearest existing ancestor."""
    path = os.path.abspath(path)
    while not os.path.isdir(path):  # ends at the root, which exists
        path = os.path.dirname(path)
    return path


def git_dirs(start: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """(the worktree's own git directory, the common one) of the repository holding
    `start`: by the walk, or by asking git where the walk could disagree with it.
    None outside a repository."""
    start = existing_dir(start)
    try:
        if any(environ.get(name) for name in GIT_ENV):
            raise Ambiguous("git's environment overrides discovery")
        found = find_git(start)
        return None if found is None else (found[1], found[2])
    except (Ambiguous, OSError):
        from guard import gitio
        from guard.errors import GitError

        try:
            own = os.path.realpath(gitio.git_dir(cwd=start))
            return own, os.path.realpath(gitio.common_dir(cwd=start))
        except GitError:
            return None


def common_dir(start: str, environ: Mapping[str, str]) -> str | None:
    """The common git directory of the repository holding `start`, or None."""
    found = git_dirs(start, environ)
    return None if found is None else found[1]


def governing(common: str, git_dir: str) -> str | None:
    """The state directory of the active session that governs work in the worktree
    whose git directory is `git_dir`: its own scoped session, else a repository-wide
    one; None when neither is active (a few `stat` calls: the hooks' no-session path)."""
    scoped = scoped_state(common, git_dir)
    if active(scoped):
        return scoped
    state = state_dir(common)
    return state if active(state) else None


def active_state(starts: tuple[str | None, ...], environ: Mapping[str, str]) -> str | None:
    """The state directory of the active session governing the worktree holding the
    first of `starts` that lies in a repository with one (tried in order), else None."""
    seen = set()
    for start in starts:
        if not start or start in seen:
            continue
        seen.add(start)
        found = git_dirs(start, environ)
        if found is None:
            continue
        state = governing(found[1], found[0])
        if state is not None:
            return state
    return None
