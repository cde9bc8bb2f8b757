"""What each git hook does during a session: gather changes, judge, block or allow.

Every function returns the hook's exit code and prints its message on `err`.
Nothing here writes the index or the working tree; the only write is the journal.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from guard import gitio, location, store, upstream
from guard.changes import Change, Commit
from guard.classify import Classifier
from guard.gitrun import Pending
from guard.judge import Finding, Judge, unchanged_outside
from guard.messages import (
    commit_title,
    finding_data,
    items_message,
    move_title,
    staged_message,
    unstage_command,
)
from guard.session import Session

BRANCH_PREFIX = "refs/heads/"
ZERO = "0" * 40
RECORDS = "refs/guard/sessions/"  # guard.sessionref.PREFIX, without importing it here


def _record(
    state: str, session: Session, blocked: bool, layer: str, data: dict[str, object]
) -> None:
    event = "warned" if session.observe else ("blocked" if blocked else "allowed")
    store.append(state, event, session.id, {"layer": layer, **data}, store.now())


def _base(session: Session, ref: str | None, tip: str | None) -> str:
    """What a branch's changes are judged against, "restores" included: its tip at
    the session start; for a branch made during the session (or a detached HEAD), the
    start tip its session commits grew from (its tip, while it holds none)."""
    if ref is not None and ref in session.refs:
        return session.refs[ref]
    if tip is None:
        return session.start_head or gitio.empty_tree()
    # None: the tip holds no session commit yet, so it is the content it grew from.
    return gitio.session_base(tip, session.start_tips()) or tip


# --------------------------------------------------------------------------- scope


def _here() -> str | None:
    """The own git directory of the worktree the hook runs in (git runs hooks at the
    top of the worktree, and exports GIT_DIR in a linked one)."""
    found = location.git_dirs(os.getcwd(), os.environ)
    return None if found is None else os.path.realpath(found[0])


def _worktree_git_dir(directory: str, repo: str) -> str:
    """The own git directory of the worktree a scoped state folder belongs to, from the
    folder's name alone (so a damaged session still says whose it is)."""
    common = os.path.dirname(repo)
    if os.path.basename(directory) == location.MAIN_WORKTREE:
        return os.path.realpath(common)
    return os.path.realpath(os.path.join(common, "worktrees", os.path.basename(directory)))


def _checked_out(git_dir: str) -> str | None:
    """The branch the worktree with git directory `git_dir` has checked out (None when
    detached or unreadable), read from its HEAD file."""
    try:
        with open(os.path.join(git_dir, "HEAD"), encoding="utf-8", errors="replace") as handle:
            text = handle.read(4096).strip()
    except OSError:
        return None
    return text[len("ref: ") :] if text.startswith("ref: refs/heads/") else None


def _head_refs(git_dir: str, common: str) -> set[str]:
    """The names a transaction may give the HEAD of the worktree `git_dir` from
    another worktree."""
    if git_dir == os.path.realpath(common):
        return {"main-worktree/HEAD"}
    return {f"worktrees/{os.path.basename(git_dir)}/HEAD"}


Scoped = tuple[str, Session, "set[str] | None"]


def _applying(state: str, refs: Sequence[str] | None = None) -> list[Scoped]:
    """The active sessions that judge this hook run, each with its state directory and
    the refs of `refs` it judges (None: all of them). A repository-wide session judges
    everything; a worktree's session judges everything done in its worktree and, from
    any other, an update of the branch it has checked out or of its HEAD. `refs` None
    (a commit's staged changes) asks only for the sessions of this worktree.

    A session is loaded only when it applies, so one worktree's damaged state blocks
    that worktree's work (fail closed), not its neighbours'."""
    repo = location.repository_of(state)
    common = os.path.dirname(repo)
    found: list[Scoped] = []
    directories = location.active_states(repo)
    here = _here() if any(d != repo for d in directories) else None
    for directory in directories:
        if directory == repo:
            judged: set[str] | None = None
        else:
            owner = _worktree_git_dir(directory, repo)
            if owner == here:
                judged = None
            elif refs is None:
                continue
            else:
                branch = _checked_out(owner)
                names = _head_refs(owner, common) | ({branch} if branch else set())
                judged = names & set(refs)
                if not judged:
                    continue
        session = store.load_active(directory)
        if session is not None:
            found.append((directory, session, judged))
    return found


