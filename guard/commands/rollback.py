"""`guard rollback`: print the plan that undoes a session's violations, or commit it."""

from __future__ import annotations

from guard.commands.output import echo
from guard.errors import EXIT_OK


def rollback(session_id: str | None, do_apply: bool, branch: str | None) -> int:
    """Print the rollback plan; with `do_apply`, commit it and audit again to prove it."""
    from guard import audit, gather
    from guard import rollback as rolling
    from guard.commands.audit import audited

    session_id = session_id or gather.default_session()
    evidence, judge = gather.gather(gather.Scope(session_id=session_id))
    before = audit.build(evidence, judge)
    name = (before["session"] or {}).get("id", "unknown")
    plan = before["rollback"]
    if not do_apply:
        if not plan:
            echo("nothing to roll back: every path the mode forbids is as it was at start")
            return EXIT_OK
        echo(f"rollback plan for {evidence.current_branch} ({len(plan)} path(s)):")
        for step in plan:
            echo(f"  {step['command']}")
        echo("apply it in one commit: guard rollback --apply")
        return EXIT_OK
    applied = rolling.apply(before, name, branch)
    echo(
        f"committed {applied.commit[:12]} on {applied.branch}: {applied.restored} restored, "
        f"{applied.deleted} deleted; backup of the previous tip: {applied.backup_ref}"
    )
    after = audited(session_id=session_id)
    summary = after["summary"]
    echo(
        f"audit after rollback: verdict {summary['verdict']}, "
        f"net_violations {summary['net_violations']}"
    )
    if after["rollback"]:
        echo("guard: paths are still not back to their start content", err=True)
        return 1
    return EXIT_OK
