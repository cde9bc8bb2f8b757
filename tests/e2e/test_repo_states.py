"""Unusual repository states, with real git: session start, the installed hooks, the audit.

Orphan branches, detached HEADs, older commits looked at during a session, shallow
clones, bare repositories, linked worktrees, sparse checkouts, operations left
half-done, a relative core.hooksPath, case-only renames, a restoring rename into the
docs, symlinks, mode-only changes, binaries, a 100,000-path commit and file names a
shell trips over. The default policy: `src/` is production (no rule),
`docs/` and `*.md` docs, `tests/` test; read-only allows docs. Commits made with
`-c core.hooksPath=/dev/null` stand for a session that got past every hook.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import guard.report
from tests.conftest import git

SCHEMA = json.loads((Path(guard.report.__file__).parent / "audit.schema.json").read_text())
START = {
    "src/app.py": "def app():\n    return 1\n",
    "src/tool.sh": "#!/bin/sh\necho tool\n",
    "README.md": "# Demo\n",
    "docs/guide.md": "How to run it.\n",
    "tests/test_x.py": "def test_x():\n    assert True\n",
}
PROD = "def app():\n    return 2  # fixed it\n"
BYPASS = ("-c", "core.hooksPath=/dev/null")
ABORTED = "ref updates aborted by hook"

Proc = subprocess.CompletedProcess


# --------------------------------------------------------------------------- helpers


def sh(repo: Path, *args: str) -> Proc[bytes]:
    """Run git, which may fail: the caller asserts. No editor ever opens."""
    env = {**os.environ, "GIT_EDITOR": "true"}
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env)


def err(done: Proc[bytes]) -> str:
    return done.stderr.decode("utf-8", "surrogateescape")


def write(repo: Path, path: str, content: str | bytes) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def commit(repo: Path, path: str, content: str | bytes, *args: str) -> Proc[bytes]:
    """Write and stage one path, then `git commit` it (with git commit's `args`)."""
    write(repo, path, content)
    git(repo, "add", "--", path)
    return sh(repo, "commit", "-q", "-m", f"change {path}", *args)


def bypass(repo: Path, message: str) -> str:
    """Commit what is staged past every hook; return the new commit."""
    git(repo, *BYPASS, "commit", "-q", "--no-verify", "-m", message)
    return head(repo)


def seed(repo: Path, files: dict[str, str] = START) -> str:
    for path, content in files.items():
        write(repo, path, content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return head(repo)


def install(invoke, where: Path) -> str:
    done = invoke(["install"], cwd=where)
    assert done.code == 0, done.err
    return done.text


def start(invoke, where: Path) -> dict[str, Any]:
    done = invoke(["session", "start", "--json", "--reason", "look around"], cwd=where)
    assert done.code == 0, done.err
    return json.loads(done.out)


def audit(invoke, where: Path, *args: str, validate: bool = True) -> tuple[int, dict[str, Any]]:
    done = invoke(["audit", "--format", "json", *args], cwd=where)
    assert done.code in (0, 1), done.err
    report = json.loads(done.out)
    if validate:
        jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    return done.code, report


def subjects(report: dict[str, Any]) -> list[str]:
    return [c["subject"] for c in report["commits"]]


def rows(report: dict[str, Any], subject: str) -> list[Any]:
    """A commit's verdict and changes as (path, old_path, status, category, allowed)."""
    [found] = [c for c in report["commits"] if c["subject"] == subject]
    changes = [
        (c["path"], c["old_path"], c["status"], c["category"], c["allowed"])
        for c in found["changes"]
    ]
    return [found["verdict"], *changes]


def refused(done: Proc[bytes], code: int, *needles: str) -> None:
    """The attempt failed with `code` and the hook named what it refused."""
    text = err(done)
    assert done.returncode == code, text
    assert "session-guard: blocked" in text, text
    for needle in needles:
        assert needle in text, f"{needle!r} missing from:\n{text}"


def staged(repo: Path) -> list[bytes]:
    out = subprocess.run(
        ["git", "-C", str(repo), "diff", "--cached", "--name-only", "-z"],
        capture_output=True,
        check=True,
    ).stdout
    return sorted(out.split(b"\0")[:-1])


def enforced(repo: Path, where: Path | None = None) -> None:
    """In `where` (default: repo) production is refused by both layers, docs pass."""
    where = where or repo
    before = head(where)
    refused(commit(where, "src/app.py", PROD), 1, "src/app.py", "production")
    refused(sh(where, "commit", "-q", "--no-verify", "-m", "sneak"), 128, ABORTED)
    assert head(where) == before
    git(where, "restore", "--staged", "--worktree", "--", "src/app.py")
    done = commit(where, "docs/notes.md", "a finding\n")
    assert done.returncode == 0, err(done)
    assert head(where, "HEAD~1") == before


@pytest.fixture
def project(repo: Path, invoke) -> Path:
    """Seeded, hooks installed, no session yet."""
    seed(repo)
    install(invoke, repo)
    return repo


# --------------------------------------------------------------------------- where HEAD is


def test_an_orphan_branch_in_a_repository_with_history(project: Path, invoke) -> None:
    git(project, "switch", "-q", "--orphan", "fresh")
    started = start(invoke, project)
    assert started["start_head"] is None
    assert started["head_ref"] == "refs/heads/fresh"
    assert commit(project, "docs/notes.md", "first look\n").returncode == 0
    refused(commit(project, "src/new.py", "N = 1\n"), 1, "src/new.py", "production")
    refused(sh(project, "commit", "-q", "--no-verify", "-m", "sneak"), 128, ABORTED)
    git(project, "rm", "-q", "--cached", "src/new.py")
    (project / "src" / "new.py").unlink()
    code, report = audit(invoke, project)
    # main's history from before the session is not the session's work.
    assert (code, subjects(report)) == (0, ["change docs/notes.md"])
    assert report["summary"]["verdict"] == "clean"


def test_a_session_started_on_a_detached_head(project: Path, invoke) -> None:
    git(project, "switch", "-q", "--detach")
    start_sha = head(project)
    done = invoke(["session", "start"], cwd=project)
    assert done.code == 0, done.err
    assert f"start:   {start_sha} (detached HEAD)" in done.text
    enforced(project)
    code, report = audit(invoke, project)
    assert (code, subjects(report)) == (0, ["change docs/notes.md"])
    assert report["session"]["start_head"] == start_sha


def test_a_shallow_clone(repo: Path, invoke, tmp_path: Path) -> None:
    seed(repo)
    for n in range(3):
        commit(repo, "src/app.py", f"V = {n}\n")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"
    install(invoke, clone)
    assert start(invoke, clone)["start_head"] == head(clone)
    enforced(clone)
    write(clone, "src/app.py", PROD)
    git(clone, "add", "src/app.py")
    bypass(clone, "fix it anyway")
    code, report = audit(invoke, clone)
    assert code == 1
    assert rows(report, "fix it anyway") == [
        "violation",
        ("src/app.py", None, "M", "production", False),
    ]
    assert subjects(report) == ["fix it anyway", "change docs/notes.md"]


def test_a_range_audit_in_a_bare_repository(repo: Path, invoke, tmp_path: Path) -> None:
    base = seed(repo)
    commit(repo, "src/app.py", PROD)
    commit(repo, "docs/notes.md", "notes\n")
    bare = tmp_path / "bare.git"
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(bare))
    done = invoke(
        ["audit", "--base", base, "--head", "main", "--mode", "read-only", "--format", "json"],
        cwd=bare,
    )
    assert done.code == 1, done.err
    report = json.loads(done.out)
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert report["session"] is None
    assert subjects(report) == ["change docs/notes.md", "change src/app.py"]
    assert [c["verdict"] for c in report["commits"]] == ["clean", "violation"]
    assert report["working_tree"] == []


def test_linked_worktrees_share_one_session(project: Path, invoke, tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    git(project, "worktree", "add", "-q", "-b", "linked", str(linked))
    started = start(invoke, project)
    enforced(project, linked)
    status = invoke(["session", "status", "--json"], cwd=linked)
    assert json.loads(status.out)["id"] == started["id"]
    # A worktree added during the session is under it too.
    late = tmp_path / "late"
    git(project, "worktree", "add", "-q", "-b", "late", str(late))
    refused(commit(late, "src/app.py", PROD), 1, "src/app.py")
    git(late, "restore", "--staged", "--worktree", "--", "src/app.py")
    write(linked, "src/app.py", PROD)
    git(linked, "add", "src/app.py")
    bypass(linked, "fix it in the linked worktree")
    write(linked, "src/tool.sh", "#!/bin/sh\necho changed\n")
    code, report = audit(invoke, linked)
    assert code == 1
    assert report["session"]["id"] == started["id"]
    assert subjects(report) == ["fix it in the linked worktree", "change docs/notes.md"]
    assert rows(report, "fix it in the linked worktree")[0] == "violation"
    # The uncommitted work is the linked worktree's own.
    assert [(r["path"], r["state"]) for r in report["working_tree"]] == [
        ("src/tool.sh", "unstaged")
    ]


def test_a_moved_or_copied_repository_keeps_enforcing_its_own_session(
    project: Path, invoke, tmp_path: Path
) -> None:
    """The shims find the state where git says the repository is now: a move keeps
    the session enforced, and a copy enforces its own copy of it."""
    start(invoke, project)
    moved = tmp_path / "moved"
    shutil.move(str(project), moved)
    enforced(moved)
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy, symlinks=True)
    journal = (moved / ".git/guard/journal.jsonl").read_text()
    git(copy, "rm", "-q", "docs/notes.md")
    git(copy, "commit", "-qm", "docs: drop the notes")  # so the copy's docs commit differs
    enforced(copy)
    assert (moved / ".git/guard/journal.jsonl").read_text() == journal  # not the copy's


def test_a_sparse_checkout(project: Path, invoke) -> None:
    git(project, "sparse-checkout", "set", "docs")
    assert not (project / "src").exists()
    start(invoke, project)
    before = head(project)
    done = commit(project, "docs/guide.md", "Sparse notes.\n")
    assert done.returncode == 0, err(done)
    # Production outside the cone: staged by hand, then committed two ways.
    blob = git(project, "hash-object", "-w", "--stdin", input=PROD.encode()).strip()
    git(project, "update-index", "--cacheinfo", f"100644,{blob},src/app.py")
    refused(sh(project, "commit", "-q", "-m", "sneak"), 1, "src/app.py", "production")
    tree = git(project, "write-tree").strip()
    sha = git(project, "commit-tree", tree, "-p", "HEAD", "-m", "sneak").strip()
    refused(sh(project, "update-ref", "refs/heads/main", sha), 128, "src/app.py", ABORTED)
    assert head(project, "HEAD~1") == before
    git(project, "reset", "-q")
    git(project, "sparse-checkout", "reapply")
    code, report = audit(invoke, project)
    # Files outside the cone are not "deleted" work.
    assert (code, subjects(report), report["working_tree"]) == (
        0,
        ["change docs/guide.md"],
        [],
    )


LOOKS = {
    # Looking at an older commit: no commit at all.
    "detached at an older commit": ["switch", "-q", "--detach", "HEAD~1"],
    # A branch off an older commit, to write notes beside the old code.
    "branch off an older commit": ["switch", "-q", "-c", "investigate", "HEAD~1"],
    # A branch with no history at all, for notes only.
    "orphan branch": ["switch", "-q", "--orphan", "notes"],
}


@pytest.mark.parametrize("how", LOOKS.values(), ids=LOOKS.keys())
def test_leaving_the_start_commit_to_look_around_is_not_a_violation(
    project: Path, invoke, how: list[str]
) -> None:
    """Checking out an older commit and creating branches are not judged by the hooks;
    a session that only does that, and commits docs, audits clean."""
    assert commit(project, "src/app.py", PROD).returncode == 0  # before the session
    start(invoke, project)
    assert sh(project, *how).returncode == 0
    if "--detach" not in how:
        done = commit(project, "docs/notes.md", "what the old code does\n")
        assert done.returncode == 0, err(done)
    code, report = audit(invoke, project)
    assert report["rollback"] == []
    assert report["integrity"] == []
    assert report["summary"]["net_violations"] == 0
    assert (code, report["summary"]["verdict"]) == (0, "clean")


# --------------------------------------------------------------------------- half-done operations


def diverged(repo: Path, path: str) -> None:
    """`feature` and `main` (checked out) change `path` differently: any replay conflicts."""
    git(repo, "switch", "-q", "-c", "feature")
    commit(repo, path, "feature side\n")
    git(repo, "switch", "-q", "main")
    commit(repo, path, "main side\n")


OPS = {
    # op: (how it starts, the git dir file it leaves, how to finish it)
    "merge": (["merge", "-q", "feature"], "MERGE_HEAD", ["commit", "--no-edit"]),
    "cherry-pick": (["cherry-pick", "feature"], "CHERRY_PICK_HEAD", ["cherry-pick", "--continue"]),
    "rebase": (["rebase", "-q", "main", "feature"], "rebase-merge", ["rebase", "--continue"]),
}


@pytest.mark.parametrize("op", OPS)
def test_an_operation_in_progress_at_start_is_judged_when_it_commits(
    project: Path, invoke, op: str
) -> None:
    diverged(project, "src/app.py")
    begin, marker, finish = OPS[op]
    assert sh(project, *begin).returncode != 0  # the conflict stops it half-way
    git_dir = project / ".git"
    assert (git_dir / marker).exists()
    before = head(project)
    start(invoke, project)
    write(project, "src/app.py", "resolved\n")
    git(project, "add", "src/app.py")
    # merge and cherry-pick run pre-commit; rebase commits past it, into the
    # reference-transaction hook, which names the way back.
    needles = ["git rebase --abort"] if op == "rebase" else []
    refused(sh(project, *finish), 1, "src/app.py", "production", *needles)
    assert head(project) == before
    assert (git_dir / marker).exists()
    done = sh(project, "commit", "--no-edit", "--no-verify")
    refused(done, 128, ABORTED, f"git {op} --abort")
    assert sh(project, op, "--abort").returncode == 0
    assert git(project, "status", "--porcelain") == ""
    code, report = audit(invoke, project)
    assert (code, report["commits"]) == (0, [])


def test_a_docs_merge_in_progress_at_start_completes(project: Path, invoke) -> None:
    diverged(project, "docs/guide.md")
    assert sh(project, "merge", "-q", "feature").returncode != 0
    start(invoke, project)
    write(project, "docs/guide.md", "both sides\n")
    git(project, "add", "docs/guide.md")
    done = sh(project, "commit", "-q", "--no-edit")
    assert done.returncode == 0, err(done)
    code, report = audit(invoke, project)
    assert code == 0
    [merge] = report["commits"]
    assert len(merge["parents"]) == 2
    assert merge["verdict"] == "clean"


# --------------------------------------------------------------------------- hooks path


@pytest.fixture
def relative_hooks(repo: Path, invoke) -> Path:
    """Hooks installed into `.githooks`, a folder of the work tree (core.hooksPath)."""
    seed(repo)
    git(repo, "config", "core.hooksPath", ".githooks")
    out = install(invoke, repo)
    assert "warning: core.hooksPath is relative (.githooks)" in out
    return repo


def test_a_relative_core_hooks_path_still_enforces(relative_hooks: Path, invoke) -> None:
    assert not (relative_hooks / ".githooks" / "pre-commit").exists()  # armed, not written
    start(invoke, relative_hooks)
    assert (relative_hooks / ".githooks" / "pre-commit").exists()
    assert (relative_hooks / ".githooks" / "reference-transaction").exists()
    enforced(relative_hooks)


def test_the_guards_own_shims_in_the_work_tree_are_not_session_work(
    relative_hooks: Path, invoke
) -> None:
    start(invoke, relative_hooks)
    assert commit(relative_hooks, "docs/notes.md", "a finding\n").returncode == 0
    code, report = audit(invoke, relative_hooks)
    # `install` and `session start` wrote the shims into the work tree; the session
    # did nothing but a worklog, so the audit must not blame it for them.
    assert [r["path"] for r in report["working_tree"]] == []
    assert (code, report["summary"]["verdict"]) == (0, "clean")


# --------------------------------------------------------------------------- kinds of change


def test_a_case_only_rename(repo: Path, invoke) -> None:
    seed(repo, {"src/App.py": "APP = 1\n", "docs/guide.md": "Guide.\n"})
    install(invoke, repo)
    start(invoke, repo)
    git(repo, "mv", "src/App.py", "src/app.py")
    refused(sh(repo, "commit", "-q", "-m", "tidy"), 1, "src/App.py", "src/app.py")
    bypass(repo, "tidy")
    code, report = audit(invoke, repo)
    assert code == 1
    assert rows(report, "tidy") == [
        "violation",
        ("src/app.py", "src/App.py", "R", "production", False),
    ]
    assert report["summary"]["changed_paths"]["production"] == 2


def test_moving_a_file_the_start_did_not_have_into_the_docs(project: Path, invoke) -> None:
    """Deleting a path the start did not have restores it, so moving it to docs is
    allowed; the hooks let it through, and the audit must agree (git -M sees one R)."""
    start(invoke, project)
    write(project, "src/scratch.py", "print('a scratch script, long enough to rename')\n")
    git(project, "add", "src/scratch.py")
    slipped = bypass(project, "scratch")
    git(project, "mv", "src/scratch.py", "docs/scratch.md")
    done = sh(project, "commit", "-q", "-m", "tidy the scratch file into the docs")
    assert done.returncode == 0, err(done)
    code, report = audit(invoke, project)
    assert code == 1  # the bypassed commit
    moved = rows(report, "tidy the scratch file into the docs")
    assert moved[0] == "clean", moved
    assert report["revert_candidates"] == [slipped]
    assert (report["summary"]["violations"], report["summary"]["verdict"]) == (1, "restored")


def test_symlinks_are_their_own_paths(project: Path, invoke) -> None:
    start(invoke, project)
    # A link in docs/ to production code is a docs change: the link, not its target.
    (project / "docs" / "code").symlink_to("../src")
    git(project, "add", "docs/code")
    done = sh(project, "commit", "-q", "-m", "link the code")
    assert done.returncode == 0, err(done)
    (project / "docs" / "guide.md").unlink()
    (project / "docs" / "guide.md").symlink_to("../src/app.py")
    git(project, "add", "docs/guide.md")
    done = sh(project, "commit", "-q", "-m", "guide is the code")
    assert done.returncode == 0, err(done)
    # ... and a link among production paths is production, wherever it points.
    (project / "src" / "notes.md").symlink_to("../docs/guide.md")
    git(project, "add", "src/notes.md")
    refused(sh(project, "commit", "-q", "-m", "x"), 1, "src/notes.md", "production")
    git(project, "rm", "-q", "--cached", "src/notes.md")
    (project / "src" / "notes.md").unlink()
    code, report = audit(invoke, project)
    assert code == 0
    assert rows(report, "link the code") == ["clean", ("docs/code", None, "A", "docs", True)]
    assert rows(report, "guide is the code") == [
        "clean",
        ("docs/guide.md", None, "T", "docs", True),
    ]


def test_an_executable_bit_only_change(project: Path, invoke) -> None:
    start(invoke, project)
    (project / "src" / "tool.sh").chmod(0o755)
    git(project, "add", "src/tool.sh")
    refused(sh(project, "commit", "-q", "-m", "make it runnable"), 1, "src/tool.sh", "production")
    bypass(project, "make it runnable")
    assert git(project, "ls-tree", "HEAD", "src/tool.sh").startswith("100755 ")
    code, report = audit(invoke, project)
    assert code == 1
    assert rows(report, "make it runnable") == [
        "violation",
        ("src/tool.sh", None, "M", "production", False),
    ]


def test_binary_files(project: Path, invoke) -> None:
    start(invoke, project)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    done = commit(project, "docs/diagram.png", png)
    assert done.returncode == 0, err(done)
    refused(commit(project, "src/model.bin", bytes(range(256)) * 4), 1, "src/model.bin")
    bypass(project, "ship the model")
    code, report = audit(invoke, project)
    assert code == 1
    assert rows(report, "change docs/diagram.png") == [
        "clean",
        ("docs/diagram.png", None, "A", "docs", True),
    ]
    assert rows(report, "ship the model") == [
        "violation",
        ("src/model.bin", None, "A", "production", False),
    ]


# --------------------------------------------------------------------------- scale

MANY = 100_000


def test_a_commit_of_100000_paths(project: Path, invoke, monkeypatch: pytest.MonkeyPatch) -> None:
    start_sha = start(invoke, project)["start_head"]
    blob = git(project, "hash-object", "-w", "--stdin", input=b"V = 1\n").strip()
    listing = "".join(f"100644 {blob}\tsrc/pkg{n // 1000:03d}/mod{n:06d}.py\n" for n in range(MANY))
    index = project / ".git" / "big-index"
    monkeypatch.setenv("GIT_INDEX_FILE", str(index))
    git(project, "read-tree", "HEAD")
    git(project, "update-index", "--index-info", input=listing.encode())
    checked = invoke(["check", "--staged"], cwd=project)
    committed = sh(project, "commit", "-q", "-m", "vendor everything")
    for code, text in ((checked.code, checked.err), (committed.returncode, err(committed))):
        assert code == 1, text[:2000]
        listed = [line for line in text.splitlines() if line.startswith("    src/pkg")]
        assert len(listed) == 50, text[:2000]
        assert f"    ... and {MANY - 50} more" in text
        assert f"(and {MANY - 20} more)" in text
    assert head(project) == start_sha
    tree = git(project, "write-tree").strip()
    monkeypatch.delenv("GIT_INDEX_FILE")
    sha = git(project, "commit-tree", tree, "-p", "HEAD", "-m", "vendor everything").strip()
    git(project, *BYPASS, "update-ref", "refs/heads/vendored", sha)
    code, report = audit(invoke, project, validate=False)
    assert code == 1
    [big] = report["commits"]
    assert (big["sha"], big["verdict"], len(big["changes"])) == (sha, "violation", MANY)
    assert report["summary"]["violations"] == MANY
    assert report["working_tree"] == []


# --------------------------------------------------------------------------- odd names

ODD = {
    "newline": b"new\nline",
    "quotes": b'say "hi" it\'s',
    "leading dash": b"--force",
    "long": b"x" * 220,
    "non-UTF-8": b"caf\xe9",
    "leading colon": b":notes",
    "glob": b"*",
    "terminal escapes": b"ok\rdocs-x\x1b[2K\x1b[1A",
}


def path_of(raw: bytes) -> str:
    return os.fsdecode(raw)


@pytest.mark.parametrize("name", ODD.values(), ids=ODD.keys())
def test_odd_file_names(project: Path, invoke, name: bytes) -> None:
    """Blocked when production, allowed when docs; the block message's unstage
    command, run by bash (a path with control characters is written `$'...'`, as GNU
    ls writes it), unstages exactly the refused path."""
    start(invoke, project)
    docs, prod = path_of(b"docs/" + name + b".md"), path_of(name + b".py")
    (project / docs).write_bytes(b"notes\n")
    git(project, "--literal-pathspecs", "add", "--", docs)
    done = sh(project, "commit", "-q", "-m", "odd notes")
    assert done.returncode == 0, err(done)
    (project / prod).write_bytes(b"X = 1\n")
    (project / "docs" / "more.py").write_text("# builds the docs\n")
    git(project, "--literal-pathspecs", "add", "--", prod, "docs/more.py")
    before = staged(project)
    done = sh(project, "commit", "-q", "-m", "odd code")
    refused(done, 1, "production")
    assert b"\r" not in done.stderr and b"\x1b" not in done.stderr  # nothing a terminal acts on
    assert staged(project) == before
    command = done.stderr.split(b"unstage them: ", 1)[1].split(b"\n    - or write", 1)[0]
    assert command.startswith(b"git restore --staged ")
    undo = subprocess.run([b"bash", b"-c", command], cwd=project, capture_output=True)
    assert undo.returncode == 0, undo.stderr
    assert staged(project) == [b"docs/more.py"]
    assert (project / prod).read_bytes() == b"X = 1\n"


# --------------------------------------------------------------------------- branch bases


def _commit_tree(repo: Path, parent: str, files: dict[str, str], message: str) -> str:
    """A commit on `parent` with `files` changed, made without touching any ref."""
    index = repo / ".git" / "scratch-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    run = {"cwd": repo, "env": env, "check": True, "capture_output": True}
    subprocess.run(["git", "read-tree", parent], **run)  # type: ignore[call-overload]
    for path, content in files.items():
        blob = (
            subprocess.run(["git", "hash-object", "-w", "--stdin"], input=content.encode(), **run)
            .stdout.decode()
            .strip()
        )  # type: ignore[call-overload]
        subprocess.run(
            ["git", "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"], **run
        )  # type: ignore[call-overload]
    tree = subprocess.run(["git", "write-tree"], **run).stdout.decode().strip()  # type: ignore[call-overload]
    index.unlink()
    return git(repo, "commit-tree", tree, "-p", parent, "-m", message).strip()


def test_a_branch_made_from_an_existing_violating_commit_is_refused(project: Path, invoke) -> None:
    """Creating a branch brings the commits no session-start tip reaches: a tagged
    commit made with commit-tree, or a stash, is judged when a branch takes it."""
    start(invoke, project)
    evil = _commit_tree(project, head(project), {"src/app.py": PROD}, "docs: notes")
    git(project, "tag", "parked", evil)  # tags are not judged: nothing ships from them
    refused(sh(project, "branch", "evil", "parked"), 128, "src/app.py", ABORTED)
    write(project, "src/app.py", PROD)
    git(project, "stash", "-q")
    refused(sh(project, "branch", "x", "stash@{0}"), 128, "src/app.py", ABORTED)
    assert git(project, "branch", "--list").split() == ["*", "main"]
    clean = _commit_tree(project, head(project), {"docs/n.md": "notes\n"}, "docs: n")
    ok = sh(project, "branch", "fine", clean)
    assert ok.returncode == 0, err(ok)


def test_restores_are_judged_against_the_branch_they_land_on(project: Path, invoke) -> None:
    """`release` is behind `main` at the start: a new branch from `release` that copies
    main's content is no restore of release's (it changes what release shipped)."""
    base = head(project)
    git(project, "branch", "release", base)
    commit(project, "src/app.py", PROD)
    git(project, "rm", "-q", "src/tool.sh")
    git(project, "commit", "-qm", "drop the tool")
    start(invoke, project)
    git(project, "switch", "-q", "-c", "hotfix", "release")
    write(project, "src/app.py", PROD)  # main's content, not release's
    git(project, "add", "src/app.py")
    refused(sh(project, "commit", "-qm", "copy main's app"), 1, "src/app.py")
    git(project, "restore", "--staged", "--worktree", "src/app.py")
    git(project, "rm", "-q", "src/tool.sh")  # main deleted it; release still ships it
    refused(sh(project, "commit", "-qm", "drop the tool"), 1, "src/tool.sh")
    refused(sh(project, "commit", "--no-verify", "-qm", "drop the tool"), 128, "src/tool.sh")
