"""Every agent of the dialect table (guard/agent/formats.py) through `guard agent NAME`
as the process the agent starts, on a real repository with an active read-only
session: an allowed edit, a refused edit, a refused shell bypass, malformed input;
MCP tools, subagents and plan mode; the installer's round trip of every settings
shape; the files it writes not counting as the session's work; the README's table.

The payloads are tests/data/agent_payloads/ (see its README for the sources), written
for the project /home/dev/shop, replaced here by the temporary repository.
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

from guard.agent import formats
from guard.agent import install as agent_install
from guard.errors import UsageError
from guard.report import violations
from tests.conftest import git
from tests.test_agent import PAYLOADS, PROJECT, REASON, journal, populate

GUARD = str(Path(sys.executable).parent / "guard")  # the installed `guard` script
SED = "sed -i 's/return 1/return 2/' src/app.py"

# name -> (payload of an edit of src/app.py, payload of a shell command running SED)
CASES = {
    "claude": ("claude_write", "claude_bash"),
    "codex": ("codex_apply_patch", "codex_bash"),
    "gemini": ("gemini_write_file", "gemini_run_shell_command"),
    "cursor": ("cursor_write", "cursor_shell"),
    "copilot": ("copilot_edit", "copilot_bash"),
    "windsurf": ("windsurf_pre_write_code", "windsurf_pre_run_command"),
    "cline": ("cline_write_to_file", "cline_execute_command"),
    "opencode": ("opencode_edit", "opencode_bash"),
}


def raw(name: str, repo: Path, *swaps: tuple[str, str]) -> bytes:
    text = (PAYLOADS / f"{name}.json").read_text().replace(PROJECT, str(repo))
    for old, new in swaps:
        text = text.replace(old, new)
    return text.encode()


def shell_raw(name: str, repo: Path, command: str = SED) -> bytes:
    """A shell payload with its command set (a string field, Copilot's inside toolArgs)."""
    text = raw(name, repo).decode()
    for given in ("git status --short", SED):  # a JSON string, or one inside toolArgs
        text = text.replace(json.dumps(given), json.dumps(command))
        text = text.replace(
            json.dumps(json.dumps(given))[1:-1], json.dumps(json.dumps(command))[1:-1]
        )
    assert json.dumps(command) in text or json.dumps(json.dumps(command))[1:-1] in text, text
    return text.encode()


def run(
    name: str, data: bytes, cwd: Path, command: str = GUARD
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [command, "agent", name], input=data.decode(), cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def session(repo: Path, invoke: Any) -> Path:
    populate(repo)
    result = invoke(["session", "start", "--reason", REASON], cwd=repo)
    assert result.code == 0, result.err
    return repo


def _refused(done: subprocess.CompletedProcess[str], name: str, fragment: str) -> None:
    assert done.returncode == 2, done.stderr
    assert fragment in done.stderr
    shape = formats.AGENTS[name]["deny_output"]
    if shape:  # the agents that read the refusal on stdout get it there, filled in
        answer = json.loads(done.stdout)
        assert set(answer) == set(shape)
        assert any(isinstance(v, str) and fragment in v for v in answer.values())
    else:
        assert done.stdout == ""


# --------------------------------------------------------------------------- every agent


@pytest.mark.parametrize("name", formats.NAMES)
def test_an_edit_is_allowed_or_refused_by_its_path(name: str, session: Path) -> None:
    edit, _ = CASES[name]
    _refused(run(name, raw(edit, session), session), name, "src/app.py: production")
    docs = raw(edit, session, ("src/app.py", "docs/notes.md"))
    done = run(name, docs, session)
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        formats.AGENTS[name]["allow_output"],
        "",
    )
    entries = [e for e in journal(session) if e["data"]["agent"] == name]
    assert [e["event"] for e in entries] == ["blocked", "allowed"]


@pytest.mark.parametrize("name", formats.NAMES)
def test_a_shell_bypass_is_refused(name: str, session: Path) -> None:
    _, shell = CASES[name]
    done = run(name, shell_raw(shell, session), session)
    _refused(done, name, "src/app.py: production")
    harmless = run(name, shell_raw(shell, session, "git log -n 1"), session)
    assert harmless.returncode == 0, harmless.stderr


@pytest.mark.parametrize("name", formats.NAMES)
@pytest.mark.parametrize("data", [b"{not json", b"[1]", b""], ids=["not-json", "list", "empty"])
def test_malformed_input_is_refused_during_a_session(name: str, data: bytes, session: Path) -> None:
    _refused(run(name, data, session), name, "  - the hook")


@pytest.mark.parametrize("name", formats.NAMES)
def test_without_a_session_the_agent_is_not_stopped(name: str, repo: Path) -> None:
    populate(repo)
    edit, _ = CASES[name]
    done = run(name, raw(edit, repo), repo)
    assert (done.returncode, done.stdout) == (0, formats.AGENTS[name]["allow_output"])


def test_dialect_details(session: Path) -> None:
    """Copilot's toolArgs must be JSON text of an object; events an agent's entry does
    not judge pass; a Cursor Delete is judged as a deletion; Windsurf's command runs in
    its tool_info.cwd."""
    bad = json.dumps({"toolName": "edit", "toolArgs": "[1]"}).encode()
    _refused(run("copilot", bad, session), "copilot", "is JSON but not an object (list)")
    text = json.dumps({"toolName": "edit", "toolArgs": "{not json"}).encode()
    _refused(run("copilot", text, session), "copilot", "is a string but not JSON")
    flat = json.dumps({"hookName": "PreToolUse", "preToolUse": "write_to_file"}).encode()
    _refused(run("cline", flat, session), "cline", "the hook input has no preToolUse.toolName")
    nameless = raw("cline_use_mcp_tool", session).replace(b'"tool_name"', b'"tool"')
    _refused(run("cline", nameless, session), "cline", "names no MCP tool (tool_name)")
    other = raw("windsurf_pre_write_code", session).replace(b"pre_write_code", b"post_write_code")
    assert run("windsurf", other, session).returncode == 0
    delete = raw("cursor_write", session).replace(b'"Write"', b'"Delete"')
    _refused(run("cursor", delete, session), "cursor", "src/app.py: production")
    inside = raw(
        "windsurf_pre_run_command", session, (f'"cwd": "{session}"', f'"cwd": "{session}/src"')
    )
    inside = inside.replace(b" src/app.py", b" app.py")
    _refused(run("windsurf", inside, session), "windsurf", "src/app.py: production")


# --------------------------------------------------------------------------- MCP, subagents, plan


@pytest.mark.parametrize(
    ("name", "payload"),
    [
        ("claude", "claude_mcp_write_file"),
        ("cursor", "cursor_mcp"),
        ("windsurf", "windsurf_pre_mcp_tool_use"),
        ("cline", "cline_use_mcp_tool"),
    ],
)
def test_filesystem_mcp_tools_are_judged_by_their_paths(
    name: str, payload: str, session: Path
) -> None:
    _refused(run(name, raw(payload, session), session), name, "src/app.py: production")
    docs = raw(payload, session, ("src/app.py", "docs/notes.md"))
    assert run(name, docs, session).returncode == 0


def test_mcp_readers_pass_and_unknown_tools_follow_the_policy(
    repo: Path, invoke: Any, tmp_path: Path
) -> None:
    populate(repo)
    assert invoke(["session", "start", "--reason", REASON], cwd=repo).code == 0
    reader = raw("claude_mcp_write_file", repo).replace(b"__write_file", b"__read_text_file")
    assert run("claude", reader, repo).returncode == 0
    unknown = raw("claude_mcp_unknown", repo)
    assert run("claude", unknown, repo).returncode == 0
    noted = journal(repo)[-1]
    assert (noted["event"], noted["data"]["tool"]) == (
        "allowed",
        "mcp__github__create_or_update_file",
    )
    assert (
        noted["data"]["reason"] == "an MCP tool the guard cannot judge (unknown_mcp_tools: allow)"
    )
    assert invoke(["session", "stop"], cwd=repo).code == 0
    strict = tmp_path / "strict.yaml"
    strict.write_text("version: 1\nextends: default\nunknown_mcp_tools: refuse\n")
    started = invoke(["session", "start", "--reason", REASON, "--policy", str(strict)], cwd=repo)
    assert started.code == 0, started.err
    done = run("claude", unknown, repo)
    _refused(done, "claude", "unknown_mcp_tools: refuse")
    assert run("claude", reader, repo).returncode == 0  # a known reader still passes


def test_unknown_mcp_tools_policy_key_is_validated(repo: Path, invoke: Any, tmp_path: Path) -> None:
    populate(repo)
    policy = tmp_path / "bad.yaml"
    policy.write_text("version: 1\nextends: default\nunknown_mcp_tools: maybe\n")
    result = invoke(["session", "start", "--policy", str(policy)], cwd=repo)
    assert result.code != 0
    assert "bad.yaml:3:20: unknown_mcp_tools must be allow or refuse, not 'maybe'" in result.err


def test_a_subagent_call_is_judged_like_its_parents(session: Path) -> None:
    sub = raw("claude_subagent_edit", session)
    assert b'"agent_type": "general-purpose"' in sub
    parent = json.loads(sub)
    del parent["agent_id"], parent["agent_type"]
    for data in (sub, json.dumps(parent).encode()):
        _refused(run("claude", data, session), "claude", "src/app.py: production")
    docs = raw("claude_subagent_edit", session, ("src/app.py", "docs/notes.md"))
    assert run("claude", docs, session).returncode == 0


def test_plan_mode_refuses_every_write(session: Path, tmp_path: Path) -> None:
    plan = raw("claude_plan_write", session)  # docs/notes.md: the mode allows docs
    _refused(run("claude", plan, session), "claude", "the agent is in plan mode")
    assert run("claude", plan.replace(b'"plan"', b'"default"'), session).returncode == 0
    outside = plan.replace(f"{session}/docs/notes.md".encode(), str(tmp_path / "plan.md").encode())
    assert run("claude", outside, session).returncode == 0  # plans live outside the repository
    echo = shell_raw("claude_bash", session, "echo x > docs/notes.md")
    echo = echo.replace(b'"permission_mode": "default"', b'"permission_mode": "plan"')
    _refused(run("claude", echo, session), "claude", "plan mode")
    sed = shell_raw("claude_bash", session).replace(b'"default"', b'"plan"')
    _refused(run("claude", sed, session), "claude", "src/app.py: production")


# --------------------------------------------------------------------------- the installer

# A settings file for each JSON shape that is not matcher groups, with hooks and keys
# of its own that must come through an install and an uninstall untouched.
EXISTING: dict[str, dict[str, Any]] = {
    "cursor": {
        "version": 1,
        "hooks": {
            "preToolUse": [{"command": "./audit.sh", "matcher": "Shell"}],
            "stop": [{"command": "./stop.sh"}],
        },
        "theme": "dark",
    },
    "copilot": {
        "version": 1,
        "hooks": {"sessionStart": [{"type": "command", "bash": "./start.sh", "timeoutSec": 5}]},
    },
    "windsurf": {
        "hooks": {
            "post_write_code": [{"command": "./format.sh"}],
            "pre_run_command": [{"command": "./log.sh", "show_output": False}],
        },
    },
}


@pytest.mark.parametrize("name", sorted(EXISTING))
def test_flat_settings_round_trip(name: str, tmp_path: Path) -> None:
    dialect = formats.AGENTS[name]
    path = tmp_path / dialect["settings"]
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(EXISTING[name], indent=4))
    command = f"guard agent {name}"
    lines = agent_install.install(name, str(tmp_path), command=command)
    assert lines[0].startswith(f"{name}: updated {dialect['settings']} (")
    data = json.loads(path.read_text())
    assert list(data) == list(EXISTING[name])  # key order kept
    for event in agent_install.events(name):  # the pre-tool events, then the stop ones
        before = EXISTING[name]["hooks"].get(event, [])
        ours = agent_install.wanted(name, event, command, "warn")
        assert data["hooks"][event] == [*before, ours]
    for event, items in EXISTING[name]["hooks"].items():
        if event not in agent_install.events(name):
            assert data["hooks"][event] == items
    before = path.read_bytes()
    assert agent_install.install(name, str(tmp_path), command=command) == [
        f"{name}: already installed in {dialect['settings']}"
    ]
    assert path.read_bytes() == before
    assert agent_install.uninstall(name, str(tmp_path)) == [
        f"{name}: removed the session-guard hook from {dialect['settings']}"
    ]
    assert json.loads(path.read_text()) == EXISTING[name]
    assert agent_install.uninstall(name, str(tmp_path)) == []


