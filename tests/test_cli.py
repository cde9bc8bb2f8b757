"""The thin CLI, in process and as a real subprocess: parsing, help, errors, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from guard import __version__
from guard.commands import classify
from tests.conftest import git


def test_version(invoke) -> None:
    result = invoke(["--version"])
    assert (result.code, result.text) == (0, f"session-guard, version {__version__}\n")


def test_internal_errors_exit_5_and_say_it_is_a_bug(invoke, repo: Path, monkeypatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(classify, "policy_for", explode)
    result = invoke(["classify", "x"], cwd=repo)
    assert result.code == 5
    assert result.err == (
        f"guard: internal error (this is a bug in session-guard {__version__}, "
        "please report it): RuntimeError: boom\n"
    )


def test_unknown_option_is_a_usage_error(invoke) -> None:
    result = invoke(["classify", "--jsn", "x"])
    assert result.code == 2
    assert "Error: No such option '--jsn'" in result.err


def test_guard_script_and_module_run_as_subprocesses(repo: Path) -> None:
    script = str(Path(sys.executable).parent / "guard")
    for command in ([script], [sys.executable, "-m", "guard"]):
        done = subprocess.run(
            [*command, "classify", "--stdin", "--json"],
            input=b"tests/test_a.py\ndocs/guide.md\n",
            cwd=repo,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        rows = json.loads(done.stdout)
        assert [r["category"] for r in rows] == ["test", "docs"]
    broken = subprocess.run(
        [script, "policy", "check", "nonexistent.yaml"], cwd=repo, capture_output=True, check=False
    )
    assert broken.returncode == 2
    assert broken.stderr.decode().startswith(
        "nonexistent.yaml:1:1: cannot read policy: No such file or directory\n"
    )
    assert b"Traceback" not in broken.stderr


def test_the_guard_script_loads_nothing_before_its_command_needs_it(repo: Path) -> None:
    """`guard` is a plain script, not a console-script wrapper (which imports `re` before
    anything else): a hook with no session to check loads neither `re` nor `json`."""
    script = Path(sys.executable).parent / "guard"
    # Without coverage's subprocess measurement, which imports modules of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    done = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", str(script), "agent", "claude"],
        input=b"{}",
        cwd=repo,
        capture_output=True,
        env=env,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, b"")
    lines = done.stderr.decode().splitlines()
    loaded = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    assert "guard.agent.hook" in loaded
    assert not loaded & {"re", "json", "typing", "subprocess", "click", "guard.errors"}


def test_the_guard_script_dispatches_each_fast_path(repo: Path) -> None:
    """Through the installed script: the hook paths answer without a session, an
    unknown agent and an audit of a named session go on to click and its errors."""
    script = str(Path(sys.executable).parent / "guard")

    def run(*args: str, stdin: bytes = b"") -> tuple[int, bytes, str]:
        done = subprocess.run([script, *args], input=stdin, cwd=repo, capture_output=True)
        return done.returncode, done.stdout, done.stderr.decode()

    assert run("agent", "claude", stdin=b"{}") == (0, b"", "")
    assert run("check", "--staged") == (0, b"", "")
    code, _, err = run("agent", "nobody")
    assert code == 2
    assert "nobody" in err
    code, _, err = run("audit", "--session", "nope")
    assert (code, err) == (
        2,
        "guard: --session 'nope': no such session\nhint: guard session list shows them\n",
    )


def _stage_production(repo: Path) -> None:
    """A commit to start from, then `src/app.py` (production) staged."""
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "init")
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    git(repo, "add", "src/app.py")


def test_check_staged_without_a_session_imports_almost_nothing(repo: Path) -> None:
    """What the pre-commit framework runs on every commit costs a bare Python start
    when no session is active: the repository is found by the walk, not by git."""
    _stage_production(repo)
    script = (
        "import sys\n"
        "sys.argv = ['guard', 'check', '--staged']\n"
        "from guard.entry import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as done:\n"
        "    code = done.code\n"
        "heavy = {'json', 'typing', 'guard.store', 'guard.session', 'guard.policy',"
        " 'guard.gitio', 'guard.hooks.run', 'click', 'yaml', 'pathspec', 'subprocess',"
        " 'shlex', 're', 'rich'}\n"
        "print(code, sorted(heavy & set(sys.modules)))\n"
    )
    # Without coverage's subprocess measurement, which imports modules of its own.
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    for where in (repo, repo / "src"):
        done = subprocess.run(
            [sys.executable, "-I", "-c", script], cwd=where, capture_output=True, text=True, env=env
        )
        assert (done.stdout, done.stderr) == ("0 []\n", "")


def test_check_staged_through_the_script_blocks_only_during_a_session(repo: Path) -> None:
    script = str(Path(sys.executable).parent / "guard")

    def check(where: Path) -> tuple[int, bytes, str]:
        done = subprocess.run([script, "check", "--staged"], cwd=where, capture_output=True)
        return done.returncode, done.stdout, done.stderr.decode()

    _stage_production(repo)
    assert check(repo) == (0, b"", "")
    started = subprocess.run([script, "session", "start"], cwd=repo, capture_output=True)
    assert started.returncode == 0, started.stderr
    for where in (repo, repo / "src"):  # the walk finds the session from a subdirectory too
        code, out, err = check(where)
        assert (code, out) == (1, b""), err
        assert "    src/app.py  production  (no rule matched: the policy default)" in err
    (repo / ".git" / "guard" / "session.json").write_text("{}")
    code, _, err = check(repo)  # unusable session state: fail closed
    assert code == 3, err
    assert err.startswith("session-guard: session file does not match the one recorded")


def test_wheel_ships_the_policies_and_the_guard_script(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(root),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("session_guard-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "guard/policies/default.yaml" in names
    assert "guard/cli.py" in names
    # The script, its shebang left for the installer to point at the environment's Python.
    with zipfile.ZipFile(wheel) as archive:
        script = archive.read(f"session_guard-{__version__}.data/scripts/guard")
    assert script.startswith(b"#!python\n")
    assert b"from guard.entry import main" in script


def test_boundary_maps_errors_to_exit_codes(capsys, monkeypatch) -> None:
    from guard.errors import StateError, boundary

    def broken_state() -> int:
        raise StateError("session file is unreadable", hint="guard session verify")

    def bug() -> int:
        raise KeyError("x")

    assert boundary(lambda: 7) == 7
    assert boundary(broken_state) == 3
    assert capsys.readouterr().err == (
        "guard: session file is unreadable\nhint: guard session verify\n"
    )
    monkeypatch.setenv("GUARD_DEBUG", "1")
    assert boundary(bug) == 5
    err = capsys.readouterr().err
    assert err.startswith(f"guard: internal error (this is a bug in session-guard {__version__}")
    assert "Traceback" in err and "KeyError: 'x'" in err


def help_text(invoke, *command: str) -> str:
    result = invoke([*command, "--help"])
    assert (result.code, result.err) == (0, "")
    return " ".join(result.text.split())  # click wraps to the terminal's width


@pytest.mark.parametrize("command", ["audit", "rollback"])
def test_session_help_names_the_fallback_to_the_latest_stopped_one(invoke, command: str) -> None:
    assert (
        "--session TEXT An archived session (default: the active one, else the latest "
        "stopped one)." in help_text(invoke, command)
    )


def test_agent_help_speaks_of_the_command_not_its_files(invoke) -> None:
    text = help_text(invoke, "agent")
    assert (
        "`guard install --agent NAME` writes the entry that runs it. Without a session it "
        "allows at once. With --on-stop it is the agent's end-of-turn hook instead, and "
        "always exits 0 (its JSON answer decides)."
    ) in text
    assert (
        "Agents (hook events, settings file): claude: Claude Code, PreToolUse; end of turn: "
        "Stop, SubagentStop (.claude/settings.json)"
    ) in text
    assert text.endswith(
        "opencode: OpenCode, tool.execute.before (.opencode/plugins/session-guard.js)"
    )
    assert ".py" not in text


def test_a_hook_during_a_session_loads_no_cli_yaml_pathspec_or_rich(repo: Path, invoke) -> None:
    """The hooks run on every commit of a session: the frozen policy needs neither YAML
    nor pathspec nor the policy file loader, a block message needs no rich, and nothing
    needs click."""
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "init")
    assert invoke(["session", "start"], cwd=repo).code == 0
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("x = 1\n")
    git(repo, "add", "src/app.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    state = str(repo / ".git" / "guard")
    done = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", "-m", "guard.hooks", state, "pre-commit"],
        cwd=repo,
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert "session-guard: blocked this commit" in done.stderr.decode()
    loaded = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    assert "guard.judge" in loaded
    cold = {"click", "rich", "yaml", "pathspec", "git", "guard.cli", "guard.policy_file"}
    assert not loaded & cold


def test_a_session_audit_reads_no_yaml(repo: Path, invoke) -> None:
    """A session is judged by the policy it froze at its start: its audit parses no
    YAML, neither a policy file nor (in a repository lefthook does not manage)
    lefthook's configuration."""
    (repo / "README.md").write_text("x\n")
    git(repo, "add", "README.md")
    git(repo, "commit", "-qm", "init")
    assert invoke(["session", "start"], cwd=repo).code == 0
    script = str(Path(sys.executable).parent / "guard")
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE")}
    done = subprocess.run(
        [sys.executable, "-I", "-X", "importtime", script, "audit", "--format", "json"],
        cwd=repo,
        capture_output=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["summary"]["verdict"] == "clean"
    lines = done.stderr.decode().splitlines()
    loaded = {line.rsplit("|", 1)[1].strip() for line in lines if line.startswith("import time:")}
    assert "guard.gather" in loaded
    assert "yaml" not in loaded
