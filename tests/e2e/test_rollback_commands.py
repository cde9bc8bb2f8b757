"""The plan by hand: the few commands `guard rollback` prints, run in a shell, undo
what `guard rollback --apply` undoes, whatever the paths are called, and discard the
uncommitted work the mode forbids while everything else stays."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import git
from tests.e2e.test_audit_git import audit, commit, seed, start

BIN = str(Path(sys.executable).parent)  # where `guard` is, for the printed commands
TESTS = [f"tests/unit/agents/test_agent_unit_{n:04d}.py" for n in range(3_000)]
# Committed by the session, each a way a path could be misread by a shell or by git.
ADDED = [
    b"src/shop/retry.py",
    b'src/it\'s "quoted".py',
    b"src/-dash.py",
    b"src/[ab].py",  # as a glob it would match src/a.py and src/b.py, never changed
    b"src/new\nline.py",
    b":top.py",  # as pathspec magic, a leading colon
    b"src/raw\xff.py",  # not UTF-8
]
MODIFIED = [b"src/shop/cart.py", b"src/my file.py", b"src/a*?.py", b"src/caf\xe9.py"]
DELETED = [b"src/shop/old.py", b"src/gone\tnow.py"]
KEPT = [b"src/a.py", b"src/b.py", b"src/aXY.py", b"src/stable.py", b"docs/notes.md"]
# Left uncommitted: what the mode forbids, and what it does not (or git ignores).
UNTRACKED = [b"src/draft new.py", b"src/-scratch.py", b"src/tmp\n.py", b"src/\xfe.py"]
SPARED = [b"docs/draft.md", b"build/out.bin", b"src/__pycache__/m.pyc"]


def put(repo: Path, path: bytes, data: bytes) -> None:
    target = os.path.join(bytes(repo), path)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with open(target, "wb") as handle:
        handle.write(data)


def session(repo: Path, invoke) -> None:
    """The incident with odd names: 3,000 test files and production modules changed in
    commits that bypassed the hooks, the worklog kept, and work left uncommitted."""
    put(repo, b".gitignore", b"build/\n__pycache__/\n")
    for path in [*MODIFIED, *DELETED, *KEPT, *map(str.encode, TESTS)]:
        put(repo, path, b"start: " + path + b"\n")
    put(repo, b"docs/worklog.md", b"# Worklog\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the shop")
    start(invoke, repo, "--mode", "read-only")
    for path in [*ADDED, *MODIFIED, *map(str.encode, TESTS)]:
        put(repo, path, b"session: " + path + b"\n")
    for path in DELETED:
        os.unlink(os.path.join(bytes(repo), path))
    put(repo, b"docs/worklog.md", b"# Worklog\n\n- found it\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "migrate tests")
    for path in UNTRACKED + SPARED:
        put(repo, path, b"left: " + path + b"\n")
    put(repo, b"src/stable.py", b"an edit\n")
    put(repo, b"src/aXY.py", b"an edit\n")  # a restore read as the glob a*?.py takes it
    put(repo, b"docs/notes.md", b"an allowed edit\n")
    put(repo, b"src/staged new.py", b"staged\n")
    git(repo, "add", "--", "src/staged new.py")


def tree(repo: Path) -> dict[bytes, bytes]:
    """Every file of the work tree, git's own folder aside, with its content."""
    found = {}
    top = bytes(repo)
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != b".git"]
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, top)] = handle.read()
    return found


def shell(command: str, where: Path) -> None:
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]}
    done = subprocess.run(["sh", "-c", command], cwd=where, env=env, capture_output=True)
    assert done.returncode == 0, (command, done.stderr)


def printed(lines: list[str]) -> list[str]:
    return [line.strip() for line in lines if line.startswith("    guard rollback ")]