@pytest.mark.parametrize("name", ["cursor", "copilot", "windsurf"])
def test_a_created_flat_file_is_removed_whole(name: str, tmp_path: Path) -> None:
    dialect = formats.AGENTS[name]
    (tmp_path / ".github/hooks").mkdir(parents=True)
    (tmp_path / ".github/hooks/lint.json").write_text("{}")
    agent_install.install(name, str(tmp_path), command=f"guard agent {name}")
    data = json.loads((tmp_path / dialect["settings"]).read_text())
    assert data == {
        **dialect["header"],
        "hooks": {
            e: [agent_install.wanted(name, e, f"guard agent {name}", "warn")]
            for e in agent_install.events(name)
        },
    }
    agent_install.uninstall(name, str(tmp_path))
    assert not (tmp_path / dialect["settings"]).exists()
    assert os.listdir(tmp_path / ".github/hooks") == ["lint.json"]


@pytest.mark.parametrize("name", ["cline", "opencode"])
def test_files_of_our_own_round_trip(name: str, tmp_path: Path) -> None:
    dialect = formats.AGENTS[name]
    path = tmp_path / dialect["settings"]
    path.parent.mkdir(parents=True)
    neighbour = path.parent / "Other"
    neighbour.write_text("#!/bin/sh\nexit 0\n")
    lines = agent_install.install(name, str(tmp_path), command=f"{GUARD} agent {name}")
    assert lines[0].startswith(f"{name}: created {dialect['settings']} (")
    assert path.read_text() == agent_install.file_text(name, f"{GUARD} agent {name}")
    assert bool(path.stat().st_mode & 0o111) == (name == "cline")
    assert agent_install.install(name, str(tmp_path), command=f"{GUARD} agent {name}") == [
        f"{name}: already installed in {dialect['settings']}"
    ]
    assert agent_install.install(name, str(tmp_path), command=f"guard agent {name}")[0].startswith(
        f"{name}: updated"
    )
    assert agent_install.uninstall(name, str(tmp_path)) == [
        f"{name}: removed {dialect['settings']}"
    ]
    assert not path.exists() and neighbour.exists()
    neighbour.unlink()
    agent_install.install(name, str(tmp_path), command=f"guard agent {name}")
    agent_install.uninstall(name, str(tmp_path))
    assert os.listdir(tmp_path) == []  # the folders it made went with it
    path.parent.mkdir(parents=True)
    path.write_text("#!/bin/sh\necho mine\n")
    with pytest.raises(UsageError, match="exists and is not session-guard's"):
        agent_install.install(name, str(tmp_path))
    assert agent_install.uninstall(name, str(tmp_path)) == []
    assert path.read_text() == "#!/bin/sh\necho mine\n"


