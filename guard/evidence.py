"""Gathers an audit's evidence from git and session state (the shell around `audit`).

Three ways to say what is audited: the active session or an archived one (its
frozen policy, start commit and ref tips, hooks and journal), `--since REV` (a
start receipt when the state is gone: the repository's current policy applies),
and `--base/--head` (an explicit range, as CI checks a pull request).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from guard import gitio, store
from guard.errors import GitError, UsageError
from guard.hooks.install import CHAINED, HOOKS, fingerprints, repository_state
from guard.location import state_dir
from guard.prefetch import Early, log_args, start_tips

if TYPE_CHECKING:
    from guard.audit import Evidence
    from guard.classify import Classifier
    from guard.policy import Policy
    from guard.session import Change, Commit, Session

# The audit, the classifier and the policy loader are imported where used: `prefetch`
# starts the git log with as little loaded as possible.

BRANCH = "refs/heads/"
SIDE = 10  # the niceness of the audit's side questions (status, the start tree)


def _commit(rev: str, what: str) -> str:
    sha = gitio.resolve(f"{rev}^{{commit}}")
    if sha is not None:
        return sha
    if gitio.is_shallow():
        raise GitError(
            f"{what} {rev!r} is not in this shallow clone",
            hint="fetch more history: git fetch --deepen=1000 (or --unshallow), "
            "or in CI check out with fetch-depth: 0",
        )
    raise GitError(f"{what} {rev!r} is not a commit in this repository")


def _current_policy() -> Policy:
    from pathlib import Path

    from guard.policy import effective_policy_path, load_policy

    location = gitio.locate()
    root = Path(location.root) if location else None
    return load_policy(effective_policy_path(root), root)


def allowed_by(policy: Policy, mode: str) -> tuple[str, ...]:
    if mode not in policy.modes:
        raise UsageError(
            f"--mode {mode!r}: the policy has no such mode",
            hint=f"choose from {', '.join(policy.modes)}",
        )
    return tuple(policy.modes[mode])


def load_session(session_id: str | None, common: str | None = None) -> tuple[Session, str]:
    """The active session (None) or an archived one, with its state directory (of
    the repository whose common git directory is `common`, or around here)."""
    state = repository_state() if common is None else state_dir(common)
    if session_id is None:
        session = store.load_active(state)
        if session is None:
            raise UsageError(
                "no active session to audit",
                hint="name one (guard session list): guard audit --session ID, "
                "or give the receipt: guard audit --since COMMIT --mode MODE",
            )
        return session, state
    directory = store.archived_dir(state, session_id)
    if not os.path.isdir(directory):  # noqa: PTH112
        raise UsageError(f"--session {session_id!r}: no such archived session")
    session = store.load_archived(directory)
    return session, directory


def for_range(base: str, head: str, mode: str) -> tuple[Evidence, Classifier]:
    from guard.audit import Evidence
    from guard.classify import Classifier

    policy = _current_policy()
    allowed = allowed_by(policy, mode)
    base_sha, head_sha = _commit(base, "--base"), _commit(head, "--head")
    evidence = Evidence(
        session=None,
        allowed=allowed,
        base=base_sha,
        commits=gitio.history([head_sha], [base_sha]),
        start_entries=gitio.Tree(base_sha).entries(),
        working=[],
        nets={"(range)": gitio.diff(base_sha, head_sha)},
        current_branch="(range)",
        rewritten=[],
        integrity=[],
    )
    return evidence, Classifier(policy)


def _head_include() -> tuple[list[str], str | None, str | None]:
    sha, ref = gitio.head()
    return (["--branches", "HEAD"] if sha else ["--branches"]), sha, ref


def for_since(since: str, mode: str) -> tuple[Evidence, Classifier]:
    from guard.audit import Evidence
    from guard.classify import Classifier

    policy = _current_policy()
    allowed = allowed_by(policy, mode)
    start = _commit(since, "--since")
    include, head_sha, head_ref = _head_include()
    nets = {head_ref or "HEAD": gitio.diff(start, head_sha)} if head_sha else {}
    evidence = Evidence(
        session=None,
        allowed=allowed,
        base=start,
        commits=gitio.history(include, [start]),
        start_entries=gitio.Tree(start).entries(),
        working=gitio.working_tree(),
        nets=nets,
        current_branch=head_ref or "HEAD",
        rewritten=[],
        integrity=[],
    )
    return evidence, Classifier(policy)


def _moved(
    session: Session, tips: dict[str, str], head: tuple[str | None, str | None]
) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """The branches that moved since the start, ref -> (start tip, tip); and those made
    during the session (a detached HEAD counts as one), ref -> tip."""
    moved: dict[str, tuple[str, str]] = {}
    fresh: dict[str, str] = {}
    refs = [(ref, tip) for ref, tip in tips.items() if ref.startswith(BRANCH)]
    head_sha, head_ref = head
    if head_sha and head_ref is None:
        refs.append(("HEAD", head_sha))
    for ref, tip in refs:
        base = session.refs.get(ref)
        if base is None:
            fresh[ref] = tip
        elif base != tip:
            moved[ref] = (base, tip)
    return moved, fresh


def _fresh_bases(session: Session, fresh: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Branches made during the session, measured from where the session's commits on
    them begin, not from the start commit: a checkout of an older commit to look
    around changes nothing."""
    starts = _start_tips(session)
    found = {}
    for ref, tip in fresh.items():
        base = gitio.session_base(tip, starts)
        if base is not None and base != tip:
            found[ref] = (base, tip)
    return found


