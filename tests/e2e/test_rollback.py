"""`guard rollback --apply` never loses data: it refuses what it would overwrite,
restores each branch from its own start, commits atomically or not at all, and an
interrupted apply leaves the old state or the new one.

The hooks are installed only where a test says so; a plain git commit stands for
one that bypassed the guard.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import git
from tests.e2e.test_audit_git import (
    BYPASS,
    START_FILES,
    WORKLOG,
    audit,
    commit,
    git_state,
    head,
    seed,
    start,
    write,
)

GUARD = str(Path(sys.executable).parent / "guard")


def refused(invoke, where: Path, *args: str) -> str:
    """Run a rollback in `where` (a repository or a folder of one) that must be
    refused; it changes nothing. Its message."""
    repo = Path(git(where, "rev-parse", "--show-toplevel").strip())
    before = git_state(repo)
    done = invoke(["rollback", "--apply", *args], cwd=where)
    assert done.code == 1, done.text
    assert git_state(repo) == before
    assert not (repo / ".git/guard-rollback.json").exists()
    return done.err


# --------------------------------------------------------------------------- the paths


def test_a_file_restored_where_the_session_made_a_folder_of_kept_files_is_refused(
    repo: Path, invoke
) -> None:
    """`tools` (production) deleted, `tools/README.md` (docs) committed in its place:
    restoring the file would delete the kept docs file and the untracked drafts."""
    seed(repo)
    commit(repo, "tools", {"tools": "#!/bin/sh\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "tools")
    git(repo, "commit", "-q", "-m", "drop tools")
    commit(repo, "docs: tools readme", {"tools/README.md": "# Tools\n"})
    write(repo, "tools/draft.md", "draft\n")
    write(repo, "tools/wip.sh", "echo wip\n")
    err = refused(invoke, repo)
    assert err == (
        "guard: tracked paths the rollback keeps stand where it restores a file "
        "(tools/README.md)\n"
        "hint: move them by a commit of your own, then guard rollback --apply\n"
    )
    assert (repo / "tools/draft.md").read_text() == "draft\n"
    assert (repo / "tools/wip.sh").read_text() == "echo wip\n"


@pytest.mark.parametrize("kind", ["untracked", "ignored"])
def test_a_file_restored_over_a_folder_of_loose_files_is_refused(
    repo: Path, invoke, kind: str
) -> None:
    seed(repo)
    commit(repo, "bin", {"bin": "#!/bin/sh\n", ".gitignore": "*.pyc\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "bin")
    commit(repo, "bin as a package", {"bin/run.py": "RUN = 1\n"})
    loose = "bin/notes.txt" if kind == "untracked" else "bin/cache.pyc"
    write(repo, loose, "mine\n")
    err = refused(invoke, repo)
    assert err.startswith(
        f"guard: untracked or ignored files stand where the rollback restores ({loose})\n"
    )
    assert (repo / loose).read_text() == "mine\n"
    (repo / loose).unlink()  # with the way clear, the folder becomes the file again
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert (repo / "bin").read_text() == "#!/bin/sh\n"
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


def test_a_folder_restored_where_the_session_left_a_file(repo: Path, invoke) -> None:
    seed(repo)
    start_sha = start(invoke, repo)["start_head"]
    git(repo, "rm", "-q", "-r", "src")
    commit(repo, "src as one file", {"src": "everything\n"})
    write(repo, "notes.md", "untracked, elsewhere\n")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "HEAD") == ""
    assert (repo / "src/app.py").is_file()
    assert (repo / "notes.md").read_text() == "untracked, elsewhere\n"


def test_a_submodule_pointer_is_restored_with_its_checkout_left_alone(repo: Path, invoke) -> None:
    first = seed(repo)
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{first},vendor/lib")
    git(repo, "commit", "-q", "-m", "vendor the library")
    write(repo, "vendor/lib/README.md", "the submodule's own files\n")
    start_sha = start(invoke, repo)["start_head"]
    git(repo, "update-index", "--cacheinfo", f"160000,{start_sha},vendor/lib")
    git(repo, "commit", "-q", "-m", "bump the library")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "ls-tree", "HEAD", "vendor/lib").split()[2] == first
    assert (repo / "vendor/lib/README.md").read_text() == "the submodule's own files\n"


@pytest.mark.parametrize("object_format", ["sha1", "sha256"])
def test_the_rollback_commit_holds_the_start_tree_at_every_path_it_restores(
    tmp_path: Path, invoke, object_format: str
) -> None:
    """Folders the session emptied come back, folders it made go, a submodule pointer
    whose commit this repository does not have is restored, in either hash: the
    commit differs from the start only where the session's allowed work is."""
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", "-b", "main", f"--object-format={object_format}", str(repo))
    seed(repo)
    width = len(head(repo))
    commit(repo, "nested", {"src/deep/er/core.py": "CORE = 1\n"})
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{'1' * width},vendor/lib")
    git(repo, "commit", "-q", "-m", "vendor a library")
    write(repo, "vendor/lib/README.md", "the submodule's own files\n")
    start_sha = start(invoke, repo)["start_head"]
    git(repo, "rm", "-q", "src/deep/er/core.py", "src/app.py")
    git(repo, "update-index", "--cacheinfo", f"160000,{'2' * width},vendor/lib")
    commit(repo, "drift", {"src/new/sub/mod.py": "NEW = 1\n", "docs/worklog.md": WORKLOG})
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "HEAD").split() == ["docs/worklog.md"]
    assert (repo / "src/deep/er/core.py").read_text() == "CORE = 1\n"
    assert not (repo / "src/new").exists()
    assert git(repo, "status", "--porcelain") == ""


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_a_hidden_local_edit_is_never_overwritten(repo: Path, invoke, flag: str) -> None:
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "def app():\n    return 5\n"})
    git(repo, "update-index", flag, "src/app.py")
    write(repo, "src/app.py", "my local experiment\n")
    assert git(repo, "status", "--porcelain") == ""  # git hides it
    err = refused(invoke, repo / "docs")  # from a folder the path is not in
    assert err.startswith(
        "guard: paths the rollback restores are marked assume-unchanged or skip-worktree"
    )
    assert "(src/app.py)" in err
    assert (repo / "src/app.py").read_text() == "my local experiment\n"


