"""Every git layer during a read-only session: real git, real hooks installed by `guard install`.

The default policy: `src/app.py` is production, `tests/test_x.py` test, `*.md` and
`docs/` docs. The read-only mode allows docs only. Each test drives git the way a
user (or an agent) would and checks what git did: its exit code, HEAD, the index
and the working tree, and what the hook said on stderr.
"""

from __future__ import annotations

import json
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import git

REASON = "investigate the flaky login test"
START = {
    "src/app.py": "def app():\n    return 1\n",
    "README.md": "# Demo\n",
    "docs/guide.md": "How to run it.\n",
    "tests/test_x.py": "def test_x():\n    assert True\n",
}
PROD = "def app():\n    return 2  # fixed it\n"
UNSTAGE = "git restore --staged -- src/app.py"
ABORTED = "ref updates aborted by hook"
MARKER = "session-guard hook shim"

Proc = subprocess.CompletedProcess


# --------------------------------------------------------------------------- helpers


def sh(repo: Path, *args: str) -> Proc[str]:
    """Run git, expecting it may fail: the caller asserts the code and stderr."""
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)


def ok(repo: Path, *args: str) -> Proc[str]:
    done = sh(repo, *args)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    assert "session-guard" not in done.stderr, done.stderr
    return done


def write(repo: Path, path: str, content: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)


def do_commit(repo: Path, path: str, how: str = "add", *args: str) -> Proc[str]:
    """`git commit` the way `how` says: after `git add`, with `-a`, or `commit -- <path>`."""
    flags = ["-a"] if how == "-a" else []
    paths = ["--", path] if how == "path" else []
    return sh(repo, "commit", "-m", f"change {path}", *flags, *args, *paths)


def commit(repo: Path, path: str, content: str, *args: str, how: str = "add") -> Proc[str]:
    write(repo, path, content)
    if how == "add":
        git(repo, "add", "--", path)
    return do_commit(repo, path, how, *args)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def state(repo: Path) -> tuple[str, str, str, str, str]:
    """HEAD (branch and commit), status, staged diff, unstaged diff: what a refusal keeps."""
    return (
        sh(repo, "symbolic-ref", "-q", "HEAD").stdout,
        head(repo),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "diff", "--cached", "--binary"),
        git(repo, "diff", "--binary"),
    )


def shown(repo: Path, rev: str, path: str) -> str:
    return git(repo, "show", f"{rev}:{path}")