class _Nets(Mapping[str, Sequence["Change"]]):
    """Each moved branch's net change since its start, worked out when first read
    (`audit.build` reads the commits first): composed from the history the audit
    has read anyway, asked of git (`diff-tree`) only for a branch whose first-parent
    line does not lead back to its base through the session's commits."""

    def __init__(self, history: gitio.History, later: _Later) -> None:
        self._history = history
        self._later = later
        self._commits: dict[str, Commit] | None = None
        self._nets: dict[str, Sequence[Change]] = {}

    @property
    def _wanted(self) -> dict[str, tuple[str, str]]:
        return self._later.get().wanted

    def __getitem__(self, ref: str) -> Sequence[Change]:
        if ref not in self._nets:
            base, tip = self._wanted[ref]
            if self._commits is None:
                self._commits = {commit.sha: commit for commit in self._history.all()}
            net = gitio.net_change(self._commits, base, tip)
            self._nets[ref] = gitio.diff(base, tip) if net is None else net
        return self._nets[ref]

    def __iter__(self) -> Iterator[str]:
        return iter(self._wanted)

    def __len__(self) -> int:
        return len(self._wanted)


def _start_tips(session: Session) -> list[str]:
    return start_tips(session.refs.values(), session.start_head)


def _not_the_guards(
    working: list[gitio.WorkingChange], hooks_dir: str
) -> list[gitio.WorkingChange]:
    """Leave out the guard's own hook files when the hooks folder is in the work tree
    (a relative core.hooksPath such as .githooks): they are enforcement, not work."""
    location = gitio.locate()
    if location is None:
        return working
    root = os.path.realpath(location.root)
    if not hooks_dir.startswith(root + os.sep):
        return working
    prefix = hooks_dir[len(root) + 1 :].replace(os.sep, "/") + "/"
    names = {f"{hook}{suffix}" for hook in HOOKS for suffix in ("", CHAINED, ".tmp")}
    return [
        change
        for change in working
        if not (change.path.startswith(prefix) and change.path[len(prefix) :] in names)
    ]


