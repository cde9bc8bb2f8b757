"""The server hooks in a real bare repository, reached by real `git push` over file://.

The bare repository runs `guard install --server`; a clone works in a read-only
session recorded with `session start --record` and pushes its branch with the
session's ref. During pre-receive the pushed objects are in git's quarantine and
the refs are not updated yet: every push below goes through that. The default
policy: `src/app.py` is production, `*.md` and `docs/` are docs; read-only allows
docs only.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest

import guard.report
from tests.conftest import git

SCHEMA = json.loads((Path(guard.report.__file__).parent / "audit.schema.json").read_text())

PROD = "def app():\n    return 2\n"
REFUSED = "session-guard: refused refs/heads/feature"
PROTECT = """\
version: 1
extends: default
protect:
  - branches: [main, "release/*"]
    categories: [production]
    allow: [release-bot]
"""


def sh(
    repo: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=env)


def write(repo: Path, path: str, content: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(content)


def commit(repo: Path, path: str, content: str, message: str = "") -> str:
    """A commit no client hook sees (as a process that skips them all would make it)."""
    write(repo, path, content)
    git(repo, "add", "--", path)
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", message or f"edit {path}")
    return git(repo, "rev-parse", "HEAD").strip()


def tip(repo: Path, rev: str) -> str | None:
    done = sh(repo, "rev-parse", "--verify", "-q", rev)
    return done.stdout.strip() or None


@pytest.fixture
def server(tmp_path: Path, invoke) -> Path:
    """A bare repository with the server hook and a main branch holding the project."""
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "init", "-q", "-b", "main", str(seed))
    for path, content in {
        "src/app.py": "def app():\n    return 1\n",
        "README.md": "# Demo\n",
    }.items():
        write(seed, path, content)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "initial")
    git(seed, "push", "-q", bare.as_uri(), "main")
    done = invoke(["install", "--server"], cwd=bare)
    assert done.code == 0, done.err
    assert "pre-receive: installed" in done.text
    return bare


@pytest.fixture
def clone(server: Path, tmp_path: Path, invoke) -> Path:
    """A clone with the client hooks, on a new branch `feature`, in a recorded
    read-only session."""
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", server.as_uri(), str(work))
    assert invoke(["install"], cwd=work).code == 0
    git(work, "switch", "-q", "-c", "feature")
    done = invoke(["session", "start", "--record", "--reason", "triage", "--json"], cwd=work)
    assert done.code == 0, done.err
    return work


def session_ref(work: Path) -> str:
    refs = git(work, "for-each-ref", "--format=%(refname)", "refs/guard/sessions/").split()
    assert len(refs) == 1
    return refs[0]


def push(
    work: Path, *refs: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return sh(work, "push", "--no-verify", "origin", *refs, env=env)


# --------------------------------------------------------------------------- sessions


def test_the_record_holds_the_declaration(clone: Path) -> None:
    ref = session_ref(clone)
    data = json.loads(git(clone, "show", f"{ref}:session.json"))
    assert data["mode"] == "read-only"
    assert data["allowed"] == ["docs"]
    assert data["head_ref"] == "refs/heads/feature"
    assert data["start_head"] == tip(clone, "main")
    assert data["refs"]["refs/heads/main"] == tip(clone, "main")
    assert len(data["policy"]) == 64


def test_a_docs_only_session_branch_is_accepted(clone: Path, server: Path) -> None:
    commit(clone, "docs/notes.md", "What I found.\n")
    ref = session_ref(clone)
    done = push(clone, "feature", ref)
    assert done.returncode == 0, done.stderr
    assert tip(server, "feature") == tip(clone, "feature")
    assert tip(server, ref) == tip(clone, ref)


def test_the_pre_push_hook_reminds_of_the_record(clone: Path, server: Path) -> None:
    commit(clone, "docs/notes.md", "What I found.\n")
    ref = session_ref(clone)
    alone = sh(clone, "push", "origin", "feature")
    assert alone.returncode == 0, alone.stderr
    assert (
        "session-guard: refs/heads/feature is pushed without this session's record: "
        f"git push <remote> {ref} (the server and CI judge the branch by it)"
    ) in alone.stderr
    together = sh(clone, "push", "origin", "feature", ref)
    assert together.returncode == 0, together.stderr
    assert "session-guard" not in together.stderr


def test_a_no_verify_push_of_a_violating_branch_is_refused(clone: Path, server: Path) -> None:
    commit(clone, "docs/notes.md", "What I found.\n")
    bad = commit(clone, "src/app.py", PROD, "docs: tidy")
    done = push(clone, "feature", session_ref(clone))  # creates the branch on the server
    assert done.returncode != 0
    assert f"remote: {REFUSED}: session " in done.stderr
    assert "is in read-only mode (allows docs)" in done.stderr
    assert f"remote:   commit {bad[:12]} 'docs: tidy':" in done.stderr
    assert "src/app.py  production" in done.stderr
    assert "pre-receive hook declined" in done.stderr
    assert tip(server, "feature") is None  # nothing of the push landed
    assert tip(server, session_ref(clone)) is None


def test_a_record_already_on_the_server_judges_later_pushes(clone: Path, server: Path) -> None:
    ref = session_ref(clone)
    assert push(clone, ref).returncode == 0  # the record first, alone
    commit(clone, "src/app.py", PROD)
    done = push(clone, "feature")
    assert done.returncode != 0
    assert REFUSED in done.stderr


def test_restored_work_is_accepted_with_a_note(clone: Path, server: Path) -> None:
    start = tip(clone, "HEAD")
    commit(clone, "src/app.py", PROD)
    git(clone, "checkout", "-q", str(start), "--", "src/app.py")
    git(clone, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "put it back")
    done = push(clone, "feature", session_ref(clone))
    assert done.returncode == 0, done.stderr
    assert "1 commit(s) broke it, but later commits restored every path: accepted" in done.stderr


def test_restored_work_from_a_start_pushed_with_it_is_accepted(
    server: Path, tmp_path: Path, invoke
) -> None:
    """The session starts on a commit the server does not have yet: the push carries
    it, and what its folders held is read from the push's quarantine."""
    work = tmp_path / "local"
    git(tmp_path, "clone", "-q", server.as_uri(), str(work))
    git(work, "switch", "-q", "-c", "feature")
    commit(work, "src/deep/mod.py", "M = 1\n", "local work from before the session")
    assert invoke(["session", "start", "--record"], cwd=work).code == 0
    commit(work, "src/deep/mod.py", "M = 2\n")
    commit(work, "src/deep/mod.py", "M = 1\n", "put it back")
    done = push(work, "feature", session_ref(work))
    assert done.returncode == 0, done.stderr
    assert "later commits restored every path: accepted" in done.stderr


