"""`guard rollback`: print the plan that undoes a session's violations, or commit it."""

from __future__ import annotations

from typing import Any

from guard.commands.output import echo
from guard.errors import EXIT_OK, UsageError


def rollback(
    session_id: str | None,
    since: str | None,
    mode: str | None,
    base: str | None,
    head: str | None,
    ref: str | None,
    do_apply: bool,
    branch: str | None,
) -> int:
    """Print the rollback plan; with `do_apply`, commit it and audit again to prove it.
    Uncommitted work the mode forbids is listed with the commands that discard it:
    the guard never throws away what was not committed."""
    from guard import audit, gather, gitio, rollback, rollback_apply, rollback_tree

    finished = rollback_tree.finish()
    if finished is not None:
        echo(f"finished an interrupted rollback: the tree now matches {finished[:12]}")
    scope = gather.Scope(session_id, since, base, head, mode).check()
    if session_id is None and since is None and base is None:
        scope = scope._replace(session_id=gather.default_session())
    target = None if ref is None else f"refs/heads/{ref.removeprefix('refs/heads/')}"
    if target is not None and gitio.resolve(target) is None:
        raise UsageError(f"--ref {ref!r}: no such branch", hint="git branch --list shows them")
    evidence, judge = gather.gather(scope)
    before = audit.build(evidence, judge, target)
    plan, planned = before["rollback"], before["scope"]["branch"] or "HEAD"
    left = rollback.by_hand(before["working_tree"])
    if not do_apply:
        return _print(before, ref, left)
    if not plan:
        if left:
            echo("nothing to commit: every committed path the mode forbids is as at start")
            _left_to_you(left)
            return 1
        raise UsageError("nothing to roll back: no path the mode forbids differs from the start")
    net = evidence.nets.get(planned, ())
    # A range's audit reads no work tree (CI has none to speak of); a rollback does.
    working = evidence.working if scope.base is None else gitio.working_tree()
    dirty = frozenset(c.path for c in working if c.state != "untracked")
    steps = rollback_apply.Plan(plan, planned, net, dirty)
    applied = rollback_apply.apply(steps, _name(before), branch)
    where = "" if applied.checked_out else " (not checked out here: the work tree is untouched)"
    echo(
        f"committed {applied.commit[:12]} on {applied.branch}{where}: {applied.restored} "
        f"restored, {applied.deleted} deleted; backup of the previous tip: {applied.backup_ref}"
    )
    again = scope if branch is None or scope.base is None else scope._replace(head=branch)
    after = audit.build(*gather.gather(again), applied.branch)
    summary = after["summary"]
    echo(
        f"audit after rollback: verdict {summary['verdict']}, "
        f"net_violations {summary['net_violations']}"
    )
    if after["rollback"]:
        echo("guard: paths are still not back to their start content", err=True)
        return 1
    left = rollback.by_hand(after["working_tree"])
    _left_to_you(left)
    return 1 if left else EXIT_OK


def _print(report: dict[str, Any], ref: str | None, left: list[str]) -> int:
    from guard.rollback import command_for

    plan = report["rollback"]
    if plan:
        echo(f"rollback plan for {report['scope']['branch'] or 'HEAD'} ({len(plan)} path(s)):")
        for step in plan:
            echo(f"  {step['command']}")
        echo(f"apply it in one commit: {command_for(report, ref)}")
    elif not left:
        echo("nothing to roll back: every path the mode forbids is as it was at start")
    _left_to_you(left)
    return EXIT_OK


def _name(report: dict[str, Any]) -> str:
    """What the rollback is named after (its trailer, its backup ref)."""
    if report["session"] is not None:
        return str(report["session"]["id"])
    scope = report["scope"]
    rev = scope["since"] if scope["kind"] == "since" else scope["base"]
    from guard import gitio

    sha = gitio.resolve(f"{rev}^{{commit}}") or rev
    return f"{scope['kind']}-{sha[:12]}"


def _left_to_you(commands: list[str]) -> None:
    if commands:
        echo(
            "uncommitted work the mode forbids, which the guard never discards; "
            "run these to throw it away:"
        )
        for line in commands:
            echo(f"  {line}")
