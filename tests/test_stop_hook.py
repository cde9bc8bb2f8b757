"""The end-of-turn hook (`guard agent NAME --on-stop warn|block`, guard/agent/stop.py)
as the process the agent starts, on real repositories: an agent that committed
production changes during a read-only session and ends its turn saying
"documentation-only changes" is contradicted, in the agent's own answer format; a clean
turn says nothing; `block` keeps the agent working once; failures are told.

The payloads and transcripts are tests/data/agent_payloads/ (see its README).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from guard.agent import formats, stop
from guard.agent import install as agent_install
from tests.conftest import commit_files, git
from tests.test_agent import PAYLOADS, PROJECT, REASON, journal, populate

GUARD = str(Path(sys.executable).parent / "guard")
STOPS = [name for name in formats.NAMES if formats.AGENTS[name]["stop"]["events"]]
# name -> (payload, transcript it names, or None: the last message is inline)
CASES = {
    "claude": ("claude_stop", None),
    "codex": ("codex_stop", None),
    "gemini": ("gemini_after_agent", None),
    "cursor": ("cursor_stop", "claude_transcript.jsonl"),
    "copilot": ("copilot_agent_stop", "copilot_events.jsonl"),
    "windsurf": ("windsurf_post_cascade_response", None),
}
CLAIM = {"copilot": "no functional changes"}  # the others say "documentation-only"


def payload(name: str, repo: Path, tmp_path: Path, **changes: Any) -> bytes:
    """The agent's stop payload for `repo`, its transcript copied beside it."""
    file, transcript = CASES[name]
    text = (PAYLOADS / f"{file}.json").read_text().replace(PROJECT, str(repo))
    data = json.loads(text)
    if transcript is not None:
        copy = tmp_path / transcript
        shutil.copy(PAYLOADS / transcript, copy)
        keys = formats.AGENTS[name]["stop"]["transcript_keys"][0]
        data[keys[0]] = str(copy)
    data.update(changes)
    return json.dumps(data).encode()


def stop_hook(
    name: str, data: bytes, cwd: Path, mode: str = "warn"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GUARD, "agent", name, "--on-stop", mode],
        input=data.decode(),
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def told(name: str, done: subprocess.CompletedProcess[str], field: str = "warn") -> str:
    """The message the person reads: the dialect's field, else stderr (also checked)."""
    assert done.returncode == 0, done.stderr
    shape = formats.AGENTS[name]["stop"][f"{field}_output"]
    if not shape:
        assert done.stdout == formats.AGENTS[name]["stop"]["allow_output"]
        return done.stderr
    answer = json.loads(done.stdout)
    assert set(answer) == set(shape)
    texts = [value for key, value in answer.items() if shape[key] == formats.MESSAGE]
    assert all(text == texts[0] for text in texts) and texts[0] in done.stderr
    return str(texts[0])


@pytest.fixture
def session(repo: Path, invoke: Any) -> Path:
    populate(repo)
    assert invoke(["session", "start", "--reason", REASON], cwd=repo).code == 0
    return repo


def violate(repo: Path) -> None:
    """What the agent did: notes in docs/, and a committed fix in src/."""
    commit_files(repo, {"docs/worklog.md": "The login test races the cache.\n"}, "docs: notes")
    commit_files(repo, {"src/app.py": "def app():\n    return 2\n"}, "fix the race")


# --------------------------------------------------------------------------- the false report


@pytest.mark.parametrize("name", STOPS)
def test_a_false_docs_only_report_is_contradicted(name: str, session: Path, tmp_path: Path) -> None:
    violate(session)
    done = stop_hook(name, payload(name, session, tmp_path), session)
    message = told(name, done)
    print(f"--- {name}: what the person reads at the end of the turn ---\n{message}")
    assert "The audit of session" in message and "is not clean: violated" in message
    assert "Changed against the mode: 1 production:\n    production: src/app.py" in message
    claim = CLAIM.get(name, "documentation-only")
    assert f"false claim '{claim}" in message
    assert "src/app.py" in message.split("false claim", 1)[1]
    assert "To undo the committed changes in one commit: guard rollback --apply" in message
    assert stop.INSTRUCTION not in message  # warn tells the person; it keeps nobody working
    if name == "claude":  # the README shows this very message
        readme = (Path(__file__).parent.parent / "README.md").read_text()
        shown = readme.split("**No false final report.**", 1)[1]
        shown = shown.split("```text\n", 1)[1].split("```", 1)[0]
        sid = journal(session)[0]["session"]
        assert shown.replace("20261203T155650Z-5a09ca", sid) == message + "\n"
    noted = journal(session)[-1]
    assert (noted["event"], noted["data"]["decision"]) == ("stop-hook", "warn")
    assert noted["data"]["false_claims"] == [
        "no-functional-changes" if name == "copilot" else "docs-only"
    ]