def test_a_force_push_is_judged_by_what_the_branch_then_holds(clone: Path, server: Path) -> None:
    ref = session_ref(clone)
    commit(clone, "docs/notes.md", "One.\n")
    assert push(clone, "feature", ref).returncode == 0
    commit(clone, "src/app.py", PROD)
    git(clone, "reset", "-q", "--hard", "HEAD~2")
    commit(clone, "src/app.py", PROD, "rewrite")
    forced = push(clone, "--force", "feature")
    assert forced.returncode != 0
    assert REFUSED in forced.stderr
    git(clone, "reset", "-q", "--hard", "HEAD~1")
    commit(clone, "docs/other.md", "Two.\n")
    done = push(clone, "--force", "feature")
    assert done.returncode == 0, done.stderr
    assert tip(server, "feature") == tip(clone, "feature")


def test_other_branches_and_tags_are_not_the_session_s(clone: Path, server: Path) -> None:
    ref = session_ref(clone)
    bad = commit(clone, "src/app.py", PROD)
    git(clone, "tag", "look-here", bad)
    git(clone, "-c", "core.hooksPath=/dev/null", "branch", "elsewhere", bad)
    done = push(clone, ref, "refs/tags/look-here", "elsewhere")
    assert done.returncode == 0, done.stderr
    assert tip(server, "refs/tags/look-here") == bad


def test_after_the_session_ends_later_work_is_not_judged(clone: Path, server: Path, invoke) -> None:
    commit(clone, "docs/notes.md", "Findings.\n")
    stopped = invoke(["session", "stop"], cwd=clone)
    assert stopped.code == 0, stopped.err
    assert "notes the end" in stopped.text
    commit(clone, "src/app.py", PROD, "the fix, after the session")
    done = push(clone, "feature", session_ref(clone))
    assert done.returncode == 0, done.stderr
    assert "session-guard" not in done.stderr