def test_the_printed_commands_undo_what_apply_undoes(repo: Path, invoke, tmp_path: Path) -> None:
    session(repo, invoke)
    twin = tmp_path / "twin"
    shutil.copytree(repo, twin, symlinks=True)

    plan = invoke(["rollback"], cwd=repo)
    assert plan.code == 0, plan.err
    lines = plan.text.splitlines()
    assert len(lines) == 11  # 3,016 paths
    committed, uncommitted = printed(lines[:5]), printed(lines[5:])
    assert len(committed) == 2 and len(uncommitted) == 2

    applied = invoke(["rollback", "--apply"], cwd=repo)
    assert applied.code == 1, applied.err  # uncommitted work is left to the user
    assert printed(applied.text.splitlines()) == uncommitted
    for command in committed:
        shell(command, twin)
    # The same index and files: the rollback commit's, and the file staged before it.
    staged = git(repo, "diff", "--cached", "--name-status", "-z", "HEAD")
    assert staged == "A\0src/staged new.py\0"
    assert git(twin, "write-tree") == git(repo, "write-tree")
    assert tree(twin) == tree(repo)

    # What is left to the user, run from a folder of the work tree: gone, and only it.
    for where in (repo, twin):
        for command in uncommitted:
            shell(command, where / "tests/unit")
    assert tree(twin) == tree(repo)
    assert git(repo, "status", "--porcelain") == " M docs/notes.md\n?? docs/draft.md\n"
    assert (
        git(twin, "write-tree") == git(repo, "write-tree") == git(repo, "rev-parse", "HEAD^{tree}")
    )
    files = tree(repo)
    for path in UNTRACKED:
        assert path not in files
    for path in SPARED:
        assert files[path] == b"left: " + path + b"\n"
    assert files[b"src/stable.py"] == b"start: src/stable.py\n"
    assert files[b"src/aXY.py"] == b"start: src/aXY.py\n"
    assert b"src/staged new.py" not in files

    git(twin, "commit", "-q", "-m", "roll back by hand")
    _, report = audit(invoke, twin)  # a copy: its hooks path is not the one recorded
    assert (report["summary"]["net_violations"], report["rollback"]) == (0, [])


