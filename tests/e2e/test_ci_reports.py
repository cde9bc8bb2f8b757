"""The reports as CI systems take them, checked by the tools those systems trust.

SARIF: Microsoft's SARIF Multitool (from the npm registry, a self-contained binary)
validates each file against the published SARIF 2.1.0 schema and GitHub Advanced
Security's ingestion rules (`--rule-kind "Ghas;Sarif"`): zero errors for a clean
audit, a violated one, a mislabelled commit and integrity findings, and the errors
it reports for a file shaped as GitHub rejects it (no location, no rule help) show
that the check can fail. The tool exits 0 whatever it finds, so the tests read its
own SARIF log (`--output`): a result is an error when its level, or its rule's
default level, is `error`.

JUnit: validated against tests/data/junit.xsd (the shape Jenkins and GitLab read)
with xmlschema, and its counts checked against its test cases.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from tests.e2e import npm_tools
from tests.e2e.test_audit_git import BYPASS, commit, head, seed, start

MULTITOOL = "@microsoft/sarif-multitool-linux@5.7.0"
JUNIT = xmlschema.XMLSchema(Path(__file__).parent.parent / "data" / "junit.xsd")


@pytest.fixture(scope="session")
def multitool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SARIF Multitool binary. Its one install script makes the binary executable."""
    modules = npm_tools.install(tmp_path_factory, MULTITOOL, scripts=True)
    binary = modules / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    assert os.access(binary, os.X_OK), binary
    return binary


