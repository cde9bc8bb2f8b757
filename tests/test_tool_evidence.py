"""Per-tool-call evidence: the agent hook journals the calls it lets run (agent, tool,
paths, the agent's own session and call ids), and the audit says which call wrote
each change, or that none did.

Real repositories and sessions; the hook runs in process with the recorded payloads
of tests/data/agent_payloads/, and once per agent as the process the agent starts.
The default policy: `src/` is production, `tests/` test, `docs/` and `*.md` docs;
read-only allows docs, tests-only docs and tests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from guard import toolcalls
from guard.agent import formats
from guard.report.findings import written_by
from tests.conftest import git
from tests.test_agent import hook as in_process
from tests.test_agent import journal, payload, populate
from tests.test_agents import CASES, PAYLOADS, raw, run
from tests.test_audit import SCHEMA

CLAUDE_SESSION = "9c5f0a9e-2b7d-4a51-8f3e-5d1c7b2e9a41"
SHOWN_SESSION = "9c5f0a9e-2b7d..."  # what the text report shows of it
REASON = "find why login is flaky; write docs/worklog.md"
AT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture
def start(repo: Path, invoke: Any) -> Any:
    """start(*flags) -> the session id, in a populated repository."""
    populate(repo)

    def begin(*flags: str) -> str:
        result = invoke(["session", "start", "--json", "--reason", REASON, *flags], cwd=repo)
        assert result.code == 0, result.err
        return str(json.loads(result.out)["id"])

    return begin


def write(repo: Path, path: str, text: str, tool: str = "claude_write") -> int:
    """A Claude Write of `path` through the hook; the file is written when it may run,
    as the agent would."""
    code = in_process("claude", payload(tool, repo, file_path=f"{repo}/{path}"), repo).code
    if code == 0:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    return code


def audit(invoke: Any, repo: Path, *args: str) -> tuple[int, str]:
    result = invoke(["audit", *args], cwd=repo)
    return result.code, result.text


def report(invoke: Any, repo: Path, *args: str) -> dict[str, Any]:
    _, text = audit(invoke, repo, "--format", "json", *args)
    data = dict(json.loads(text))
    jsonschema.validate(data, SCHEMA)
    return data


def change(data: dict[str, Any], path: str) -> dict[str, Any]:
    return next(c for commit in data["commits"] for c in commit["changes"] if c["path"] == path)


def uncommitted(data: dict[str, Any], path: str) -> dict[str, Any]:
    return next(row for row in data["working_tree"] if row["path"] == path)


# --------------------------------------------------------------------------- the audit says who


def test_an_observed_write_is_named_committed_or_not(repo: Path, start: Any, invoke: Any) -> None:
    """Observe mode lets the forbidden Write run: the violation says which call did it,
    uncommitted, then committed, and in the archived session's audit."""
    session = start("--observe")
    assert write(repo, "src/app.py", "def app():\n    return 2\n") == 0
    assert write(repo, "docs/worklog.md", "# Worklog\n") == 0
    code, text = audit(invoke, repo)
    assert code == 1
    said = (
        rf"src/app\.py: production(?: \(the policy default\))?; written by claude Write "
        rf"\(session {re.escape(SHOWN_SESSION)}, {AT}; observe mode let it run\)"
    )
    assert re.search(rf"unstaged\s+{said}", text), text
    data = report(invoke, repo)
    worklog = uncommitted(data, "docs/worklog.md")["tool_call"]  # the allowed worklog, too
    assert worklog["agent"] == "claude"
    assert worklog["tool"] == "Write"
    assert worklog["session"] == CLAUDE_SESSION
    assert worklog["call"] == "toolu_01HzL8q3Xb6wPpVnYc2Jr4Ke"
    assert worklog["decision"] == "allowed"
    assert worklog["path"] == "docs/worklog.md"
    assert re.fullmatch(AT, worklog["at"])

    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "docs: worklog")
    code, text = audit(invoke, repo)
    assert re.search(rf"[0-9a-f]{{12}}\s+{said}", text), text
    assert change(report(invoke, repo), "src/app.py")["tool_call"]["decision"] == "warned"

    assert invoke(["session", "stop"], cwd=repo).code == 0
    archived = report(invoke, repo, "--session", session)
    assert change(archived, "src/app.py")["tool_call"]["session"] == CLAUDE_SESSION
    markdown = invoke(["report", "--format", "markdown"], cwd=repo).text
    assert "written by claude Write (session 9c5f0a9e-2b7d..." in markdown


