"""The verdict and the block message: pure functions over findings."""

from __future__ import annotations

import pytest

from guard.classify import Classifier
from guard.enforce import (
    SUBMODULE_RULE,
    Finding,
    Style,
    items_message,
    judge,
    mark_restores,
    quote,
    staged_message,
    unstage_command,
)
from guard.policy import default_policy_path, load_policy
from guard.session import Change, Session

POLICY = load_policy(default_policy_path())


def session(**overrides: object) -> Session:
    values: dict[str, object] = {
        "id": "S1",
        "mode": "read-only",
        "allowed": ("docs",),
        "reason": "find the flaky test",
        "started_at": "t",
        "who": {},
        "start_head": None,
        "head_ref": None,
        "refs": {},
        "policy": POLICY,
    }
    values.update(overrides)
    return Session(**values)  # type: ignore[arg-type]


def test_judge_classifies_and_allows_by_mode() -> None:
    changes = [
        Change("M", "docs/guide.md", "100644", "100644"),
        Change("A", "src/app.py", "000000", "100644"),
        Change("D", "tests/test_app.py", "100644", "000000"),
        Change("M", "docs/theme", "160000", "160000"),
    ]
    findings = judge(changes, Classifier(POLICY), ("docs",))
    assert [(f.path, f.category, f.allowed) for f in findings] == [
        ("docs/guide.md", "docs", True),
        ("src/app.py", "production", False),
        ("tests/test_app.py", "test", False),
        ("docs/theme", "production", False),
    ]
    assert findings[1].rule is None
    assert findings[2].rule is not None and findings[2].rule.startswith("policies/default.yaml:")
    assert findings[3].rule == SUBMODULE_RULE
    tests_only = judge(changes, Classifier(POLICY), ("docs", "test"))
    assert [f.violation for f in tests_only] == [False, True, False, True]


def test_restoring_changes_are_not_violations() -> None:
    findings = judge(
        [Change("M", "src/a.py", "100644", "100644"), Change("M", "src/b.py", "100644", "100644")],
        Classifier(POLICY),
        ("docs",),
    )
    marked = mark_restores(findings, differing={"src/b.py"})
    assert [(f.path, f.restores, f.violation) for f in marked] == [
        ("src/a.py", True, False),
        ("src/b.py", False, True),
    ]


def bad(path: str, category: str = "production", rule: str | None = None) -> Finding:
    return Finding(path, "M", category, rule, allowed=False)


def test_staged_message_names_paths_rules_mode_reason_and_remedies() -> None:
    message = staged_message(
        [bad("src/app.py"), bad("tests/x y.py", "test", "policies/default.yaml:38: tests/")],
        session(),
        Style(color=False),
    )
    assert message == (
        "session-guard: blocked this commit: session S1 is in read-only mode (allows docs, "
        'reason: "find the flaky test").\n'
        "  Staged paths the mode does not allow:\n"
        "    src/app.py    production  (no rule matched: the policy default)\n"
        "    tests/x y.py  test  (policies/default.yaml:38: tests/)\n"
        "  What you can do:\n"
        "    - unstage them: git restore --staged -- src/app.py 'tests/x y.py'\n"
        "    - or write to a path the mode allows (docs) instead\n"
        "    - or end the session: guard session stop\n"
    )


def test_locked_and_observed_sessions_say_so() -> None:
    locked = staged_message([bad("a.py")], session(lock={"salt": "s", "sha256": "h"}), Style(False))
    assert "guard session stop --unlock CODE" in locked
    observed = staged_message([bad("a.py")], session(observe=True), Style(False))
    assert observed.startswith("session-guard: would block this commit")
    assert observed.endswith("  (observe mode: recorded, not blocked)\n")


def test_items_message_lists_only_violating_items() -> None:
    ok = Finding("docs/a.md", "M", "docs", None, allowed=True)
    message = items_message(
        [
            ("Commit abc 'docs' changes:", [ok]),
            ("Commit def 'fix' changes:", [ok, bad("src/a.py")]),
        ],
        session(),
        Style(False),
        "this ref update",
        ["the merge was not committed: git merge --abort restores the index and tree"],
    )
    assert "Commit abc" not in message
    assert "  Commit def 'fix' changes:\n    src/a.py  production" in message
    assert "    - the merge was not committed: git merge --abort" in message


def test_style_is_plain_without_a_tty_or_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Style.for_stream(False) == Style(False)
    assert Style.for_stream(True) == Style(True)
    assert Style(True).red("x") == "\x1b[1;31mx\x1b[0m"
    monkeypatch.setenv("NO_COLOR", "1")
    assert Style.for_stream(True) == Style(False)


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("src/app.py", "src/app.py"),
        ("a b.py", "'a b.py'"),
        ("-rf", "'-rf'"),
        ("it's.md", "'it'\"'\"'s.md'"),
        ("", "''"),
    ],
)
def test_quote_makes_paths_safe_shell_words(path: str, quoted: str) -> None:
    assert quote(path) == quoted


def test_unstage_command_shows_the_first_twenty() -> None:
    command = unstage_command([f"src/{n}.py" for n in range(25)])
    assert command.startswith("git restore --staged -- src/0.py src/1.py")
    assert command.endswith("src/19.py  (and 5 more)")