def _integrity(
    session: Session, directory: str, tips: dict[str, str], hooks_dir: str, common: str
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    rewritten, integrity = [], []
    for ref, start_tip in sorted(session.refs.items()):
        tip = tips.get(ref)
        if tip is None:
            integrity.append({"kind": "ref-deleted", "detail": f"{ref} (was {start_tip})"})
        elif tip != start_tip and not gitio.is_ancestor(start_tip, tip):
            rewritten.append({"ref": ref, "start_tip": start_tip, "tip": tip})
    for ref, tip in sorted(tips.items()):
        if (
            ref.startswith(BRANCH)
            and session.refs.get(ref) != tip
            and gitio.reflog_tip(ref, common) != tip
        ):
            integrity.append(
                {
                    "kind": "ref-without-reflog",
                    "detail": f"{ref} points to {tip}, which its reflog never recorded: "
                    "it was written directly, bypassing every hook",
                }
            )
    integrity.extend(_hook_integrity(session, hooks_dir))
    problems = store.verify(directory)
    if problems:
        integrity.append({"kind": "journal-invalid", "detail": "; ".join(problems)})
    return rewritten, integrity


def _hook_integrity(session: Session, now_dir: str) -> list[dict[str, str]]:
    recorded = session.hooks
    if recorded is None:
        return []
    found = []
    now_config = gitio.config_get("core.hooksPath")
    if now_dir != recorded.hooks_dir or now_config != recorded.hooks_path_config:
        found.append(
            {
                "kind": "hooks-redirected",
                "detail": f"hooks directory {recorded.hooks_dir} (core.hooksPath "
                f"{recorded.hooks_path_config!r}) became {now_dir} ({now_config!r})",
            }
        )
    current = fingerprints(recorded.hooks_dir, recorded.fingerprints)
    for hook, before in sorted(recorded.fingerprints.items()):
        after = current.get(hook)
        if before is None:
            found.append({"kind": "hooks-missing", "detail": f"{hook} was not installed at start"})
        elif after is None:
            found.append({"kind": "hooks-removed", "detail": f"{hook} was removed"})
        elif after != before:
            found.append({"kind": "hooks-changed", "detail": f"{hook} was changed"})
    return found


def session_summary(session: Session, active: bool) -> dict[str, Any]:
    return {
        "id": session.id,
        "mode": session.mode,
        "allowed": list(session.allowed),
        "reason": session.reason,
        "started_at": session.started_at,
        "start_head": session.start_head,
        "active": active,
    }


class Gathering:
    """A session's evidence being gathered: the one big `git log` and the smaller
    questions (status, the start tree, each branch's net diff) run in the background
    from the moment the session is known; `finish()` asks the rest and waits."""

    def __init__(self, session_id: str | None, early: Early | None = None) -> None:
        """`early`: the log the guard script started first, adopted if it is the
        one this session needs (else stopped)."""
        self.session_id = session_id
        self.common = early.common if early else gitio.common_dir()
        self.session, self.directory = load_session(session_id, self.common)
        session = self.session
        # HEAD unborn is no error with --ignore-missing: the log need not wait for it.
        include, exclude = ["--branches", "HEAD"], _start_tips(session)
        process = None
        if early is not None:
            if early.args == log_args(include, exclude):
                process = early.process
            else:
                early.discard()
        self.history = gitio.History(include, exclude, process=process)
        # The log is the audit's critical path: the side questions yield it the CPU.
        self.tree = gitio.Tree(session.start_head, nice=SIDE) if session.start_head else None
        # One thread: the index's stat checks spread over threads cost more CPU in
        # all (68 ms against 52 for 20,000 files), and CPU is what they take from the log.
        self.status = gitio.Pending(["-c", "core.preloadIndex=false", *gitio.STATUS], nice=SIDE)
        self.head = gitio.head()
        self.tips = gitio.ref_tips()
        self.moved, self.fresh = _moved(session, self.tips, self.head)

    def finish(self) -> tuple[Evidence, Classifier]:
        """The evidence, as soon as the commits can be judged (the start tree is read);
        what the report needs only after the commits (the work tree, the integrity
        checks, the other branches' net changes) is worked out meanwhile in a thread."""
        from guard.audit import Evidence
        from guard.classify import Classifier

        session, (head_sha, head_ref) = self.session, self.head
        current = head_ref or ("HEAD" if head_sha else None)
        # The checked-out branch's base is needed now; the others' in the thread.
        mine = {ref: tip for ref, tip in self.fresh.items() if ref == current}
        lines = {**self.moved, **_fresh_bases(session, mine)}
        later = _Later(lambda: self._rest(lines))
        classifier = Classifier(session.policy)
        classified = self._classify_while_the_tree_is_listed(classifier)
        evidence = Evidence(
            session=session_summary(session, active=self.session_id is None),
            allowed=session.allowed,
            base=session.start_head,
            commits=self.history,
            start_entries=self.tree.entries() if self.tree else {},
            working=_Part(later, "working"),
            nets=_Nets(self.history, later),
            current_branch=current,
            rewritten=_Part(later, "rewritten"),
            integrity=_Part(later, "integrity"),
            current_line=lines.get(current or ""),
            classified=classified,
        )
        return evidence, classifier

    def _classify_while_the_tree_is_listed(
        self, classifier: Classifier
    ) -> dict[str, tuple[str, str | None]]:
        """Commits cannot be judged before the start tree is read; meanwhile the
        paths of those already parsed are classified."""
        from guard.audit import classify_into

        classified: dict[str, tuple[str, str | None]] = {}
        done = 0
        while self.tree is not None and not self.tree.wait(0.005):
            parsed = self.history.parsed()
            fresh, done = parsed[done:], len(parsed)
            paths = (p for c in fresh for ch in c.changes for p in (ch.path, ch.old_path) if p)
            classify_into(classifier, paths, classified)
        return classified

    def _rest(self, lines: dict[str, tuple[str, str]]) -> _Rest:
        """What the report needs after the commits; `lines`: the branches' (start tip,
        tip) known already (the others made during the session are found here)."""
        session = self.session
        hooks_dir = gitio.hooks_dir()
        rewritten, integrity = _integrity(
            session, self.directory, self.tips, hooks_dir, self.common
        )
        working = _not_the_guards(gitio.parse_status(self.status.result()), hooks_dir)
        others = {ref: tip for ref, tip in self.fresh.items() if ref not in lines}
        return _Rest(working, rewritten, integrity, {**lines, **_fresh_bases(session, others)})


class _Rest(NamedTuple):
    working: list[gitio.WorkingChange]
    rewritten: list[dict[str, str]]
    integrity: list[dict[str, str]]
    wanted: dict[str, tuple[str, str]]  # each moved branch: (its base, its tip)


class _Later:
    """A value worked out in a thread from now on; `get()` waits for it (and raises
    what the thread raised)."""

    def __init__(self, make: Callable[[], _Rest]) -> None:
        self._make = make
        self._value: _Rest | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._value = self._make()
        except BaseException as exc:  # handed to whoever reads the value
            self._failure = exc

    def get(self) -> _Rest:
        self._thread.join()
        if self._failure is not None:
            raise self._failure
        return cast("_Rest", self._value)  # set, as the thread did not fail


class _Part(Sequence[Any]):
    """One list of the `_Rest` being worked out, read as a plain sequence."""

    def __init__(self, later: _Later, name: str) -> None:
        self._later, self._name = later, name

    def _items(self) -> Sequence[Any]:
        items: Sequence[Any] = getattr(self._later.get(), self._name)
        return items

    def __getitem__(self, index: Any) -> Any:
        return self._items()[index]

    def __len__(self) -> int:
        return len(self._items())


_prefetched: Gathering | None = None


def prefetch(early: Early | None = None) -> None:
    """Start gathering the active session's evidence now, before the command line is
    even parsed (`guard audit` with no session named), adopting the log `early` if
    the guard script started it. Any trouble is left for `for_session` to report."""
    global _prefetched
    try:
        _prefetched = Gathering(None, early)
    except Exception:  # reported properly by the real call
        if early is not None:
            early.discard()
        _prefetched = None


def prefetched() -> bool:
    """Whether `prefetch` found an active session (so there is one to audit)."""
    return _prefetched is not None


def for_session(session_id: str | None) -> tuple[Evidence, Classifier]:
    global _prefetched
    gathering, _prefetched = _prefetched, None
    if gathering is None or session_id is not None:
        gathering = Gathering(session_id)
    return gathering.finish()
