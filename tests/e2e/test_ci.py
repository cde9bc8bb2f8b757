"""The GitHub Action and the GitLab template, run as their runners run them (no mocks).

Each `run:` step of action.yml runs with its `shell` (bash, as the runner starts it:
`bash --noprofile --norc -eo pipefail FILE`) and its `env:`, after the `${{ }}`
expressions are substituted the way the runner does for the contexts the action
uses (inputs, github, steps); the runner's files (`GITHUB_EVENT_PATH` with a
recorded `pull_request` payload, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`) and a real
repository as `GITHUB_WORKSPACE`. The install step pip-installs the project into
a virtualenv once for the module (about 20 seconds).

The GitLab job's `before_script` and `script` run as the runner joins them, in one
POSIX shell with `-e`, with the merge request's predefined variables; the guard the
install step built is on PATH, as in the session-guard image.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import yaml

from tests.conftest import commit_files, git
from tests.e2e.test_ci_reports import validate

PROJECT = Path(__file__).resolve().parents[2]
ACTION = yaml.safe_load((PROJECT / "action.yml").read_text())
GITLAB = yaml.safe_load((PROJECT / "ci/gitlab/session-guard.gitlab-ci.yml").read_text())
EVENT = json.loads((PROJECT / "tests/data/github/pull_request.opened.json").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
TIMEOUT = 900  # a hang guard only: the install step may need the package index


def evaluate(expression: str, context: Mapping[str, Any]) -> str:
    """A context property (`inputs.mode`, `github.event.pull_request.head.sha`), or
    the first non-empty of `a || b`, as the runner gives it: a missing property is
    empty, any other expression fails the test."""
    for alternative in expression.split("||"):
        name = alternative.strip()
        if not re.fullmatch(r"[A-Za-z_][\w-]*(\.[\w-]+)+", name):
            raise AssertionError(f"the test runner does not evaluate {expression!r}")
        value: Any = context
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if value not in (None, ""):
            return str(value)
    return ""


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: evaluate(m.group(1), context), text)


class Run(NamedTuple):
    code: int
    outputs: dict[str, str]
    stdout: str
    summary: str


def parse_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def runner_env(workspace: Path, temp: Path, event_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(event_path),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_ACTION_PATH=str(PROJECT),
        RUNNER_TEMP=str(temp),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def run_steps(
    steps: list[dict[str, Any]],
    workspace: Path,
    temp: Path,
    event: Mapping[str, Any],
    inputs: Mapping[str, str] | None = None,
    done: Mapping[str, Mapping[str, str]] | None = None,
) -> Run:
    """Run `steps` of the action as the runner would; `done` holds the outputs of
    steps already run (id -> outputs)."""
    event_path = temp / "event.json"
    event_path.write_text(json.dumps(event))
    github = {"action_path": str(PROJECT), "workspace": str(workspace), "event": event}
    given = dict(inputs or {})
    values = {
        name: given.pop(name)
        if name in given
        else substitute(spec.get("default", ""), {"github": github})
        for name, spec in ACTION["inputs"].items()
    }
    assert not given, f"the action has no inputs {sorted(given)}"
    context: dict[str, Any] = {
        "github": github,
        "inputs": values,
        "runner": {"temp": str(temp)},
        "steps": {k: {"outputs": dict(v)} for k, v in (done or {}).items()},
    }
    summary = temp / "step_summary.md"
    summary.write_text("")
    stdout, code = [], 0
    for index, step in enumerate(steps):
        assert step["shell"] == "bash"
        output = temp / f"output-{index}"
        output.write_text("")
        env = runner_env(workspace, temp, event_path)
        env.update(GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary))
        env.update({k: substitute(str(v), context) for k, v in step.get("env", {}).items()})
        script = temp / f"step-{index}.sh"
        script.write_text(substitute(step["run"], context))
        done_step = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        stdout.append(done_step.stdout)
        assert "Traceback" not in done_step.stderr, done_step.stderr
        context["steps"][step["id"]] = {"outputs": parse_outputs(output)}
        code = done_step.returncode
        if code != 0:  # the runner stops at the first failing step
            break
    outputs = {name: substitute(spec["value"], context) for name, spec in ACTION["outputs"].items()}
    return Run(code, outputs, "".join(stdout), summary.read_text())


STEPS = ACTION["runs"]["steps"]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The install step, run once: RUNNER_TEMP (with the virtualenv) and its outputs."""
    temp = tmp_path_factory.mktemp("runner-temp")
    workspace = tmp_path_factory.mktemp("workspace")
    run = run_steps(STEPS[:1], workspace, temp, EVENT)
    assert run.code == 0, run
    assert "session-guard, version" in run.stdout
    return temp, parse_outputs(temp / "output-0")


