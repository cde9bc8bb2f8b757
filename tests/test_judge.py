"""The one judge: category, allowed and restores, for a change and a base."""

from __future__ import annotations

from guard.changes import Change
from guard.classify import Classifier
from guard.gittree import Start
from guard.judge import SUBMODULE_RULE, Judge, unchanged_outside
from guard.policy_file import default_policy_path, load_policy

POLICY = load_policy(default_policy_path())
BLOB = "100644 " + "1" * 40


def judge(allowed: tuple[str, ...] = ("docs",)) -> Judge:
    return Judge(Classifier(POLICY), allowed)


def test_judge_classifies_and_allows_by_mode() -> None:
    changes = [
        Change("M", "docs/guide.md", "100644", "100644"),
        Change("A", "src/app.py", "000000", "100644"),
        Change("D", "tests/test_app.py", "100644", "000000"),
        Change("M", "docs/theme", "160000", "160000"),
    ]
    findings = judge().changes(changes)
    assert [(f.path, f.category, f.allowed) for f in findings] == [
        ("docs/guide.md", "docs", True),
        ("src/app.py", "production", False),
        ("tests/test_app.py", "test", False),
        ("docs/theme", "production", False),
    ]
    assert findings[1].rule is None
    assert findings[2].rule is not None and findings[2].rule.startswith("policies/default.yaml:")
    assert findings[3].rule == SUBMODULE_RULE
    tests_only = judge(("docs", "test")).changes(changes)
    assert [f.violation for f in tests_only] == [False, True, False, True]
    assert not judge().all_allowed(changes)
    assert judge().all_allowed(changes[:1])


def test_restoring_changes_are_not_violations_whichever_way_the_base_is_known() -> None:
    back = Change("M", "src/a.py", "100644", "100644", None, "1" * 40)
    other = Change("M", "src/b.py", "100644", "100644", None, "2" * 40)
    gone = Change("D", "src/new.py", "100644", "000000", None, "0" * 40)
    # A hook knows which paths differ between the base and the commit ...
    by_diff = judge().changes([back, other, gone], unchanged_outside({"src/b.py"}))
    # ... the audit knows the start tree: the same verdicts.
    by_tree = judge().changes(
        [back, other, gone], Start(None, {"src/a.py": BLOB, "src/b.py": BLOB}).unchanged
    )
    for findings in (by_diff, by_tree):
        assert [(f.path, f.restores, f.violation) for f in findings] == [
            ("src/a.py", True, False),
            ("src/b.py", False, True),
            ("src/new.py", True, False),
        ]
    assert [f.restores for f in judge().changes([back, other, gone])] == [False] * 3


def test_a_rename_is_judged_as_its_two_sides() -> None:
    away = Change("R", "docs/util.md", "100644", "100644", "src/util.py", "9" * 40)
    [found] = judge().changes([away], Start(None, {"src/util.py": BLOB}).unchanged)
    assert (found.category, found.allowed, found.restores, found.old_path) == (
        "production",
        False,
        False,
        "src/util.py",
    )
    # The old path was not there at start.
    [fine] = judge().changes([away], Start(None, {}).unchanged)
    assert (fine.allowed, fine.restores, fine.violation) == (False, True, False)
    [docs] = judge(("docs", "production")).changes([away])
    assert (docs.allowed, docs.violation) == (True, False)