def test_the_stop_message_in_full(session: Path, tmp_path: Path) -> None:
    """Claude Code's Stop hook, as the person sees it (`systemMessage`)."""
    violate(session)
    (session / "src/extra.py").write_text("x = 1\n")  # and one file not committed
    done = stop_hook("claude", payload("claude", session, tmp_path), session)
    message = json.loads(done.stdout)["systemMessage"]
    sid = journal(session)[0]["session"]
    assert message == (
        f"session-guard: do not take this turn's report on trust. The audit of session {sid} "
        f'(read-only mode, which allows docs; reason: "{REASON}") is not clean: violated.\n'
        "  Changed against the mode: 2 production:\n"
        "    production: src/app.py, src/extra.py\n"
        "  The agent's last message says what the audit contradicts:\n"
        "    - false claim 'documentation-only' (line 3): changes 2 path(s) outside "
        "docs: 2 production (src/app.py, src/extra.py)\n"
        "  To undo the committed changes in one commit: guard rollback --apply\n"
        "  Uncommitted, the guard leaves them to you: "
        "guard rollback --paths untracked -z | xargs -0 rm --\n"
        "  `guard audit` shows every change."
    )


def test_a_subagent_is_held_to_its_own_transcript(session: Path, tmp_path: Path) -> None:
    """SubagentStop names the subagent's transcript beside its parent's: the subagent's
    own last message is the one checked."""
    violate(session)
    text = (PAYLOADS / "claude_subagent_stop.json").read_text().replace(PROJECT, str(session))
    data = json.loads(text)
    own = tmp_path / "agent.jsonl"
    shutil.copy(PAYLOADS / "claude_transcript.jsonl", own)
    parent = tmp_path / "parent.jsonl"
    said = {"type": "assistant", "message": {"content": [{"type": "text", "text": "Fixed it."}]}}
    parent.write_text(json.dumps(said) + "\n")
    data.update(agent_transcript_path=str(own), transcript_path=str(parent))
    message = told("claude", stop_hook("claude", json.dumps(data).encode(), session))
    assert "false claim 'documentation-only'" in message
    del data["agent_transcript_path"]  # an older version: the one transcript there is
    message = told("claude", stop_hook("claude", json.dumps(data).encode(), session))
    assert "is not clean: violated" in message and "false claim" not in message


def test_a_clean_turn_says_nothing(session: Path, tmp_path: Path) -> None:
    commit_files(session, {"docs/worklog.md": "notes\n"}, "docs: notes")
    for name in STOPS:
        done = stop_hook(name, payload(name, session, tmp_path), session)
        allow = formats.AGENTS[name]["stop"]["allow_output"]
        assert (done.returncode, done.stdout, done.stderr) == (0, allow, ""), name
    assert [e["event"] for e in journal(session)] == []  # nothing to record


