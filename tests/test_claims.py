"""`guard audit --claims`: what a pull request or an agent's report claims, checked.

Extraction runs on realistic texts (what reviewers read in pull requests and agents
write in final reports); the checks run on real repositories, range audits as CI
runs them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import jsonschema
import pytest

import guard.report
from guard.claims import KINDS, PATTERNS, check, extract
from tests.conftest import commit_files, git

SCHEMA = json.loads((Path(guard.report.__file__).parent / "audit.schema.json").read_text())

# Shaped like the report that motivated the check: an agent's final report of a
# session declared read-only, over a change that migrated thousands of test files and
# added production modules.
MOTIVATING = """\
## Final report

This was a read-only analysis of the flaky login test, as requested.

Summary: documentation-only changes. Along the way I migrated the suite to the new
fixtures (3,000 migrated test files under tests/) and added src/app/retry.py and
src/app/backoff.py so the findings can be reproduced.

No functional changes. Configuration unchanged.
"""


def kinds(text: str) -> list[str]:
    return [claim.kind for claim in extract(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MOTIVATING,
            ["read-only", "docs-only", "no-functional-changes", "configuration-unchanged"],
        ),
        ("docs(api): clarify retry limits\n\nExplains the backoff.", ["docs-only"]),
        ("[docs] Fix typos", ["docs-only"]),
        ("Update the docs", ["docs-only"]),
        ("test(auth): cover token refresh", ["tests-only"]),
        ("Add retry tests\n\nTest-only change, nothing else.", ["tests-only"]),
        ("Cover the parser\n\nTests only.", ["tests-only"]),
        ("Rename helpers\n\nThere are no functional changes here.", ["no-functional-changes"]),
        ("Typos\n\nNo code changes.", ["docs-only"]),
        ("Bump the timeout\n\nThe configuration is unchanged.", ["configuration-unchanged"]),
        ("Tidy\n\nNo changes to the config.", ["configuration-unchanged"]),
        ("Refactor\n\n12 files changed, all under src/.", ["files-changed"]),
        ("Refactor\n\nThis touches about 40 files.", ["files-changed"]),
        ("Investigate\n\nNo files were changed.", ["files-changed"]),
        # Not claims: negated, a mention in quotes or code, someone else's words, or
        # the phrase used for something else.
        ("Fix login\n\nThis is not documentation only: it changes src/.", []),
        ("Fix login\n\nMore than a docs-only change, despite the title.", []),
        ("Fix login\n\nIt isn't a read-only analysis any more.", []),
        ('Label fix\n\nThe `docs-only` label and the "documentation only" filter work.', []),
        ("Reply\n\n> documentation-only changes\n\nThe quote above was wrong.", []),
        ("Add a read-only analysis mode to the CLI", []),
        ("CI\n\nThe tests only run on Linux now.", []),
        ("Cleanup\n\nI made no changes to production code, only to tests.", []),
        ("Cleanup\n\nNo files changed outside tests/.", []),
        ("Retry\n\nDocs only if the flag is set.", []),
        ("Example\n\n```\ndocs only\n```\n", []),
    ],
)
def test_extract_finds_what_a_text_claims(text: str, expected: list[str]) -> None:
    assert kinds(text) == expected


def test_extract_reads_counts_and_their_bounds() -> None:
    found = extract("Move\n\nChanged over 3,000 files; 12 files changed in src; ~5 files touched.")
    assert [(c.number, c.bound) for c in found] == [(3000, ">="), (12, "="), (5, "~")]


def test_extract_gives_each_claim_its_line_and_words_once() -> None:
    found = extract("Notes\n\nDocs only.\nAgain: docs-only.")
    assert [(c.kind, c.text, c.line) for c in found] == [("docs-only", "Docs only", 3)]


def test_check_holds_claims_against_categories_and_counts() -> None:
    changed = {"production": ["src/a.py"], "test": ["tests/t.py"], "docs": ["README.md"]}
    modes = {"read-only": ("docs",), "tests-only": ("docs", "test")}
    rows = check(extract("Work\n\nTests only. 3 files changed."), changed, 3, modes)
    tests, files = rows
    assert not tests["holds"]
    assert tests["counts"] == {"production": 1}
    assert tests["paths"] == ["src/a.py"]
    assert files["holds"]
    assert files["detail"] == "claims 3, the change has 3 file(s)"


@pytest.mark.parametrize(
    ("text", "files", "holds"),
    [
        ("changed over 10 files", 10, True),
        ("changed over 10 files", 9, False),
        ("changed fewer than 10 files", 10, True),
        ("changed fewer than 10 files", 11, False),
        ("about 40 files changed", 44, True),
        ("about 40 files changed", 45, False),
        ("about two files changed", 3, True),
        ("two files changed", 3, False),
    ],
)
def test_a_count_is_held_as_it_is_meant(text: str, files: int, holds: bool) -> None:
    (row,) = check(extract(f"Work\n\n{text}."), {}, files, {})
    assert row["holds"] is holds


def test_a_policy_with_a_config_category_decides_what_configuration_is() -> None:
    changed = {"config": ["deploy/values.json"], "production": ["src/settings.yaml"]}
    (row,) = check(extract("Deploy\n\nConfiguration unchanged."), changed, 2, {})
    assert row["paths"] == ["deploy/values.json"]
    (row,) = check(extract("Deploy\n\nConfiguration unchanged."), {"docs": ["a.yml"]}, 1, {})
    assert row["holds"]  # documentation is not configuration, whatever its extension


# --------------------------------------------------------------------------- real repos


@pytest.fixture
def base(repo: Path) -> Path:
    commit_files(
        repo,
        {"README.md": "# app\n", "pyproject.toml": "[project]\n", "src/app/main.py": "x = 1\n"},
        "start",
    )
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def audit(invoke: Any, repo: Path, text: str, fmt: str = "json") -> tuple[int, str]:
    result = invoke(
        ["audit", "--base", "main", "--head", "pr", "--claims", "-", "--format", fmt],
        stdin=text.encode(),
        cwd=repo,
    )
    return result.code, result.text


def test_a_false_documentation_only_report_over_thousands_of_test_files_fails(
    base: Path, invoke: Any
) -> None:
    files = {f"tests/unit/test_case_{i:04}.py": f"def test_{i}():\n    pass\n" for i in range(3000)}
    files |= {"src/app/retry.py": "RETRIES = 3\n", "src/app/backoff.py": "BASE = 0.5\n"}
    files["docs/notes/login.md"] = "# The flaky login test\n"
    commit_files(base, files, "Migrate the test suite and add retry helpers")

    code, out = audit(invoke, base, MOTIVATING)
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    assert code == 1
    found = {c["kind"]: c for c in report["claims"]}
    docs = found["docs-only"]
    assert not docs["holds"]
    assert docs["text"] == "documentation-only"
    assert docs["line"] == 5
    assert docs["counts"] == {"production": 2, "test": 3000}
    assert docs["paths"][:2] == ["src/app/backoff.py", "src/app/retry.py"]
    assert docs["more"] == 3002 - 20
    assert docs["detail"] == "changes 3,002 path(s) outside docs: 2 production, 3,000 test"
    assert not found["read-only"]["holds"]
    assert found["no-functional-changes"]["counts"] == {"production": 2}
    assert found["configuration-unchanged"]["holds"]  # pyproject.toml is untouched

    code, text = audit(invoke, base, MOTIVATING, "text")
    assert code == 1
    assert "False claims" in text
    assert (
        "line 5  'documentation-only': changes 3,002 path(s) outside docs: 2 production, "
        "3,000 test (src/app/backoff.py, src/app/retry.py, tests/unit/test_case_0000.py,"
    ) in text
    assert "and 2,997 more)" in text
    false, held = text.split("False claims", 1)[1].split("Claims that hold", 1)
    assert "Configuration unchanged" not in false  # a true claim is no finding
    assert "line 9 'Configuration unchanged': no path of configuration changed" in held


def test_every_format_carries_a_false_claim(base: Path, invoke: Any) -> None:
    commit_files(base, {"src/app/main.py": "x = 2\n", "docs/usage.md": "use\n"}, "docs: usage")
    text = "docs: usage and a fix\n\nDocumentation only."

    code, md = audit(invoke, base, text, "markdown")
    assert code == 1
    assert "## False claims" in md
    assert "- `line 1` 'docs: usage and a fix': changes 1 path(s) outside docs: 1 production" in md
    assert "(src/app/main.py)" in md
    assert "## Claims that hold" not in md

    _, sarif = audit(invoke, base, text, "sarif")
    run = json.loads(sarif)["runs"][0]
    assert "guard/false-claim" in [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    (claim,) = [r for r in run["results"] if r["ruleId"] == "guard/false-claim"]
    uri = claim["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "src/app/main.py"
    assert claim["properties"]["counts"] == {"production": 1}

    _, junit = audit(invoke, base, text, "junit")
    cases = ET.fromstring(junit).iter("testcase")  # noqa: S314 - our own output
    (case,) = [c for c in cases if c.get("classname") == "session-guard.claims"]
    assert case.get("name") == "claims hold"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "false-claim"
    assert failure.get("message") == "1 false claim(s)"
    assert failure.text == (
        "line 1: 'docs: usage and a fix': changes 1 path(s) outside docs: 1 production "
        "(src/app/main.py)"
    )

    _, annotations = audit(invoke, base, text, "github")
    (line,) = [a for a in annotations.splitlines() if "false claim" in a]
    assert line.startswith("::error file=src/app/main.py,title=session-guard ")
    assert line.endswith(
        "::false claim 'docs: usage and a fix' (line 1): changes 1 path(s) "
        "outside docs: 1 production (src/app/main.py)"
    )


def test_true_claims_pass_and_are_listed(base: Path, invoke: Any) -> None:
    commit_files(
        base, {"README.md": "# app\n\nInstall with pipx.\n", "docs/install.md": "pipx\n"}, "d"
    )
    text = (
        "docs(readme): explain installing with pipx\n\n"
        "Documentation only; no functional changes. 2 files changed, configuration unchanged."
    )
    code, out = audit(invoke, base, text)
    assert code == 0
    claims = json.loads(out)["claims"]
    assert [c["kind"] for c in claims] == [
        "docs-only",
        "no-functional-changes",
        "files-changed",
        "configuration-unchanged",
    ]
    assert all(c["holds"] for c in claims)
    code, md = audit(invoke, base, text, "markdown")
    assert code == 0
    assert "## False claims" not in md
    assert (
        "## Claims that hold\n\n"
        "- line 1 'docs(readme): explain installing with pipx': no path outside docs changed\n"
        "- line 3 'no functional changes': no path outside docs, test changed\n"
        "- line 3 '2 files changed': claims 2, the change has 2 file(s)\n"
        "- line 3 'configuration unchanged': no path of configuration changed\n"
    ) in md
    code, annotations = audit(invoke, base, text, "github")
    assert "false claim" not in annotations
    _, junit = audit(invoke, base, text, "junit")
    (case,) = [
        case
        for case in ET.fromstring(junit).iter("testcase")  # noqa: S314 - our own output
        if case.get("classname") == "session-guard.claims"
    ]
    assert case.find("failure") is None


def test_a_tests_only_pull_request_may_say_so(base: Path, invoke: Any) -> None:
    commit_files(base, {"tests/test_main.py": "def test_x():\n    pass\n"}, "t")
    code, out = audit(invoke, base, "test(main): cover x\n\nTests only.")
    assert code == 1  # the read-only mode judges the range: a test is a violation there
    assert all(c["holds"] for c in json.loads(out)["claims"])
    result = "audit --base main --head pr --mode tests-only --claims - --format json".split()
    done = invoke(result, stdin=b"test(main): cover x\n\nTests only.", cwd=base)
    assert done.code == 0


def test_a_configuration_change_contradicts_configuration_unchanged(
    base: Path, invoke: Any
) -> None:
    commit_files(
        base,
        {".github/workflows/ci.yml": "on: push\n", "src/app/main.py": "x = 3\n", "a.md": "a\n"},
        "c",
    )
    code, out = audit(invoke, base, "Speed up CI\n\nConfiguration unchanged. Changes 2 files.")
    assert code == 1
    config, files = json.loads(out)["claims"]
    assert config["counts"] == {"config": 1}
    assert config["paths"] == [".github/workflows/ci.yml"]
    assert not files["holds"]
    assert files["detail"] == "claims 2, the change has 3 file(s)"


def test_a_text_without_claims_is_said_to_make_none(base: Path, invoke: Any) -> None:
    commit_files(base, {"docs/a.md": "a\n"}, "d")
    code, md = audit(invoke, base, "Improve the guide\n\nAdds a section on retries.", "markdown")
    assert code == 0
    assert "_The text checked for claims makes none that session-guard checks._" in md


def test_claims_from_a_file_and_a_missing_file(base: Path, invoke: Any, tmp_path: Path) -> None:
    commit_files(base, {"src/app/main.py": "x = 4\n"}, "d")
    text = tmp_path / "pr.txt"
    text.write_text("docs: tweak\n")
    args = ["audit", "--base", "main", "--head", "pr", "--format", "json", "--claims"]
    done = invoke([*args, str(text)], cwd=base)
    assert done.code == 1
    assert json.loads(done.text)["claims"][0]["kind"] == "docs-only"
    missing = invoke([*args, str(tmp_path / "none.txt")], cwd=base)
    assert missing.code == 2
    assert "--claims" in missing.err
    assert "Traceback" not in missing.err


def test_without_claims_the_report_has_no_claims_key(base: Path, invoke: Any) -> None:
    commit_files(base, {"docs/a.md": "a\n"}, "d")
    done = invoke(["audit", "--base", "main", "--head", "pr", "--format", "json"], cwd=base)
    assert "claims" not in json.loads(done.text)


def test_the_schema_names_every_kind() -> None:
    kinds_in_schema = SCHEMA["properties"]["claims"]["items"]["properties"]["kind"]["enum"]
    assert kinds_in_schema == list(KINDS)
    assert {kind for kind, _ in PATTERNS} == set(KINDS)


# --------------------------------------------------------------------------- for CI


def test_one_json_report_renders_in_every_format(base: Path, invoke: Any, tmp_path: Path) -> None:
    """CI audits once and renders the JSON report as it needs (`guard report --input`)."""
    commit_files(base, {"src/app/main.py": "x = 5\n"}, "docs: tweak")
    stored = tmp_path / "report.json"
    args = ["audit", "--base", "main", "--head", "pr", "--claims", "-"]
    done = invoke(
        [*args, "--format", "json", "--output", str(stored)], stdin=b"docs: tweak\n", cwd=base
    )
    assert done.code == 1
    for fmt in ("markdown", "sarif", "junit", "github", "text"):
        direct = invoke([*args, "--format", fmt], stdin=b"docs: tweak\n", cwd=base)
        again = invoke(["report", "--input", str(stored), "--format", fmt], cwd=base)
        assert again.code == 0
        assert again.text == direct.text


@pytest.mark.parametrize(
    ("content", "message"),
    [("{", "not a readable JSON report"), ('{"schema": "other"}', "not a guard.audit/v1 report")],
)
def test_report_input_that_is_no_report_is_a_usage_error(
    invoke: Any, tmp_path: Path, content: str, message: str
) -> None:
    stored = tmp_path / "report.json"
    stored.write_text(content)
    done = invoke(["report", "--input", str(stored)], cwd=tmp_path)
    assert done.code == 2
    assert message in done.err
    both = invoke(["report", "--input", str(stored), "--session", "x"], cwd=tmp_path)
    assert both.code == 2
    assert "choose one of --session or --input" in both.err


def test_policy_replaces_the_repository_policy_for_a_range(
    base: Path, invoke: Any, tmp_path: Path
) -> None:
    commit_files(base, {"src/app/main.py": "x = 6\n"}, "work")
    policy = tmp_path / "ci-policy.yaml"
    policy.write_text(
        "version: 1\nextends: default\nmodes:\n  anything: [production, test, docs]\n"
    )
    args = ["audit", "--base", "main", "--head", "pr", "--mode", "anything", "--format", "json"]
    assert invoke(args, cwd=base).code == 2  # the repository's policy has no such mode
    done = invoke([*args, "--policy", str(policy)], cwd=base)
    assert done.code == 0
    assert json.loads(done.text)["summary"]["verdict"] == "clean"
    session = invoke(["audit", "--policy", str(policy)], cwd=base)
    assert session.code == 2
    assert "--policy goes with --base/--head or --since" in session.err