def _ref_names(stdin: str, at: int) -> list[str]:
    return [parts[at] for line in stdin.splitlines() if len(parts := line.split(" ")) > at]


def pre_commit(state: str, err: TextIO | None = None, staged: Pending | None = None) -> int:
    """`git commit`: judge the staged changes (GIT_INDEX_FILE is followed) against the
    session of this worktree, or the repository's; `staged`, the `git diff --cached`
    started before this module loaded (see guard.hooks.__main__)."""
    status = 0
    for directory, session, _ in _applying(state):
        status = max(status, _pre_commit(directory, session, err or sys.stderr, staged))
    return status


def _pre_commit(state: str, session: Session, err: TextIO, staged: Pending | None) -> int:
    judge = _judge_for(session)
    changes = gitio.staged_changes(started=staged)
    if judge.all_allowed(changes):
        return 0
    head, ref = gitio.head()
    base = _base(session, ref, head)
    # Staged changes differ from HEAD; when HEAD is the start itself, none of them
    # can put a path back to its start content, so the diff is skipped.
    unchanged = unchanged_outside(gitio.paths(gitio.diff(base, None))) if base != head else None
    findings = judge.changes(changes, unchanged)
    merging = gitio.resolve("MERGE_HEAD") if any(f.violation for f in findings) else None
    if merging is not None and merging in _Provenance(session).commits():
        # Committing a merge of upstream (after its conflicts were resolved): a path
        # staged as upstream has it is upstream's change, not the session's.
        differing = gitio.paths(gitio.diff(base, None)) & gitio.paths(gitio.diff(merging, None))
        findings = judge.changes(changes, unchanged_outside(differing))
    if not any(f.violation for f in findings):
        return 0
    err.write(staged_message(findings, session))
    _record(state, session, True, "pre-commit", finding_data(findings))
    return 0 if session.observe else 1


Item = tuple[str, list[Finding]]


def _judge_for(session: Session) -> Judge:
    """The hook run's one judge (its classifier built once from the frozen policy)."""
    return Judge(Classifier(session.policy), session.allowed)


def _judged(
    judge: Judge, changes: Sequence[Change], base: str, target: str, also: Sequence[str] = ()
) -> list[Finding]:
    """Judge changes; a non-allowed one is fine when `target` has the path's `base`
    content, or the content an upstream commit of `also` has there (what a merge or
    fast-forward of upstream takes from it)."""
    if judge.all_allowed(changes):
        return judge.changes(changes)
    differing = gitio.paths(gitio.diff(base, target))
    for other in also:
        differing &= gitio.paths(gitio.diff(other, target))
    return judge.changes(changes, unchanged_outside(differing))


def _judge_commits(judge: Judge, commits: Sequence[Commit], base: str) -> list[Item]:
    return [(commit_title(c), _judged(judge, c.changes, base, c.sha)) for c in commits]


_ADVICE = {
    "am": "the patch was not applied: git am --abort",
    "rebase": "the rebase stopped: git rebase --abort restores the branch",
    "merge": "the merge was not committed: git merge --abort restores the index and tree",
    "cherry-pick": (
        "the pick was not committed: git cherry-pick --abort restores the index and tree"
    ),
    "revert": "the revert was not committed: git revert --abort restores the index and tree",
}


def _in_progress(git_dir: str) -> list[str]:
    """How to leave a half-done operation whose commit was refused."""
    advice = _ADVICE.get(gitio.operation_in_progress(git_dir) or "")
    if advice:
        return [advice]
    action = os.environ.get("GIT_REFLOG_ACTION", "")
    if os.path.exists(os.path.join(git_dir, "MERGE_MSG")) or action.startswith(("merge", "pull")):
        # A fast-forward, or a single pick or revert that applied cleanly, has already
        # written the new content to the index and tree and left no state to --abort.
        return [
            "HEAD did not move, but git already applied the change to the index and "
            "working tree: git reset --merge puts them back"
        ]
    return []


