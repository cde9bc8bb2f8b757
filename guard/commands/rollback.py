"""`guard rollback`: print the plan that undoes a session's violations, or commit it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from guard import rollback_tree
from guard.commands.output import echo
from guard.errors import EXIT_OK, UsageError
from guard.rollback import COMMITTED, UNCOMMITTED

if TYPE_CHECKING:
    from guard.audit import Evidence
    from guard.changes import Commit
    from guard.rollback_apply import Applied


@rollback_tree.exclusive()  # one at a time in a worktree
def rollback(
    session_id: str | None,
    since: str | None,
    mode: str | None,
    base: str | None,
    head: str | None,
    ref: str | None,
    do_apply: bool,
    branch: str | None,
    paths: str | None = None,
    nul: bool = False,
) -> int:
    """Print the rollback plan; with `do_apply`, commit it and audit again to prove it.
    Uncommitted work the mode forbids is listed with the commands that discard it:
    the guard never throws away what was not committed. With `paths`, list the paths
    of that kind instead, for those commands to read."""
    from guard import audit, gather, gitio, rollback, rollback_apply

    target, finished = _begin(paths, nul, do_apply, ref)
    scope = gather.Scope(session_id, since, base, head, mode).check()
    evidence, judge = gather.gather(scope)
    read: list[Commit] = []  # the commits as the audit reads them, for the one after
    if do_apply:
        evidence = evidence._replace(commits=_recording(evidence.commits, read))
    before = audit.build(evidence, judge, target)
    if paths is not None:
        return _list(_listed(before, paths), nul)
    plan, planned = before["rollback"], before["scope"]["branch"] or "HEAD"
    left = rollback.by_hand(before, ref)
    if not do_apply:
        return _print(before, ref, left)
    if not plan:
        return _nothing_planned(before, ref, left, finished)
    net = evidence.nets.get(planned, ())
    # A range's audit reads no work tree (CI has none to speak of); a rollback does.
    working = evidence.working if scope.base is None else gitio.working_tree()
    dirty = frozenset(c.path for c in working if c.state != "untracked")
    steps = rollback_apply.Plan(plan, planned, net, dirty, rollback.unmark_command(before, ref))
    applied = rollback_apply.apply(steps, _name(before), branch)
    where = "" if applied.checked_out else " (not checked out here: the work tree is untouched)"
    echo(
        f"committed {applied.commit[:12]} on {applied.branch}{where}: {applied.restored} "
        f"restored, {applied.deleted} deleted; backup of the previous tip: {applied.backup_ref}"
    )
    if branch is None:
        after = audit.build(_after(evidence, read, applied, planned), judge, target)
    else:  # a new branch, which HEAD moved to: audited from scratch
        again = scope if scope.base is None else scope._replace(head=branch)
        after = audit.build(*gather.gather(again), applied.branch)
    summary = after["summary"]
    echo(
        f"audit after rollback: verdict {summary['verdict']}, "
        f"net_violations {summary['net_violations']}"
    )
    if after["rollback"]:
        echo("guard: paths are still not back to their start content", err=True)
        return 1
    left = rollback.by_hand(after, ref)
    if left:
        _left_to_you(after, ref)
    return 1 if _on_remotes(after) or left else EXIT_OK


def _listed(report: dict[str, Any], kind: str) -> list[str]:
    """The paths `--paths KIND` lists: of the report, or the plan's marked ones, which
    only the index knows."""
    from guard import gitio, rollback, rollback_apply

    if kind == rollback.MARKED:
        planned = (s["path"] for s in report["rollback"])
        return rollback_apply.marked(planned, gitio.index_tags())
    return rollback.listed(report, kind)


def _nothing_planned(
    report: dict[str, Any], ref: str | None, left: list[str], finished: bool
) -> int:
    """`--apply` with an empty plan: 1 while uncommitted work the mode forbids is left
    or a remote holds what the session pushed, 0 when the rollback an interrupted
    apply began was just finished, else a usage error (there was nothing to do)."""
    from guard import rollback

    if left or rollback.on_remotes(report):
        echo("nothing to commit: every committed path the mode forbids is as at start here")
        if left:
            _left_to_you(report, ref)
        _on_remotes(report)
        return 1
    if finished:
        echo("rollback complete: every path the mode forbids is as it was at start")
        return EXIT_OK
    raise UsageError("nothing to roll back: no path the mode forbids differs from the start")


def _begin(
    paths: str | None, nul: bool, do_apply: bool, ref: str | None
) -> tuple[str | None, bool]:
    """Check the options, and finish a rollback an interrupted apply left half-written.
    The branch `ref` names (None: the checked-out one), and whether one was finished."""
    from guard import gitio, rollback_tree

    if nul and paths is None:
        raise UsageError("-z needs --paths (it sets how the paths are separated)")
    if paths is not None and do_apply:
        raise UsageError("--paths lists paths and --apply commits: give one of them")
    finished = rollback_tree.finish()
    if finished is not None:  # on stderr when stdout is a list of paths
        echo(
            f"finished an interrupted rollback: the tree now matches {finished[:12]}",
            err=paths is not None,
        )
    target = None if ref is None else f"refs/heads/{ref.removeprefix('refs/heads/')}"
    if target is not None and gitio.resolve(target) is None:
        raise UsageError(f"--ref {ref!r}: no such branch", hint="git branch --list shows them")
    return target, finished is not None


def _recording(commits: Iterable[Commit], into: list[Commit]) -> Iterator[Commit]:
    for commit in commits:
        into.append(commit)
        yield commit


def _after(evidence: Evidence, read: list[Commit], applied: Applied, planned: str) -> Evidence:
    """The evidence an audit would read now, from the one read before the rollback and
    what the rollback changed, read back from git: its commit on branch `planned`,
    and that branch's net change at the plan's paths from its start to the new tip.
    Nothing else moved: the apply wrote no other path, ref or file (its checks refused
    every plan that would), so the commits before it and the work tree stand as read;
    but a submodule's checkout stays where it was when its pointer moves, and what git
    says of it now is read again."""
    from guard import gather, gitio

    start = evidence.starts.get(planned, evidence.base) or gitio.empty_tree()
    net = evidence.nets.get(planned, ())
    named = {c.path for c in net}
    now = [c for c in gitio.diff(start, applied.commit) if c.path in named]
    commit = gitio.read_commit_header(applied.commit)._replace(changes=tuple(applied.changes))
    bases = dict(evidence.bases)
    if start != evidence.base:  # restored from its own branch's start: judged against it
        bases[applied.commit] = start
    working = evidence.working
    if any(c.is_gitlink for c in applied.changes):
        working = gather.working_tree()
    return evidence._replace(
        commits=[commit, *read], nets={**evidence.nets, planned: now}, bases=bases, working=working
    )


def _print(report: dict[str, Any], ref: str | None, left: list[str]) -> int:
    from guard import rollback

    plan = report["rollback"]
    if plan:
        where = report["scope"]["branch"] or "HEAD"
        echo(f"rollback plan for {where} ({len(plan)} path(s)), by hand (then commit):")
        _batches(report, ref, COMMITTED)
        echo(f"apply it in one commit: {rollback.command_for(report, ref)}")
    elif not left and not rollback.on_remotes(report):
        echo("nothing to roll back: every path the mode forbids is as it was at start")
    elif not left:
        echo("nothing to roll back here: every path the mode forbids is as at start here")
    if left:
        _left_to_you(report, ref)
    _on_remotes(report, err=False)
    return EXIT_OK


def _on_remotes(report: dict[str, Any], err: bool = True) -> bool:
    """Say what a remote still holds of the session's pushes (on stderr, or with the
    plan printed on stdout); whether it holds any."""
    from guard import rollback

    held = rollback.on_remotes(report)
    for detail in held:
        echo(f"{'guard: ' if err else ''}not restored on the remote: {detail}", err=err)
    return bool(held)


def _list(paths: list[str], nul: bool) -> int:
    """The paths, relative to the current folder as git ls-files gives them (so the
    commands that read them work from any folder of the work tree): NUL-separated, or
    one a line quoted as git quotes them (which --pathspec-from-file reads too)."""
    from guard import gitio
    from guard.commands.audit import emit
    from guard.quoting import shown

    location = gitio.locate()
    up = "../" * (location.prefix.count("/") if location is not None else 0)
    if nul:
        emit("".join(f"{up}{path}\0" for path in paths), None)
    else:
        emit("".join(f"{shown(up + path)}\n" for path in paths), None)
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


def _left_to_you(report: dict[str, Any], ref: str | None) -> None:
    echo(
        "uncommitted work the mode forbids, which the guard never discards; "
        "run these to throw it away:"
    )
    _batches(report, ref, UNCOMMITTED)


def _batches(report: dict[str, Any], ref: str | None, kinds: tuple[str, ...]) -> None:
    """Each batch of these kinds: what it holds, then the one command that does it."""
    from guard.rollback import batches

    for batch in batches(report, ref):
        if batch.kind in kinds:
            echo(f"  {batch.describe()}:")
            echo(f"    {batch.command}")
