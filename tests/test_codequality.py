"""`--format codequality`: GitLab's code quality report, from a real range audit."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import git


def make_pull_request(repo: Path) -> None:
    (repo / "README.md").write_text("# app\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    git(repo, "checkout", "-q", "-b", "pr")
    (repo / "src").mkdir()
    (repo / "src" / "ünï code.py").write_text("x = 1\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.md").write_text("notes\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "docs: notes")


def issues(invoke: Any, repo: Path) -> list[dict[str, Any]]:
    args = ["audit", "--base", "main", "--head", "pr", "--claims", "-", "--format", "codequality"]
    done = invoke(args, stdin=b"Notes\n\nDocumentation only.\n", cwd=repo)
    assert done.code == 1
    found: list[dict[str, Any]] = json.loads(done.text)
    return found


def test_each_finding_is_an_issue_at_its_path(repo: Path, invoke: Any) -> None:
    make_pull_request(repo)
    found = issues(invoke, repo)
    by_check = {issue["check_name"]: issue for issue in found}
    violation = by_check["guard/mode-violation"]
    assert violation["location"] == {"path": "src/ünï code.py", "lines": {"begin": 1}}
    assert violation["severity"] == "major"
    assert violation["type"] == "issue"
    assert "src/ünï code.py: production" in violation["description"]
    claim = by_check["guard/false-claim"]
    assert claim["location"]["path"] == "src/ünï code.py"
    assert "false claim 'Documentation only'" in claim["description"]
    assert "guard/mislabelled-commit" in by_check
    assert len({issue["fingerprint"] for issue in found}) == len(found)
    assert [i["fingerprint"] for i in issues(invoke, repo)] == [i["fingerprint"] for i in found]


def test_a_clean_range_has_no_issues(repo: Path, invoke: Any) -> None:
    (repo / "README.md").write_text("# app\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    args = ["audit", "--base", "HEAD", "--head", "HEAD", "--format", "codequality"]
    done = invoke(args, cwd=repo)
    assert (done.code, json.loads(done.text)) == (0, [])
