"""`guard session` start, status, stop, list and verify, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git


def committed(repo: Path) -> str:
    (repo / "README.md").write_text("hello\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "init")
    return git(repo, "rev-parse", "HEAD").strip()


def test_start_prints_a_receipt_and_warns_without_hooks(invoke, repo: Path) -> None:
    head = committed(repo)
    result = invoke(["session", "start", "--reason", "look at logs"], cwd=repo)
    assert result.code == 0, result.err
    lines = result.text.splitlines()
    assert lines[0].startswith("session ") and lines[0].endswith(
        " started: read-only mode, allows docs (enforcing)"
    )
    assert lines[1:] == [
        "  reason:  look at logs",
        f"  start:   {head} on refs/heads/main",
        f"  receipt: guard audit --since {head} --mode read-only",
    ]
    assert "hook(s) are not installed" in result.err
    again = invoke(["session", "start"], cwd=repo)
    assert again.code == 1
    assert again.err.startswith("guard: a session is already active in this repository")


def test_json_start_status_and_locked_stop(invoke, repo: Path) -> None:
    head = committed(repo)
    assert invoke(["install"], cwd=repo).code == 0
    started = invoke(["session", "start", "--lock", "--json", "--mode", "tests-only"], cwd=repo)
    assert started.code == 0, started.err
    assert started.err == ""  # hooks are installed: no warning
    data = json.loads(started.out)
    assert data["mode"] == "tests-only"
    assert data["allowed"] == ["docs", "test"]
    assert data["start_head"] == head
    assert data["locked"] is True
    code = data["unlock_code"]
    status = json.loads(invoke(["session", "status", "--json"], cwd=repo).out)
    assert status["id"] == data["id"] and "unlock_code" not in status
    missing = invoke(["session", "stop"], cwd=repo)
    assert (missing.code, missing.err.splitlines()[0]) == (
        2,
        "guard: this session is locked: stopping it needs the unlock code printed at start",
    )
    wrong = invoke(["session", "stop", "--unlock", "AAAA-BBBB-CCCC"], cwd=repo)
    assert (wrong.code, wrong.err) == (1, "guard: wrong unlock code: the session stays active\n")
    assert json.loads(invoke(["session", "status", "--json"], cwd=repo).out)["active"] is True
    stopped = invoke(["session", "stop", "--unlock", code.lower()], cwd=repo)
    assert stopped.code == 0, stopped.err
    assert stopped.text.startswith(f"session {data['id']} stopped; archived in ")
    assert json.loads(invoke(["session", "status", "--json"], cwd=repo).out) == {"active": False}
    assert invoke(["session", "status"], cwd=repo).text == "no active session\n"


def test_list_and_verify(invoke, repo: Path) -> None:
    committed(repo)
    assert invoke(["session", "list"], cwd=repo).text == "no sessions yet\n"
    first = json.loads(invoke(["session", "start", "--json"], cwd=repo).out)["id"]
    verified = invoke(["session", "verify"], cwd=repo)
    assert verified.code == 0 and verified.text.startswith("ok: 1 events, hash chain intact")
    assert invoke(["session", "stop"], cwd=repo).code == 0
    second = json.loads(invoke(["session", "start", "--json", "--observe"], cwd=repo).out)
    assert second["observe"] is True
    rows = json.loads(invoke(["session", "list", "--json"], cwd=repo).out)
    assert [(r["id"], r["active"]) for r in rows] == [(first, False), (second["id"], True)]
    text = invoke(["session", "list"], cwd=repo).text.splitlines()
    assert text[0].startswith(first) and "stopped " in text[0]
    assert text[1].endswith("active  blocked 0, warned 0  (repository)")
    archived = invoke(["session", "verify", "--session", first], cwd=repo)
    assert archived.code == 0 and "ok: 2 events" in archived.text
    journal = repo / ".git" / "guard" / "journal.jsonl"
    journal.write_text(journal.read_text().replace('"read-only"', '"anything"'))
    tampered = invoke(["session", "verify"], cwd=repo)
    assert tampered.code == 3
    assert "line 1: content does not match its hash (edited)" in tampered.err
    assert "treat its history as untrusted" in tampered.err
    unknown = invoke(["session", "verify", "--session", "nope"], cwd=repo)
    assert (unknown.code, unknown.err) == (
        2,
        "guard: --session 'nope': no such archived session\n",
    )


def test_stop_recovers_from_a_deleted_session_file(invoke, repo: Path) -> None:
    committed(repo)
    invoke(["session", "start"], cwd=repo)
    (repo / ".git" / "guard" / "session.json").unlink()
    status = invoke(["session", "status"], cwd=repo)
    assert status.code == 3
    assert "session file is missing, but the journal says session" in status.err
    assert "hint: guard session verify" in status.err
    stopped = invoke(["session", "stop"], cwd=repo)
    assert stopped.code == 0, stopped.err
    assert "(recovered from damaged state)" in stopped.text
    rows = json.loads(invoke(["session", "list", "--json"], cwd=repo).out)
    assert rows[0]["stopped_at"] is not None


def test_errors_have_clear_messages_and_exit_codes(invoke, repo: Path, tmp_path: Path) -> None:
    committed(repo)
    bad_mode = invoke(["session", "start", "--mode", "readonly"], cwd=repo)
    assert bad_mode.code == 2
    assert bad_mode.err == (
        "guard: --mode 'readonly': the policy has no such mode\n"
        "hint: choose from read-only, tests-only\n"
    )
    nothing = invoke(["session", "stop"], cwd=repo)
    assert (nothing.code, nothing.err) == (2, "guard: no active session to stop\n")
    no_verify = invoke(["session", "verify"], cwd=repo)
    assert no_verify.code == 2
    outside = invoke(["session", "start"], cwd=tmp_path)
    assert outside.code == 4
    assert outside.err.startswith("guard: not a git repository")


def status_lines(invoke, repo: Path) -> list[str]:
    return [
        line
        for line in invoke(["session", "status"], cwd=repo).text.splitlines()
        if line.startswith("  hooks:")
    ]


def test_status_reports_each_hook_against_the_session_start(invoke, repo: Path) -> None:
    committed(repo)
    hooks = repo / ".git" / "hooks"
    assert invoke(["install", "--hooks", "pre-commit,reference-transaction"], cwd=repo).code == 0
    assert invoke(["session", "start"], cwd=repo).code == 0
    assert status_lines(invoke, repo) == [
        "  hooks:   enforced at pre-commit, reference-transaction",
        "  hooks:   pre-push: not installed, so the guard does not run there: `guard install`",
    ]
    (hooks / "reference-transaction").unlink()
    with (hooks / "pre-commit").open("a") as shim:
        shim.write("# edited\n")
    assert invoke(["install", "--hooks", "pre-push"], cwd=repo).code == 0
    assert status_lines(invoke, repo) == [
        "  hooks:   pre-commit: changed during the session; the guard still runs there",
        "  hooks:   reference-transaction: no longer runs the guard: rewritten or removed during "
        "the session (the audit reports it); `guard install` puts it back",
        "  hooks:   pre-push: installed during the session",
    ]
    status = json.loads(invoke(["session", "status", "--json"], cwd=repo).out)
    assert status["hooks"] == {
        "pre-commit": "changed",
        "reference-transaction": "replaced",
        "pre-push": "added",
    }