def seed(repo: Path) -> Path:
    for path, content in START.items():
        write(repo, path, content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def branch_with_production(repo: Path, name: str = "feature") -> str:
    """A branch off HEAD with one production commit; HEAD stays where it was."""
    git(repo, "switch", "-q", "-c", name)
    assert commit(repo, "src/app.py", PROD).returncode == 0
    git(repo, "switch", "-q", "-")
    return head(repo, name)


def install(invoke, where: Path) -> None:
    done = invoke(["install"], cwd=where)
    assert done.code == 0, done.err


def start(invoke, repo: Path, *extra: str):
    done = invoke(["session", "start", "--mode", "read-only", "--reason", REASON, *extra], cwd=repo)
    assert done.code == 0, done.err
    return done


def assert_names_violation(err: str) -> None:
    """The refusal says which path, its category and rule, the mode and the reason."""
    for needle in ("src/app.py", "production", "default", "read-only", REASON):
        assert needle in err, f"{needle!r} missing from:\n{err}"


def session_file(repo: Path) -> Path:
    return repo / ".git" / "guard" / "session.json"


@pytest.fixture
def seeded(repo: Path) -> Path:
    """One commit with a production, a test and two docs files; no hooks."""
    return seed(repo)


@pytest.fixture
def project(seeded: Path, invoke) -> Path:
    install(invoke, seeded)
    return seeded


@pytest.fixture
def session(project: Path, invoke) -> Path:
    start(invoke, project)
    return project


# --------------------------------------------------------------------------- commit


@pytest.mark.parametrize("how", ["add", "-a", "path"])
def test_docs_commit_passes(session: Path, how: str) -> None:
    before = head(session)
    done = commit(session, "docs/guide.md", "Findings so far.\n", how=how)
    assert done.returncode == 0, done.stderr
    assert head(session, "HEAD~1") == before
    assert git(session, "show", "--name-only", "--format=", "HEAD").split() == ["docs/guide.md"]
    assert git(session, "status", "--porcelain") == ""


def test_amend_of_a_docs_commit_passes(session: Path) -> None:
    start_head = head(session)
    assert commit(session, "docs/guide.md", "Findings.\n").returncode == 0
    write(session, "README.md", "# Demo\n\nSee the worklog.\n")
    git(session, "add", "README.md")
    done = sh(session, "commit", "--amend", "--no-edit")
    assert done.returncode == 0, done.stderr
    assert head(session, "HEAD~1") == start_head
    changed = git(session, "show", "--name-only", "--format=", "HEAD").split()
    assert sorted(changed) == ["README.md", "docs/guide.md"]


@pytest.mark.parametrize("how", ["add", "-a", "path"])
@pytest.mark.parametrize(
    ("args", "code", "layer_says"),
    [([], 1, "this commit"), (["--no-verify"], 128, ABORTED)],
    ids=["pre-commit", "no-verify"],
)
def test_production_commit_is_refused_and_nothing_changes(
    session: Path, how: str, args: list[str], code: int, layer_says: str
) -> None:
    write(session, "src/app.py", PROD)
    if how == "add":
        git(session, "add", "src/app.py")
    before = state(session)
    done = do_commit(session, "src/app.py", how, *args)
    assert done.returncode == code, done.stderr
    assert layer_says in done.stderr
    assert_names_violation(done.stderr)
    assert UNSTAGE in done.stderr
    assert state(session) == before


@pytest.mark.parametrize("args", [[], ["--no-verify"]], ids=["pre-commit", "no-verify"])
def test_amend_that_adds_production_is_refused(session: Path, args: list[str]) -> None:
    assert commit(session, "docs/guide.md", "Findings.\n").returncode == 0
    write(session, "src/app.py", PROD)
    git(session, "add", "src/app.py")
    before = state(session)
    done = sh(session, "commit", "--amend", "--no-edit", *args)
    assert done.returncode != 0
    assert_names_violation(done.stderr)
    assert state(session) == before


# --------------------------------------------------------------------------- ref updates


def test_fast_forward_merge_of_a_pre_session_production_commit_is_refused(
    project: Path, invoke
) -> None:
    branch_with_production(project)
    start(invoke, project)
    before = state(project)
    done = sh(project, "merge", "feature")
    assert done.returncode != 0
    assert_names_violation(done.stderr)
    assert "git reset --merge" in done.stderr
    assert head(project) == before[1]
    ok(project, "reset", "--merge")
    assert state(project) == before


@pytest.mark.parametrize("args", [[], ["--no-ff"]], ids=["diverged", "no-ff"])
def test_true_merge_is_refused_and_merge_abort_restores(
    project: Path, invoke, args: list[str]
) -> None:
    branch_with_production(project)
    if not args:  # move main so the merge cannot fast-forward
        assert commit(project, "docs/guide.md", "Moved on.\n").returncode == 0
    start(invoke, project)
    before = state(project)
    done = sh(project, "merge", "--no-edit", *args, "feature")
    assert done.returncode != 0
    assert_names_violation(done.stderr)
    assert "git merge --abort" in done.stderr
    assert head(project) == before[1]
    ok(project, "merge", "--abort")
    assert state(project) == before


# (the command, the recovery it must advise). A refused cherry-pick leaves a pick in
# progress; git writes no REVERT_HEAD for a revert it was about to commit, so `git
# revert --abort` cannot work there and the working recovery is `git reset --merge`.
PICKS = {
    "cherry-pick": (["cherry-pick", "feature"], ["cherry-pick", "--abort"]),
    "revert": (["revert", "--no-edit", "main"], ["reset", "--merge"]),
}


@pytest.mark.parametrize("op", PICKS)
def test_cherry_pick_and_revert_of_production_are_refused(project: Path, invoke, op: str) -> None:
    if op == "cherry-pick":
        branch_with_production(project)
    else:  # revert a production commit that main already has
        assert commit(project, "src/app.py", PROD).returncode == 0
    command, recover = PICKS[op]
    start(invoke, project)
    before = state(project)
    done = sh(project, *command)
    assert done.returncode != 0
    assert_names_violation(done.stderr)
    assert "git " + " ".join(recover) in done.stderr
    assert head(project) == before[1]
    ok(project, *recover)
    assert state(project) == before


def test_rebase_onto_a_moved_main_is_refused_and_rebase_abort_works(project: Path, invoke) -> None:
    feature = branch_with_production(project)
    start(invoke, project)
    assert commit(project, "docs/guide.md", "Moved on.\n").returncode == 0
    main = head(project)
    done = sh(project, "rebase", "main", "feature")
    assert done.returncode != 0
    assert_names_violation(done.stderr)
    assert "git rebase --abort" in done.stderr
    ok(project, "rebase", "--abort")
    assert head(project, "feature") == feature
    assert head(project, "main") == main
    assert head(project) == feature
    assert git(project, "status", "--porcelain") == ""


def test_am_of_a_production_patch_is_refused(project: Path, invoke, tmp_path: Path) -> None:
    branch_with_production(project)
    patch = git(project, "format-patch", "-1", "feature", "-o", str(tmp_path / "patches"))
    start(invoke, project)
    before = state(project)
    done = sh(project, "am", patch.strip())
    assert done.returncode != 0
    assert_names_violation(done.stderr)
    assert "git am --abort" in done.stderr
    assert head(project) == before[1]
    ok(project, "am", "--abort")
    assert state(project) == before


def test_commit_tree_then_update_ref_is_refused(session: Path) -> None:
    start_head = head(session)
    write(session, "src/app.py", PROD)
    git(session, "add", "src/app.py")
    tree = git(session, "write-tree").strip()
    sha = git(session, "commit-tree", tree, "-p", "HEAD", "-m", "sneak it in").strip()
    done = sh(session, "update-ref", "refs/heads/main", sha)
    assert done.returncode == 128, done.stderr
    assert ABORTED in done.stderr
    assert_names_violation(done.stderr)
    assert head(session) == start_head
    assert head(session, "refs/heads/main") == start_head


@pytest.mark.parametrize(
    ("path", "content", "args", "code"),
    [
        ("src/app.py", PROD, [], 1),
        ("src/app.py", PROD, ["--no-verify"], 128),
        ("docs/guide.md", "Detached notes.\n", [], 0),
    ],
    ids=["production", "production-no-verify", "docs"],
)
def test_detached_head_commit(
    session: Path, path: str, content: str, args: list[str], code: int
) -> None:
    ok(session, "switch", "-q", "--detach")
    before = head(session)
    done = commit(session, path, content, *args)
    assert done.returncode == code, done.stderr
    if code:
        assert_names_violation(done.stderr)
        assert head(session) == before
    else:
        assert head(session, "HEAD~1") == before


def test_commit_in_a_linked_worktree_is_refused(project: Path, invoke, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(project, "worktree", "add", "-q", "-b", "linked", str(linked))
    start(invoke, project)
    before = head(linked)
    for args, code in (([], 1), (["--no-verify"], 128)):
        done = commit(linked, "src/app.py", PROD, *args)
        assert done.returncode == code, done.stderr
        assert_names_violation(done.stderr)
        assert head(linked) == before


# --------------------------------------------------------------------------- allowed operations


def op_stash(repo: Path, tmp_path: Path) -> None:
    write(repo, "src/app.py", PROD)
    ok(repo, "stash")
    assert (repo / "src/app.py").read_text() == START["src/app.py"]
    ok(repo, "stash", "pop")
    assert (repo / "src/app.py").read_text() == PROD


def op_reset_hard_head(repo: Path, tmp_path: Path) -> None:
    write(repo, "src/app.py", PROD)
    git(repo, "add", "src/app.py")
    ok(repo, "reset", "-q", "--hard", "HEAD")
    assert git(repo, "status", "--porcelain") == ""


def op_reset_hard_undoes_a_docs_commit(repo: Path, tmp_path: Path) -> None:
    start_head = head(repo)
    assert commit(repo, "docs/guide.md", "Oops.\n").returncode == 0
    ok(repo, "reset", "-q", "--hard", "HEAD~1")
    assert head(repo) == start_head


def op_gc_and_pack_refs(repo: Path, tmp_path: Path) -> None:
    ok(repo, "tag", "before-gc")
    ok(repo, "gc", "-q")
    ok(repo, "pack-refs", "--all")
    assert head(repo, "before-gc") == head(repo)


def op_fetch(repo: Path, tmp_path: Path) -> None:
    bare = tmp_path / "remote.git"
    ok(repo, "clone", "-q", "--bare", str(repo), str(bare))
    other = tmp_path / "other"
    ok(repo, "clone", "-q", str(bare), str(other))
    assert commit(other, "src/app.py", PROD).returncode == 0
    ok(other, "push", "-q", "origin", "main")
    ok(repo, "remote", "add", "origin", str(bare))
    ok(repo, "fetch", "-q", "origin")
    assert head(repo, "origin/main") == head(other)


def op_tags(repo: Path, tmp_path: Path) -> None:
    ok(repo, "tag", "v1")
    ok(repo, "tag", "-a", "v2", "-m", "analysis done")
    assert git(repo, "tag", "--list").split() == ["v1", "v2"]


def op_branches_and_worktrees(repo: Path, tmp_path: Path) -> None:
    ok(repo, "branch", "new")
    ok(repo, "worktree", "add", "-q", "-b", "x", str(tmp_path / "wt-x"))
    assert (tmp_path / "wt-x" / "src" / "app.py").exists()
    ok(repo, "branch", "-d", "new")
    assert git(repo, "branch", "--format=%(refname:short)").split() == ["main", "x"]


@pytest.mark.parametrize(
    "operation",
    [
        op_stash,
        op_reset_hard_head,
        op_reset_hard_undoes_a_docs_commit,
        op_gc_and_pack_refs,
        op_fetch,
        op_tags,
        op_branches_and_worktrees,
    ],
    ids=lambda f: f.__name__.removeprefix("op_"),
)
def test_everyday_operations_keep_working(
    session: Path, tmp_path: Path, operation: Callable[[Path, Path], None]
) -> None:
    operation(session, tmp_path)


@pytest.mark.parametrize("args", [[], ["--no-verify"]], ids=["pre-commit", "no-verify"])
def test_restoring_commits_pass(seeded: Path, invoke, args: list[str]) -> None:
    start(invoke, seeded)  # hooks not installed yet: the violation gets in
    write(seeded, "src/new.py", "print('new')\n")
    assert commit(seeded, "src/app.py", PROD, "-a").returncode == 0
    git(seeded, "add", "src/new.py")
    assert do_commit(seeded, "src/new.py").returncode == 0
    install(invoke, seeded)
    done = commit(seeded, "src/app.py", START["src/app.py"], *args)
    assert done.returncode == 0, done.stderr
    git(seeded, "rm", "-q", "src/new.py")
    done = do_commit(seeded, "src/new.py", "add", *args)
    assert done.returncode == 0, done.stderr
    assert git(seeded, "diff", "--name-only", "HEAD~4", "HEAD") == ""


# --------------------------------------------------------------------------- session states


def test_observe_mode_warns_records_and_lets_the_commit_through(project: Path, invoke) -> None:
    start(invoke, project, "--observe")
    before = head(project)
    done = commit(project, "src/app.py", PROD)
    assert done.returncode == 0, done.stderr
    assert head(project, "HEAD~1") == before
    assert "would block" in done.stderr
    assert "src/app.py" in done.stderr
    listed = invoke(["session", "list", "--json"], cwd=project)
    assert listed.code == 0, listed.err
    row = json.loads(listed.out)[-1]
    assert row["active"] is True
    assert row["warned"] >= 1
    assert row["blocked"] == 0


def _garbage(path: Path) -> None:
    path.write_bytes(b"\x00{ this is not a session")


def _delete(path: Path) -> None:
    path.unlink()


def _allow_production(path: Path) -> None:
    data = json.loads(path.read_text())
    data["allowed"] = [*data["allowed"], "production"]
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


@pytest.mark.parametrize(
    ("damage", "says"),
    [(_garbage, "session file"), (_delete, "missing"), (_allow_production, "does not match")],
    ids=["garbage", "deleted", "edited"],
)
def test_damaged_state_fails_closed_with_a_recovery_command(
    session: Path, invoke, damage: Callable[[Path], None], says: str
) -> None:
    damage(session_file(session))
    assert (session / ".git" / "guard" / "journal.jsonl").exists()
    before = head(session)
    write(session, "docs/guide.md", "Even docs wait.\n")
    git(session, "add", "docs/guide.md")
    for args, code in (([], 1), (["--no-verify"], 128)):
        done = do_commit(session, "docs/guide.md", "add", *args)
        assert done.returncode == code, done.stderr
        assert says in done.stderr
        assert "guard session verify" in done.stderr
        assert "guard session stop" in done.stderr
        assert head(session) == before
    assert invoke(["session", "status"], cwd=session).code == 3
    assert invoke(["check", "--staged"], cwd=session).code == 3
    # The advertised recovery ends the session; then git works again.
    stopped = invoke(["session", "stop"], cwd=session)
    assert stopped.code == 0, stopped.err
    assert do_commit(session, "docs/guide.md").returncode == 0


def test_locked_session_needs_its_unlock_code_to_stop(project: Path, invoke) -> None:
    started = invoke(["session", "start", "--lock", "--json", "--reason", REASON], cwd=project)
    assert started.code == 0, started.err
    code = json.loads(started.out)["unlock_code"]
    assert invoke(["session", "stop"], cwd=project).code == 2
    wrong = "AAAA-AAAA-AAAA" if code != "AAAA-AAAA-AAAA" else "BBBB-BBBB-BBBB"
    assert invoke(["session", "stop", "--unlock", wrong], cwd=project).code == 1
    status = invoke(["session", "status", "--json"], cwd=project)
    assert json.loads(status.out)["active"] is True
    assert commit(project, "src/app.py", PROD).returncode == 1
    assert invoke(["session", "stop", "--unlock", code], cwd=project).code == 0
    assert json.loads(invoke(["session", "status", "--json"], cwd=project).out)["active"] is False


# --------------------------------------------------------------------------- no session


def via_commit(how: str, *args: str) -> Callable[[Path, Path], Proc[str]]:
    return lambda repo, tmp_path: commit(repo, "src/app.py", PROD, *args, how=how)


def via_merge(*args: str) -> Callable[[Path, Path], Proc[str]]:
    def merge(repo: Path, tmp_path: Path) -> Proc[str]:
        branch_with_production(repo)
        return sh(repo, "merge", "--no-edit", *args, "feature")

    return merge


def via_update_ref(repo: Path, tmp_path: Path) -> Proc[str]:
    write(repo, "src/app.py", PROD)
    git(repo, "add", "src/app.py")
    tree = git(repo, "write-tree").strip()
    sha = git(repo, "commit-tree", tree, "-p", "HEAD", "-m", "plumbing").strip()
    return sh(repo, "update-ref", "refs/heads/main", sha)


def via_push(repo: Path, tmp_path: Path) -> Proc[str]:
    bare = tmp_path / "remote.git"
    git(repo, "init", "-q", "--bare", str(bare))
    git(repo, "remote", "add", "origin", str(bare))
    assert commit(repo, "src/app.py", PROD).returncode == 0
    done = sh(repo, "push", "-q", "origin", "main")
    assert shown(bare, "main", "src/app.py") == PROD
    return done


NO_SESSION = {
    "commit": via_commit("add"),
    "commit-a": via_commit("-a"),
    "commit-path": via_commit("path"),
    "commit-no-verify": via_commit("add", "--no-verify"),
    "merge-ff": via_merge(),
    "merge-no-ff": via_merge("--no-ff"),
    "update-ref": via_update_ref,
    "push": via_push,
}


@pytest.mark.parametrize("history", ["never-started", "stopped"])
@pytest.mark.parametrize("way", NO_SESSION)
def test_without_an_active_session_every_layer_lets_production_through(
    project: Path, invoke, tmp_path: Path, history: str, way: str
) -> None:
    if history == "stopped":
        start(invoke, project)
        assert invoke(["session", "stop"], cwd=project).code == 0
    done = NO_SESSION[way](project, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "session-guard" not in done.stderr
    assert shown(project, "HEAD", "src/app.py") == PROD
    assert git(project, "status", "--porcelain") == ""


# --------------------------------------------------------------------------- install


def foreign_hook(repo: Path, body: str, hook: str = "pre-commit") -> Path:
    path = repo / ".git" / "hooks" / hook
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_foreign_pre_commit_is_chained_and_keeps_running(
    seeded: Path, invoke, tmp_path: Path
) -> None:
    log = tmp_path / "foreign.log"
    hook = foreign_hook(seeded, f"echo ran >> '{log}'\nexit 0\n")
    original = hook.read_bytes()
    install(invoke, seeded)
    assert (hook.parent / "pre-commit.guard-chained").read_bytes() == original
    assert MARKER in hook.read_text()
    assert commit(seeded, "docs/guide.md", "One.\n").returncode == 0
    assert log.read_text() == "ran\n"
    start(invoke, seeded)
    assert commit(seeded, "docs/guide.md", "Two.\n").returncode == 0
    assert log.read_text() == "ran\n" * 2
    assert commit(seeded, "src/app.py", PROD).returncode == 1
    assert log.read_text() == "ran\n" * 3


def test_failing_foreign_pre_commit_still_fails_the_commit(seeded: Path, invoke) -> None:
    foreign_hook(seeded, "echo 'foreign says no' >&2\nexit 1\n")
    install(invoke, seeded)
    before = state(seeded)
    write(seeded, "src/app.py", PROD)
    git(seeded, "add", "src/app.py")
    staged = state(seeded)
    done = do_commit(seeded, "src/app.py")
    assert done.returncode == 1
    assert "foreign says no" in done.stderr
    assert head(seeded) == before[1]
    assert state(seeded) == staged


def test_uninstall_restores_the_foreign_hook(seeded: Path, invoke) -> None:
    hook = foreign_hook(seeded, "exit 0\n")
    original = hook.read_bytes()
    install(invoke, seeded)
    assert invoke(["uninstall"], cwd=seeded).code == 0
    assert hook.read_bytes() == original
    assert hook.stat().st_mode & stat.S_IXUSR
    hooks = hook.parent
    assert not (hooks / "pre-commit.guard-chained").exists()
    assert not (hooks / "reference-transaction").exists()
    assert not (hooks / "pre-push").exists()


def _hooks(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if not p.name.endswith(".sample")}


def test_install_twice_is_idempotent(seeded: Path, invoke) -> None:
    hooks = seeded / ".git" / "hooks"
    install(invoke, seeded)
    start(invoke, seeded)
    first = _hooks(hooks)
    assert sorted(first) == ["pre-commit", "pre-push", "reference-transaction"]
    install(invoke, seeded)
    assert _hooks(hooks) == first


def test_hooks_are_armed_only_during_a_session(seeded: Path, invoke) -> None:
    """Without a session git runs no hook at all; a session writes them, stop removes them."""
    hooks = seeded / ".git" / "hooks"
    install(invoke, seeded)
    assert _hooks(hooks) == {}
    start(invoke, seeded)
    for hook in ("pre-commit", "pre-push", "reference-transaction"):
        assert MARKER in (hooks / hook).read_text()
    write(seeded, "src/app.py", PROD)
    assert sh(seeded, "commit", "-qam", "fix", "--no-verify").returncode == 128
    git(seeded, "checkout", "--", "src/app.py")
    assert invoke(["session", "stop"], cwd=seeded).code == 0
    assert _hooks(hooks) == {}


def test_install_from_a_linked_worktree_uses_the_common_hooks_dir(
    seeded: Path, invoke, tmp_path: Path
) -> None:
    linked = tmp_path / "linked"
    git(seeded, "worktree", "add", "-q", "-b", "linked", str(linked))
    install(invoke, linked)
    start(invoke, linked)
    assert MARKER in (seeded / ".git" / "hooks" / "pre-commit").read_text()
    assert not (seeded / ".git" / "worktrees" / "linked" / "hooks").exists()
    for where in (seeded, linked):
        done = commit(where, "src/app.py", PROD)
        assert done.returncode == 1, done.stderr
        assert_names_violation(done.stderr)


def test_install_follows_an_absolute_core_hooks_path(seeded: Path, invoke, tmp_path: Path) -> None:
    shared = tmp_path / "shared-hooks"
    git(seeded, "config", "core.hooksPath", str(shared))
    install(invoke, seeded)
    start(invoke, seeded)  # arms reference-transaction, in the same directory
    for hook in ("pre-commit", "reference-transaction", "pre-push"):
        assert MARKER in (shared / hook).read_text()
        assert not (seeded / ".git" / "hooks" / hook).exists()
    done = commit(seeded, "src/app.py", PROD)
    assert done.returncode == 1, done.stderr
    assert_names_violation(done.stderr)
    assert commit(seeded, "src/app.py", PROD, "--no-verify").returncode == 128


# --------------------------------------------------------------------------- push


def test_pre_push_refuses_commits_that_slipped_in_before_the_hooks(
    seeded: Path, invoke, tmp_path: Path
) -> None:
    bare = tmp_path / "remote.git"
    git(seeded, "init", "-q", "--bare", str(bare))
    git(seeded, "remote", "add", "origin", str(bare))
    git(seeded, "push", "-q", "origin", "main")
    start(invoke, seeded)
    # No hooks yet: a production commit gets in on a side branch.
    git(seeded, "switch", "-q", "-c", "hotfix")
    write(seeded, "src/app.py", PROD)
    git(seeded, "commit", "-q", "-am", "quick fix for login")
    git(seeded, "switch", "-q", "main")
    install(invoke, seeded)
    assert commit(seeded, "docs/guide.md", "Worklog.\n").returncode == 0
    pushed = sh(seeded, "push", "-q", "origin", "main")
    assert pushed.returncode == 0, pushed.stderr
    assert head(bare, "main") == head(seeded, "main")
    refused = sh(seeded, "push", "-q", "origin", "hotfix")
    assert refused.returncode != 0
    assert "quick fix for login" in refused.stderr
    assert_names_violation(refused.stderr)
    assert sh(bare, "rev-parse", "--verify", "-q", "refs/heads/hotfix").returncode != 0


def test_session_state_never_shows_up_in_the_working_tree(session: Path) -> None:
    assert session_file(session).exists()
    assert git(session, "status", "--porcelain", "--ignored", "--untracked-files=all") == ""
