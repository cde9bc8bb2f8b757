"""Ways to get a session's production commit onto a remote (or into a ref) that git
lets a push or a ref update name unusually: a local ref under the session records'
prefix, a source revision spelled with spaces, a tag, a branch made a symbolic ref.

Real git, real hooks from `guard install`, a real bare `origin`. The default policy:
`src/app.py` is production, `docs/` docs; the read-only mode allows docs only. The
violating commit is built with plumbing (`commit-tree`), which moves no ref and so
runs no hook: what matters is what the later push or ref update lets through.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import git

START = {"src/app.py": "def app():\n    return 1\n", "docs/notes.md": "Notes.\n"}
PROD = "def app():\n    return 2\n"
# The newest git here: symbolic-ref updates reach the reference-transaction hook from 2.46.
NEW_GIT = "/opt/git-new/bin"
UPDATE = "symref-update refs/heads/main refs/tags/evil\n"


def sh(
    repo: Path, *args: str, path: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run git (the one in `path` first, when given), expecting it may fail."""
    env = None if path is None else {**os.environ, "PATH": path + os.pathsep + os.environ["PATH"]}
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, env=env, input=stdin
    )


def tip(repo: Path, rev: str) -> str | None:
    return sh(repo, "rev-parse", "--verify", "-q", rev).stdout.strip() or None