def small(repo: Path, invoke) -> None:
    """A session that added two odd production files and edited the worklog."""
    put(repo, b"docs/worklog.md", b"# Worklog\n")
    put(repo, b"src/app.py", b"APP = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    start(invoke, repo)
    for path in (b"src/new\nline.py", b'src/say "hi".py', b"docs/worklog.md"):
        put(repo, path, b"session\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "odd")


def test_paths_are_listed_as_git_quotes_them_and_relative_to_the_folder(repo: Path, invoke) -> None:
    """Without -z, one a line in git's quoting, which --pathspec-from-file reads back;
    from a folder, relative to it, as git ls-files gives them."""
    small(repo, invoke)
    listed = invoke(["rollback", "--paths", "delete"], cwd=repo)
    assert (listed.code, listed.text) == (0, '"src/new\\nline.py"\n"src/say \\"hi\\".py"\n')
    below = invoke(["rollback", "--paths", "delete", "-z"], cwd=repo / "docs")
    assert below.out == b'../src/new\nline.py\0../src/say "hi".py\0'
    assert invoke(["rollback", "--paths", "restore", "-z"], cwd=repo).out == b""
    shell(
        "guard rollback --paths delete | git --literal-pathspecs rm -q --pathspec-from-file=-", repo
    )
    assert git(repo, "status", "--porcelain", "-z") == 'D  src/new\nline.py\0D  src/say "hi".py\0'


def test_the_listing_options_are_checked(repo: Path, invoke) -> None:
    small(repo, invoke)
    lone = invoke(["rollback", "-z"], cwd=repo)
    assert (lone.code, lone.err.splitlines()[0]) == (
        2,
        "guard: -z needs --paths (it sets how the paths are separated)",
    )
    both = invoke(["rollback", "--paths", "delete", "--apply"], cwd=repo)
    assert (both.code, both.err.splitlines()[0]) == (
        2,
        "guard: --paths lists paths and --apply commits: give one of them",
    )
    wrong = invoke(["rollback", "--paths", "added"], cwd=repo)
    assert wrong.code == 2 and "'added' is not one of 'delete', 'restore'" in wrong.err


def test_the_plan_is_printed_where_the_rollback_lock_cannot_be_made(repo: Path, invoke) -> None:
    """The lock that keeps two rollbacks apart is for writers: a git directory the
    guard cannot write it in (read-only, or something else at its name) still gets
    its plan printed."""
    seed(repo)
    start(invoke, repo)
    commit(repo, "fix", {"src/app.py": "FIX\n"})
    (repo / ".git/guard-rollback.lock").mkdir()
    done = invoke(["rollback"], cwd=repo)
    assert done.code == 0, done.err
    assert done.text.startswith("rollback plan for refs/heads/main (1 path(s))")


def test_the_refusal_at_marked_entries_prints_a_command_that_clears_them(
    repo: Path, invoke
) -> None:
    """A plan path marked skip-worktree or assume-unchanged is refused (git would not
    see an edit there); the command the refusal prints clears both marks, whatever
    the paths are called and however many there are, so git shows the edits again
    and the rollback applies once they are put away."""
    session(repo, invoke)
    skip = [*map(str.encode, TESTS), b"src/-dash.py", b'src/it\'s "quoted".py']
    assume = [b"src/my file.py", b"src/-dash.py"]  # src/-dash.py carries both marks
    for flag, paths in (("--skip-worktree", skip), ("--assume-unchanged", assume)):
        git(repo, "update-index", flag, "-z", "--stdin", input=b"".join(p + b"\0" for p in paths))
    put(repo, b"src/my file.py", b"a hidden edit\n")
    put(repo, b"src/-dash.py", b"a hidden edit\n")
    put(repo, b'src/it\'s "quoted".py', b"a hidden edit\n")
    assert "my file" not in git(repo, "status", "--porcelain")

    done = invoke(["rollback", "--apply"], cwd=repo / "tests/unit")
    assert done.code == 1
    assert "are marked assume-unchanged or skip-worktree" in done.err
    command = done.err.rstrip("\n").splitlines()[-1].strip()
    assert command.startswith("guard rollback --paths marked -z | ")
    assert len(command) < 300  # the paths are read from the guard, never on the line
    shell(command, repo / "tests/unit")
    tags = {r[:1] for r in git(repo, "ls-files", "-v", "-z").split("\0") if r}
    assert tags == {"H"}  # no entry marked any more
    assert set(git(repo, "diff", "--name-only", "-z").split("\0")) >= {
        "src/my file.py",
        "src/-dash.py",
        'src/it\'s "quoted".py',
    }
    git(repo, "checkout", "--", "src/my file.py", "src/-dash.py", 'src/it\'s "quoted".py')
    applied = invoke(["rollback", "--apply"], cwd=repo)
    assert applied.code == 1, applied.err  # only the uncommitted work is left to the user
    assert applied.text.startswith("committed ")
    assert audit(invoke, repo)[1]["rollback"] == []


def test_the_printed_discard_command_reaches_marked_entries(repo: Path, invoke) -> None:
    """Uncommitted work the mode forbids at entries marked skip-worktree or
    assume-unchanged (which the audit looks at itself) is thrown away by the printed
    command too, with the unmarked paths of its batch."""
    for path in (b"src/app.py", b"src/-skip.py", b"src/assume d.py", b"src/plain.py"):
        put(repo, path, b"start\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    start(invoke, repo)
    for path in (b"src/-skip.py", b"src/assume d.py", b"src/plain.py"):
        put(repo, path, b"an uncommitted edit\n")
    git(repo, "update-index", "--skip-worktree", "--", "src/-skip.py")
    git(repo, "update-index", "--assume-unchanged", "--", "src/assume d.py")
    done = invoke(["rollback"], cwd=repo)
    assert done.code == 0, done.err
    [command] = printed(done.text.splitlines())
    shell(command, repo / "src")
    for path in ("src/-skip.py", "src/assume d.py", "src/plain.py"):
        assert (repo / path).read_bytes() == b"start\n", path
    code, report = audit(invoke, repo)
    assert (code, report["working_tree"]) == (0, [])