def test_a_change_no_tool_call_made_is_told_apart(repo: Path, start: Any, invoke: Any) -> None:
    """While the agent writes docs through its hook, someone commits production code
    by hand: the audit says no agent tool call wrote it."""
    start()
    assert write(repo, "docs/notes.md", "# Notes\n") == 0
    assert write(repo, "src/app.py", "x = 1\n") == 2  # refused: not written
    (repo / "src/app.py").write_text("def app():\n    return 3\n")
    git(repo, "commit", "-qam", "fix app", "--no-verify")
    code, text = audit(invoke, repo)
    assert code == 1
    assert re.search(
        r"src/app\.py: production \(the policy default\); no agent tool call wrote it "
        r"\(made outside the agent's tools",
        text,
    ), text
    data = report(invoke, repo)
    assert change(data, "src/app.py")["tool_call"] is None
    assert uncommitted(data, "docs/notes.md")["tool_call"]["tool"] == "Write"
    github = invoke(["audit", "--format", "github"], cwd=repo).text
    assert "no agent tool call wrote it" in github


def test_a_docs_edit_renamed_into_production_names_the_write(
    repo: Path, start: Any, invoke: Any
) -> None:
    """An allowed docs file, moved into src/ by a program the hook cannot read and
    committed: the rename's content came from the Write of its old path."""
    start()
    assert write(repo, "docs/tool.md", "print('hi')\n" * 5) == 0
    git(repo, "add", "docs/tool.md")
    git(repo, "commit", "-qm", "docs: notes")
    script = "python3 -c \"import os; os.rename('docs/tool.md', 'src/tool.py')\""
    assert in_process("claude", payload("claude_bash", repo, command=script), repo).code == 0
    (repo / "docs/tool.md").rename(repo / "src/tool.py")  # what the command does
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "move", "--no-verify")
    code, text = audit(invoke, repo)
    assert code == 1
    assert re.search(
        r"docs/tool\.md -> src/tool\.py: production \(the policy default\); written by "
        rf"claude Write as docs/tool\.md \(session {re.escape(SHOWN_SESSION)}, {AT}\)",
        text,
    ), text


def test_an_edit_allowed_by_the_session_mode_is_named_under_a_stricter_one(
    repo: Path, start: Any, invoke: Any
) -> None:
    """A tests-only session allowed the test edit; judged read-only, it is a violation
    that the allowed Write explains."""
    start("--mode", "tests-only")
    assert write(repo, "tests/test_new.py", "def test_new():\n    pass\n") == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "tests: new")
    assert audit(invoke, repo)[0] == 0
    code, text = audit(invoke, repo, "--mode", "read-only")
    assert code == 1
    assert re.search(
        rf"tests/test_new\.py: test \(.*\); written by claude Write \(session "
        rf"{re.escape(SHOWN_SESSION)}, {AT}\)",
        text,
    ), text


def test_work_left_by_the_session_before_is_named_with_that_session(
    repo: Path, start: Any, invoke: Any
) -> None:
    """A tests-only session let the agent write a test and leave it uncommitted; the
    read-only session after it finds the test, and says which call, of which session."""
    first = start("--mode", "tests-only")
    assert write(repo, "tests/test_new.py", "def test_new():\n    pass\n") == 0
    assert invoke(["session", "stop"], cwd=repo).code == 0
    result = invoke(["session", "start", "--reason", REASON], cwd=repo)
    assert result.code == 0, result.err
    code, text = audit(invoke, repo)
    assert code == 1
    assert re.search(
        rf"untracked\s+tests/test_new\.py: test; written by claude Write \(session "
        rf"{re.escape(SHOWN_SESSION)}, {AT}; journaled by the earlier guard session {first}\)",
        text,
    ), text
    found = uncommitted(report(invoke, repo), "tests/test_new.py")["tool_call"]
    assert found["guard_session"] == first
    archived = repo / ".git" / "guard" / "sessions" / first / "journal.jsonl"
    archived.write_text(archived.read_text() + "not json\n")  # unreadable: it tells nothing
    assert "tool_call" not in uncommitted(report(invoke, repo), "tests/test_new.py")