def _updates(lines: Sequence[str]) -> list[tuple[str, str, str]]:
    """The (old, new, ref) updates of a transaction that can bring in content:
    branches and HEAD, not no-ops (stash, reset to HEAD) and not deletions (pack-refs,
    branch -d); tags, remotes, notes and pseudo-refs change no branch."""
    updates = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3:
            continue
        old, new, ref = parts
        if new.startswith("ref:"):
            # git >= 2.46 shows symbolic-ref updates: a branch made an alias of another
            # ref holds that ref's commit from now on (HEAD made one is a checkout).
            branch = ref.startswith(BRANCH_PREFIX)
            target = gitio.resolve(f"{new[4:]}^{{commit}}") if branch else None
            if target is None:
                continue
            new = target
        if old.startswith("ref:"):
            old = ZERO  # what it held: its current value (guard.hooks.run._previous)
        if old == new or set(new) == {"0"}:
            continue
        if ref == "HEAD" or ref.startswith(BRANCH_PREFIX) or _other_head(ref):
            updates.append((old, new, ref))
    return updates


def reference_transaction(state: str, phase: str, stdin: str, err: TextIO | None = None) -> int:
    """Every ref update (commit --no-verify, merge, cherry-pick, rebase, am, update-ref).

    Two questions, in `prepared` (refs locked, not yet moved): do the commits that no
    ref reaches yet break the mode (each against its first parent), and does moving
    a branch change what it holds (a fast-forward to pre-session commits, a reset)?
    Each session that applies answers them for the refs it judges.
    """
    if phase != "prepared":
        return 0
    status = 0
    for directory, session, judged in _applying(state, _ref_names(stdin, 2)):
        lines = stdin.splitlines()
        if judged is not None:  # another worktree's session: only its own refs
            lines = [line for line in lines if line.split(" ")[-1] in judged]
        one = _transaction(directory, session, lines, err or sys.stderr)
        status = max(status, one)
    return status


def _transaction(state: str, session: Session, lines: list[str], err: TextIO) -> int:
    replaced = _replace_refs(lines)
    if replaced:
        return _refuse_replacement(state, session, replaced, err)
    updates = _through_head(_updates(lines))
    if not updates:
        return 0
    judge = _judge_for(session)
    items: list[Item] = []
    shas: list[str] = []
    seen: set[str] = set()
    provenance = _Provenance(session)
    for old, new, ref in sorted(updates, key=lambda u: u[2] == "HEAD"):  # branches first
        previous = _previous(ref, old)
        brought = [sha for sha in _brought(session, ref, new, previous) if sha not in seen]
        seen.update(brought)
        shas += brought
        commits = gitio.read_commits(brought)
        base = _base(session, ref, new)  # HEAD is never a start ref: its start tip grew
        judged = _judge_commits(judge, commits, base)
        taken: list[str] = []  # upstream commits whose content the update takes
        if any(f.violation for _, fs in judged for f in fs):
            ups = provenance.commits() & set(brought)
            if ups:
                parents = {c.sha: c.parents for c in commits}
                taken = upstream.frontier(brought, parents, frozenset(ups))
                judged = [
                    (commit_title(c), _judged(judge, c.changes, base, c.sha, _ups(c, ups)))
                    for c in commits
                    if c.sha not in ups
                ]
                provenance.brought += [sha for sha in brought if sha in ups]
        items += judged
        on_top = (
            len(commits) == 1 and commits[0].sha == new and commits[0].parents[:1] == (previous,)
        )
        moved = ref.startswith(BRANCH_PREFIX) and previous is not None and previous != new
        if moved and previous is not None and not on_top:
            findings = _judged(judge, gitio.diff(previous, new), base, new, taken)
            items.append((move_title(ref, previous, new), findings))
    data: dict[str, Any] = {"refs": sorted({ref for _, _, ref in updates}), "commits": shas}
    if provenance.brought:
        data["upstream"] = provenance.brought
    bad = [(title, fs) for title, fs in items if any(f.violation for f in fs)]
    if not bad:
        if shas:
            _record(state, session, False, "reference-transaction", data)
        return 0
    paths = sorted({f.path for _, fs in bad for f in fs if f.violation})
    advice = _in_progress(gitio.git_dir()) or [
        "nothing was committed and the ref did not move; if the paths are staged, "
        f"unstage them: {unstage_command(paths)}"
    ]
    err.write(items_message(bad, session, "this ref update", advice))
    data.update(finding_data([f for _, fs in bad for f in fs]))
    _record(state, session, True, "reference-transaction", data)
    return 0 if session.observe else 1