def test_a_local_edit_elsewhere_stays_and_so_do_untracked_files(repo: Path, invoke) -> None:
    """Only the plan's paths are written: a worklog being edited, an untracked note and
    an ignored build output are left exactly as they are."""
    seed(repo)
    commit(repo, "ignore builds", {".gitignore": "out/\n"})
    start_sha = start(invoke, repo)["start_head"]
    commit(repo, "fix", {"src/app.py": "def app():\n    return 5\n"})
    write(repo, "docs/worklog.md", "# Worklog\nhalf-written\n")
    write(repo, "notes/idea.md", "an idea\n")
    write(repo, "out/build.bin", "binary\n")
    done = invoke(["rollback", "--apply"], cwd=repo / "docs")  # from a folder too
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "HEAD") == ""
    assert (repo / "src/app.py").read_text() == "def app():\n    return 1\n"
    assert (repo / "docs/worklog.md").read_text() == "# Worklog\nhalf-written\n"
    assert (repo / "notes/idea.md").read_text() == "an idea\n"
    assert (repo / "out/build.bin").read_text() == "binary\n"


# --------------------------------------------------------------------------- branches


def release_branch(repo: Path) -> str:
    """A `release` branch that differs from main in src/app.py and still has a file
    main deleted; returns its tip."""
    seed(repo)
    git(repo, "switch", "-q", "-c", "release")
    commit(repo, "release fix", {"src/app.py": "def app():\n    return 'release'\n"})
    git(repo, "switch", "-q", "main")
    git(repo, "rm", "-q", "src/old.py")
    git(repo, "commit", "-q", "-m", "drop old")
    return head(repo, "release")


def test_another_branch_is_restored_from_its_own_start(repo: Path, invoke) -> None:
    release = release_branch(repo)
    assert invoke(["install"], cwd=repo).code == 0
    start(invoke, repo)
    git(repo, "switch", "-q", "release")
    commit(repo, "hot", {"src/app.py": "HOT\n", "src/old.py": "OLD = False\n"}, *BYPASS)
    plan = invoke(["rollback"], cwd=repo)
    assert plan.code == 0
    assert f"  2 to restore from {release[:12]} (src/app.py, src/old.py):" in plan.text
    assert f" --source={release} --staged --worktree " in plan.text
    done = invoke(["rollback", "--apply"], cwd=repo)  # through the guard's own hooks
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", release, "release") == ""
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "diff", "--name-only", "main", "HEAD").split() == ["src/app.py", "src/old.py"]


def test_a_branch_checked_out_nowhere_is_rolled_back_without_touching_the_tree(
    repo: Path, invoke
) -> None:
    release = release_branch(repo)
    start(invoke, repo)
    git(repo, "switch", "-q", "release")
    commit(repo, "hot", {"src/app.py": "HOT\n"})
    git(repo, "switch", "-q", "main")
    write(repo, "docs/worklog.md", "editing\n")
    status = git(repo, "status", "--porcelain")
    done = invoke(["rollback", "--apply", "--ref", "release"], cwd=repo)
    assert done.code == 0, done.err
    assert "on refs/heads/release (not checked out here: the work tree is untouched)" in done.text
    assert git(repo, "diff", "--name-only", release, "release") == ""
    assert git(repo, "status", "--porcelain") == status


def test_a_branch_checked_out_in_another_worktree_is_left_to_it(repo: Path, invoke) -> None:
    release_branch(repo)
    start(invoke, repo)
    other = repo.parent / "release-tree"
    git(repo, "worktree", "add", "-q", str(other), "release")
    commit(other, "hot", {"src/app.py": "HOT\n"})
    err = refused(invoke, repo, "--ref", "release")
    assert err.startswith(f"guard: refs/heads/release is checked out in the worktree {other}\n")
    done = invoke(["rollback", "--apply"], cwd=other)
    assert done.code == 0, done.err
    assert (other / "src/app.py").read_text() == "def app():\n    return 'release'\n"


