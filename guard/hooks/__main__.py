"""`python -m guard.hooks STATE HOOK [ARGS...]`: what the installed shims run.

Kept lean on purpose (no click, rich, YAML or pathspec): it starts only when a
session is active, and then on every commit. Any failure blocks: a guard that
cannot decide during a session fails closed.
"""

from __future__ import annotations

import sys

from guard.errors import EXIT_USAGE, boundary


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: python -m guard.hooks STATE_DIR HOOK [ARGS...]\n")
        return EXIT_USAGE
    return run_hook(argv[0], argv[1], argv[2:])


def run_hook(state: str, hook: str, args: list[str]) -> int:
    """Run one hook with the session state directory `state`."""
    # A path with non-UTF-8 bytes must reach the terminal as those bytes, so the
    # suggested `git restore` command works when pasted.
    sys.stderr.reconfigure(errors="surrogateescape")  # type: ignore[union-attr]
    return boundary(lambda: _run(state, hook, args), prefix="session-guard", where=f"{hook} hook")


def _run(state: str, hook: str, args: list[str]) -> int:
    if hook == "pre-commit":
        from guard.gitrun import STAGED, Pending

        # Started before the judge's modules load (the runner imports only the
        # standard library): git lists the index on the other core meanwhile,
        # instead of after them (read, or failing, in run.pre_commit).
        staged = Pending(STAGED)
        from guard.hooks import run

        return run.pre_commit(state, staged=staged)
    from guard.hooks import run

    if hook == "reference-transaction" and args:
        stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        return run.reference_transaction(state, args[0], stdin)
    if hook == "pre-push":
        stdin = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        return run.pre_push(state, stdin)
    if hook in ("pre-receive", "update"):  # a server's: no state directory (STATE is "-")
        from guard.hooks import server

        if hook == "update":
            return server.update(args)
        return server.pre_receive(sys.stdin.buffer.read().decode("utf-8", "surrogateescape"))
    sys.stderr.write(f"session-guard: unknown hook {hook!r} {args}\n")
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
