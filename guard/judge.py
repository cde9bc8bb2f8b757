"""What a violation is: a change's category, whether the session's mode allows it, and
whether it puts its path back to the session-start content. Pure; the one judge the
git hooks, the audit and the agent hook all call.

A change that is not allowed is still fine when it *restores*: it leaves its path
as it was at the start (restoring a file, or deleting one that did not exist
then). That is how a rollback commits during a session without any bypass. The
caller says what "as it was at the start" means for its base through `Unchanged`:
the audit compares with what the path held at the start commit
(`guard.gittree.Start`), a hook with the paths that differ between the base and
the commit being made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from guard.changes import Change
from guard.classify import Classifier

SUBMODULE_RULE = "submodule pointer: the policy default decides"

# (path, its "mode oid" after the change or None when it is gone) -> whether that is
# what the path was at the start.
Unchanged = Callable[[str, str | None], bool]


class Finding(NamedTuple):
    """One changed path, judged. A rename is one finding named after the side that
    decides it (the first side that is neither allowed nor restored)."""

    path: str
    status: str
    category: str
    rule: str | None
    allowed: bool
    restores: bool = False
    old_path: str | None = None

    @property
    def violation(self) -> bool:
        return not self.allowed and not self.restores


class Judge:
    """Classification and the mode's verdict, memoised per path: a hook run or an
    audit meets the same path again and again (its commits, net changes, plan)."""

    def __init__(self, classifier: Classifier, allowed: Iterable[str]) -> None:
        self.classifier = classifier
        self.allowed = frozenset(allowed)
        self.default = classifier.policy.default
        self._seen: dict[str, tuple[str, str | None]] = {}

    def prime(self, paths: Iterable[str]) -> None:
        """Classify many paths in one batch (the classifier's fast loop)."""
        seen = self._seen
        todo = [p for p in paths if p not in seen]
        if not todo:  # an audit's commits mostly touch paths its net changes primed
            return
        todo = list(dict.fromkeys(todo))
        decisions = self.classifier.decisions()
        indices = self.classifier.indices(todo)
        self._seen.update(zip(todo, [decisions[i] for i in indices], strict=True))

    def category(self, path: str, gitlink: bool = False) -> tuple[str, str | None]:
        """(category, the rule that decided it or None for the policy default)."""
        if gitlink:
            return self.default, SUBMODULE_RULE
        found = self._seen.get(path)
        if found is None:
            decision = self.classifier.classify(path)
            found = self._seen[path] = (decision.category, decision.rule)
        return found

    def allows(self, path: str, gitlink: bool = False) -> bool:
        return self.category(path, gitlink)[0] in self.allowed

    def all_allowed(self, changes: Sequence[Change]) -> bool:
        """The common case, answered without building findings: every path is allowed."""
        self.prime(c.path for c in changes)
        seen, allowed, default = self._seen, self.allowed, self.default
        # `allows` for each change, inlined: a commit of 10,000 paths asks it 10,000 times.
        return all((default if c.is_gitlink else seen[c.path][0]) in allowed for c in changes)

    def forbidden(self, changes: Iterable[Change]) -> list[tuple[Change, str]]:
        """The changes whose path the mode does not allow, each with its category."""
        changes = list(changes)
        self.prime(c.path for c in changes)
        seen, allowed, default = self._seen, self.allowed, self.default
        found = []
        for c in changes:  # `category`, inlined: a net change holds every path of a session
            category = default if c.is_gitlink else seen[c.path][0]
            if category not in allowed:
                found.append((c, category))
        return found

    def change(self, change: Change, unchanged: Unchanged | None = None) -> Finding:
        """Judge one change; `unchanged` None means nothing can restore (the base is
        what the change starts from). A rename is judged as its two sides, as git
        without rename detection shows it (a deletion and an addition): each side
        must be allowed or leave its path as it was at the start."""
        category, rule = self.category(change.path, change.is_gitlink)
        allowed = category in self.allowed
        new_fine = allowed or (unchanged is not None and unchanged(change.path, change.after))
        if change.old_path is None:
            return Finding(
                change.path, change.status, category, rule, allowed, not allowed and new_fine
            )
        old_category, old_rule = self.category(change.old_path)
        old_allowed = old_category in self.allowed
        old_fine = old_allowed or (unchanged is not None and unchanged(change.old_path, None))
        if not old_fine or (new_fine and not old_allowed):  # the old side names it
            category, rule = old_category, old_rule
        both = allowed and old_allowed
        return Finding(
            change.path,
            change.status,
            category,
            rule,
            both,
            not both and old_fine and new_fine,
            change.old_path,
        )

    def changes(
        self, changes: Sequence[Change], unchanged: Unchanged | None = None
    ) -> list[Finding]:
        self.prime([c.path for c in changes])
        self.prime([c.old_path for c in changes if c.old_path is not None])
        return [self.change(c, unchanged) for c in changes]


def unchanged_outside(differing: set[str]) -> Unchanged:
    """`Unchanged` from the paths that differ between the base and the new state."""
    return lambda path, _now: path not in differing