def violating_commit(repo: Path, message: str = "docs: notes") -> str:
    """A commit on top of HEAD that changes src/app.py, held by no ref."""
    blob = git(repo, "hash-object", "-w", "--stdin", input=PROD.encode()).strip()
    index = repo / ".git" / "scratch-index"
    env = {**os.environ, "GIT_INDEX_FILE": str(index)}
    subprocess.run(["git", "-C", str(repo), "read-tree", "HEAD"], env=env, check=True)
    subprocess.run(
        ["git", "-C", str(repo), "update-index", "--cacheinfo", f"100644,{blob},src/app.py"],
        env=env,
        check=True,
    )
    tree = subprocess.run(
        ["git", "-C", str(repo), "write-tree"], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()
    index.unlink()
    return git(repo, "commit-tree", tree, "-p", "HEAD", "-m", message).strip()


def audit(invoke, repo: Path) -> tuple[int, dict]:
    done = invoke(["audit", "--format", "json"], cwd=repo)
    return done.code, json.loads(done.text)


@pytest.fixture
def work(tmp_path: Path, invoke) -> tuple[Path, Path]:
    return clone_in_session(tmp_path, invoke)


def clone_in_session(tmp_path: Path, invoke) -> tuple[Path, Path]:
    """A clone of a bare `origin`, with the hooks, in a read-only session."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    repo = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    for name, text in START.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    git(repo, "remote", "add", "origin", str(bare))
    git(repo, "push", "-q", "-u", "origin", "main")
    assert invoke(["install"], cwd=repo).code == 0
    done = invoke(["session", "start", "--reason", "triage"], cwd=repo)
    assert done.code == 0, done.err
    return repo, bare


# --------------------------------------------------------------------------- pre-push


@pytest.mark.parametrize("target", ["refs/tags/v9", "refs/heads/evil", "refs/guard/sessions/x"])
def test_a_commit_parked_under_the_records_prefix_is_judged_when_pushed(
    work: tuple[Path, Path], target: str
) -> None:
    repo, bare = work
    bad = violating_commit(repo)
    assert sh(repo, "update-ref", "refs/guard/sessions/x", bad).returncode == 0
    done = sh(repo, "push", "origin", f"refs/guard/sessions/x:{target}")
    assert done.returncode != 0, done.stderr
    assert "src/app.py" in done.stderr
    assert tip(bare, target) is None


def test_the_session_s_own_record_still_pushes(tmp_path: Path, invoke) -> None:
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    repo = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(repo))
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.md").write_text("Notes.\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    git(repo, "remote", "add", "origin", str(bare))
    assert invoke(["install"], cwd=repo).code == 0
    assert invoke(["session", "start", "--record", "--reason", "triage"], cwd=repo).code == 0
    ref = git(repo, "for-each-ref", "--format=%(refname)", "refs/guard/sessions/").strip()
    done = sh(repo, "push", "origin", "main", ref)
    assert done.returncode == 0, done.stderr
    assert tip(bare, ref) == tip(repo, ref)
    done = sh(repo, "push", "origin", "--mirror")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("target", ["refs/tags/t2", "refs/heads/evil"])
def test_a_source_revision_spelled_with_spaces_is_judged(
    work: tuple[Path, Path], target: str
) -> None:
    """git hands pre-push the source as written: `X^{/docs: notes}` has a space."""
    repo, bare = work
    bad = violating_commit(repo)
    done = sh(repo, "push", "origin", f"{bad}^{{/docs: notes}}:{target}")
    assert done.returncode != 0, done.stderr
    assert "src/app.py" in done.stderr
    assert tip(bare, target) is None


# --------------------------------------------------------------------------- audit


def test_a_session_commit_only_a_tag_holds_is_audited(work: tuple[Path, Path], invoke) -> None:
    repo, _ = work
    bad = violating_commit(repo)
    assert sh(repo, "tag", "v9", bad).returncode == 0  # tags are not judged by the hooks
    code, report = audit(invoke, repo)
    assert code == 1
    assert [c["sha"] for c in report["commits"]] == [bad]
    assert report["commits"][0]["changes"][0]["path"] == "src/app.py"


def test_tags_of_commits_from_before_the_session_are_no_session_work(
    work: tuple[Path, Path], invoke
) -> None:
    repo, _ = work
    assert sh(repo, "tag", "-a", "-m", "release", "v1", "HEAD").returncode == 0
    code, report = audit(invoke, repo)
    assert code == 0, report
    assert report["commits"] == []


# --------------------------------------------------------------------------- symbolic refs


def newest_git() -> str | None:
    """The directory of the newest git here, when it is not the one on PATH."""
    return NEW_GIT if os.access(os.path.join(NEW_GIT, "git"), os.X_OK) else None


def covers_symrefs(path: str | None) -> bool:
    """Whether that git (>= 2.46) shows symbolic-ref updates to reference-transaction."""
    found = shutil.which("git", path=path) if path else shutil.which("git")
    out = subprocess.run([found or "git", "version"], capture_output=True, text=True).stdout
    parts = out.split()[2].split(".")
    return (int(parts[0]), int(parts[1])) >= (2, 46)


def test_a_branch_made_a_symbolic_ref_to_a_violating_commit(
    work: tuple[Path, Path], invoke
) -> None:
    repo, _ = work
    path = newest_git()
    bad = violating_commit(repo)
    assert sh(repo, "tag", "evil", bad).returncode == 0
    done = sh(repo, "symbolic-ref", "refs/heads/alias", "refs/tags/evil", path=path)
    if covers_symrefs(path):
        assert done.returncode != 0, done.stderr
        assert "src/app.py" in done.stderr
        assert tip(repo, "refs/heads/alias") is None
        # The same through update-ref's symref-update, for an existing branch.
        done = sh(repo, "update-ref", "--no-deref", "--stdin", path=path, stdin=UPDATE)
        assert done.returncode != 0, done.stderr
        assert tip(repo, "refs/heads/main") != bad
        # A symbolic ref to a branch with no session work in it passes.
        done = sh(repo, "symbolic-ref", "refs/heads/same", "refs/heads/main", path=path)
        assert done.returncode == 0, done.stderr
    code, report = audit(invoke, repo)  # the tag alone holds it now, or the alias too
    assert code == 1
    assert bad in [c["sha"] for c in report["commits"]]


# --------------------------------------------------------------------------- made, then dropped


@pytest.mark.parametrize("drop", [["reset", "-q", "--hard", "HEAD~1"], ["branch", "-D", "side"]])
def test_a_commit_made_pushed_and_dropped_is_still_audited(
    work: tuple[Path, Path], invoke, drop: list[str]
) -> None:
    """Every hook skipped (`-c core.hooksPath`), pushed where no remote-tracking ref
    records it (a tag), then no ref here holds it: the HEAD reflog still does."""
    repo, bare = work
    off = ["-c", "core.hooksPath=/dev/null"]
    if drop[0] == "branch":
        git(repo, "switch", "-q", "-c", "side")
    (repo / "src" / "app.py").write_text(PROD)
    git(repo, *off, "commit", "-q", "-am", "docs: notes")
    bad = git(repo, "rev-parse", "HEAD").strip()
    git(repo, *off, "push", "-q", "origin", "HEAD:refs/tags/v9")
    if drop[0] == "branch":
        git(repo, "switch", "-q", "main")
    git(repo, *drop)
    assert tip(bare, "refs/tags/v9") == bad
    code, report = audit(invoke, repo)
    assert code == 1
    assert [c["sha"] for c in report["commits"]] == [bad]
    assert report["summary"]["violations"] == 1


# --------------------------------------------------------------------------- many refs


def test_deleting_refs_starts_no_python(work: tuple[Path, Path], tmp_path: Path) -> None:
    """`git pack-refs` (and so `git gc`) deletes each loose ref in a transaction of
    its own: with a session active, a Python start for each would take minutes over
    a few thousand tags. A deletion brings nothing, so the shim answers it itself."""
    repo, _ = work
    shim = repo / ".git" / "hooks" / "reference-transaction"
    text = shim.read_text()
    python = text.split(" -I -m guard.hooks", 1)[0].rsplit("\n", 1)[1].split()[-1]
    log = tmp_path / "starts.log"
    counter = tmp_path / "python"
    counter.write_text(f'#!/bin/sh\necho "$*" >> {log}\nexec {python} "$@"\n')
    counter.chmod(0o755)
    shim.write_text(text.replace(python, str(counter)))
    head = git(repo, "rev-parse", "HEAD").strip()
    creates = "".join(f"create refs/tags/t{i} {head}\n" for i in range(20))
    git(repo, "update-ref", "--stdin", input=creates.encode())
    started = log.read_text().count("reference-transaction") if log.exists() else 0
    assert started == 1  # the creation: one transaction, one start
    # Nor a git start for each: the shim asks git where the state is only for a
    # transaction that brings something. (Trace2 events name every git process run.)
    trace = tmp_path / "trace.json"
    env = {**os.environ, "GIT_TRACE2_EVENT": str(trace)}
    subprocess.run(["git", "pack-refs", "--all"], cwd=repo, env=env, check=True)
    ran = [json.loads(line) for line in trace.read_text().splitlines()]
    names = [e["name"] for e in ran if e["event"] == "cmd_name"]
    # pack-refs' one creation asks twice (the shim, then the hook): not once a ref (20)
    assert names.count("rev-parse") <= 2, names
    git(repo, "branch", "-q", "gone")
    git(repo, "branch", "-q", "-D", "gone")
    after = log.read_text().count("reference-transaction")
    assert after - started <= 3, log.read_text()  # pack-refs' one creation, branch's one
    done = sh(repo, "update-ref", "refs/heads/main", violating_commit(repo))
    assert done.returncode != 0 and "src/app.py" in done.stderr