def validate(multitool: Path, sarif: Path) -> list[str]:
    """The errors the Multitool finds in `sarif` under GitHub's and SARIF's rules, as
    `RULE: message` lines (the console's own words are kept for the assertion)."""
    log = sarif.with_suffix(".validation.sarif")
    env = {**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"}  # no ICU needed
    done = subprocess.run(
        [str(multitool), "validate", "--rule-kind", "Ghas;Sarif", "--output", str(log), str(sarif)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0 and log.is_file(), done.stdout + done.stderr
    [run] = json.loads(log.read_text(encoding="utf-8-sig"))["runs"]
    defaults = {
        rule["id"]: rule.get("defaultConfiguration", {}).get("level", "warning")
        for rule in run["tool"]["driver"].get("rules", [])
    }
    errors = [
        f"{r['ruleId']}: {r['message']}"
        for r in run["results"]
        if r.get("level", defaults.get(r["ruleId"], "warning")) == "error"
    ]
    console = [line for line in done.stdout.splitlines() if ": error " in line]
    assert len(console) == len(errors), done.stdout  # the log and the console agree
    return errors


def reports(invoke, repo: Path, tmp_path: Path, *scope: str) -> dict[str, Any]:
    """`guard audit SCOPE` as SARIF and JUnit files, and the JSON report."""
    out: dict[str, Any] = {}
    for fmt in ("sarif", "junit"):
        target = tmp_path / f"audit.{fmt}"
        done = invoke(["audit", *scope, "--format", fmt, "--output", str(target)], cwd=repo)
        assert done.code in (0, 1), done.err
        out[fmt] = target
    done = invoke(["audit", *scope, "--format", "json"], cwd=repo)
    out["json"] = json.loads(done.out)
    out["code"] = done.code
    return out


def results(sarif: Path) -> list[dict[str, Any]]:
    [run] = json.loads(sarif.read_text())["runs"]
    return run["results"]


def check_junit(path: Path, report: dict[str, Any]) -> ET.Element:
    JUNIT.validate(str(path))
    root = ET.parse(path).getroot()  # noqa: S314 - our own output
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    failed = [c for c in cases if c.find("failure") is not None]
    for element in (root, suite):
        assert element.get("tests") == str(len(cases))
        assert element.get("failures") == str(len(failed))
        assert element.get("errors") == "0"
    assert len(cases) == len(report["commits"]) + 2  # a case a commit, work tree, integrity
    return suite


def properties(suite: ET.Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in suite.iter("property")}


def test_a_clean_range_audit_validates_and_names_the_assumed_mode(
    repo: Path, invoke, tmp_path: Path, multitool: Path
) -> None:
    base = seed(repo)
    commit(repo, "docs: notes", {"docs/notes.md": "notes\n"})
    out = reports(invoke, repo, tmp_path, "--base", base, "--head", "main")
    assert out["code"] == 0
    assert validate(multitool, out["sarif"]) == []
    assert results(out["sarif"]) == []
    [run] = json.loads(out["sarif"].read_text())["runs"]
    assert run["automationDetails"]["id"] == f"session-guard/read-only/{head(repo)}"
    assert run["properties"]["header"]["mode"] == "read-only (the default: no --mode given)"
    assert run["properties"]["header"]["range"] == (
        f"{base}..main ({base[:12]}..{head(repo)[:12]})"
    )
    suite = check_junit(out["junit"], out["json"])
    assert suite.find("testcase/failure") is None
    props = properties(suite)
    assert (props["session-guard.mode"], props["session-guard.mode_from"]) == (
        "read-only",
        "default",
    )
    assert (props["session-guard.base"], props["session-guard.head"]) == (base, "main")
    assert props["session-guard.tip"] == head(repo)


def test_a_violated_session_validates_with_every_result_located(
    repo: Path, invoke, tmp_path: Path, multitool: Path
) -> None:
    seed(repo)
    started = start(invoke, repo)
    commit(repo, "fix the timeout", {"src/app.py": "def app():\n    return 5\n"}, *BYPASS)
    (repo / "src" / "scratch.py").write_text("x = 1\n")
    out = reports(invoke, repo, tmp_path)
    assert out["code"] == 1
    assert validate(multitool, out["sarif"]) == []
    found = results(out["sarif"])
    rules = sorted(r["ruleId"] for r in found)
    assert rules.count("guard/mode-violation") == 1
    assert rules.count("guard/uncommitted-violation") == 1
    assert all(r["locations"] for r in found)
    violation = next(r for r in found if r["ruleId"] == "guard/mode-violation")
    assert violation["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "src/app.py"
    )
    # the same history gives the same fingerprints: code scanning keeps one alert
    (tmp_path / "again").mkdir()
    again = reports(invoke, repo, tmp_path / "again")
    assert [r["partialFingerprints"] for r in results(again["sarif"])] == [
        r["partialFingerprints"] for r in found
    ]
    suite = check_junit(out["junit"], out["json"])
    assert properties(suite)["session-guard.session"] == started["id"]
    assert properties(suite)["session-guard.mode_from"] == "session"


def test_a_mislabelled_commit_validates_located_at_the_path_it_hid(
    repo: Path, invoke, tmp_path: Path, multitool: Path
) -> None:
    base = seed(repo)
    commit(repo, "docs: fix a typo", {"tests/test_app.py": "def test_app():\n    pass\n"})
    scope = ("--base", base, "--head", "main", "--mode", "tests-only")
    out = reports(invoke, repo, tmp_path, *scope)
    assert out["code"] == 0  # tests are allowed: the claim misleads, it breaks nothing
    assert validate(multitool, out["sarif"]) == []
    [only] = results(out["sarif"])
    assert (only["ruleId"], only["level"]) == ("guard/mislabelled-commit", "warning")
    assert only["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "tests/test_app.py"
    )
    [run] = json.loads(out["sarif"].read_text())["runs"]
    assert run["properties"]["header"]["mode"] == "tests-only (chosen with --mode)"
    suite = check_junit(out["junit"], out["json"])
    assert suite.find("testcase/failure") is None
    assert "guard/mislabelled-commit" in (suite.findtext("testcase/system-out") or "")


def test_integrity_findings_validate_located_at_the_policy_file(
    repo: Path, invoke, tmp_path: Path, multitool: Path
) -> None:
    seed(repo)
    assert invoke(["install"], cwd=repo).code == 0
    start(invoke, repo)
    assert invoke(["uninstall"], cwd=repo).code == 0
    out = reports(invoke, repo, tmp_path)
    assert out["json"]["summary"]["verdict"] == "tampered"
    assert validate(multitool, out["sarif"]) == []
    found = results(out["sarif"])
    assert {r["ruleId"] for r in found} == {"guard/integrity"}
    assert {r["level"] for r in found} == {"error"}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in found} == {
        ".guard.yaml"
    }
    suite = check_junit(out["junit"], out["json"])
    [integrity] = [c for c in suite.findall("testcase") if c.get("name") == "enforcement intact"]
    failure = integrity.find("failure")
    assert failure is not None
    assert "hooks-removed: pre-commit was removed" in (failure.text or "")


def test_the_validator_rejects_what_github_rejects(
    repo: Path, invoke, tmp_path: Path, multitool: Path
) -> None:
    """A result without a location and rules without help, as reports were before:
    the validator names GitHub's rules, so a zero above means something."""
    base = seed(repo)
    commit(repo, "docs: typo", {"src/app.py": "def app():\n    return 9\n"})
    out = reports(invoke, repo, tmp_path, "--base", base, "--head", "main")
    sarif = json.loads(out["sarif"].read_text())
    [run] = sarif["runs"]
    for rule in run["tool"]["driver"]["rules"]:
        del rule["help"], rule["fullDescription"]
    del run["results"][0]["locations"]
    broken = tmp_path / "broken.sarif"
    broken.write_text(json.dumps(sarif))
    errors = validate(multitool, broken)
    assert errors
    assert all(e.startswith("GH") for e in errors), errors


def test_junit_against_the_schema_fails_a_failure_without_its_message(
    repo: Path, invoke, tmp_path: Path
) -> None:
    base = seed(repo)
    commit(repo, "tweak", {"src/app.py": "def app():\n    return 9\n"})
    out = reports(invoke, repo, tmp_path, "--base", base, "--head", "main")
    suite = check_junit(out["junit"], out["json"])
    assert suite.find("testcase/failure") is not None
    text = out["junit"].read_text()
    broken = tmp_path / "broken.xml"
    broken.write_text(text.replace('<failure type="mode-violation" message=', "<failure x="))
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        JUNIT.validate(str(broken))
