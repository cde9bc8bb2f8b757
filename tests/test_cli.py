"""The CLI, in process and as a real subprocess: outputs, errors and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from guard import __version__, cli
from tests.conftest import git

LOCAL_POLICY = """\
version: 1
extends: default
rules:
  # the team's analysis notes
  - category: docs
    paths: [/notes/]
"""


def test_classify_prints_category_path_and_rule(invoke, repo: Path) -> None:
    result = invoke(["classify", "tests/test_app.py", "README.md", "setup.py"], cwd=repo)
    assert result.code == 0, result.err
    lines = result.text.splitlines()
    assert lines[0].startswith("test        tests/test_app.py  (policies/default.yaml:")
    assert lines[1].startswith("docs        README.md  (policies/default.yaml:")
    assert lines[2] == "production  setup.py  (default)"


def test_repository_policy_applies_and_is_named_in_the_rule(invoke, repo: Path) -> None:
    (repo / ".guard.yaml").write_text(LOCAL_POLICY)
    result = invoke(["classify", "--json", "notes/findings.py", ".guard.yaml"], cwd=repo)
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert rows[0] == {
        "path": "notes/findings.py",
        "category": "docs",
        "rule": ".guard.yaml:6: /notes/",
    }
    assert rows[1]["category"] == "production"


def test_paths_are_relative_to_the_current_directory(invoke, repo: Path) -> None:
    sub = repo / "tests" / "unit"
    sub.mkdir(parents=True)
    result = invoke(
        ["classify", "--json", "helpers.py", "../../src/app.py", str(repo / "docs" / "x.md")],
        cwd=sub,
    )
    assert result.code == 0, result.err
    assert [r["category"] for r in json.loads(result.out)] == ["test", "production", "docs"]
    outside = invoke(["classify", "../../../elsewhere.py"], cwd=sub)
    assert outside.code == 2
    assert outside.err == "guard: '../../../elsewhere.py' is outside the repository\n"


def test_classify_works_outside_a_repository(invoke, tmp_path: Path) -> None:
    result = invoke(["classify", "docs/index.md", "src/main.go"], cwd=tmp_path)
    assert result.code == 0, result.err
    assert [line.split()[0] for line in result.text.splitlines()] == ["docs", "production"]
    absolute = invoke(["classify", "/etc/passwd"], cwd=tmp_path)
    assert absolute.code == 2
    assert "an absolute path needs a repository" in absolute.err


ODD_NAMES = [
    b"docs/with space.md",
    b'tests/quote"d.py',
    b"tests/new\nline.py",
    b"src/tab\there.py",
    b"docs/latin1-\xe9.md",
    b"-leading-dash.py",
    b"src/\xff\xfe.bin",
]


def test_stdin_z_json_round_trips_every_path_git_lists(invoke, repo: Path) -> None:
    for name in ODD_NAMES:
        target = os.path.join(os.fsencode(repo), name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as handle:
            handle.write(b"x\n")
    git(repo, "add", "-A")
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    result = invoke(["classify", "--stdin", "-z", "--json"], stdin=listed, cwd=repo)
    assert result.code == 0, result.err
    rows = json.loads(result.out)
    assert sorted(os.fsencode(r["path"]) for r in rows) == sorted(ODD_NAMES)
    by_path = {os.fsencode(r["path"]): r["category"] for r in rows}
    assert by_path[b"tests/new\nline.py"] == "test"
    assert by_path[b"docs/latin1-\xe9.md"] == "docs"
    assert by_path[b"src/\xff\xfe.bin"] == "production"


def test_z_output_is_nul_separated_fields(invoke, repo: Path) -> None:
    result = invoke(["classify", "--stdin", "-z"], stdin=b"a\nb.py\0docs/x.md\0", cwd=repo)
    assert result.code == 0, result.err
    fields = result.out.split(b"\0")
    assert fields[:3] == [b"a\nb.py", b"production", b""]
    assert fields[3:5] == [b"docs/x.md", b"docs"]
    assert fields[5].startswith(b"policies/default.yaml:")


def test_plain_output_quotes_control_characters(invoke, repo: Path) -> None:
    result = invoke(["classify", "--stdin"], stdin="src/a\tb.py\nsrc/é\\.py\n".encode(), cwd=repo)
    assert result.code == 0
    assert result.text.splitlines() == [
        'production  "src/a\\tb.py"  (default)',
        'production  "src/é\\\\.py"  (default)',
    ]
    assert cli.quote_path("a\x01\udcff") == '"a\\001\\377"'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["classify"], "guard: give paths to classify, or --stdin to read them\n"),
        (
            ["classify", "-z", "x"],
            "guard: -z needs --stdin (it sets how paths are separated there)\n",
        ),
    ],
)
def test_usage_errors_exit_2_with_the_reason(
    invoke, repo: Path, args: list[str], message: str
) -> None:
    result = invoke(args, cwd=repo)
    assert (result.code, result.err) == (2, message)


def test_broken_repository_policy_is_reported_with_location(invoke, repo: Path) -> None:
    (repo / ".guard.yaml").write_text(
        "version: 1\nextends: default\nrules:\n  - category: doc\n    paths: [notes/]\n"
    )
    result = invoke(["classify", "x"], cwd=repo)
    assert result.code == 2
    assert result.err == (
        ".guard.yaml:4:15: unknown category 'doc' (did you mean 'docs'?)\n"
        "hint: fix the policy, then run `guard policy check`\n"
    )
    assert result.out == b""


def test_policy_check_validates_the_effective_policy_and_named_files(invoke, repo: Path) -> None:
    ok = invoke(["policy", "check"], cwd=repo)
    assert ok.code == 0, ok.err
    assert ok.text.startswith("ok: policies/default.yaml: ")
    (repo / ".guard.yaml").write_text(LOCAL_POLICY)
    (repo / "bad.yaml").write_text("version: 1\nextends: default\nmodes:\n  audit: [dosc]\n")
    both = invoke(["policy", "check", ".guard.yaml", "bad.yaml"], cwd=repo)
    assert both.code == 2
    assert both.text.startswith("ok: .guard.yaml -> policies/default.yaml: ")
    assert (
        both.err.splitlines()[0] == "bad.yaml:4:11: unknown category 'dosc' (did you mean 'docs'?)"
    )


def test_policy_show_prints_the_resolved_policy(invoke, repo: Path) -> None:
    (repo / ".guard.yaml").write_text(LOCAL_POLICY)
    shown = invoke(["policy", "show", "--json"], cwd=repo)
    assert shown.code == 0, shown.err
    data = json.loads(shown.out)
    assert data["sources"] == ["policies/default.yaml", ".guard.yaml"]
    assert data["categories"] == ["production", "test", "docs"]
    assert data["modes"]["read-only"] == ["docs"]
    assert data["rules"][-1] == {
        "category": "docs",
        "pattern": "/notes/",
        "rule": ".guard.yaml:6: /notes/",
    }
    text = invoke(["policy", "show"], cwd=repo).text.splitlines()
    assert (
        text[0] == "# resolved from policies/default.yaml -> .guard.yaml (last matching rule wins)"
    )
    assert "  read-only: docs" in text
    assert text[-1].split() == ["docs", "/notes/", ".guard.yaml:6"]


def test_version(invoke) -> None:
    result = invoke(["--version"])
    assert (result.code, result.text) == (0, f"session-guard, version {__version__}\n")


def test_internal_errors_exit_5_and_say_it_is_a_bug(invoke, repo: Path, monkeypatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "_policy_for", explode)
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
    assert not loaded & {"re", "json", "typing", "subprocess", "click"}


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
    assert (code, err) == (2, "guard: --session 'nope': no such archived session\n")


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
