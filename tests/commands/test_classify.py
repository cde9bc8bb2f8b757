"""`guard classify`: categories, rules, paths relative to where it runs, odd names."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from guard.quoting import shown
from tests.commands.test_policy import LOCAL_POLICY
from tests.conftest import git


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
    assert shown("a\x01\udcff") == '"a\\001\\377"'


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