@pytest.fixture
def locked(server: Path, tmp_path: Path, invoke) -> tuple[Path, str]:
    """A clone in a recorded read-only session started with --lock, and its code."""
    work = tmp_path / "locked"
    git(tmp_path, "clone", "-q", server.as_uri(), str(work))
    assert invoke(["install"], cwd=work).code == 0
    git(work, "switch", "-q", "-c", "feature")
    done = invoke(["session", "start", "--record", "--lock", "--json"], cwd=work)
    assert done.code == 0, done.err
    return work, json.loads(done.text)["unlock_code"]


def forged_end(work: Path, ref: str, end_head: str) -> str:
    """The end commit `guard session stop` would append, written without it."""
    data = json.loads(git(work, "show", f"{ref}:session.json"))
    data.update(stopped_at="2026-12-04T00:00:00Z", end_head=end_head)
    blob = git(work, "hash-object", "-w", "--stdin", input=json.dumps(data).encode()).strip()
    tree = git(work, "mktree", input=f"100644 blob {blob}\tsession.json\n".encode()).strip()
    return git(work, "commit-tree", tree, "-p", ref, "-m", "session stopped").strip()


def test_a_locked_session_s_end_needs_its_unlock_code(
    locked: tuple[Path, str], server: Path
) -> None:
    """Without the code, an end written by hand (here: ended at the start, so that
    no commit would be the session's) is refused, and its work judged to the tip."""
    work, _ = locked
    ref = session_ref(work)
    start = tip(work, "HEAD")
    assert start is not None
    assert push(work, ref).returncode == 0  # the record as the session started
    commit(work, "src/app.py", PROD, "docs: tidy")
    end = forged_end(work, ref, start)
    done = push(work, "feature", f"{end}:{ref}")
    assert done.returncode != 0, done.stderr
    assert "unlock code" in done.stderr
    assert f"{REFUSED}: session " in done.stderr
    assert tip(server, "feature") is None


def test_a_locked_session_stopped_with_its_code_ends_on_the_server(
    locked: tuple[Path, str], server: Path, invoke
) -> None:
    work, code = locked
    commit(work, "docs/notes.md", "Findings.\n")
    stopped = invoke(["session", "stop", "--unlock", code], cwd=work)
    assert stopped.code == 0, stopped.err
    commit(work, "src/app.py", PROD, "the fix, after the session")
    done = push(work, "feature", session_ref(work))
    assert done.returncode == 0, done.stderr
    assert "session-guard" not in done.stderr


def test_a_branch_deletion_passes_and_a_record_deletion_is_refused(
    clone: Path, server: Path
) -> None:
    ref = session_ref(clone)
    commit(clone, "docs/notes.md", "One.\n")
    assert push(clone, "feature", ref).returncode == 0
    assert push(clone, ":feature").returncode == 0
    assert tip(server, "feature") is None
    done = push(clone, f":{ref}")
    assert done.returncode != 0
    assert (
        f"remote: session-guard: refused {ref}: a session record cannot be deleted" in done.stderr
    )


# --------------------------------------------------------------------------- relaxed records


def _relaxed(work: Path, ref: str, parent: bool) -> str:
    """A record commit saying the session allowed everything: a child of the record,
    or (`parent` False) a new history in its place."""
    data = json.loads(git(work, "show", f"{ref}:session.json"))
    data.update(mode="write", allowed=["docs", "test", "production"])
    blob = git(work, "hash-object", "-w", "--stdin", input=json.dumps(data).encode()).strip()
    tree = git(work, "mktree", input=f"100644 blob {blob}\tsession.json\n".encode()).strip()
    parents = ["-p", ref] if parent else []
    new = git(work, "commit-tree", tree, *parents, "-m", "relax", input=b"").strip()
    git(work, "update-ref", ref, new)
    return new


def test_a_relaxed_record_is_refused(clone: Path, server: Path) -> None:
    ref = session_ref(clone)
    assert push(clone, ref).returncode == 0
    _relaxed(clone, ref, parent=True)
    commit(clone, "src/app.py", PROD)
    done = push(clone, ref, "feature")
    assert done.returncode != 0
    assert (
        f"remote: session-guard: refused {ref}: commit 2 of its history changes mode, "
        "allowed (mode read-only -> write): the first declaration is the one judged."
    ) in done.stderr
    assert REFUSED in done.stderr  # judged under the stored, first declaration