def test_shell_writes_are_named_only_where_the_parser_resolved_them(
    repo: Path, start: Any, invoke: Any
) -> None:
    start()
    resolved = "echo found >> docs/findings.md"
    hidden = "python3 -c \"open('docs/hidden.md', 'w').write('x')\""
    for command in (resolved, hidden):
        bash = payload("claude_bash", repo, command=command)
        assert in_process("claude", bash, repo).code == 0
    (repo / "docs/findings.md").write_text("found\n")
    (repo / "docs/hidden.md").write_text("x")
    data = report(invoke, repo)
    by_shell = uncommitted(data, "docs/findings.md")["tool_call"]
    assert (by_shell["tool"], by_shell["path"]) == ("Bash", "docs/findings.md")
    assert uncommitted(data, "docs/hidden.md")["tool_call"] is None


def test_without_agent_decisions_the_audit_says_nothing_of_tool_calls(
    repo: Path, start: Any, invoke: Any
) -> None:
    """No agent hooked (or a range): no `tool_call` field, no words about it."""
    start()
    (repo / "src/app.py").write_text("def app():\n    return 3\n")
    data = report(invoke, repo)
    assert "tool_call" not in uncommitted(data, "src/app.py")
    assert "tool call" not in audit(invoke, repo)[1]
    ranged = report(invoke, repo, "--base", "HEAD~1", "--head", "HEAD")
    assert all("tool_call" not in c for commit in ranged["commits"] for c in commit["changes"])


# --------------------------------------------------------------------------- every agent's ids


def _ids(name: str) -> tuple[str | None, str | None]:
    """The session and call ids a recorded edit payload of `name` carries."""
    data = json.loads((PAYLOADS / f"{CASES[name][0]}.json").read_text())
    found = []
    for keys in (formats.AGENTS[name]["session_key"], formats.AGENTS[name]["call_key"]):
        value: Any = data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        found.append(str(value) if keys and value is not None else None)
    return found[0], found[1]


@pytest.mark.parametrize("name", formats.NAMES)
def test_every_agent_s_session_id_reaches_the_audit(
    name: str, repo: Path, start: Any, invoke: Any
) -> None:
    start()
    docs = raw(CASES[name][0], repo, ("src/app.py", "docs/notes.md"))
    done = run(name, docs, repo)
    assert done.returncode == 0, done.stderr
    (repo / "docs/notes.md").write_text("notes\n")
    session, call = _ids(name)
    assert name == "copilot" or session is not None  # Copilot's recorded payload names none
    found = uncommitted(report(invoke, repo), "docs/notes.md")["tool_call"]
    assert (found["agent"], found["session"], found["call"]) == (name, session, call)
    entry = journal(repo)[-1]["data"]
    assert entry.get("agent_session") == session


def test_ids_are_bounded_and_only_strings_or_numbers(repo: Path, start: Any) -> None:
    start()
    data = payload("claude_write", repo, file_path=f"{repo}/docs/a.md")
    data["session_id"] = "s" * 5000
    data["tool_use_id"] = {"not": "an id"}
    assert in_process("claude", data, repo).code == 0
    entry = journal(repo)[-1]["data"]
    assert len(entry["agent_session"]) == 200
    assert "call_id" not in entry
    cline = json.loads(raw("cline_write_to_file", repo).decode().replace("src/app.py", "a.md"))
    cline["taskId"] = 1764763190123  # a number is an id too
    assert run("cline", json.dumps(cline).encode(), repo).returncode == 0
    assert journal(repo)[-1]["data"]["agent_session"] == "1764763190123"
    cline["taskId"] = True
    assert run("cline", json.dumps(cline).encode(), repo).returncode == 0
    assert "agent_session" not in journal(repo)[-1]["data"]