def test_the_cline_hook_script_answers_in_clines_format(session: Path) -> None:
    agent_install.install("cline", str(session), command=f"{GUARD} agent cline")
    script = session / ".clinerules/hooks/PreToolUse"

    def hook(data: bytes) -> tuple[int, Any]:
        done = subprocess.run([str(script)], input=data, cwd=session, capture_output=True)
        return done.returncode, json.loads(done.stdout)

    code, answer = hook(raw("cline_write_to_file", session))
    assert code == 0 and answer["cancel"] is True
    assert "src/app.py: production" in answer["errorMessage"]
    assert hook(raw("cline_write_to_file", session, ("src/app.py", "docs/x.md"))) == (
        0,
        {"cancel": False},
    )
    for failing, cancel in (("sh -c 'exit 2'", True), ("false", False), ("true", False)):
        script.write_text(agent_install.file_text("cline", failing))
        code, answer = hook(b"{}")
        assert (code, answer["cancel"]) == (0, cancel)


def test_the_opencode_plugin_throws_on_a_refusal(session: Path, tmp_path: Path) -> None:
    assert shutil.which("node"), "Node.js runs the OpenCode plugin test (.ci/run installs it)"
    runner = (
        "const [plugin, dir, call] = process.argv.slice(1);\n"
        "const { SessionGuard } = await import(plugin);\n"
        "const hooks = await SessionGuard({ directory: dir });\n"
        "const { tool, sessionID, callID, args } = JSON.parse(call);\n"
        "try { await hooks['tool.execute.before']({ tool, sessionID, callID }, { args });"
        " console.log('allowed'); }\n"
        "catch (e) { console.log('refused: ' + e.message.split('\\n')[0]); }\n"
    )

    def plugin(command: str, call: bytes) -> str:
        copy = tmp_path / "plugin.mjs"
        copy.write_text(agent_install.file_text("opencode", command))
        done = subprocess.run(
            ["node", "--input-type=module", "-e", runner, str(copy), str(session), call.decode()],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    edit = raw("opencode_edit", session)
    assert plugin(f"{GUARD} agent opencode", edit).startswith("refused: session-guard: blocked")
    docs = raw("opencode_edit", session, ("src/app.py", "docs/x.md"))
    assert plugin(f"{GUARD} agent opencode", docs) == "allowed"
    assert plugin("/nonexistent/guard agent opencode", edit) == "allowed"  # like every agent
    assert plugin("sh -c 'echo broken >&2; exit 1'", edit) == "refused: broken"


def test_claude_local_settings_stay_out_of_commits(repo: Path, invoke: Any) -> None:
    populate(repo)
    shared = repo / ".claude/settings.json"
    shared.parent.mkdir()
    shared.write_text('{"model": "opus"}\n')
    done = invoke(["install", "--agent", "claude", "--local", "--command", GUARD], cwd=repo)
    assert done.code == 0, done.err
    local = json.loads((repo / ".claude/settings.local.json").read_text())
    assert local["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == f"{GUARD} agent claude"
    assert shared.read_text() == '{"model": "opus"}\n'
    assert "it stays out of commits" in done.out.decode()
    untracked = git(repo, "status", "--porcelain", "--untracked-files=all", "--", ".claude")
    assert untracked == "?? .claude/settings.json\n"
    again = invoke(["install", "--agent", "claude", "--local", "--command", GUARD], cwd=repo)
    assert "already installed in .claude/settings.local.json" in again.out.decode()
    exclude = (repo / ".git/info/exclude").read_text()
    assert exclude.count("/.claude/settings.local.json") == 1
    removed = invoke(["uninstall", "--agent", "claude", "--local"], cwd=repo)
    assert "removed .claude/settings.local.json" in removed.out.decode()
    assert shared.exists()
    refused = invoke(["install", "--agent", "codex", "--local"], cwd=repo)
    assert refused.code != 0 and "--local: Codex CLI has no local settings file" in refused.err
    alone = invoke(["install", "--local"], cwd=repo)
    assert alone.code != 0 and "--command, --local and --on-stop go with --agent NAME" in alone.err
    alone = invoke(["install", "--on-stop", "block"], cwd=repo)
    assert alone.code != 0 and "--on-stop go with --agent NAME" in alone.err


def test_the_installer_warns_when_the_command_would_not_run(repo: Path, invoke: Any) -> None:
    populate(repo)
    done = invoke(["install", "--agent", "cursor", "--command", "/nonexistent/guard"], cwd=repo)
    assert done.code == 0, done.err
    assert (
        "cursor: warning: `/nonexistent/guard agent cursor` would not run here" in done.out.decode()
    )
    good = invoke(["install", "--agent", "windsurf", "--command", GUARD], cwd=repo)
    assert "would not run" not in good.out.decode()
    spaced = agent_install.command_for("claude", "/opt/my tools/guard")
    assert spaced == "'/opt/my tools/guard' agent claude"
    assert agent_install.is_ours({"command": spaced}, "claude")
    assert not agent_install.would_run("'unclosed")


def audited(invoke: Any, repo: Path) -> list[str]:
    """The paths `guard audit` calls violations, committed or not."""
    report = json.loads(invoke(["audit", "--format", "json"], cwd=repo).out)
    working = [c["path"] for c in report["working_tree"] if not c["allowed"]]
    return [change["path"] for _, change in violations(report)] + working


@pytest.mark.parametrize("name", formats.NAMES)
def test_settings_installed_during_a_session_are_not_its_work(
    name: str, repo: Path, invoke: Any
) -> None:
    """`guard install --agent NAME` during a session leaves the audit clean; a settings
    file that holds more than the guard's hook is the session's work as before."""
    populate(repo)
    assert invoke(["session", "start", "--reason", REASON], cwd=repo).code == 0
    done = invoke(["install", "--agent", name, "--command", GUARD], cwd=repo)
    assert done.code == 0, done.err
    assert audited(invoke, repo) == []
    settings = repo / formats.AGENTS[name]["settings"]
    if formats.AGENTS[name]["shape"] == "file":
        settings.write_text(settings.read_text() + "# and something else\n")
    else:
        data = json.loads(settings.read_text())
        data["extra"] = True
        settings.write_text(json.dumps(data))
    assert audited(invoke, repo) == [formats.AGENTS[name]["settings"]]


def test_a_tampered_entry_of_ours_is_the_sessions_work(repo: Path, invoke: Any) -> None:
    populate(repo)
    assert invoke(["session", "start", "--reason", REASON], cwd=repo).code == 0
    assert invoke(["install", "--agent", "codex", "--command", GUARD], cwd=repo).code == 0
    settings = repo / ".codex/hooks.json"
    settings.write_text(
        settings.read_text().replace(f"{GUARD} agent codex", "true # guard agent codex")
    )
    assert audited(invoke, repo) == [".codex/hooks.json"]


# --------------------------------------------------------------------------- one table


def test_help_and_readme_list_every_agent_from_the_table(invoke: Any) -> None:
    shown = invoke(["agent", "--help"])
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table = readme[readme.index("| agent | `guard agent`") :]
    table = table[: table.index("\n\n")]
    for name, dialect in formats.AGENTS.items():
        assert f"{name}: {dialect['title']}" in shown.out.decode()
        row = next(line for line in table.split("\n") if line.startswith(f"| {dialect['title']} |"))
        assert f"`{name}`" in row and dialect["settings"] in row
        assert ", ".join(f"`{e}`" for e in dialect["install_events"]) in row
        assert row.endswith(f" | {dialect['stop']['support']} |")  # the end-of-turn hook
    assert "| Amp |" in table  # and why it is not covered


def test_installer_edges(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    populate(repo)
    path = os.environ["PATH"]
    assert shutil.which("guard") is None  # the tests' PATH has git, not the guard
    monkeypatch.setenv("PATH", f"{Path(GUARD).parent}{os.pathsep}{path}")
    assert agent_install.default_command("cursor") == "guard agent cursor"
    monkeypatch.setenv("PATH", path)
    monkeypatch.setattr(sys, "argv", [GUARD, "install"])
    assert agent_install.default_command("cursor") == f"{GUARD} agent cursor"
    ours = agent_install.handler("claude", "guard agent claude")
    assert agent_install.is_exactly_ours(ours, "claude")
    assert not agent_install.is_exactly_ours({**ours, "timeout": 5}, "claude")
    assert not agent_install.is_exactly_ours({"command": "./lint.sh"}, "claude")
    (repo / ".gitignore").write_text(".claude/settings.local.json\n")
    lines = agent_install.install("claude", str(repo), "guard agent claude", local=True)
    assert not any("stays out of commits" in line for line in lines)  # git ignores it already
    only = agent_install.only_ours
    asked = ["src/app.py", ".claude/settings.local.json", ".codex/hooks.json"]
    head = git(repo, "rev-parse", "HEAD").strip()
    # .codex/hooks.json is not there: nothing of ours
    assert agent_install.settings_own(str(repo), head, asked) == {".claude/settings.local.json"}
    shared = json.dumps({"hooks": {"PreToolUse": [{"matcher": "Bash", "hooks": [ours]}]}})
    assert not only("claude", "s", json.dumps({"model": "x"}).encode(), shared.encode())
    assert not only("claude", "s", None, shared.encode())  # the guard's hook taken away
    groups = json.dumps({"hooks": {"PreToolUse": ["odd", {"hooks": "x"}]}}).encode()
    assert not only("claude", ".claude/settings.json", groups, None)  # others' groups are work
    assert not only("claude", ".claude/settings.json", b"{not json", None)
    script = agent_install.file_text("cline", "guard agent cline").encode()
    assert only("cline", "x", script, None)
    assert not only("cline", "x", script, b"older")  # it replaced a committed file
    assert not only("cline", "x", script.replace(b"guard agent", b"evil; guard agent"), None)
    assert not only("cline", "x", b"#!/bin/sh\n", None)
    plugin = agent_install.file_text("opencode", "/opt/bin/guard agent opencode").encode()
    assert only("opencode", "x", plugin, None)