def _record_commit(work: Path, content: bytes, *parents: str) -> str:
    blob = git(work, "hash-object", "-w", "--stdin", input=content).strip()
    tree = git(work, "mktree", input=f"100644 blob {blob}\tsession.json\n".encode()).strip()
    flags = [arg for parent in parents for arg in ("-p", parent)]
    return git(work, "commit-tree", tree, *flags, "-m", "record", input=b"").strip()


def test_records_that_are_no_records_are_refused(clone: Path, server: Path) -> None:
    ref = session_ref(clone)
    data = git(clone, "show", f"{ref}:session.json").encode()
    other = _record_commit(clone, data.replace(b'"id": "', b'"id": "x'))
    garbage = _record_commit(clone, b"not json")
    merged = _record_commit(clone, data, git(clone, "rev-parse", ref).strip(), other)
    git(clone, "update-ref", "refs/guard/sessions/garbage", garbage)
    git(clone, "update-ref", "refs/guard/sessions/renamed", other)
    git(clone, "update-ref", ref, merged)
    blob = git(clone, "hash-object", "-w", "--stdin", input=b"a blob").strip()
    done = push(
        clone,
        ref,
        "refs/guard/sessions/garbage",
        "refs/guard/sessions/renamed",
        f"{blob}:refs/guard/sessions/blob",
    )
    assert done.returncode != 0
    assert "refused refs/guard/sessions/blob: holds no session record" in done.stderr
    assert "refused refs/guard/sessions/garbage: holds no session record" in done.stderr
    assert "refused refs/guard/sessions/renamed: it names session 'x" in done.stderr
    assert f"refused {ref}: its history has a merge" in done.stderr


def test_a_record_whose_start_the_server_lacks_judges_from_the_branch_off_point(
    server: Path, tmp_path: Path, invoke
) -> None:
    work = tmp_path / "local"
    git(tmp_path, "clone", "-q", server.as_uri(), str(work))
    git(work, "switch", "-q", "-c", "feature")
    commit(work, "docs/before.md", "Local work from before the session, never pushed.\n")
    assert invoke(["session", "start", "--record"], cwd=work).code == 0
    commit(work, "src/app.py", PROD)
    ref = session_ref(work)
    done = push(work, ref, "feature")
    assert done.returncode != 0
    assert REFUSED in done.stderr
    git(work, "reset", "-q", "--hard", "HEAD~1")
    commit(work, "docs/notes.md", "Only notes.\n")
    assert push(work, ref, "feature").returncode == 0


def test_work_that_shares_no_commit_with_its_start_is_refused(
    server: Path, tmp_path: Path, invoke
) -> None:
    work = tmp_path / "unrelated"
    git(tmp_path, "init", "-q", "-b", "feature", str(work))
    commit(work, "README.md", "# Other\n")
    assert invoke(["session", "start", "--record"], cwd=work).code == 0
    write(work, "src/app.py", PROD)
    git(work, "add", "src/app.py")
    git(work, "-c", "core.hooksPath=/dev/null", "commit", "-q", "--amend", "-m", "root")
    git(work, "remote", "add", "origin", server.as_uri())
    done = push(work, session_ref(work), "feature")
    assert done.returncode != 0
    assert "the session's start is not in this repository" in done.stderr
    assert "hint: push the branch the session started from first" in done.stderr


def test_a_rewritten_record_is_refused(clone: Path, server: Path) -> None:
    ref = session_ref(clone)
    assert push(clone, ref).returncode == 0
    _relaxed(clone, ref, parent=False)
    done = push(clone, "--force", ref)
    assert done.returncode != 0
    assert f"refused {ref}: its history was rewritten (not a fast-forward)" in done.stderr


# --------------------------------------------------------------------------- CI


def test_ci_audits_a_range_under_the_fetched_record(
    clone: Path, server: Path, tmp_path: Path, invoke
) -> None:
    commit(clone, "docs/notes.md", "One.\n")
    assert push(clone, "feature", session_ref(clone)).returncode == 0
    ci = tmp_path / "ci"
    git(tmp_path, "clone", "-q", server.as_uri(), str(ci))
    git(ci, "fetch", "-q", "origin", "refs/guard/sessions/*:refs/guard/sessions/*")
    done = invoke(
        ["audit", "--base", "origin/main", "--head", "origin/feature", "--format", "json"], cwd=ci
    )
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert report["scope"]["mode"] == "read-only"
    assert report["scope"]["mode_from"] == "session"
    assert report["scope"]["allowed"] == ["docs"]
    jsonschema.validate(report, SCHEMA)
    assert report["session"]["reason"] == "triage"
    assert report["session"]["id"] == session_ref(clone).rsplit("/", 1)[1]
    note = report["integrity"][0]
    assert note["kind"] == "session-ref"
    assert note["detail"].startswith(f"judged under {session_ref(clone)}: read-only mode from ")
    assert report["summary"]["verdict"] == "clean"


