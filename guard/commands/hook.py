"""`guard check --staged`, `guard hook ...` and `guard agent NAME`: the hook entry points.

The installed shims and the `guard` script take faster paths to the same judges
(guard/hooks/__main__.py, guard/entry.py); these are the click-parsed ones.
"""

from __future__ import annotations

import sys

from guard.location import repository_state


def check_staged() -> int:
    """Judge the staged changes against the active session (pre-commit's entry)."""
    from guard.hooks import run

    return run.pre_commit(repository_state())


def reference_transaction(phase: str) -> int:
    """Judge a ref update read from stdin: `prepared` blocks commits the session forbids."""
    from guard.hooks import run

    stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    return run.reference_transaction(repository_state(), phase, stdin)


def pre_push() -> int:
    """Refuse to push commits (git's refs on stdin) that break the active session."""
    from guard.hooks import run

    stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
    return run.pre_push(repository_state(), stdin)


def pre_receive() -> int:
    """A server's pre-receive: refuse pushes that break a recorded session or a rule."""
    from guard.hooks import server

    return server.pre_receive(sys.stdin.buffer.read().decode("utf-8", "surrogateescape"))


def update(ref: str, old: str, new: str) -> int:
    """A server's update hook: the same judgement for one ref."""
    from guard.hooks import server

    return server.update([ref, old, new])


def agent(name: str, on_stop: str | None = None) -> int:
    """An agent's pre-tool hook: its JSON on stdin; exit 0 allows, 2 blocks. With
    `on_stop`, its end-of-turn hook."""
    from guard.agent import hook

    return hook.main(name, on_stop=on_stop)