def test_outside_a_session_the_stop_hook_is_silent(repo: Path, tmp_path: Path) -> None:
    populate(repo)
    violate(repo)  # no session: the guard has nothing to say about it
    for name in STOPS:
        done = stop_hook(name, payload(name, repo, tmp_path), repo, "block")
        allow = formats.AGENTS[name]["stop"]["allow_output"]
        assert (done.returncode, done.stdout, done.stderr) == (0, allow, ""), name
    # The installer's command without `guard` on PATH: the interpreter, -m guard.agent.
    module = [sys.executable, "-I", "-m", "guard.agent", "claude", "--on-stop", "warn"]
    data = payload("claude", repo, tmp_path).decode()
    done = subprocess.run(module, input=data, cwd=repo, capture_output=True, text=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    wrong = subprocess.run([*module[:-1], "maybe"], input=data, capture_output=True, text=True)
    assert wrong.returncode == 2 and "[--on-stop warn|block]" in wrong.stderr


def test_a_true_claim_is_not_flagged_but_the_violation_is(session: Path, tmp_path: Path) -> None:
    violate(session)
    honest = "I fixed the race in src/app.py, which the session did not allow. Sorry."
    data = payload("claude", session, tmp_path, last_assistant_message=honest)
    message = told("claude", stop_hook("claude", data, session))
    assert "is not clean: violated" in message and "false claim" not in message


def test_a_false_claim_in_a_clean_session(session: Path, tmp_path: Path) -> None:
    commit_files(session, {"docs/worklog.md": "notes\n"}, "docs: notes")
    data = payload("claude", session, tmp_path, last_assistant_message="I made no changes.")
    message = told("claude", stop_hook("claude", data, session))
    assert "is clean." in message
    assert "false claim 'made no changes'" in message and "docs/worklog.md" in message
    assert "guard rollback --apply" not in message  # nothing forbidden to undo


# --------------------------------------------------------------------------- block


def test_block_keeps_the_agent_working_once(session: Path, tmp_path: Path) -> None:
    violate(session)
    data = payload("claude", session, tmp_path)
    first = json.loads(stop_hook("claude", data, session, "block").stdout)
    assert first["decision"] == "block"
    assert "false claim 'documentation-only'" in first["reason"]
    assert first["reason"].endswith(stop.INSTRUCTION)
    assert first["systemMessage"] == first["reason"]
    # The same result again: told, not blocked (it cannot loop on one finding).
    again = json.loads(stop_hook("claude", data, session, "block").stdout)
    assert set(again) == {"systemMessage"} and "guard rollback --apply" in again["systemMessage"]
    # Something new to say blocks once more; unless a stop hook already kept it going.
    commit_files(session, {"src/more.py": "y = 2\n"}, "more")
    active = payload("claude", session, tmp_path, stop_hook_active=True)
    assert set(json.loads(stop_hook("claude", active, session, "block").stdout)) == {
        "systemMessage"
    }
    assert json.loads(stop_hook("claude", data, session, "block").stdout)["decision"] == "block"
    decisions = [e["data"]["decision"] for e in journal(session) if e["event"] == "stop-hook"]
    assert decisions == ["block", "warn", "warn", "block"]


@pytest.mark.parametrize(
    ("name", "continued"),
    [("codex", {"stop_hook_active": True}), ("gemini", {"stop_hook_active": True}),
     ("cursor", {"loop_count": 1}), ("copilot", None), ("windsurf", None)],
)  # fmt: skip
def test_block_in_each_agents_format(
    name: str, continued: dict[str, Any] | None, session: Path, tmp_path: Path
) -> None:
    violate(session)
    if continued is not None:  # the agent says a stop hook kept it going: tell only
        done = stop_hook(name, payload(name, session, tmp_path, **continued), session, "block")
        assert stop.INSTRUCTION not in told(name, done)
    done = stop_hook(name, payload(name, session, tmp_path), session, "block")
    shape = formats.AGENTS[name]["stop"]["block_output"]
    if not shape:  # Windsurf's post hook cannot keep Cascade working: it tells
        assert stop.INSTRUCTION not in told(name, done)
        return
    reason = told(name, done, "block")
    assert reason.endswith(stop.INSTRUCTION) and "guard rollback --apply" in reason
    answer = json.loads(done.stdout)
    assert {k: v for k, v in answer.items() if shape[k] != formats.MESSAGE} == {
        k: v for k, v in shape.items() if v != formats.MESSAGE
    }


def test_an_observe_session_is_told_never_blocked(repo: Path, invoke: Any, tmp_path: Path) -> None:
    populate(repo)
    assert invoke(["session", "start", "--observe", "--reason", REASON], cwd=repo).code == 0
    violate(repo)
    done = stop_hook("claude", payload("claude", repo, tmp_path), repo, "block")
    assert set(json.loads(done.stdout)) == {"systemMessage"}


# --------------------------------------------------------------------------- failures


def test_an_audit_that_fails_is_said_and_blocks_under_block(session: Path, tmp_path: Path) -> None:
    violate(session)
    session_file = session / ".git/guard/session.json"
    session_file.write_text("{not json")
    data = payload("claude", session, tmp_path)
    warned = json.loads(stop_hook("claude", data, session).stdout)
    assert set(warned) == {"systemMessage"}
    message = warned["systemMessage"]
    assert message.startswith("session-guard: could not audit the session at the end of this")
    assert "this turn's report is unchecked: do not take it on trust" in message
    assert "Run `guard audit`" in message
    blocked = json.loads(stop_hook("claude", data, session, "block").stdout)
    assert blocked["decision"] == "block" and "could not audit" in blocked["reason"]
    active = payload("claude", session, tmp_path, stop_hook_active=True)
    assert "decision" not in json.loads(stop_hook("claude", active, session, "block").stdout)


def test_an_unreadable_payload_still_gets_the_audit(session: Path) -> None:
    violate(session)
    for data in (b"", b"{not json", b"[1]"):
        message = told("claude", stop_hook("claude", data, session))
        assert "is not clean: violated" in message
        assert "The agent's last message was not available: its claims are unchecked" in message


def test_the_transcript_is_read_safely(session: Path, tmp_path: Path) -> None:
    """A transcript path that is a symlink, a FIFO, a directory or missing is not read
    (and nothing hangs); only the end of a long file is read; bad lines are skipped."""
    violate(session)
    real = tmp_path / "real.jsonl"
    shutil.copy(PAYLOADS / "claude_transcript.jsonl", real)
    link = tmp_path / "link.jsonl"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    for odd in (link, fifo, tmp_path, tmp_path / "missing.jsonl"):
        assert stop.last_message(str(odd)) is None
        data = payload("cursor", session, tmp_path, transcript_path=str(odd))
        assert "its claims are unchecked" in told("cursor", stop_hook("cursor", data, session))
    said = "Done. The cause is a race on the session cache; see docs/worklog.md.\n\n"
    assert stop.last_message(str(real)) == said + "Summary: documentation-only changes."
    long = tmp_path / "long.jsonl"
    filler = json.dumps({"type": "user", "message": {"content": "x" * 1000}}) + "\n"
    last = {"type": "assistant", "message": {"content": "Only docs-only edits."}}
    long.write_text(filler * 3000 + json.dumps(last) + "\n")
    assert long.stat().st_size > stop.TAIL
    assert stop.last_message(str(long)) == "Only docs-only edits."
    assert stop.last_message(str(tmp_path / "bad\0path")) is None


# --------------------------------------------------------------------------- the installer


def test_install_writes_the_stop_entries_and_uninstall_takes_them(repo: Path, invoke: Any) -> None:
    populate(repo)
    settings = repo / ".claude/settings.json"
    settings.parent.mkdir()
    mine = {"hooks": [{"type": "command", "command": "./notify.sh"}]}
    settings.write_text(json.dumps({"hooks": {"Stop": [mine]}}))
    done = invoke(
        ["install", "--agent", "claude", "--command", GUARD, "--on-stop", "block"], cwd=repo
    )
    assert done.code == 0, done.err
    assert "Stop, SubagentStop: --on-stop block" in done.out.decode()
    data = json.loads(settings.read_text())
    ours = {"type": "command", "command": f"{GUARD} agent claude --on-stop block"}
    ours.update(timeout=30, onFailure="block")  # block fails closed: a crash blocks too
    assert data["hooks"]["Stop"] == [mine, {"hooks": [ours]}]
    assert data["hooks"]["SubagentStop"] == [{"hooks": [ours]}]
    again = invoke(["install", "--agent", "claude", "--command", GUARD], cwd=repo)
    assert "--on-stop warn" in again.out.decode()  # switched back, in place
    warn = json.loads(settings.read_text())["hooks"]["Stop"]
    assert warn[1]["hooks"][0]["command"].endswith("--on-stop warn") and len(warn) == 2
    assert agent_install.is_exactly_ours(warn[1]["hooks"][0], "claude")
    assert invoke(["uninstall", "--agent", "claude"], cwd=repo).code == 0
    assert json.loads(settings.read_text()) == {"hooks": {"Stop": [mine]}}
    git(repo, "status")  # the repository is untouched by all this


def test_help_documents_the_option(invoke: Any) -> None:
    shown = invoke(["agent", "--help"]).out.decode()
    assert "--on-stop [warn|block]" in shown
    refused = invoke(["agent", "claude", "--on-stop", "maybe"])
    assert refused.code == 2 and "'maybe' is not one of 'warn', 'block'" in refused.err