def pull_request(repo: Path, files: Mapping[str, str], title: str, body: str) -> dict[str, Any]:
    """A pull request from branch `topic`: its base moved on after the branch left it
    (what the pull request does not change must not be audited), and the event."""
    commit_files(repo, {"README.md": "# app\n", "src/app.py": "x = 1\n"}, "start")
    git(repo, "checkout", "-q", "-b", "topic")
    head = commit_files(repo, files, "the pull request's work")
    git(repo, "checkout", "-q", "main")
    base = commit_files(repo, {"src/later.py": "y = 1\n"}, "main moves on")
    event = json.loads(json.dumps(EVENT))
    pr = event["pull_request"]
    pr.update(title=title, body=body)
    pr["head"]["sha"], pr["base"]["sha"] = head, base
    return event


def audit_step(
    installed: tuple[Path, dict[str, str]],
    workspace: Path,
    event: Mapping[str, Any],
    inputs: Mapping[str, str] | None = None,
) -> Run:
    temp, outputs = installed
    return run_steps(STEPS[1:], workspace, temp, event, inputs, {"install": outputs})


HOSTILE_TITLE = 'docs: tidy the guide $(touch pwned-title) `touch pwned-tick` "; touch pwned-q; "'
HOSTILE_BODY = "Documentation-only changes.\n\n'; touch pwned-body; '\n$(touch pwned-body2)"


def test_a_violating_pull_request_fails_with_summary_annotations_and_sarif(
    installed: tuple[Path, dict[str, str]], repo: Path, multitool: Path
) -> None:
    event = pull_request(
        repo,
        {"src/app.py": "x = 2\n", "docs/retry.md": "# Retries\n"},
        HOSTILE_TITLE,
        HOSTILE_BODY,
    )
    run = audit_step(installed, repo, event)

    assert run.code == 1
    assert run.outputs["verdict"] == "violated"
    assert run.outputs["false-claims"] == "1"
    assert run.outputs["exit-code"] == "1"
    assert "# session-guard audit" in run.summary
    assert "**Verdict: violated**" in run.summary
    assert "src/app.py" in run.summary
    assert "src/later.py" not in run.summary  # the base branch's own work is not audited
    assert "## False claims" in run.summary
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert any(a.startswith("::error file=src/app.py,title=session-guard ") for a in annotations)
    claims = [a for a in annotations if "false claim" in a]
    assert len(claims) == 1, claims
    (claim,) = claims
    assert claim.startswith("::error file=src/app.py,")
    assert "::false claim 'docs: tidy the guide $(touch pwned-title)" in claim
    sarif_file = Path(run.outputs["sarif-file"])
    sarif = json.loads(sarif_file.read_text())
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert rules == {"guard/mode-violation", "guard/false-claim"}
    assert validate(multitool, sarif_file) == []  # what code scanning accepts
    report = json.loads(Path(run.outputs["report"]).read_text())
    assert report["scope"]["head"] == event["pull_request"]["head"]["sha"]
    # The pull request's text reached the guard as data and the shell never ran it.
    assert not list(repo.glob("pwned*"))
    assert "$(touch pwned-title)" in report["claims"][0]["text"]