def test_a_refused_ref_update_changes_nothing(repo: Path, invoke) -> None:
    """During a session a new --branch would carry the bypassed commit: the guard's
    hook refuses the transaction, and neither the branch nor the backup appear."""
    seed(repo)
    assert invoke(["install"], cwd=repo).code == 0
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"}, *BYPASS)
    err = refused(invoke, repo, "--branch", "undo")
    assert err.startswith("guard: the rollback commit was refused, and nothing changed: ")
    assert "blocked this ref update" in err


# --------------------------------------------------------------------------- identity, leftovers


def test_without_a_git_identity_nothing_is_written(
    repo: Path, invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{role}_NAME")
        monkeypatch.delenv(f"GIT_{role}_EMAIL")
    git(repo, "config", "user.useConfigOnly", "true")  # no guessing from the host name
    err = refused(invoke, repo)
    assert err.startswith("guard: git cannot name the rollback commit's author: ")
    assert 'hint: git config user.name "Your Name"' in err
    assert git(repo, "for-each-ref", "refs/guard/") == ""


def test_untracked_violations_are_named_with_a_command_never_deleted(repo: Path, invoke) -> None:
    seed(repo)
    sid = start(invoke, repo)["id"]
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    write(repo, "src/scratch.py", "S = 1\n")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 1
    assert done.text.splitlines()[1:] == [
        "audit after rollback: verdict violated, net_violations 1",
        "uncommitted work the mode forbids, which the guard never discards; "
        "run these to throw it away:",
        "  1 untracked (src/scratch.py):",
        "    guard rollback --paths untracked -z | xargs -0 rm --",
    ]
    assert (repo / "src/scratch.py").read_text() == "S = 1\n"
    assert invoke(["session", "stop"], cwd=repo).code == 0
    printed = invoke(["rollback"], cwd=repo)
    assert (printed.code, printed.text.splitlines()) == (
        0,
        [
            "uncommitted work the mode forbids, which the guard never discards; "
            "run these to throw it away:",
            "  1 untracked (src/scratch.py):",
            f"    guard rollback --session {sid} --paths untracked -z | xargs -0 rm --",
        ],
    )
    again = invoke(["rollback", "--apply"], cwd=repo)
    assert again.code == 1
    assert f"    guard rollback --session {sid} --paths untracked -z | xargs -0 rm --" in (
        again.text.splitlines()
    )
    _, report = audit(invoke, repo)
    assert report["summary"]["net_violations"] == 1  # rollback and audit agree


# --------------------------------------------------------------------------- other scopes


def test_a_since_audit_prints_a_plan_that_guard_rollback_applies(repo: Path, invoke) -> None:
    start_sha = seed(repo)
    commit(repo, "worklog", {"docs/worklog.md": WORKLOG})
    commit(repo, "fix", {"src/app.py": "FIX\n", "src/new.py": "N = 1\n"})
    text = invoke(["audit", "--since", start_sha[:12], "--mode", "read-only"], cwd=repo).text
    command = f"guard rollback --since {start_sha[:12]} --mode read-only --apply"
    assert f"Undo: {command} restores 1 path(s) and deletes 1, in one commit" in text
    done = invoke(command.split()[1:], cwd=repo)
    assert done.code == 0, done.err
    assert f"backup of the previous tip: refs/guard/backup/since-{start_sha[:12]}" in done.text
    assert git(repo, "diff", "--name-only", start_sha, "HEAD").split() == ["docs/worklog.md"]


def test_a_range_audit_prints_a_plan_that_guard_rollback_applies(repo: Path, invoke) -> None:
    start_sha = seed(repo)
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, "feature", {"src/app.py": "FEATURE\n", "docs/feature.md": "notes\n"})
    git(repo, "switch", "-q", "main")
    args = ["--base", "main", "--head", "feature", "--mode", "read-only"]
    done = invoke(["audit", "--format", "markdown", *args], cwd=repo)
    command = "guard rollback --base main --head feature --mode read-only --apply"
    assert f"`{command}` restores 1 path(s) and deletes 0, in one commit." in done.text
    applied = invoke(["rollback", *args, "--apply"], cwd=repo)
    assert applied.code == 0, applied.err
    assert git(repo, "diff", "--name-only", start_sha, "feature").split() == ["docs/feature.md"]
    assert git(repo, "status", "--porcelain") == ""


def test_a_range_whose_head_is_no_branch_has_a_plan_but_no_apply(repo: Path, invoke) -> None:
    start_sha = seed(repo)
    tip = commit(repo, "fix", {"src/app.py": "FIX\n"})
    args = ["--base", start_sha, "--head", tip, "--mode", "read-only"]
    assert invoke(["rollback", *args], cwd=repo).code == 0
    done = invoke(["rollback", *args, "--apply"], cwd=repo)
    assert (done.code, done.err.splitlines()[0]) == (
        2,
        "guard: (range) is not a branch: a rollback commits on one",
    )


# --------------------------------------------------------------------------- interrupted