def _through_head(updates: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The updates without HEAD's when HEAD names a branch the transaction moves the
    same way: git lists both for a commit on a branch, and judging the branch judges
    what HEAD shows (each costs a walk that excludes every start tip)."""
    heads = [u for u in updates if u[2] == "HEAD"]
    if not heads:
        return updates
    here = _here()
    branch = _checked_out(here) if here is not None else None
    if branch is None:
        return updates
    moved = {(old, new) for old, new, ref in updates if ref == branch}
    return [u for u in updates if u[2] != "HEAD" or u[:2] not in moved]


class _Provenance:
    """The session's upstream commits, asked of git only when an update would
    otherwise be refused (the common allowed update pays nothing), once a hook run.
    With `state`, the session's directory, those its journal records a hook judged
    upstream count too, as in the audit: a push carries the session's merge of
    upstream, from which the merged commits are reachable."""

    def __init__(self, session: Session, state: str | None = None) -> None:
        self.session = session
        self.state = state
        self.brought: list[str] = []
        self._found: frozenset[str] | None = None

    def commits(self) -> frozenset[str]:
        if self._found is None:
            import calendar  # with datetime and locale: only when an update is refused

            started = calendar.timegm(time.strptime(self.session.started_at, STARTED))
            vouched = upstream.vouched(store.events(self.state)) if self.state else []
            trail = upstream.trail(started)
            self._found = upstream.commits(trail, self.session.start_tips(), vouched=vouched)
        return self._found


STARTED = "%Y-%m-%dT%H:%M:%SZ"


def _ups(commit: Commit, ups: set[str] | frozenset[str]) -> list[str]:
    """A merge's upstream parents: the content it takes from them is upstream's."""
    return [p for p in commit.parents[1:] if p in ups]


def _other_head(ref: str) -> bool:
    """Another worktree's HEAD, as `git update-ref worktrees/NAME/HEAD` names it."""
    return ref == "main-worktree/HEAD" or (
        ref.startswith("worktrees/") and ref.endswith("/HEAD") and ref.count("/") == 2
    )


REPLACE_PREFIX = "refs/replace/"


def _replace_refs(lines: Sequence[str]) -> list[str]:
    """The replace refs a transaction creates or moves (deleting one is always fine)."""
    refs = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) == 3 and parts[2].startswith(REPLACE_PREFIX) and set(parts[1]) != {"0"}:
            refs.append(parts[2])
    return refs


def _refuse_replacement(state: str, session: Session, refs: list[str], err: TextIO) -> int:
    """A replace ref makes git show one object in place of another: a violating commit
    could pass for a harmless one in every command that does not ignore them."""
    verb = "would block" if session.observe else "blocked"
    err.write(
        f"session-guard: {verb} this ref update: session {session.id} is in "
        f"{session.mode} mode, and {', '.join(refs)} would make git show one object in "
        "place of another.\n  Replace refs cannot be created or moved during a session "
        "(git replace -d removes one; or end the session: guard session stop).\n"
    )
    _record(state, session, True, "reference-transaction", {"refs": refs, "replace": True})
    return 0 if session.observe else 1


def _previous(ref: str, old: str) -> str | None:
    """What a ref held before the update: zeros mean "created" or "forced", and a forced
    update of an existing branch (`branch -f`) still moves it from its current value."""
    if set(old) != {"0"}:
        return old
    return gitio.resolve(ref) if ref.startswith(BRANCH_PREFIX) else None


def _brought(session: Session, ref: str, new: str, previous: str | None) -> list[str]:
    """The commits an update brings: for a branch, every commit it will hold that no
    session-start tip reaches and it did not hold before (so a branch made from a
    tagged, stashed or dangling commit is judged by it); for a detached HEAD, only
    commits no ref holds yet (checking out an older commit to look at it is fine)."""
    starts = session.start_tips()
    if ref.startswith(BRANCH_PREFIX):
        return gitio.commits_since(new, starts + ([previous] if previous else []))
    return gitio.new_commits([new], starts)