def test_a_clean_pull_request_passes(installed: tuple[Path, dict[str, str]], repo: Path) -> None:
    event = pull_request(
        repo,
        {"docs/retry.md": "# Retries\n", "README.md": "# app\n\nSee docs/.\n"},
        "docs: explain retries",
        "Documentation only. 2 files changed.",
    )
    run = audit_step(installed, repo, event, {"formats": "markdown, github, sarif, junit"})

    assert run.code == 0, run
    assert run.outputs["verdict"] == "clean"
    assert run.outputs["false-claims"] == "0"
    assert "**Verdict: clean**" in run.summary
    assert "## Claims that hold" in run.summary
    assert "'2 files changed': claims 2, the change has 2 file(s)" in run.summary
    assert "::error" not in run.stdout
    assert run.stdout.splitlines()[-1].startswith("::notice title=session-guard ")
    assert "::clean: 0 violation(s)" in run.stdout
    sarif = json.loads(Path(run.outputs["sarif-file"]).read_text())
    assert sarif["runs"][0]["results"] == []
    assert Path(run.outputs["junit-file"]).read_text().startswith("<?xml")


def test_fail_on_chooses_what_fails_the_step(
    installed: tuple[Path, dict[str, str]], repo: Path
) -> None:
    # Tests are allowed in tests-only: the verdict is clean, the docs claim is false.
    event = pull_request(repo, {"tests/test_app.py": "def test(): pass\n"}, "docs: notes", "")
    mode = {"mode": "tests-only"}
    assert audit_step(installed, repo, event, mode).code == 1
    assert audit_step(installed, repo, event, mode | {"fail-on": "violations"}).code == 0
    assert audit_step(installed, repo, event, mode | {"fail-on": "claims"}).code == 1
    assert audit_step(installed, repo, event, mode | {"check-claims": "false"}).code == 0
    given = audit_step(installed, repo, event, mode | {"claims": "Tests only."})
    assert (given.code, given.outputs["false-claims"]) == (0, "0")
    never = audit_step(installed, repo, event, {"fail-on": "never"})
    assert (never.code, never.outputs["verdict"]) == (0, "violated")


def test_without_a_pull_request_or_with_bad_inputs_the_step_fails_clearly(
    installed: tuple[Path, dict[str, str]], repo: Path
) -> None:
    commit_files(repo, {"README.md": "# app\n"}, "start")
    push = {"ref": "refs/heads/main", "after": git(repo, "rev-parse", "HEAD").strip()}
    run = audit_step(installed, repo, push)
    assert run.code == 2
    assert "::error title=session-guard::no range to audit" in run.stdout
    queue = {"merge_group": {"base_sha": "no-such-rev", "head_sha": push["after"]}}
    queued = audit_step(installed, repo, queue)  # a merge queue's group: its range
    assert queued.code == 4
    assert "The audit could not run (exit 4)" in queued.summary
    bad = audit_step(installed, repo, push, {"base": "HEAD", "head": "HEAD", "fail-on": "x"})
    assert bad.code == 2
    missing = audit_step(installed, repo, push, {"base": "no-such-rev", "head": "HEAD"})
    assert missing.code == 4
    assert "guard audit failed (exit 4)" in missing.stdout
    clean = audit_step(installed, repo, push, {"base": "HEAD", "head": "HEAD"})
    assert (clean.code, clean.outputs["verdict"]) == (0, "clean")


def test_no_expression_reaches_a_script() -> None:
    """Inputs and event values go through `env:` only: a `${{ }}` inside `run:` would
    paste text a pull request's author wrote into the script."""
    for step in STEPS:
        assert "${{" not in step["run"], step["name"]


# --------------------------------------------------------------------------- GitLab


def gitlab_job(name: str = "session-guard") -> dict[str, Any]:
    """The job as GitLab resolves it: what it `extends`, overlaid with its own keys."""
    job = dict(GITLAB[name])
    parent = job.pop("extends", None)
    return {**gitlab_job(parent), **job} if parent else job