KILLER = """#!/bin/sh
# Counts the git calls the guard process makes itself (some run side by side: the
# count is taken under a lock) and kills it at call $KILL_AT.
if [ "$PPID" = "$(cat "$GUARD_PID")" ]; then
    exec 9>>"$GIT_CALLS.lock"
    flock 9
    n=$(( $(cat "$GIT_CALLS") + 1 ))
    echo "$n" > "$GIT_CALLS"
    if [ "$n" = "$KILL_AT" ]; then kill -9 "$PPID"; exit 137; fi
    exec 9>&-
fi
exec "$REAL_GIT" "$@"
"""


def snapshot(repo: Path) -> tuple[str, ...]:
    """What the user sees: HEAD, the branches, status, every file's content."""
    files = sorted(
        (str(p.relative_to(repo)), p.read_bytes())
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    )
    return (
        head(repo),
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/heads/"),
        git(repo, "status", "--porcelain=v2", "--untracked-files=all", "--ignored"),
        repr(files),
    )


def test_an_apply_killed_at_any_step_leaves_the_old_state_or_the_new(
    tmp_path: Path, invoke
) -> None:
    template = tmp_path / "template"
    template.mkdir()
    git(template, "init", "-q", "-b", "main")
    seed(template)
    start(invoke, template)
    commit(template, "fix", {"src/app.py": "FIX\n", "src/new.py": "N = 1\n"})
    commit(template, "worklog", {"docs/worklog.md": WORKLOG})
    write(template, "docs/worklog.md", WORKLOG + "still writing\n")  # uncommitted, kept
    write(template, "notes/idea.md", "untracked\n")

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(KILLER)
    (bin_dir / "git").chmod(0o755)
    real_git = shutil.which("git")
    assert real_git is not None

    def run(repo: Path, kill_at: int) -> tuple[int, str]:
        """`guard rollback --apply` in `repo` under the killer: the calls it made, and
        what it printed on stderr."""
        (tmp_path / "calls").write_text("0")
        env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "REAL_GIT": real_git,
            "GIT_CALLS": str(tmp_path / "calls"),
            "GUARD_PID": str(tmp_path / "pid"),
            "KILL_AT": str(kill_at),
        }
        script = f'echo $$ > "$GUARD_PID"; exec {GUARD} rollback --apply'
        done = subprocess.run(["sh", "-c", script], cwd=repo, env=env, capture_output=True)
        with open(tmp_path / "calls.lock", "a") as lock:  # a killed run's readers may linger
            fcntl.flock(lock, fcntl.LOCK_EX)
            return int((tmp_path / "calls").read_text()), done.stderr.decode()

    old = tmp_path / "old"
    shutil.copytree(template, old)
    before = snapshot(old)
    new = tmp_path / "new"
    shutil.copytree(template, new)
    calls, err = run(new, 0)
    after = snapshot(new)
    assert head(new, "HEAD~1") == head(old), err
    new_tree = head(new, "HEAD^{tree}")

    outcomes = set()
    for kill_at in range(1, calls + 1):
        repo = tmp_path / f"killed-{kill_at}"
        shutil.copytree(template, repo)
        run(repo, kill_at)
        pending = (repo / ".git/guard-rollback.json").exists()
        landed = head(repo, "HEAD^{tree}") == new_tree
        outcomes.add("old" if not landed else ("interrupted" if pending else "new"))
        if landed:
            assert pending or snapshot(repo)[2:] == after[2:], kill_at
        else:
            assert snapshot(repo) == before, kill_at
        if landed and pending:  # run again, --apply finishes the write and is done
            again = invoke(["rollback", "--apply"], cwd=repo)
            assert again.code == 0, (kill_at, again.err)
        else:
            invoke(["rollback"], cwd=repo)
        assert snapshot(repo)[2:] == (after if landed else before)[2:], kill_at
        assert not (repo / ".git/guard-rollback.json").exists(), kill_at
    assert outcomes == {"old", "interrupted", "new"}


# --------------------------------------------------------------------------- the incident


