"""The block messages and the quoting of the commands they suggest: pure functions."""

from __future__ import annotations

from guard.judge import Finding
from guard.messages import items_message, staged_message, unstage_command
from guard.policy_file import default_policy_path, load_policy
from guard.session import Session

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


def bad(path: str, category: str = "production", rule: str | None = None) -> Finding:
    return Finding(path, "M", category, rule, allowed=False)


def test_staged_message_names_paths_rules_mode_reason_and_remedies() -> None:
    message = staged_message(
        [bad("src/app.py"), bad("tests/x y.py", "test", "policies/default.yaml:38: tests/")],
        session(),
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
    locked = staged_message([bad("a.py")], session(lock={"salt": "s", "sha256": "h"}))
    assert "guard session stop --unlock CODE" in locked
    observed = staged_message([bad("a.py")], session(observe=True))
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
        "this ref update",
        ["the merge was not committed: git merge --abort restores the index and tree"],
    )
    assert "Commit abc" not in message
    assert "  Commit def 'fix' changes:\n    src/a.py  production" in message
    assert "    - the merge was not committed: git merge --abort" in message


def test_a_blocked_path_with_control_characters_is_shown_escaped() -> None:
    message = staged_message([bad("src/\rdocs/ok.md\x1b[2K.py")], session(reason="x\ry"))
    assert "\r" not in message and "\x1b" not in message
    assert '"src/\\rdocs/ok.md\\033[2K.py"  production' in message
    assert (
        "unstage them: git restore --staged -- $':(literal)src/\\rdocs/ok.md\\033[2K.py'" in message
    )


def test_unstage_command_shows_the_first_twenty() -> None:
    command = unstage_command([f"src/{n}.py" for n in range(25)])
    assert command.startswith("git restore --staged -- src/0.py src/1.py")
    assert command.endswith("src/19.py  (and 5 more)")