def gitlab_run(
    installed: tuple[Path, dict[str, str]],
    repo: Path,
    merge_request: Mapping[str, str],
    variables: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    job = gitlab_job()
    script = "\n".join([*job["before_script"], *job["script"]])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CI_", "GITLAB_"))}
    env.update(job["variables"])
    env.update(variables or {})
    env.update(merge_request)
    env.update(CI="true", GITLAB_CI="true", CI_PROJECT_DIR=str(repo))
    env["PATH"] = f"{Path(installed[1]['guard']).parent}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["sh", "-e", "-c", script],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def merge_request_variables(event: Mapping[str, Any]) -> dict[str, str]:
    """What GitLab predefines in a merge request pipeline, from the same pull request."""
    pr = event["pull_request"]
    return {
        "CI_PIPELINE_SOURCE": "merge_request_event",
        "CI_MERGE_REQUEST_DIFF_BASE_SHA": pr["base"]["sha"],
        "CI_COMMIT_SHA": pr["head"]["sha"],
        "CI_MERGE_REQUEST_TITLE": pr["title"],
        "CI_MERGE_REQUEST_DESCRIPTION": pr["body"],
    }


def test_the_gitlab_job_fails_a_violating_merge_request_with_its_reports(
    installed: tuple[Path, dict[str, str]], repo: Path
) -> None:
    event = pull_request(repo, {"src/app.py": "x = 2\n"}, HOSTILE_TITLE, HOSTILE_BODY)
    pr = event["pull_request"]
    # GitLab's diff base is the merge base: the base branch's later work is not in it.
    pr["base"]["sha"] = git(repo, "merge-base", "main", "topic").strip()
    done = gitlab_run(installed, repo, merge_request_variables(event))

    assert done.returncode == 1, done.stderr
    assert "session-guard: violated, 1 false claim(s) (fail-on: any)" in done.stdout
    assert "False claims" in done.stdout  # the text report, in the job log
    junit = (repo / "session-guard.junit.xml").read_text()
    assert 'type="false-claim"' in junit
    assert 'type="mode-violation"' in junit
    assert "## False claims" in (repo / "session-guard.md").read_text()
    sarif = json.loads((repo / "session-guard.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {
        "guard/mode-violation",
        "guard/false-claim",
    }
    issues = json.loads((repo / "session-guard.codequality.json").read_text())
    assert {i["check_name"] for i in issues} == {"guard/mode-violation", "guard/false-claim"}
    job = gitlab_job()
    artifacts = {*job["artifacts"]["paths"], *job["artifacts"]["reports"].values()}
    assert artifacts <= {p.name for p in repo.iterdir()}
    assert not list(repo.glob("pwned*"))


def test_the_gitlab_job_passes_a_clean_merge_request_and_honours_fail_on(
    installed: tuple[Path, dict[str, str]], repo: Path
) -> None:
    event = pull_request(repo, {"tests/test_app.py": "def test(): pass\n"}, "docs: notes", "")
    event["pull_request"]["base"]["sha"] = git(repo, "merge-base", "main", "topic").strip()
    variables = merge_request_variables(event)
    tests_only = {"SESSION_GUARD_MODE": "tests-only"}
    assert gitlab_run(installed, repo, variables, tests_only).returncode == 1  # the claim
    relaxed = tests_only | {"SESSION_GUARD_FAIL_ON": "violations"}
    done = gitlab_run(installed, repo, variables, relaxed)
    assert done.returncode == 0, done.stderr
    assert "session-guard: clean, 1 false claim(s)" in done.stdout
    quiet = tests_only | {"SESSION_GUARD_CHECK_CLAIMS": "false"}
    assert gitlab_run(installed, repo, variables, quiet).returncode == 0
    outside = gitlab_run(installed, repo, {"CI_PIPELINE_SOURCE": "push"})
    assert outside.returncode == 2
    assert "no range to audit" in outside.stderr