def incident(repo: Path, invoke) -> tuple[str, str]:
    """The session the product exists for, built for real: told to investigate, the
    agent made 30 commits with the hooks off (new modules, the circuit breaker, 3,000
    migrated test files), its last one claiming documentation only, and left an
    untracked draft. The hooks refused it first at every layer they see. The start
    commit and the session id."""
    tests = [f"tests/unit/agents/test_agent_unit_{n:04d}.py" for n in range(3_000)]
    files = {
        "src/shop/cart.py": "def total(items):\n    return sum(items)\n",
        "src/shop/circuit_breaker.py": "THRESHOLD = 5\n",
        "docs/worklog.md": "# Worklog\n",
        **{path: "def test_unit():\n    assert True\n" for path in tests},
    }
    for path, content in files.items():
        write(repo, path, content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the shop")
    start_sha = head(repo)
    assert invoke(["install"], cwd=repo).code == 0
    sid = start(invoke, repo, "--mode", "read-only")["id"]

    # The hooks refuse the production change at every layer they see.
    write(repo, "src/shop/circuit_breaker.py", "THRESHOLD = 50\n")
    git(repo, "add", "-A")
    blocked = subprocess.run(
        ["git", "-C", str(repo), "commit", "-q", "-m", "tune"], capture_output=True, text=True
    )
    assert blocked.returncode == 1 and "src/shop/circuit_breaker.py" in blocked.stderr
    edit = {
        "hook_event_name": "PreToolUse",
        "cwd": str(repo),
        "tool_name": "Edit",
        "tool_input": {
            "file_path": str(repo / "src/shop/circuit_breaker.py"),
            "old_string": "5",
            "new_string": "50",
        },
    }
    assert invoke(["agent", "claude"], stdin=json.dumps(edit).encode(), cwd=repo).code == 2

    # ... and the agent turns them off: 30 commits.
    git(repo, *BYPASS, "commit", "-q", "-m", "tune the breaker")  # what was staged
    commit(
        repo,
        "add retry and backoff",
        {"src/shop/retry.py": "RETRIES = 3\n", "src/shop/backoff.py": "BASE = 2\n"},
        *BYPASS,
    )

    chunks = [tests[i : i + 112] for i in range(0, len(tests), 112)]  # 27 chunks
    assert len(chunks) == 27
    for number, chunk in enumerate(chunks, 1):
        for path in chunk:
            write(repo, path, "import pytest\n\ndef test_unit():\n    assert True\n")
        git(repo, "add", "--", *chunk)
        subject = f"migrate tests, part {number}" if number < 27 else "docs: tidy, docs only"
        git(repo, *BYPASS, "commit", "-q", "-m", subject)
    commit(repo, "worklog: what I found", {"docs/worklog.md": WORKLOG}, *BYPASS)
    write(repo, "docs/draft.md", "untracked notes\n")
    return start_sha, sid


def test_the_incident_replayed_through_every_command(repo: Path, invoke) -> None:
    """Every layer and command sees the incident, and one rollback commit puts back
    everything but the worklog."""
    start_sha, sid = incident(repo, invoke)
    code, report = audit(invoke, repo)
    assert code == 1
    summary = report["summary"]
    assert summary["commits"] == 30 and summary["violating_commits"] == 29
    assert summary["net_violations"] == 3_003 and summary["verdict"] == "violated"
    assert [c["subject"] for c in report["commits"] if c["mislabelled"]] == [
        "docs: tidy, docs only"
    ]
    assert len(report["rollback"]) == 3_003

    assert invoke(["session", "stop"], cwd=repo).code == 0
    stored = invoke(["report", "--format", "json"], cwd=repo)
    assert json.loads(stored.out)["summary"]["net_violations"] == 3_003

    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert "3001 restored, 2 deleted" in done.text
    assert git(repo, "rev-list", "--count", f"{start_sha}..HEAD").strip() == "31"
    assert git(repo, "diff", "--name-only", start_sha, "HEAD").split() == ["docs/worklog.md"]
    assert (repo / "docs/worklog.md").read_text() == WORKLOG
    assert (repo / "docs/draft.md").read_text() == "untracked notes\n"
    assert git(repo, "status", "--porcelain") == "?? docs/draft.md\n"
    assert head(repo, f"refs/guard/backup/{sid}") == head(repo, "HEAD~1")
    code, after = audit(invoke, repo)
    assert after["summary"]["verdict"] == "restored" and after["summary"]["net_violations"] == 0


# --------------------------------------------------------------------------- found by attack


def test_a_repository_checked_out_where_a_file_comes_back_is_never_removed(
    repo: Path, invoke
) -> None:
    seed(repo)
    commit(repo, "lib", {"src/lib": "lib v1\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "src/lib")
    nested = repo / "src/lib"
    nested.mkdir()
    git(nested, "init", "-q")
    commit(nested, "nested work", {"code.py": "work\n", ".gitignore": "*.env\n"})
    write(repo, "src/lib/prod.env", "SECRET\n")  # ignored: the nested repository is clean
    git(repo, "add", "src/lib")
    git(repo, "commit", "-q", "-m", "vendor lib")
    err = refused(invoke, repo)
    assert err.startswith("guard: untracked or ignored files stand where the rollback restores")
    assert (nested / ".git").is_dir() and (nested / "prod.env").read_text() == "SECRET\n"


def test_an_alias_of_the_checked_out_branch_moves_it_with_its_tree(repo: Path, invoke) -> None:
    seed(repo)
    git(repo, "symbolic-ref", "refs/heads/master", "refs/heads/main")
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    done = invoke(["rollback", "--ref", "master", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert done.text.startswith(f"committed {head(repo)[:12]} on refs/heads/main: ")
    assert git(repo, "status", "--porcelain") == ""


def test_the_guard_s_own_committed_hooks_are_not_rolled_back(repo: Path, invoke) -> None:
    """A hooks folder in the work tree (core.hooksPath=.githooks) whose guard shims
    were committed by `git add -A`: the rollback keeps them, and they keep working."""
    seed(repo)
    git(repo, "config", "core.hooksPath", ".githooks")
    assert invoke(["install"], cwd=repo).code == 0
    start(invoke, repo)
    commit(repo, "everything", {"src/app.py": "FIX\n"}, *BYPASS)
    git(repo, "add", "-A")
    git(repo, *BYPASS, "commit", "-q", "-m", "and the hooks")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert (repo / ".githooks/pre-commit").is_file()
    write(repo, "src/app.py", "AGAIN\n")
    again = subprocess.run(
        ["git", "-C", str(repo), "commit", "-qam", "again"], capture_output=True, text=True
    )
    assert again.returncode == 1 and "src/app.py" in again.stderr


def test_a_rebase_in_progress_holds_its_branch(repo: Path, invoke) -> None:
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    commit(repo, "docs: more", {"docs/worklog.md": WORKLOG})
    editor = "sed -i '1s/^pick/edit/'"
    git(repo, "-c", f"sequence.editor={editor}", "rebase", "-q", "-i", "HEAD~1")
    err = refused(invoke, repo, "--ref", "main")
    assert err.startswith("guard: a rebase is in progress\n")
    git(repo, "rebase", "--continue")


def test_another_index_file_is_refused(
    repo: Path, invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    shutil.copy(repo / ".git/index", tmp_path / "index")
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "index"))
    assert refused(invoke, repo).startswith("guard: GIT_INDEX_FILE is set")


def test_a_branch_not_checked_out_is_checked_for_kept_files_in_the_way(repo: Path, invoke) -> None:
    seed(repo)
    commit(repo, "thing", {"src/thing": "y\n"})
    git(repo, "branch", "feat")
    start(invoke, repo)
    git(repo, "switch", "-q", "feat")
    git(repo, "rm", "-q", "src/thing")
    commit(repo, "a folder", {"src/thing/README.md": "note\n"})
    git(repo, "switch", "-q", "main")
    err = refused(invoke, repo, "--ref", "feat")
    assert err.startswith(
        "guard: tracked paths the rollback keeps stand where it restores a file "
        "(src/thing/README.md)\n"
    )


def test_a_range_rollback_checks_local_edits_too(repo: Path, invoke) -> None:
    start_sha = seed(repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    write(repo, "src/app.py", "FIX\nlocal edit\n")
    err = refused(invoke, repo, "--base", start_sha, "--head", "main", "--mode", "read-only")
    assert err.startswith("guard: paths the rollback restores have uncommitted changes")


def test_an_ignored_link_to_a_folder_in_the_way_is_named(
    repo: Path, invoke, tmp_path: Path
) -> None:
    seed(repo)
    commit(repo, "thing", {"src/thing": "y\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "src/thing")
    commit(repo, "a folder", {"src/thing/a.py": "z\n"})
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("precious\n")
    (repo / "src/thing/link").symlink_to(outside)
    (repo / ".git/info/exclude").write_text("src/thing/link\n")
    err = refused(invoke, repo)
    assert "(src/thing/link)" in err
    assert (outside / "keep").read_text() == "precious\n"


@pytest.mark.parametrize(
    "marker", ["{}", "null", "[1]", '{"ref": 1, "old": 2, "new": 3, "from": 4}']
)
def test_a_damaged_marker_is_a_state_error(repo: Path, invoke, marker: str) -> None:
    seed(repo)
    (repo / ".git/guard-rollback.json").write_text(marker)
    done = invoke(["rollback"], cwd=repo)
    assert done.code == 3
    assert "the rollback marker" in done.err and "is unreadable" in done.err


def test_a_checkout_cut_short_is_finished_and_an_edit_since_is_kept(repo: Path, invoke) -> None:
    """The commit landed, git wrote part of the checkout and died: the next
    `guard rollback` finishes it; a path edited since stops it, edit kept."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n", "src/util.py": "UTIL\n", "src/new.py": "N\n"})
    old = head(repo)
    plan = json.loads(invoke(["audit", "--format", "json"], cwd=repo).out)["rollback"]
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    new = head(repo)
    # Put back the state a checkout killed half-way leaves: the index and the other
    # files old, src/app.py already new, src/new.py already gone.
    git(repo, "read-tree", old)
    write(repo, "src/util.py", "UTIL\n")
    (repo / ".git/guard-rollback.json").write_text(
        json.dumps({"ref": "refs/heads/main", "old": old, "new": new, "from": "refs/heads/main"})
    )
    write(repo, "src/util.py", "my own edit\n")
    blocked = invoke(["rollback"], cwd=repo)
    assert blocked.code == 1
    assert "changed since: src/util.py" in blocked.err
    assert (repo / "src/util.py").read_text() == "my own edit\n"
    write(repo, "src/util.py", "UTIL\n")  # the user moves the edit away
    finished = invoke(["rollback"], cwd=repo)
    assert finished.code == 0, finished.err
    assert finished.text.startswith(
        f"finished an interrupted rollback: the tree now matches {new[:12]}"
    )
    assert git(repo, "status", "--porcelain") == ""
    assert [s["path"] for s in plan] == ["src/app.py", "src/new.py", "src/util.py"]


def test_an_apply_after_an_interrupted_one_finishes_it_and_succeeds(
    repo: Path, invoke, tmp_path: Path
) -> None:
    """`guard rollback --apply` run again after one killed once its commit landed
    finishes the write and is done: exit 0, as the first would have ended, not a
    usage error for a plan it has just carried out."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n", "src/new.py": "N\n"})
    old = head(repo)
    assert invoke(["rollback", "--apply"], cwd=repo).code == 0
    new = head(repo)
    git(repo, "read-tree", old)  # killed before the index and files were brought to it
    write(repo, "src/app.py", "FIX\n")
    write(repo, "src/new.py", "N\n")
    (repo / ".git/guard-rollback.json").write_text(
        json.dumps({"ref": "refs/heads/main", "old": old, "new": new, "from": "refs/heads/main"})
    )
    again = invoke(["rollback", "--apply"], cwd=repo)
    assert again.code == 0, again.err
    assert again.text.startswith(
        f"finished an interrupted rollback: the tree now matches {new[:12]}"
    )
    assert "nothing to roll back" not in again.text + again.err
    assert git(repo, "status", "--porcelain") == ""
    assert head(repo) == new
    done = invoke(["rollback", "--apply"], cwd=repo)  # truly nothing left: as before
    assert done.code == 2
    assert "nothing to roll back" in done.err


def test_files_in_the_way_at_the_path_or_a_parent_are_named(repo: Path, invoke) -> None:
    seed(repo)
    commit(repo, "deep", {"src/deep/mod.py": "D = 1\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "src/old.py", "src/deep/mod.py")
    git(repo, "commit", "-q", "-m", "drop two")
    write(repo, "src/old.py", "an untracked stand-in\n")
    write(repo, "src/deep", "an untracked file where a folder was\n")
    err = refused(invoke, repo)
    assert err.startswith(
        "guard: untracked or ignored files stand where the rollback restores "
        "(src/deep, src/old.py)\n"
    )


def test_a_second_rollback_keeps_the_first_backup(repo: Path, invoke) -> None:
    seed(repo)
    sid = start(invoke, repo)["id"]
    first = commit(repo, "fix", {"src/app.py": "FIX\n"})
    assert invoke(["rollback", "--apply"], cwd=repo).code == 0
    second = commit(repo, "fix again", {"src/app.py": "FIX 2\n"})
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert f"refs/guard/backup/{sid}-2" in done.text
    assert head(repo, f"refs/guard/backup/{sid}") == first
    assert head(repo, f"refs/guard/backup/{sid}-2") == second


def test_a_ref_below_the_backup_s_name_never_blocks_the_rollback(repo: Path, invoke) -> None:
    """A ref at `refs/guard/backup/<id>/x` makes `refs/guard/backup/<id>` a name git
    cannot create (a ref cannot be a folder of refs too): the backup takes the next
    free name, which the apply names, and the ref in the way stays as it was."""
    seed(repo)
    sid = start(invoke, repo)["id"]
    tip = commit(repo, "fix", {"src/app.py": "FIX\n"})
    git(repo, "update-ref", f"refs/guard/backup/{sid}/x", "HEAD~1")
    git(repo, "update-ref", f"refs/guard/backup/{sid}-2/y/z", "HEAD~1")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert f"backup of the previous tip: refs/guard/backup/{sid}-3\n" in done.text
    assert head(repo, f"refs/guard/backup/{sid}-3") == tip
    assert head(repo, f"refs/guard/backup/{sid}/x") == head(repo, "HEAD~2")
    assert git(repo, "status", "--porcelain") == ""


def test_a_ref_at_the_backup_folder_is_named_before_anything_is_written(repo: Path, invoke) -> None:
    """A ref named `refs/guard/backup` blocks every backup name below it: refused
    before the first write, with the ref named and the command that moves it away."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    git(repo, "update-ref", "refs/guard/backup", "HEAD~1")
    err = refused(invoke, repo)
    assert err.startswith(
        "guard: the ref refs/guard/backup stands where the rollback keeps its backups"
    )
    assert "git update-ref -d refs/guard/backup" in err


def test_branch_and_ref_options_are_checked(repo: Path, invoke) -> None:
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    git(repo, "branch", "taken")
    exists = invoke(["rollback", "--apply", "--branch", "refs/heads/taken"], cwd=repo)
    assert (exists.code, exists.err) == (
        2,
        "guard: --branch 'refs/heads/taken': that branch exists already\n",
    )
    missing = invoke(["rollback", "--ref", "nope"], cwd=repo)
    assert (missing.code, missing.err.splitlines()[0]) == (2, "guard: --ref 'nope': no such branch")
    made = invoke(["rollback", "--apply", "--branch", "refs/heads/undo"], cwd=repo)
    assert made.code == 0, made.err
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/undo"


def test_a_rollback_run_from_a_folder_it_empties_keeps_that_folder(repo: Path, invoke) -> None:
    """The session added `lib/` and the user runs the rollback from inside it: the
    folder stays (as git keeps the current folder), the rollback finishes and says so,
    and no marker is left for the next run."""
    seed(repo)
    start_sha = start(invoke, repo)["start_head"]
    commit(repo, "a library", {"lib/new.py": "N = 1\n", "lib/deep/more.py": "M = 1\n"})
    done = invoke(["rollback", "--apply"], cwd=repo / "lib" / "deep")
    assert done.code == 0, done.err
    assert "audit after rollback: verdict restored, net_violations 0" in done.text
    assert git(repo, "diff", "--name-only", start_sha, "HEAD") == ""
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (repo / ".git/guard-rollback.json").exists()
    assert (repo / "lib/deep").is_dir()
    assert list((repo / "lib").rglob("*")) == [repo / "lib/deep"]


def test_a_file_coming_back_over_the_current_folder_is_refused(repo: Path, invoke) -> None:
    seed(repo)
    commit(repo, "tools", {"tools": "#!/bin/sh\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "tools")
    commit(repo, "tools as a package", {"tools/run.py": "RUN = 1\n"})
    err = refused(invoke, repo / "tools")
    assert err.startswith("guard: the rollback restores a file where the current folder is (tools)")
    assert invoke(["rollback", "--apply"], cwd=repo).code == 0
    assert (repo / "tools").read_text() == "#!/bin/sh\n"


def test_a_locked_index_is_refused_before_the_commit(repo: Path, invoke) -> None:
    """Another git holds the index: the rollback could commit but not check its commit
    out, so it refuses first and nothing is half done."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    (repo / ".git/index.lock").write_text("")
    err = refused(invoke, repo)
    assert err.startswith("guard: another git process holds the index (")
    (repo / ".git/index.lock").unlink()
    assert invoke(["rollback", "--apply"], cwd=repo).code == 0


def test_an_untracked_link_where_a_folder_comes_back_is_named(
    repo: Path, invoke, tmp_path: Path
) -> None:
    """The session deleted `pkg/`; a link of the user's now stands at `pkg`. Restoring
    `pkg/mod.py` would replace the link by a folder (git never writes through one)."""
    seed(repo)
    commit(repo, "pkg", {"pkg/mod.py": "M = 1\n"})
    start(invoke, repo)
    git(repo, "rm", "-q", "-r", "pkg")
    git(repo, "commit", "-q", "-m", "drop pkg")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep").write_text("precious\n")
    (repo / "pkg").symlink_to(outside)
    err = refused(invoke, repo)
    assert err.startswith(
        "guard: untracked or ignored files stand where the rollback restores (pkg)\n"
    )
    assert os.readlink(repo / "pkg") == str(outside)


def test_a_folder_the_session_made_a_link_to_a_folder_comes_back(repo: Path, invoke) -> None:
    """`lib/` replaced by a link to `src/`, which holds a file of the same name: what
    is behind the link is not in the way (the link goes first, as git's checkout
    removes it)."""
    seed(repo)
    commit(repo, "lib", {"lib/app.py": "LIB = 1\n"})
    start_sha = start(invoke, repo)["start_head"]
    git(repo, "rm", "-q", "-r", "lib")
    (repo / "lib").symlink_to("src")
    git(repo, "add", "lib")
    git(repo, "commit", "-q", "-m", "lib is src")
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "HEAD") == ""
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (repo / "lib").is_symlink()
    assert (repo / "lib/app.py").read_text() == "LIB = 1\n"
    assert (repo / "src/app.py").read_text() == START_FILES["src/app.py"]


# Each process's ref transaction waits for the other's turn (files in $SYNC), so the
# two rollbacks interleave the same way on every run: the first one's transaction
# lands while the second one, planned from the same tip, is about to fail its own.
TURNS = """#!/bin/sh
wait_for() { i=0; while [ ! -e "$SYNC/$1" ] && [ ! -e "$SYNC/$2" ] && [ $i -lt 200 ]; do
    sleep 0.05; i=$((i + 1)); done; }
case " $* " in *" update-ref "*)
    if [ "$ROLE" = first ]; then
        touch "$SYNC/first-entered"; wait_for second-entered second-exited
        "$REAL_GIT" "$@"; rc=$?; touch "$SYNC/first-landed"; wait_for second-exited second-exited
        exit $rc
    fi
    touch "$SYNC/second-entered"; wait_for first-landed first-landed
esac
exec "$REAL_GIT" "$@"
"""


def test_two_rollbacks_at_once_never_leave_the_tree_behind_the_commit(
    repo: Path, tmp_path: Path
) -> None:
    """The one whose commit lands brings the index and work tree to it, and says so
    only then; the other changes nothing. (The second one's refused transaction used
    to remove the first one's marker, which the first one then never found: it said
    'restored' over a work tree that still held the forbidden change.)"""
    seed(repo)
    subprocess.run([GUARD, "session", "start", "--reason", "r"], cwd=repo, check=True)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    bin_dir, sync = tmp_path / "bin", tmp_path / "sync"
    bin_dir.mkdir()
    sync.mkdir()
    (bin_dir / "git").write_text(TURNS)
    (bin_dir / "git").chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "REAL_GIT": shutil.which("git") or "git",
        "SYNC": str(sync),
    }
    apply = [GUARD, "rollback", "--apply"]
    first = subprocess.Popen(
        apply,
        cwd=repo,
        env={**env, "ROLE": "first"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    for _ in range(400):
        if (sync / "first-entered").exists():
            break
        time.sleep(0.05)
    second = subprocess.run(apply, cwd=repo, env={**env, "ROLE": "second"}, capture_output=True)
    (sync / "second-exited").touch()
    _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err.decode()
    assert second.returncode == 1, second.stderr.decode()
    assert git(repo, "show", "HEAD:src/app.py") == START_FILES["src/app.py"]
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (repo / ".git/guard-rollback.json").exists()