def test_ci_reports_a_relaxed_record_and_judges_its_first_declaration(clone: Path, invoke) -> None:
    ref = session_ref(clone)
    commit(clone, "src/app.py", PROD)
    _relaxed(clone, ref, parent=True)
    done = invoke(["audit", "--base", "main", "--head", "feature", "--format", "json"], cwd=clone)
    report = json.loads(done.out)
    assert done.code == 1
    assert report["scope"]["mode"] == "read-only"
    assert report["summary"]["verdict"] == "violated"
    kinds = [item["kind"] for item in report["integrity"]]
    assert "session-ref-altered" in kinds
    jsonschema.validate(report, SCHEMA)


def test_records_that_do_not_cover_a_range_are_not_used(clone: Path, invoke) -> None:
    garbage = _record_commit(clone, b"not json")
    git(clone, "update-ref", "refs/guard/sessions/garbage", garbage)
    orphan = git(clone, "commit-tree", "HEAD^{tree}", "-m", "unrelated", input=b"").strip()
    done = invoke(["audit", "--base", orphan, "--head", orphan, "--format", "json"], cwd=clone)
    assert done.code == 0, done.err
    assert json.loads(done.out)["session"] is None


def test_a_range_without_a_record_is_read_only_as_before(clone: Path, invoke) -> None:
    git(clone, "update-ref", "-d", session_ref(clone))
    commit(clone, "docs/notes.md", "One.\n")
    done = invoke(["audit", "--base", "main", "--head", "feature", "--format", "json"], cwd=clone)
    report = json.loads(done.out)
    assert report["session"] is None
    assert report["scope"]["mode"] == "read-only"
    assert report["integrity"] == []


# --------------------------------------------------------------------------- protect


@pytest.fixture
def protected(server: Path, tmp_path: Path, invoke) -> Path:
    """The server with a policy protecting production paths on main and release/*."""
    policy = tmp_path / "server-policy.yaml"
    policy.write_text(PROTECT)
    done = invoke(["install", "--server", "--policy", str(policy)], cwd=server)
    assert done.code == 0, done.err
    work = tmp_path / "dev"
    git(tmp_path, "clone", "-q", server.as_uri(), str(work))
    return work


def test_a_protected_branch_refuses_production_changes_for_everyone(protected: Path) -> None:
    commit(protected, "src/app.py", PROD)
    done = push(protected, "main")
    assert done.returncode != 0
    assert (
        "remote: session-guard: refused refs/heads/main: it protects production paths ("
        in done.stderr
    )
    assert "server-policy.yaml:4), and this push changes them:" in done.stderr
    assert "Who may push such changes here: release-bot." in done.stderr


def test_protection_covers_creations_and_force_pushes(protected: Path) -> None:
    commit(protected, "src/app.py", PROD)
    created = push(protected, "HEAD:refs/heads/release/1.0")
    assert created.returncode != 0
    assert "refused refs/heads/release/1.0: it protects production paths" in created.stderr
    git(protected, "reset", "-q", "--hard", "HEAD~1")
    assert push(protected, "HEAD:refs/heads/release/1.0").returncode == 0  # nothing new
    commit(protected, "docs/notes.md", "Docs may change.\n")
    assert push(protected, "main").returncode == 0
    git(protected, "reset", "-q", "--hard", "HEAD~1")
    commit(protected, "src/app.py", PROD)
    forced = push(protected, "--force", "main")
    assert forced.returncode != 0
    assert "refused refs/heads/main" in forced.stderr


def test_an_allowed_pusher_and_other_branches_pass(protected: Path) -> None:
    commit(protected, "src/app.py", PROD)
    assert push(protected, "HEAD:refs/heads/topic").returncode == 0
    env = {**os.environ, "GL_USERNAME": "release-bot"}
    done = push(protected, "main", env=env)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("held_by", ["refs/heads/topic", "refs/tags/v9"])