def test_a_patch_of_thousands_of_paths_keeps_a_bounded_entry(repo: Path, start: Any) -> None:
    """Observe mode: the patch runs; its entry keeps 50 paths, the refused first, and
    counts the rest."""
    start("--observe")
    headers = [f"*** Add File: docs/n{i}.md\n+x\n" for i in range(3000)]
    patch = "*** Begin Patch\n" + "".join(headers) + "*** Update File: src/app.py\n@@\n-a\n+b\n"
    data = json.loads(raw("codex_apply_patch", repo))
    data["tool_input"]["command"] = patch + "*** End Patch\n"
    assert in_process("codex", data, repo).code == 0
    entry = journal(repo)[-1]
    assert entry["event"] == "warned"
    assert len(entry["data"]["paths"]) == 50
    assert entry["data"]["path_count"] == 3001
    assert entry["data"]["paths"][0]["path"] == "src/app.py"


# --------------------------------------------------------------------------- matching


def _event(seq: int, at: str, paths: list[Any], event: str = "allowed", **data: Any) -> Any:
    body = {"layer": "agent", "agent": "claude", "tool": "Write", "paths": paths, **data}
    return {"seq": seq, "time": at, "event": event, "data": body}


def _row(path: str, status: str = "allowed") -> dict[str, str]:
    return {"path": path, "status": status, "via": "Write"}


def test_a_commit_is_matched_to_the_last_call_before_its_date() -> None:
    calls = toolcalls.index(
        [
            {"seq": 0, "event": "start", "data": {"session_sha256": "x"}},
            _event(1, "2026-12-03T10:00:00Z", [_row("src/a.py")], agent_session="first"),
            _event(2, "2026-12-03T11:00:00Z", [_row("src/a.py")], agent_session="second"),
            _event(3, "2026-12-03T11:30:00Z", [_row("src/b.py")], event="blocked"),
            _event(4, "2026-12-03T12:00:00Z", [_row("docs/"), _row("/tmp/x", "outside")]),
            _event(5, "2026-12-03T12:00:00Z", [_row("."), "not a row", _row("")]),
            _event(6, "2026-12-03T12:00:00Z", "not a list"),
            {"seq": 7, "event": "allowed", "data": "not an object"},
        ]
    )
    assert calls is not None
    at = {
        "2026-12-03T12:30:00+02:00": "first",  # 10:30 UTC
        "2026-12-03T11:00:00+00:00": "second",
        "2026-12-03T09:00:00+00:00": "second",  # before every call: the last one
        "not a date": "second",
        "2026-12-03T12:00:00": "second",  # no offset: no time to compare
    }
    for date, session in at.items():
        assert calls.find("src/a.py", date=date)["session"] == session  # type: ignore[index]
    assert calls.find("src/b.py") is None  # blocked: it never ran
    assert calls.find("/tmp/x") is None
    assert calls.find("docs/deep/x.md")["path"] == "docs/"  # type: ignore[index]
    assert calls.find("src/c.py", old_path="src/a.py")["path"] == "src/a.py"  # type: ignore[index]
    assert calls.find("README") is None  # `.` names the whole tree: too broad
    assert toolcalls.index([{"seq": 0, "event": "start", "data": {}}]) is None
    quiet = [{"seq": 0, "event": "start", "data": {}}]  # a session without agents
    earlier = [("s1", [_event(1, "2026-12-02T10:00:00Z", [_row("src/a.py")])]), ("s2", quiet)]
    found = toolcalls.index(quiet, earlier)
    assert found is not None
    assert found.find("src/a.py")["guard_session"] == "s1"  # type: ignore[index]
    assert toolcalls.index(quiet, [("s2", quiet)]) is None


def test_the_words_for_a_call_with_a_short_session_id_or_none() -> None:
    call = {"agent": "windsurf", "tool": "pre_write_code", "session": "traj-5d1c7b2e"}
    call.update(call="exec-9a41", at="2026-12-03T12:00:00Z", path="src/a.py", decision="allowed")
    row = {"path": "src/a.py", "tool_call": call}
    assert written_by(row) == (
        "written by windsurf pre_write_code (session traj-5d1c7b2e, 2026-12-03T12:00:00Z)"
    )
    row["tool_call"] = {**call, "agent": "copilot", "tool": "edit", "session": None}
    assert written_by(row) == "written by copilot edit (2026-12-03T12:00:00Z)"
    assert written_by({"path": "src/a.py"}) == ""
