"""Sessions scoped to one worktree, with real git and real linked worktrees: parallel
agents each in its own worktree under its own session, a neighbour with none, and the
person's own checkout, all at once (issue 16)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from guard.agent import hook as agent_hook
from tests.conftest import git
from tests.e2e.test_repo_states import (
    ABORTED,
    BYPASS,
    PROD,
    SCHEMA,
    commit,
    err,
    head,
    install,
    refused,
    seed,
    sh,
    write,
)


class Trees:
    """The person's checkout (`main`) and three linked worktrees: `a` under a read-only
    session, `b` under a tests-only one, `c` with none."""

    def __init__(self, main: Path, a: Path, b: Path, c: Path, sessions: dict[str, str]) -> None:
        self.main, self.a, self.b, self.c = main, a, b, c
        self.sessions = sessions

    def all(self) -> list[Path]:
        return [self.main, self.a, self.b, self.c]


def start(invoke, where: Path, mode: str) -> dict[str, Any]:
    args = ["session", "start", "--worktree", "--json", "--mode", mode, "--reason", "agent"]
    done = invoke(args, cwd=where)
    assert done.code == 0, done.err
    return json.loads(done.out)


def audit(invoke, where: Path, session: str) -> tuple[int, dict[str, Any]]:
    done = invoke(["audit", "--format", "json", "--session", session], cwd=where)
    assert done.code in (0, 1), done.err
    report = json.loads(done.out)
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    return done.code, report


@pytest.fixture
def trees(tmp_path: Path, invoke) -> Trees:
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "-q", "-b", "main")
    seed(main)
    install(invoke, main)
    paths = {}
    for name in ("a", "b", "c"):
        paths[name] = tmp_path / name
        git(main, "worktree", "add", "-q", "-b", f"agent-{name}", str(paths[name]))
    sessions = {
        "a": start(invoke, paths["a"], "read-only")["id"],
        "b": start(invoke, paths["b"], "tests-only")["id"],
    }
    return Trees(main, paths["a"], paths["b"], paths["c"], sessions)


def agent(trees: Trees, project: Path, payload: dict[str, Any]) -> tuple[int, str]:
    """Run the Claude hook in process, as the agent started in `project` would."""
    out, errors = io.StringIO(), io.StringIO()
    raw = json.dumps({"hook_event_name": "PreToolUse", "cwd": str(project), **payload})
    code = agent_hook.main(
        "claude",
        stdin=io.BytesIO(raw.encode()),
        stdout=out,
        stderr=errors,
        environ={**os.environ, "CLAUDE_PROJECT_DIR": str(project)},
        cwd=str(project),
    )
    return code, errors.getvalue()


def test_each_worktree_has_its_own_session_and_the_others_work_normally(
    trees: Trees, invoke
) -> None:
    # The person's checkout and the unguarded neighbour commit production freely.
    assert commit(trees.main, "src/app.py", PROD).returncode == 0
    assert commit(trees.c, "src/other.py", "X = 1\n").returncode == 0
    # Each session judges its own worktree by its own mode.
    assert commit(trees.a, "docs/worklog.md", "found it\n").returncode == 0
    refused(commit(trees.a, "tests/test_a.py", "def test_a(): pass\n"), 1, "tests/test_a.py")
    git(trees.a, "restore", "--staged", "--worktree", "--", "tests")
    assert commit(trees.b, "tests/test_b.py", "def test_b(): pass\n").returncode == 0
    refused(commit(trees.b, "src/app.py", PROD), 1, "src/app.py")
    # --no-verify meets the reference-transaction hook, in the guarded worktree only.
    done = sh(trees.b, "commit", "-q", "--no-verify", "-m", "sneak")
    refused(done, 128, "src/app.py", ABORTED)
    git(trees.b, "restore", "--staged", "--worktree", "--", "src/app.py")
    # Merges in each worktree: a docs merge in a, anything in c and in main.
    git(trees.a, "switch", "-q", "-c", "notes")
    assert commit(trees.a, "docs/more.md", "more\n").returncode == 0
    git(trees.a, "switch", "-q", "agent-a")
    assert sh(trees.a, "merge", "-q", "--no-ff", "-m", "merge notes", "notes").returncode == 0
    assert sh(trees.c, "merge", "-q", "--no-ff", "-m", "take main", "main").returncode == 0
    assert sh(trees.main, "merge", "-q", "--no-ff", "-m", "take c", "agent-c").returncode == 0
    # Merging main's production change into a read-only worktree changes its branch.
    done = sh(trees.a, "merge", "-q", "--no-ff", "-m", "take main", "main")
    refused(done, 128, "src/app.py", "git merge --abort", ABORTED)
    git(trees.a, "merge", "--abort")
    # Every session is listed with its worktree.
    rows = json.loads(invoke(["session", "list", "--json"], cwd=trees.c).out)
    assert {r["id"]: (r["active"], r["worktree"]) for r in rows} == {
        trees.sessions["a"]: (True, str(trees.a.resolve())),
        trees.sessions["b"]: (True, str(trees.b.resolve())),
    }
    status = json.loads(invoke(["session", "status", "--json"], cwd=trees.b).out)
    assert (status["id"], status["mode"]) == (trees.sessions["b"], "tests-only")
    assert invoke(["session", "status"], cwd=trees.c).text == "no active session\n"
    # A second session in a worktree, or a repository-wide one, cannot start now.
    again = invoke(["session", "start", "--worktree"], cwd=trees.a)
    assert again.code == 1 and "already active in this worktree" in again.err
    wide = invoke(["session", "start"], cwd=trees.main)
    assert wide.code == 1 and "scoped to a worktree is active" in wide.err


def test_a_branch_checked_out_in_a_guarded_worktree_never_moves_unjudged(trees: Trees) -> None:
    assert commit(trees.c, "src/app.py", PROD).returncode == 0
    prod = head(trees.c)
    # From the person's checkout: update-ref onto the agent's branch.
    refused(sh(trees.main, "update-ref", "refs/heads/agent-a", prod), 128, "src/app.py")
    # (`git push . X:agent-a` git refuses itself: the branch is checked out.)
    # Or its HEAD, by the per-worktree name, to a commit no ref holds.
    git(trees.c, "commit", "-q", "--amend", "-m", "amended")
    name = f"worktrees/{trees.a.name}/HEAD"
    refused(sh(trees.main, "update-ref", "--no-deref", name, prod), 128, "src/app.py")
    assert head(trees.a) != prod
    # The unguarded branch moves freely.
    assert sh(trees.main, "update-ref", "refs/heads/agent-c", prod).returncode == 0


def test_an_agent_cannot_walk_into_a_neighbour(trees: Trees) -> None:
    write_docs = {"tool_name": "Write", "tool_input": {"file_path": "docs/n.md", "content": "x"}}
    assert agent(trees, trees.a, write_docs)[0] == 0
    # A file in another worktree, even one the mode allows.
    into = {"tool_name": "Write", "tool_input": {"file_path": str(trees.c / "docs/n.md")}}
    code, text = agent(trees, trees.a, into)
    assert code == 2 and f"in the worktree {trees.c.resolve()}" in text
    for command in (
        f"cd {trees.c} && git commit -qm notes",
        f"git -C {trees.b} commit -qm notes",
        "cd ../c && ls",
        'cd "$OTHER" && git commit -m x',
    ):
        bash = {"tool_name": "Bash", "tool_input": {"command": command}}
        code, text = agent(trees, trees.a, bash)
        assert code == 2, command
        assert "work only in the session's worktree" in text or "only known" in text, text
    # The payload's own directory in another worktree, the agent bound to a.
    code, text = agent(
        trees,
        trees.a,
        {"cwd": str(trees.c), "tool_name": "Bash", "tool_input": {"command": "ls"}},
    )
    assert code == 2 and "work only in the session's worktree" in text
    # Staying home is fine; an agent in the unguarded worktree is allowed at once.
    ok = {"tool_name": "Bash", "tool_input": {"command": "git status && cd docs && ls"}}
    assert agent(trees, trees.a, ok)[0] == 0
    prod = {"tool_name": "Write", "tool_input": {"file_path": "src/app.py", "content": "x"}}
    assert agent(trees, trees.c, prod) == (0, "")
    assert agent(trees, trees.a, prod)[0] == 2


def test_audits_from_every_worktree_agree_and_attribute_commits(trees: Trees, invoke) -> None:
    assert commit(trees.main, "src/app.py", PROD).returncode == 0  # the person's: not a's
    assert commit(trees.a, "docs/worklog.md", "found it\n").returncode == 0
    write(trees.a, "src/app.py", PROD)
    git(trees.a, "add", "src/app.py")
    git(trees.a, *BYPASS, "commit", "-q", "--no-verify", "-m", "docs: notes")
    bad = head(trees.a)
    # A docs commit made on a's branch from elsewhere (allowed, but not a's own).
    tree = git(trees.main, "rev-parse", f"{bad}^{{tree}}").strip()
    foreign = git(trees.main, "commit-tree", tree, "-p", bad, "-m", "from next door").strip()
    git(trees.main, "update-ref", "refs/heads/agent-a", foreign)
    reports = [audit(invoke, where, trees.sessions["a"]) for where in trees.all()]
    assert all(r == reports[0] for r in reports)
    code, report = reports[0]
    assert code == 1 and report["summary"]["verdict"] == "violated"
    assert report["session"]["worktree"] == str(trees.a.resolve())
    assert [c["subject"] for c in report["commits"]] == [
        "from next door",
        "docs: notes",
        "change docs/worklog.md",
    ]
    notes = [i["detail"] for i in report["integrity"] if i["kind"] == "made-elsewhere"]
    assert len(notes) == 1 and notes[0].startswith(foreign)
    # b's session saw none of it, from anywhere.
    others = [audit(invoke, where, trees.sessions["b"]) for where in trees.all()]
    assert all(r == (0, others[0][1]) for r in others)
    assert others[0][1]["commits"] == [] and others[0][1]["summary"]["verdict"] == "clean"


def test_stopping_one_session_leaves_the_other_enforcing(trees: Trees, invoke) -> None:
    stopped = invoke(["session", "stop", "--session", trees.sessions["b"]], cwd=trees.main)
    assert stopped.code == 0, stopped.err
    assert commit(trees.b, "src/app.py", PROD).returncode == 0
    refused(commit(trees.a, "src/app.py", PROD), 1, "src/app.py")
    git(trees.a, "restore", "--staged", "--worktree", "--", "src/app.py")
    verify = invoke(["session", "verify", "--session", trees.sessions["b"]], cwd=trees.c)
    assert verify.code == 0 and verify.text.startswith("ok: ")
    assert invoke(["session", "verify"], cwd=trees.a).code == 0
    # Stopping the last one disarms the hooks for everyone.
    assert invoke(["session", "stop"], cwd=trees.a).code == 0
    hooks = git(trees.main, "rev-parse", "--path-format=absolute", "--git-path", "hooks")
    assert not (Path(hooks.strip()) / "pre-commit").exists()
    rows = json.loads(invoke(["session", "list", "--json"], cwd=trees.main).out)
    assert sorted(r["worktree"] for r in rows) == sorted(
        [str(trees.a.resolve()), str(trees.b.resolve())]
    )
    stale = invoke(["session", "stop", "--session", "nope"], cwd=trees.main)
    assert stale.code == 2 and "no such active session" in stale.err
    assert err(sh(trees.main, "status")) == ""