def test_a_protected_branch_made_from_what_another_ref_already_brought(
    protected: Path, server: Path, held_by: str
) -> None:
    """A production commit pushed first where no rule looks (a topic branch, a tag),
    then a protected branch created at it: the creation brings it to the branch."""
    assert push(protected, "HEAD:refs/heads/release/1.0").returncode == 0  # nothing new
    bad = commit(protected, "src/app.py", PROD)
    assert push(protected, f"HEAD:{held_by}").returncode == 0
    assert push(protected, ":refs/heads/release/1.0").returncode == 0  # deletions pass
    for target in ("refs/heads/release/2.0", "refs/heads/release/1.0"):
        done = push(protected, f"{bad}:{target}")
        assert done.returncode != 0, done.stderr
        assert f"refused {target}: it protects production paths" in done.stderr
        assert tip(server, target) is None


def test_an_invalid_server_policy_refuses_every_push(server: Path, clone: Path) -> None:
    (server / "bad.yaml").write_text("version: 1\nextends: default\nprotect: nope\n")
    git(server, "config", "guard.policy", "bad.yaml")
    commit(clone, "docs/notes.md", "One.\n")
    done = push(clone, "feature")
    assert done.returncode != 0
    assert (
        "remote: session-guard: the server's policy is invalid: every push is refused"
        in done.stderr
    )
    assert "bad.yaml:3:10: protect must be a list" in done.stderr


# --------------------------------------------------------------------------- install


def test_the_update_hook_refuses_too(server: Path, clone: Path, invoke) -> None:
    (server / "hooks" / "pre-receive").unlink()
    done = invoke(["install", "--server", "--hooks", "update"], cwd=server)
    assert done.code == 0, done.err
    commit(clone, "src/app.py", PROD)
    pushed = push(clone, session_ref(clone), "feature")
    assert pushed.returncode != 0
    assert REFUSED in pushed.stderr
    assert "hook declined" in pushed.stderr


def test_a_foreign_server_hook_is_kept_and_runs_first(
    server: Path, clone: Path, invoke, tmp_path: Path
) -> None:
    hooks = tmp_path / "custom_hooks"
    hooks.mkdir()
    mine = hooks / "pre-receive"
    mine.write_text('#!/bin/sh\necho "site hook ran"\ncat >/dev/null\n')
    mine.chmod(0o755)
    done = invoke(["install", "--server", "--hooks-dir", str(hooks)], cwd=server)
    assert done.code == 0, done.err
    assert "kept the existing hook as" in done.text
    (server / "hooks" / "pre-receive").unlink()
    git(server, "config", "core.hooksPath", str(hooks))
    commit(clone, "src/app.py", PROD)
    pushed = push(clone, session_ref(clone), "feature")
    assert "remote: site hook ran" in pushed.stderr
    assert REFUSED in pushed.stderr
    again = invoke(["install", "--server", "--hooks-dir", str(hooks)], cwd=server)
    assert again.code == 0 and "kept" not in again.text


def test_unknown_server_hooks_are_a_usage_error(server: Path, invoke) -> None:
    done = invoke(["install", "--server", "--hooks", "pre-push"], cwd=server)
    assert done.code == 2
    assert "unknown server hook 'pre-push'" in done.err


def test_install_refuses_when_both_the_hook_and_its_chained_copy_are_foreign(
    server: Path, invoke
) -> None:
    hook = server / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\nexit 0\n")
    (server / "hooks" / "pre-receive.guard-chained").write_text("#!/bin/sh\nexit 0\n")
    done = invoke(["install", "--server"], cwd=server)
    assert done.code == 2
    assert f"{hook} is not ours and {hook}.guard-chained already exists" in done.err


def test_the_update_hook_needs_its_three_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    from guard.hooks.__main__ import main

    assert main(["-", "update", "refs/heads/main"]) == 2
    assert "session-guard: the update hook takes REF OLD NEW" in capsys.readouterr().err


def test_a_mode_the_server_policy_lacks_is_judged_as_declared(clone: Path, server: Path) -> None:
    (server / "modes.yaml").write_text(
        "version: 1\ncategories: [production, docs]\ndefault: production\n"
        "rules:\n  - category: docs\n    paths: ['*.md', 'docs/']\n"
        "modes:\n  write: [docs, production]\n"
    )
    git(server, "config", "guard.policy", "modes.yaml")
    commit(clone, "src/app.py", PROD)
    done = push(clone, session_ref(clone), "feature")
    assert done.returncode != 0
    assert "is in read-only mode (allows docs)" in done.stderr