def pre_push(state: str, stdin: str, err: TextIO | None = None) -> int:
    """`git push`: refuse commits made during the session (perhaps before the hooks
    were installed) while their net effect still changes paths the mode does not allow."""
    status = 0
    for directory, session, judged in _applying(state, _ref_names(stdin, 0)):
        lines = stdin.splitlines()
        if judged is not None:  # another worktree's session: only its own branches
            lines = [line for line in lines if line.split(" ")[0] in judged]
        status = max(status, _push(directory, session, lines, err or sys.stderr))
        _remind_record(session, lines, err or sys.stderr)
    return status


RECORD_FILE = "session.json"  # guard.sessionref.FILE: the one file of a record's tree


def _record_commit(commit: Commit) -> bool:
    """A commit of a session record: it changes the record's one file and nothing else."""
    return all(c.path == RECORD_FILE and c.old_path is None for c in commit.changes)


def _remind_record(session: Session, lines: list[str], err: TextIO) -> None:
    """Pushing the session's branch without its record (session start --record): say
    how to push it, since the server and CI judge the branch by it. The hook pushes
    nothing itself: a push from inside a push would run this hook again."""
    pushed = {line.split(" ")[0] for line in lines}
    record = RECORDS + session.id
    if session.head_ref in pushed and record not in pushed and gitio.resolve(record):
        err.write(
            f"session-guard: {session.head_ref} is pushed without this session's record: "
            f"git push <remote> {record} (the server and CI judge the branch by it)\n"
        )


def _push(state: str, session: Session, lines: list[str], err: TextIO) -> int:
    judge = _judge_for(session)
    provenance = _Provenance(session, state)
    status = 0
    for line in lines:
        # The source is named as the push spelled it (`X^{/a message}` has spaces);
        # the other three fields never hold one.
        parts = line.rsplit(" ", 3)
        if len(parts) != 4 or set(parts[1]) == {"0"}:
            continue  # a deletion pushes no commits
        local_ref, local_sha, remote_ref, remote_sha = parts
        exclude = session.start_tips() + ([remote_sha] if set(remote_sha) != {"0"} else [])
        shas = gitio.commits_since(local_sha, exclude)
        commits = gitio.read_commits(shas) if shas else []
        if local_ref == remote_ref and local_ref.startswith(RECORDS):
            # A session record pushed under its own name: its commits are no work.
            # Anything else the ref holds (a commit parked under the records' name)
            # is judged like any other push.
            commits = [c for c in commits if not _record_commit(c)]
        if not commits:
            continue
        base = _base(session, local_ref, local_sha)
        items = _judge_commits(judge, commits, base)
        taken: list[str] = []  # upstream commits whose content the pushed tip takes
        if any(f.violation for _, fs in items for f in fs) and provenance.commits():
            # A merge of upstream (or upstream itself, pushed on): judged as the
            # reference-transaction hook and the audit judge it, by what it changes
            # beyond upstream's content.
            ups = provenance.commits()
            parents = {c.sha: c.parents for c in commits}
            taken = upstream.frontier(shas, parents, ups)
            items = [
                (commit_title(c), _judged(judge, c.changes, base, c.sha, _ups(c, ups)))
                for c in commits
                if c.sha not in ups
            ]
        bad = [(title, fs) for title, fs in items if any(f.violation for f in fs)]
        if not bad:
            continue
        net = _judged(judge, gitio.diff(base, local_sha), base, local_sha, taken)
        if not any(f.violation for f in net):
            err.write(
                f"session-guard: {local_ref} carries {len(bad)} commit(s) that broke the "
                f"{session.mode} mode, but later commits restored every path; pushing.\n"
            )
            continue
        advice = ["restore the paths first with a new commit (guard rollback prints the plan)"]
        err.write(items_message(bad, session, f"pushing {local_ref}", advice))
        data: dict[str, Any] = {"ref": local_ref, "commits": shas}
        data.update(finding_data([f for _, fs in bad for f in fs]))
        _record(state, session, True, "pre-push", data)
        status = 0 if session.observe else 1
    return status
