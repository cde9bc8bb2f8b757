"""`guard audit`, `report` and `rollback` over real git histories made during a session.

Unless a test installs them, the hooks are not installed, so plain git commits
stand for commits that bypassed the guard. The default policy: `src/` is
production (no rule: the default), `tests/` test, `docs/` and `*.md` docs;
read-only allows docs. Every JSON report is checked against the shipped schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import jsonschema
import pytest

import guard.report
from tests.conftest import git

SCHEMA = json.loads((Path(guard.report.__file__).parent / "audit.schema.json").read_text())
REASON = "investigate the flaky login test"
START_FILES = {
    "src/app.py": "def app():\n    return 1\n",
    "src/util.py": "def util():\n    return 2\n",
    "src/old.py": "OLD = True\n",
    "src/x.py": "def x():\n    return 'x'\n",
    "src/tool.sh": "#!/bin/sh\necho tool\n",
    "src/link.py": "LINKED = 1\n",
    "docs/worklog.md": "# Worklog\n",
    "README.md": "# Demo\n",
    "tests/test_app.py": "def test_app():\n    assert True\n",
}
WORKLOG = "# Worklog\n\n- read the logs: the login test times out at 5 s\n"
SUBMODULE = "submodule pointer: the policy default decides"
BYPASS = ("-c", "core.hooksPath=/dev/null")  # a commit that skips every hook


# --------------------------------------------------------------------------- helpers


def write(repo: Path, path: str, content: str) -> None:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(content)


def commit(repo: Path, message: str, files: dict[str, str], *args: str) -> str:
    """Write and stage `files`, commit them (git's own options in `args`), return the sha."""
    for path, content in files.items():
        write(repo, path, content)
    git(repo, "add", "--", *files)
    git(repo, *args, "commit", "-q", "-m", message)
    return head(repo)


def head(repo: Path, rev: str = "HEAD") -> str:
    return git(repo, "rev-parse", rev).strip()


def seed(repo: Path) -> str:
    for path, content in START_FILES.items():
        write(repo, path, content)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "initial")
    return head(repo)


def start(invoke, repo: Path, *extra: str) -> dict[str, Any]:
    done = invoke(["session", "start", "--json", "--reason", REASON, *extra], cwd=repo)
    assert done.code == 0, done.err
    return json.loads(done.out)


def audit(invoke, repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    """`guard audit --format json ARGS`: the exit code and the report, schema-checked."""
    done = invoke(["audit", "--format", "json", *args], cwd=repo)
    assert done.code in (0, 1), done.err
    report = json.loads(done.out)
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    return done.code, report


def rows(report: dict[str, Any], subject: str) -> list[tuple[Any, ...]]:
    """A commit's changes as (path, old_path, status, category, allowed, restores)."""
    [found] = [c for c in report["commits"] if c["subject"] == subject]
    return [
        (c["path"], c["old_path"], c["status"], c["category"], c["allowed"], c["restores"])
        for c in found["changes"]
    ]


def commit_of(report: dict[str, Any], subject: str) -> dict[str, Any]:
    [found] = [c for c in report["commits"] if c["subject"] == subject]
    return found


def git_state(repo: Path) -> tuple[str, ...]:
    """What a refused or dry rollback must leave alone: HEAD, refs, index and work tree."""
    return (
        git(repo, "rev-parse", "HEAD"),
        subprocess.run(
            ["git", "-C", str(repo), "symbolic-ref", "-q", "HEAD"], capture_output=True, text=True
        ).stdout,
        git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
        git(repo, "status", "--porcelain=v2", "--untracked-files=all"),
        git(repo, "diff", "--cached", "--binary"),
        git(repo, "diff", "--binary"),
    )


def violated(repo: Path) -> None:
    """Bypassing commits: modify, add and delete production, add a test, keep a worklog."""
    commit(repo, "worklog", {"docs/worklog.md": WORKLOG})
    commit(repo, "fix the timeout", {"src/app.py": "def app():\n    return 5\n"})
    commit(repo, "add a helper and its test", {"src/new.py": "N = 1\n", "tests/test_n.py": "x\n"})
    git(repo, "rm", "-q", "src/old.py")
    git(repo, "commit", "-q", "-m", "drop old")


@pytest.fixture
def seeded(repo: Path) -> Path:
    seed(repo)
    return repo


# --------------------------------------------------------------------------- change kinds


def test_every_kind_of_committed_change_is_listed_and_classified(seeded: Path, invoke) -> None:
    repo = seeded
    started = start(invoke, repo)
    start_sha = started["start_head"]
    commit(repo, "add", {"src/new.py": "NEW = 1\n"})
    commit(repo, "modify", {"src/app.py": "def app():\n    return 2\n"})
    git(repo, "rm", "-q", "src/old.py")
    git(repo, "commit", "-q", "-m", "delete")
    git(repo, "mv", "src/x.py", "tests/x.py")
    git(repo, "commit", "-q", "-m", "rename")
    (repo / "src/link.py").unlink()
    (repo / "src/link.py").symlink_to("app.py")
    git(repo, "add", "src/link.py")
    git(repo, "commit", "-q", "-m", "type change")
    (repo / "src/tool.sh").chmod(0o755)
    git(repo, "add", "src/tool.sh")
    git(repo, "commit", "-q", "-m", "executable")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{start_sha},vendor/lib")
    (repo / "vendor/lib").mkdir(parents=True)  # as an uninitialised submodule leaves it
    git(repo, "commit", "-q", "-m", "submodule")
    commit(repo, "docs: worklog", {"docs/worklog.md": WORKLOG})

    code, report = audit(invoke, repo)
    assert code == 1
    assert report["session"] == {
        "id": started["id"],
        "mode": "read-only",
        "allowed": ["docs"],
        "reason": REASON,
        "started_at": started["started_at"],
        "start_head": start_sha,
        "active": True,
        "worktree": None,
    }
    assert [c["subject"] for c in report["commits"]] == [
        "docs: worklog",
        "submodule",
        "executable",
        "type change",
        "rename",
        "delete",
        "modify",
        "add",
    ]
    expected = {
        "add": [("src/new.py", None, "A", "production", False, False)],
        "modify": [("src/app.py", None, "M", "production", False, False)],
        "delete": [("src/old.py", None, "D", "production", False, False)],
        "rename": [("tests/x.py", "src/x.py", "R", "production", False, False)],
        "type change": [("src/link.py", None, "T", "production", False, False)],
        "executable": [("src/tool.sh", None, "M", "production", False, False)],
        "submodule": [("vendor/lib", None, "A", "production", False, False)],
        "docs: worklog": [("docs/worklog.md", None, "M", "docs", True, False)],
    }
    for subject, changes in expected.items():
        assert rows(report, subject) == changes, subject
    assert commit_of(report, "submodule")["changes"][0]["rule"] == SUBMODULE
    assert commit_of(report, "add")["changes"][0]["rule"] is None  # the policy default
    assert commit_of(report, "docs: worklog")["changes"][0]["rule"].startswith(
        "policies/default.yaml:"
    )
    restore = f"git restore --source={start_sha} --staged --worktree -- "
    assert [(s["path"], s["action"], s["category"], s["command"]) for s in report["rollback"]] == [
        ("src/app.py", "restore", "production", restore + "src/app.py"),
        ("src/link.py", "restore", "production", restore + "src/link.py"),
        ("src/new.py", "delete", "production", "git rm -q -- src/new.py"),
        ("src/old.py", "restore", "production", restore + "src/old.py"),
        ("src/tool.sh", "restore", "production", restore + "src/tool.sh"),
        ("src/x.py", "restore", "production", restore + "src/x.py"),
        ("tests/x.py", "delete", "test", "git rm -q -- tests/x.py"),
        ("vendor/lib", "delete", "production", "git rm -q -- vendor/lib"),
    ]
    assert report["summary"] == {
        "commits": 8,
        "violating_commits": 7,
        # the rename changes src/x.py (production) and tests/x.py (test)
        "changed_paths": {"production": 7, "test": 1, "docs": 1},
        "violations": 7,
        "net_violations": 8,
        "verdict": "violated",
    }


def test_merges_side_branches_and_detached_head_commits_are_all_audited(
    seeded: Path, invoke
) -> None:
    repo = seeded
    start(invoke, repo)
    git(repo, "switch", "-q", "-c", "side")
    side = commit(repo, "side work", {"src/side.py": "S = 1\n"})
    git(repo, "switch", "-q", "main")
    notes = commit(repo, "notes", {"docs/worklog.md": WORKLOG})
    git(repo, "merge", "-q", "--no-ff", "side", "-m", "merge side")
    merge = head(repo)
    git(repo, "switch", "-q", "--detach")
    detached = commit(repo, "detached", {"src/det.py": "D = 1\n"})

    code, report = audit(invoke, repo)
    assert code == 1
    assert {c["sha"] for c in report["commits"]} == {side, notes, merge, detached}
    merged = commit_of(report, "merge side")
    assert merged["parents"] == [notes, side]
    # judged by what it brings to its first parent: the side branch's module
    assert rows(report, "merge side") == [("src/side.py", None, "A", "production", False, False)]
    assert merged["verdict"] == "violation"
    assert rows(report, "detached") == [("src/det.py", None, "A", "production", False, False)]
    assert rows(report, "side work") == [("src/side.py", None, "A", "production", False, False)]
    assert set(report["revert_candidates"]) == {side, merge, detached}


# --------------------------------------------------------------------------- integrity


def test_rewritten_deleted_and_directly_written_branches(seeded: Path, invoke) -> None:
    repo = seeded
    first = head(repo)
    second = commit(repo, "second", {"docs/worklog.md": "# Worklog\n\nday 2\n"})
    for name in ("rewrite", "gone", "moved"):
        git(repo, "branch", name)
    start(invoke, repo)
    git(repo, "branch", "-f", "rewrite", first)  # reset to before its start tip
    git(repo, "branch", "-q", "-D", "gone")
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    sneaky = git(repo, "commit-tree", tree, "-p", second, "-m", "sneaky").strip()
    (repo / ".git/refs/heads/moved").write_text(sneaky + "\n")

    code, report = audit(invoke, repo)
    assert code == 1
    assert report["rewritten_refs"] == [
        {"ref": "refs/heads/rewrite", "start_tip": second, "tip": first}
    ]
    kinds = {i["kind"]: i["detail"] for i in report["integrity"]}
    assert kinds["ref-deleted"] == f"refs/heads/gone (was {second})"
    assert kinds["ref-without-reflog"] == (
        f"refs/heads/moved points to {sneaky}, which its reflog never recorded: "
        "it was written directly, bypassing every hook"
    )
    assert [c["sha"] for c in report["commits"]] == [sneaky]


def test_hooks_removed_during_the_session(seeded: Path, invoke) -> None:
    assert invoke(["install"], cwd=seeded).code == 0
    start(invoke, seeded)
    assert invoke(["uninstall"], cwd=seeded).code == 0
    code, report = audit(invoke, seeded)
    assert code == 1
    assert report["integrity"] == [
        {"kind": "hooks-removed", "detail": "pre-commit was removed"},
        {"kind": "hooks-removed", "detail": "pre-push was removed"},
        {"kind": "hooks-removed", "detail": "reference-transaction was removed"},
    ]
    assert report["summary"]["verdict"] == "tampered"


def test_hooks_redirected_during_the_session(seeded: Path, invoke, tmp_path: Path) -> None:
    assert invoke(["install"], cwd=seeded).code == 0
    start(invoke, seeded)
    hooks = git(seeded, "rev-parse", "--path-format=absolute", "--git-path", "hooks").strip()
    elsewhere = tmp_path / "no-hooks"
    elsewhere.mkdir()
    git(seeded, "config", "core.hooksPath", str(elsewhere))
    code, report = audit(invoke, seeded)
    assert code == 1
    assert report["integrity"] == [
        {
            "kind": "hooks-redirected",
            "detail": f"hooks directory {hooks} (core.hooksPath None) "
            f"became {elsewhere} ('{elsewhere}')",
        }
    ]


def test_a_tampered_journal_is_reported(seeded: Path, invoke) -> None:
    start(invoke, seeded)
    journal = seeded / ".git" / "guard" / "journal.jsonl"
    first = json.loads(journal.read_text().splitlines()[0])
    first["time"] = "2020-01-01T00:00:00Z"  # pretend the session started long ago
    journal.write_text(json.dumps(first, sort_keys=True, separators=(",", ":")) + "\n")
    code, report = audit(invoke, seeded)
    assert code == 1
    assert {
        "kind": "journal-invalid",
        "detail": "line 1: content does not match its hash (edited)",
    } in (report["integrity"])


# A clean filter that hands git the index's blob for the path: whatever the file holds,
# git status (and every diff) takes it for unchanged.
HIDING = "git cat-file blob :%f"


def test_a_clean_filter_set_up_during_the_session_is_named(seeded: Path, invoke) -> None:
    """A filter driver in .git/config and its attribute in .git/info/attributes
    (neither tracked) can make git status blind to an edit of a production file: the
    audit names what of that configuration was not there at the start."""
    start(invoke, seeded)
    git(seeded, "config", "filter.same.clean", HIDING)
    (seeded / ".git/info").mkdir(exist_ok=True)
    (seeded / ".git/info/attributes").write_text("src/app.py filter=same\n")
    write(seeded, "src/app.py", "def app():\n    return 9\n")  # the same size
    assert git(seeded, "status", "--porcelain") == ""  # git is blind to it
    code, report = audit(invoke, seeded)
    assert code == 1
    assert report["summary"]["verdict"] == "tampered"
    assert found(report) == [
        {
            "kind": "filters-changed",
            "detail": f"filter.same.clean was set ({HIDING!r}) during the session: a clean "
            "filter decides what git status sees of a file",
        },
        {
            "kind": "filters-changed",
            "detail": ".git/info/attributes (attributes git reads from outside the tree) "
            "was created during the session",
        },
    ]


def test_a_filter_from_before_the_session_is_no_finding(seeded: Path, invoke) -> None:
    """A filter that was there at the start (git-lfs's, say) is the repository's own,
    and a repository with no filter at all has nothing to say either."""
    git(seeded, "config", "filter.lfs.clean", "git-lfs clean -- %f")
    git(seeded, "config", "filter.lfs.process", "git-lfs filter-process")
    commit(seeded, "lfs", {".gitattributes": "*.bin filter=lfs diff=lfs merge=lfs -text\n"})
    start(invoke, seeded)
    commit(seeded, "notes", {"docs/worklog.md": WORKLOG})
    code, report = audit(invoke, seeded)
    assert (code, found(report), report["summary"]["verdict"]) == (0, [], "clean")
    git(seeded, "config", "--unset-all", "filter.lfs.process")  # removed: no hiding
    assert found(audit(invoke, seeded)[1]) == []


def test_a_stopped_session_is_judged_by_its_filters_at_the_stop(seeded: Path, invoke) -> None:
    """As for the hooks: what the filters were when the session stopped is its end,
    so a filter set up afterwards is no finding of the session's, one set up during
    it stays one."""
    sid = start(invoke, seeded)["id"]
    git(seeded, "config", "filter.same.clean", HIDING)
    assert invoke(["session", "stop"], cwd=seeded).code == 0
    git(seeded, "config", "filter.later.clean", "cat")  # after the end
    _, report = audit(invoke, seeded, "--session", sid)
    assert [i["detail"].split(" ")[0] for i in found(report)] == ["filter.same.clean"]


def found(report: dict[str, Any]) -> list[dict[str, str]]:
    """The integrity findings besides the notes on hooks these tests never install."""
    return [i for i in report["integrity"] if i["kind"] != "hooks-missing"]


# --------------------------------------------------------------------------- working tree


def test_uncommitted_work_is_listed_and_counted(seeded: Path, invoke) -> None:
    start(invoke, seeded)
    write(seeded, "src/staged.py", "S = 1\n")
    git(seeded, "add", "src/staged.py")
    write(seeded, "src/app.py", "def app():\n    return 3\n")
    write(seeded, "tests/test_untracked.py", "T = 1\n")
    write(seeded, "docs/worklog.md", WORKLOG)
    code, report = audit(invoke, seeded)
    assert code == 1
    assert report["commits"] == []
    assert sorted(report["working_tree"], key=lambda r: r["path"]) == [
        {
            "path": "docs/worklog.md",
            "state": "unstaged",
            "status": "M",
            "category": "docs",
            "allowed": True,
        },
        {
            "path": "src/app.py",
            "state": "unstaged",
            "status": "M",
            "category": "production",
            "allowed": False,
        },
        {
            "path": "src/staged.py",
            "state": "staged",
            "status": "A",
            "category": "production",
            "allowed": False,
        },
        {
            "path": "tests/test_untracked.py",
            "state": "untracked",
            "status": "A",
            "category": "test",
            "allowed": False,
        },
    ]
    summary = report["summary"]
    assert (summary["violations"], summary["net_violations"], summary["verdict"]) == (
        3,
        3,
        "violated",
    )


# A file system monitor hook that says nothing ever changes (hook protocol 2: a token,
# then the changed paths, none).
LYING_MONITOR = "#!/bin/sh\nprintf 'token\\0'\n"


@pytest.mark.parametrize("how", ["trustctime", "fsmonitor"])
def test_configuration_that_blinds_git_status_to_an_edit_is_overridden(
    seeded: Path, invoke, tmp_path: Path, how: str
) -> None:
    """Local configuration can make `git status` trust what it should check: with
    core.trustctime=false an edit of the same size whose mtime was put back looks
    unchanged; a core.fsmonitor hook decides what git looks at. The audit's status
    looks at every file itself."""
    start(invoke, seeded)
    if how == "trustctime":
        git(seeded, "config", "core.trustctime", "false")
    else:
        hook = tmp_path / "monitor"
        hook.write_text(LYING_MONITOR)
        hook.chmod(0o755)
        git(seeded, "config", "core.fsmonitor", str(hook))
        git(seeded, "config", "core.fsmonitorHookVersion", "2")
    time.sleep(1.1)  # the index entry is older than a second: no racy-git re-check
    git(seeded, "status", "--porcelain")  # the index as git left it for the next status
    app = seeded / "src/app.py"
    before = app.stat()
    app.write_text("def app():\n    return 9\n")  # the same size
    os.utime(app, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert git(seeded, "status", "--porcelain") == ""  # git is blind to it
    code, report = audit(invoke, seeded)
    assert code == 1
    assert [(r["path"], r["status"]) for r in report["working_tree"]] == [("src/app.py", "M")]


@pytest.mark.parametrize("renames", ["true", "copies"])
def test_a_staged_copy_or_rename_is_judged_by_what_it_does(
    seeded: Path, invoke, renames: str
) -> None:
    """With status.renames=copies git pairs a new file with the one it was copied
    from: the copy is a new file, and its source is not deleted."""
    git(seeded, "config", "status.renames", renames)
    start(invoke, seeded)
    shutil.copy(seeded / "src/app.py", seeded / "src/app2.py")
    write(seeded, "src/app.py", START_FILES["src/app.py"] + "# more\n")
    git(seeded, "mv", "src/util.py", "src/helpers.py")
    git(seeded, "add", "-A")
    (seeded / "src/x.py").rename(seeded / "src/y.py")  # renamed in the work tree alone
    git(seeded, "add", "-N", "src/y.py")
    code, report = audit(invoke, seeded)
    assert code == 1
    assert sorted((r["path"], r["state"], r["status"]) for r in report["working_tree"]) == [
        ("src/app.py", "staged", "M"),
        ("src/app2.py", "staged", "A"),
        ("src/helpers.py", "staged", "R"),
        ("src/util.py", "staged", "D"),
        ("src/x.py", "unstaged", "D"),
        ("src/y.py", "unstaged", "R"),
    ]


@pytest.mark.parametrize("flag", ["--assume-unchanged", "--skip-worktree"])
def test_an_edit_hidden_from_git_status_is_uncommitted_work(
    seeded: Path, invoke, flag: str
) -> None:
    """An entry marked assume-unchanged or skip-worktree makes `git status` skip its
    file, so an edit there would pass unseen: the audit looks at those files itself.
    A skip-worktree file that is absent (outside a sparse checkout) is no change."""
    start(invoke, seeded)
    write(seeded, "src/app.py", "def app():\n    return 'hidden'\n")
    (seeded / "src/tool.sh").chmod(0o755)  # only its executable bit
    (seeded / "src/x.py").unlink()
    (seeded / "src/link.py").unlink()
    (seeded / "src/link.py").symlink_to("app.py")
    hidden = ["src/app.py", "src/tool.sh", "src/x.py", "src/link.py", "src/util.py"]
    git(seeded, "update-index", flag, "--", *hidden)
    assert git(seeded, "status", "--porcelain") == ""
    code, report = audit(invoke, seeded)
    assert code == 1
    rows = {(r["path"], r["state"], r["status"], r["allowed"]) for r in report["working_tree"]}
    expected = {
        ("src/app.py", "unstaged", "M", False),
        ("src/tool.sh", "unstaged", "M", False),
        ("src/link.py", "unstaged", "T", False),
    }
    if flag == "--assume-unchanged":  # a sparse checkout leaves skip-worktree files out
        expected.add(("src/x.py", "unstaged", "D", False))
    assert rows == expected
    assert report["summary"]["verdict"] == "violated"


# --------------------------------------------------------------------------- odd paths

ODD = [
    "src/my file.py",
    'src/say "hi".py',
    "src/it's.py",
    "src/new\nline.py",
    "src/ünïcödé.py",
    "src/a[b].py",
    "src/bell\x07.py",
]
LATIN1 = b"src/caf\xe9.py"  # not UTF-8
UNTRACKED = b"src/raw\xff\x01.py"


def odd_repo(repo: Path, invoke) -> tuple[str, dict[str, Any]]:
    """A session whose one commit adds every odd path, plus an odd untracked file."""
    seed(repo)
    started = start(invoke, repo)
    for path in ODD:
        write(repo, path, f"# {path!r}\n")
    for raw in (LATIN1, UNTRACKED):
        fd = os.open(os.path.join(bytes(repo), raw), os.O_WRONLY | os.O_CREAT, 0o644)
        os.write(fd, b"# latin-1\n")
        os.close(fd)
    git(repo, "add", "--", *ODD, os.fsdecode(LATIN1))
    git(repo, "commit", "-q", "-m", "odd names")
    return started["id"], started


def test_odd_paths_round_trip_in_the_json(repo: Path, invoke) -> None:
    odd_repo(repo, invoke)
    code, report = audit(invoke, repo)
    assert code == 1
    added = [c["path"] for c in report["commits"][0]["changes"]]
    assert sorted(os.fsencode(p) for p in added) == sorted([p.encode() for p in ODD] + [LATIN1])
    assert {c["category"] for c in report["commits"][0]["changes"]} == {"production"}
    assert [os.fsencode(r["path"]) for r in report["working_tree"]] == [UNTRACKED]
    commands = {s["path"]: s["command"] for s in report["rollback"]}
    assert commands["src/my file.py"] == "git rm -q -- 'src/my file.py'"
    assert commands["src/it's.py"] == "git rm -q -- 'src/it'\"'\"'s.py'"
    assert commands['src/say "hi".py'] == "git rm -q -- 'src/say \"hi\".py'"
    assert commands["src/new\nline.py"] == "git rm -q -- $'src/new\\nline.py'"


def test_rollback_removes_odd_paths(repo: Path, invoke) -> None:
    odd_repo(repo, invoke)
    os.unlink(os.path.join(bytes(repo), UNTRACKED))
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert "0 restored, 8 deleted" in done.text
    listed = subprocess.run(
        ["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    assert sorted(listed.split(b"\0")[:-1]) == sorted(p.encode() for p in START_FILES)
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""


# --------------------------------------------------------------------------- verdicts


def test_verdicts_mislabelled_commits_and_the_summary(seeded: Path, invoke) -> None:
    repo = seeded
    start(invoke, repo)
    honest = commit(repo, "docs: add the session worklog", {"docs/worklog.md": WORKLOG})
    sneaky = commit(repo, "docs: tidy wording", {"src/app.py": "def app():\n    return 7\n"})
    tests = commit(
        repo,
        "documentation-only changes",
        {"tests/test_app.py": "x = 1\n", "tests/test_b.py": "b\n", "tests/test_c.py": "c\n"},
    )
    mixed = commit(
        repo, "notes and a fix", {"README.md": "# Demo\n\nNotes\n", "src/util.py": "U\n"}
    )

    code, report = audit(invoke, repo)
    assert code == 1
    verdicts = {c["sha"]: (c["verdict"], c["mislabelled"]) for c in report["commits"]}
    assert verdicts == {
        honest: ("clean", False),
        sneaky: ("violation", True),
        tests: ("violation", True),
        mixed: ("mixed", False),
    }
    assert report["revert_candidates"] == [tests, sneaky]
    assert report["summary"] == {
        "commits": 4,
        "violating_commits": 3,
        "changed_paths": {"production": 2, "test": 3, "docs": 2},
        "violations": 5,
        "net_violations": 5,
        "verdict": "violated",
    }


def test_a_clean_session_exits_0(seeded: Path, invoke) -> None:
    assert invoke(["install"], cwd=seeded).code == 0
    start(invoke, seeded)
    commit(seeded, "docs: worklog", {"docs/worklog.md": WORKLOG})
    write(seeded, "docs/draft.md", "draft\n")
    code, report = audit(invoke, seeded)
    assert code == 0
    assert report["integrity"] == []
    assert report["summary"]["verdict"] == "clean"
    assert report["working_tree"][0]["allowed"] is True


def test_a_clean_session_without_hooks_exits_0_and_notes_them(seeded: Path, invoke) -> None:
    start(invoke, seeded)
    commit(seeded, "docs: worklog", {"docs/worklog.md": WORKLOG})
    code, report = audit(invoke, seeded)
    assert report["summary"]["verdict"] == "clean"
    assert {i["kind"] for i in report["integrity"]} == {"hooks-missing"}
    assert code == 0


# --------------------------------------------------------------------------- rollback


def test_rollback_without_apply_prints_the_plan_and_changes_nothing(seeded: Path, invoke) -> None:
    start_sha = start(invoke, seeded)["start_head"]
    violated(seeded)
    before = git_state(seeded)
    done = invoke(["rollback"], cwd=seeded)
    assert done.code == 0, done.err
    stdin = "--pathspec-from-file=- --pathspec-file-nul"
    assert done.text.splitlines() == [
        "rollback plan for refs/heads/main (4 path(s)), by hand (then commit):",
        "  2 to delete (src/new.py, tests/test_n.py):",
        f"    guard rollback --paths delete -z | git --literal-pathspecs rm -q {stdin}",
        f"  2 to restore from {start_sha[:12]} (src/app.py, src/old.py):",
        "    guard rollback --paths restore -z | git --literal-pathspecs restore "
        "--ignore-skip-worktree-bits "
        f"--source={start_sha} --staged --worktree {stdin}",
        "apply it in one commit: guard rollback --apply",
    ]
    assert git_state(seeded) == before


def merge_in_progress(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "other", "HEAD~4")  # the start, before the worklog
    commit(repo, "other notes", {"docs/worklog.md": "# Worklog\n\nother\n"})
    git(repo, "switch", "-q", "main")
    done = subprocess.run(["git", "-C", str(repo), "merge", "other"], capture_output=True)
    assert done.returncode == 1  # the worklogs conflict: the merge waits


def picks_stopped_midway(repo: Path) -> None:
    """A sequence of picks that stopped at a conflict, that step committed by hand:
    git drops CHERRY_PICK_HEAD, and `git status` still says a cherry-pick is in
    progress (`git cherry-pick --continue` picks the rest)."""
    git(repo, "switch", "-q", "-c", "side", "HEAD~3")  # before the session's fix
    for n in (1, 2):
        commit(repo, f"side {n}", {"src/app.py": f"def app():\n    return {n + 10}\n"})
    git(repo, "switch", "-q", "main")
    picked = subprocess.run(
        ["git", "-C", str(repo), "cherry-pick", "side~1", "side"], capture_output=True
    )
    assert picked.returncode != 0  # src/app.py conflicts with the session's fix
    commit(repo, "resolved", {"src/app.py": "def app():\n    return 6\n"})
    assert not (repo / ".git/CHERRY_PICK_HEAD").exists()
    assert "Cherry-pick currently in progress" in git(repo, "status")


REFUSALS = {
    "dirty": (
        lambda repo: write(repo, "src/app.py", "edited\n"),
        "guard: paths the rollback restores have uncommitted changes (src/app.py)\n"
        "hint: commit, stash or discard them, then guard rollback --apply\n",
    ),
    "detached": (
        lambda repo: git(repo, "switch", "-q", "--detach"),
        "guard: rollback needs a branch checked out (HEAD is detached or unborn)\n"
        "hint: git switch <branch>, then guard rollback --apply\n",
    ),
    "merging": (
        merge_in_progress,
        "guard: a merge is in progress\nhint: finish or abort it first (git merge --abort)\n",
    ),
    "picking": (
        picks_stopped_midway,
        "guard: a cherry-pick is in progress\n"
        "hint: finish or abort it first (git cherry-pick --abort)\n",
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
def test_rollback_refuses_unsafe_states_and_changes_nothing(
    seeded: Path, invoke, case: str
) -> None:
    start(invoke, seeded)
    violated(seeded)
    make, message = REFUSALS[case]
    make(seeded)
    before = git_state(seeded)
    done = invoke(["rollback", "--apply"], cwd=seeded)
    assert (done.code, done.err) == (1, message)
    assert git_state(seeded) == before


def test_rollback_with_nothing_to_do(seeded: Path, invoke) -> None:
    start(invoke, seeded)
    commit(seeded, "docs: worklog", {"docs/worklog.md": WORKLOG})
    done = invoke(["rollback"], cwd=seeded)
    assert (done.code, done.text) == (
        0,
        "nothing to roll back: every path the mode forbids is as it was at start\n",
    )
    before = git_state(seeded)
    done = invoke(["rollback", "--apply"], cwd=seeded)
    assert (done.code, done.err) == (
        2,
        "guard: nothing to roll back: no path the mode forbids differs from the start\n",
    )
    assert git_state(seeded) == before


def tree_of(repo: Path, rev: str) -> str:
    return git(repo, "ls-tree", "-r", rev)


def test_rollback_apply_commits_once_with_a_backup_and_keeps_the_worklog(
    seeded: Path, invoke
) -> None:
    repo = seeded
    started = start(invoke, repo)
    sid, start_sha = started["id"], started["start_head"]
    violated(repo)
    (repo / "src/tool.sh").chmod(0o755)
    git(repo, "mv", "src/x.py", "tests/x.py")
    (repo / "src/link.py").unlink()
    (repo / "src/link.py").symlink_to("app.py")
    git(repo, "add", "src/tool.sh", "src/link.py")
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{start_sha},vendor/lib")
    (repo / "vendor/lib").mkdir(parents=True)
    git(repo, "commit", "-q", "-m", "mode, rename, symlink and submodule")
    old_tip = head(repo)

    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    new_tip = head(repo)
    assert done.text.splitlines() == [
        f"committed {new_tip[:12]} on refs/heads/main: 5 restored, 4 deleted; "
        f"backup of the previous tip: refs/guard/backup/{sid}",
        "audit after rollback: verdict restored, net_violations 0",
    ]
    assert git(repo, "rev-list", f"{old_tip}..{new_tip}").split() == [new_tip]
    assert head(repo, "HEAD~1") == old_tip
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    trailers = git(repo, "log", "-1", "--format=%(trailers:key=Guard-Rollback,valueonly)")
    assert trailers.strip() == sid
    assert head(repo, f"refs/guard/backup/{sid}") == old_tip
    # every path but the worklog is back, modes included; the worklog is kept
    assert git(repo, "diff", "--name-only", start_sha, "HEAD").split() == ["docs/worklog.md"]
    assert (repo / "docs/worklog.md").read_text() == WORKLOG
    assert tree_of(repo, "HEAD").replace(
        git(repo, "rev-parse", "HEAD:docs/worklog.md").strip(),
        git(repo, "rev-parse", f"{start_sha}:docs/worklog.md").strip(),
    ) == tree_of(repo, start_sha)
    assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (repo / "src/link.py").is_symlink()
    assert (repo / "src/tool.sh").stat().st_mode & 0o111 == 0

    code, report = audit(invoke, repo)
    assert code == 1  # the violations stay in history
    assert report["summary"]["verdict"] == "restored"
    assert report["summary"]["net_violations"] == 0
    assert report["rollback"] == []
    assert (
        commit_of(report, f"Roll back session {sid}: 9 path(s) back to the start")["verdict"]
        == "clean"
    )


def test_rollback_apply_on_a_new_branch_leaves_the_original_alone(seeded: Path, invoke) -> None:
    repo = seeded
    started = start(invoke, repo)
    sid, start_sha = started["id"], started["start_head"]
    violated(repo)
    old_tip = head(repo)

    done = invoke(["rollback", "--apply", "--branch", "undo"], cwd=repo)
    assert done.code == 0, done.err
    assert done.text.splitlines()[0].startswith(f"committed {head(repo)[:12]} on refs/heads/undo:")
    assert head(repo, "main") == old_tip
    assert head(repo, "undo~1") == old_tip
    assert git(repo, "symbolic-ref", "HEAD").strip() == "refs/heads/undo"
    assert head(repo, f"refs/guard/backup/{sid}") == old_tip
    assert git(repo, "diff", "--name-only", start_sha, "undo").split() == ["docs/worklog.md"]
    assert git(repo, "diff", "--name-only", start_sha, "main").split() == [
        "docs/worklog.md",
        "src/app.py",
        "src/new.py",
        "src/old.py",
        "tests/test_n.py",
    ]
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "restored"
    assert {
        "kind": "unrestored-branch",
        "detail": "refs/heads/main still changes 4 path(s) the mode forbids: "
        "src/app.py, src/new.py, src/old.py, tests/test_n.py",
    } in report["integrity"]


# --------------------------------------------------------------------------- done when


def test_done_when_two_branches_bypassed_commits_and_an_uncommitted_edit(
    seeded: Path, invoke
) -> None:
    """Allowed and bypassed commits on two branches plus an uncommitted edit: the audit
    lists every commit and change; the rollback restores the checked-out branch."""
    repo = seeded
    assert invoke(["install"], cwd=repo).code == 0
    started = start(invoke, repo)
    start_sha = started["start_head"]
    allowed_main = commit(repo, "worklog", {"docs/worklog.md": WORKLOG})
    bypass_main = commit(repo, "fix", {"src/app.py": "def app():\n    return 9\n"}, *BYPASS)
    git(repo, "switch", "-q", "-c", "feature", start_sha)
    allowed_feature = commit(repo, "feature notes", {"docs/feature.md": "notes\n"})
    bypass_feature = commit(
        repo, "feature code", {"src/feature.py": "F = 1\n", "tests/test_f.py": "t\n"}, *BYPASS
    )
    git(repo, "switch", "-q", "main")
    write(repo, "src/util.py", "def util():\n    return 'edited'\n")
    new = set(git(repo, "rev-list", "--branches", "--not", start_sha).split())

    code, report = audit(invoke, repo)
    assert code == 1
    assert {c["sha"] for c in report["commits"]} == new
    assert new == {allowed_main, bypass_main, allowed_feature, bypass_feature}
    assert rows(report, "worklog") == [("docs/worklog.md", None, "M", "docs", True, False)]
    assert rows(report, "fix") == [("src/app.py", None, "M", "production", False, False)]
    assert rows(report, "feature notes") == [("docs/feature.md", None, "A", "docs", True, False)]
    assert rows(report, "feature code") == [
        ("src/feature.py", None, "A", "production", False, False),
        ("tests/test_f.py", None, "A", "test", False, False),
    ]
    assert report["working_tree"] == [
        {
            "path": "src/util.py",
            "state": "unstaged",
            "status": "M",
            "category": "production",
            "allowed": False,
        }
    ]
    assert report["summary"]["net_violations"] == 2  # src/app.py and the edit

    git(repo, "restore", "src/util.py")  # the rollback wants a clean tree
    done = invoke(["rollback", "--apply"], cwd=repo)
    assert done.code == 0, done.err
    assert git(repo, "diff", "--name-only", start_sha, "main").split() == ["docs/worklog.md"]
    assert head(repo, "feature") == bypass_feature
    code, after = audit(invoke, repo)
    assert after["summary"]["verdict"] == "restored"
    assert after["summary"]["net_violations"] == 0
    assert [i for i in after["integrity"] if i["kind"] == "unrestored-branch"] == [
        {
            "kind": "unrestored-branch",
            "detail": "refs/heads/feature still changes 2 path(s) the mode forbids: "
            "src/feature.py, tests/test_f.py",
        }
    ]


# --------------------------------------------------------------------------- formats


def test_every_format_renders_and_output_writes_the_file(
    repo: Path, invoke, tmp_path: Path
) -> None:
    odd_repo(repo, invoke)
    outputs = {}
    for fmt in ("text", "json", "markdown", "sarif", "junit", "github", "html"):
        shown = invoke(["audit", "--format", fmt], cwd=repo)
        target = tmp_path / f"audit.{fmt}"
        written = invoke(["audit", "--format", fmt, "--output", str(target)], cwd=repo)
        assert (shown.code, written.code, written.out) == (1, 1, b""), written.err
        assert target.read_bytes() == shown.out, fmt
        outputs[fmt] = shown.out

    report = json.loads(outputs["json"])
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    violating = sorted(c["path"] for c in report["commits"][0]["changes"])

    sarif = json.loads(outputs["sarif"])
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    located = sorted(
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in results
        if r["ruleId"] != "guard/integrity"  # hooks-missing notes: the test installs none
    )

    def uri(path: str) -> str:  # a relative URI: percent-encoded UTF-8, slashes kept
        return quote(path.encode("utf-8", "surrogateescape"), safe="/")

    assert located == sorted(
        [("guard/mode-violation", uri(p)) for p in violating]
        + [("guard/uncommitted-violation", uri(os.fsdecode(UNTRACKED)))]
    )

    root = ET.fromstring(outputs["junit"])  # noqa: S314 - our own output
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == [
        f"{report['commits'][0]['sha'][:12]} odd names",
        "uncommitted changes",
        "enforcement intact",
    ]
    assert cases[0].find("failure") is not None
    assert cases[1].find("failure") is not None

    markdown = outputs["markdown"].decode("utf-8", "surrogateescape")
    assert "**Verdict: violated**" in markdown
    assert "guard rollback --paths delete -z | git --literal-pathspecs rm -q " in markdown

    github = outputs["github"].decode("utf-8", "surrogateescape").splitlines()
    assert any(line.startswith("::error file=src/new%0Aline.py,") for line in github)
    assert sum(line.startswith("::error file=") for line in github) == len(violating) + 1

    text = outputs["text"].decode("utf-8", "surrogateescape")
    assert "VIOLATED" in text
    assert "src/a[b].py: production" in text

    page = outputs["html"].decode("utf-8")  # every byte shown, none raw
    assert "<td>src/new\\nline.py</td><td>added</td><td>production</td>" in page


# --------------------------------------------------------------------------- stop and report


def test_session_stop_stores_the_audit_and_report_renders_it(seeded: Path, invoke) -> None:
    started = start(invoke, seeded)
    sid = started["id"]
    violated(seeded)
    stopped = invoke(["session", "stop"], cwd=seeded)
    assert stopped.code == 0, stopped.err
    assert stopped.text.splitlines()[-1] == (
        f"final audit: violated: 4 commit(s), 4 violation(s), 4 still in place "
        f"(guard report --session {sid})"
    )
    code, fresh = audit(invoke, seeded, "--session", sid)
    assert code == 1
    commit(seeded, "after the session", {"src/late.py": "L = 1\n"})  # not in the stored audit

    shown = invoke(["report", "--session", sid, "--format", "json"], cwd=seeded)
    assert shown.code == 0, shown.err
    stored = json.loads(shown.out)
    jsonschema.validate(stored, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert stored == fresh
    assert stored["session"]["active"] is False
    assert stored["summary"]["commits"] == 4
    latest = invoke(["report", "--format", "markdown"], cwd=seeded)
    assert latest.code == 0
    assert "**Verdict: violated**" in latest.text
    missing = invoke(["report", "--session", "nope"], cwd=seeded)
    assert (missing.code, missing.err) == (
        2,
        "guard: no stopped session 'nope'\nhint: guard session list shows them\n",
    )


def test_the_stored_audit_keeps_odd_paths(repo: Path, invoke) -> None:
    sid, _ = odd_repo(repo, invoke)
    assert invoke(["session", "stop"], cwd=repo).code == 0
    _, fresh = audit(invoke, repo, "--session", sid)
    shown = invoke(["report", "--session", sid, "--format", "json"], cwd=repo)
    assert shown.code == 0, shown.err
    assert json.loads(shown.out) == fresh
    assert os.fsdecode(LATIN1) in [c["path"] for c in fresh["commits"][0]["changes"]]
    junit = invoke(["report", "--session", sid, "--format", "junit"], cwd=repo)
    assert ET.fromstring(junit.out).find("testsuite") is not None  # noqa: S314


# --------------------------------------------------------------------------- ranges


def test_a_range_audit_needs_no_session(seeded: Path, invoke) -> None:
    base = head(seeded)
    violated(seeded)
    code, report = audit(invoke, seeded, "--base", base, "--head", "HEAD", "--mode", "read-only")
    assert code == 1
    assert report["session"] is None
    assert report["summary"]["commits"] == 4
    assert report["summary"]["net_violations"] == 4
    code, tests_only = audit(
        invoke, seeded, "--base", base, "--head", "HEAD~3", "--mode", "tests-only"
    )
    assert code == 0
    assert tests_only["summary"]["verdict"] == "clean"
    assert not (seeded / ".git" / "guard").exists()


def test_a_base_missing_from_a_shallow_clone_says_how_to_deepen(
    seeded: Path, invoke, tmp_path: Path
) -> None:
    base = head(seeded)
    violated(seeded)
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{seeded}", str(clone)], check=True
    )
    done = invoke(["audit", "--base", base, "--head", "HEAD", "--mode", "read-only"], cwd=clone)
    assert (done.code, done.out) == (4, b"")
    assert done.err == (
        f"guard: --base {base!r} is not in this shallow clone\n"
        "hint: fetch more history: git fetch --deepen=1000 (or --unshallow), "
        "or in CI check out with fetch-depth: 0\n"
    )


def test_since_the_receipt_works_after_the_state_was_deleted(seeded: Path, invoke) -> None:
    start_sha = start(invoke, seeded)["start_head"]
    violated(seeded)
    shutil.rmtree(seeded / ".git" / "guard")
    done = invoke(
        ["audit", "--since", start_sha, "--mode", "read-only", "--format", "json"], cwd=seeded
    )
    assert done.code == 1
    assert done.err == (
        "guard: --since audits with the repository's current policy, not a frozen one\n"
    )
    report = json.loads(done.out)
    jsonschema.validate(report, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert report["session"] is None
    assert [c["subject"] for c in report["commits"]] == [
        "drop old",
        "add a helper and its test",
        "fix the timeout",
        "worklog",
    ]
    assert [s["path"] for s in report["rollback"]] == [
        "src/app.py",
        "src/new.py",
        "src/old.py",
        "tests/test_n.py",
    ]


# --------------------------------------------------------------------------- usage errors

MODE_HINT = "hint: choose from read-only, tests-only\n"


NO_MODE = "guard: --mode 'yolo': the policy has no such mode\n" + MODE_HINT
NO_SESSION = "guard: --session 'nope': no such session\nhint: guard session list shows them\n"
PAIR = "guard: --base and --head go together (an explicit range)\n"
SINCE_NOTE = "guard: --since audits with the repository's current policy, not a frozen one\n"
USAGE = {
    "base-without-head": (["audit", "--base", "HEAD"], PAIR),
    "head-without-base": (["audit", "--head", "HEAD"], PAIR),
    "session-and-since": (
        ["audit", "--session", "x", "--since", "HEAD"],
        "guard: choose one of --session, --since or --base/--head\n",
    ),
    "range-unknown-mode": (
        ["audit", "--base", "HEAD", "--head", "HEAD", "--mode", "yolo"],
        NO_MODE,
    ),
    "since-unknown-mode": (["audit", "--since", "HEAD", "--mode", "yolo"], SINCE_NOTE + NO_MODE),
    "session-unknown-mode": (["audit", "--mode", "yolo"], NO_MODE),
    "audit-unknown-session": (["audit", "--session", "nope"], NO_SESSION),
    "rollback-unknown-session": (["rollback", "--session", "nope"], NO_SESSION),
}


@pytest.mark.parametrize("case", USAGE)
def test_usage_errors_exit_2(seeded: Path, invoke, case: str) -> None:
    args, message = USAGE[case]
    start(invoke, seeded)
    done = invoke(args, cwd=seeded)
    assert (done.code, done.out, done.err) == (2, b"", message)


def test_the_active_session_can_be_named_by_its_id(seeded: Path, invoke) -> None:
    session = start(invoke, seeded)
    violated(seeded)
    code, named = audit(invoke, seeded, "--session", session["id"])
    assert code == 1 and named["session"]["active"] is True
    assert named == audit(invoke, seeded)[1]
    printed = invoke(["rollback", "--session", session["id"]], cwd=seeded)
    assert printed.code == 0 and "  2 to delete (src/new.py, tests/test_n.py):" in printed.text


def test_the_console_script_audits_like_the_cli(seeded: Path, invoke, tmp_path: Path) -> None:
    """`guard audit [--format F] [--output FILE]` through the installed script skips
    click and starts the log early: the same report, exit code and errors."""
    script = str(Path(sys.executable).parent / "guard")
    lone = subprocess.run([script, "audit"], cwd=seeded, capture_output=True)
    assert (lone.returncode, lone.stdout) == (2, b"")
    assert lone.stderr.decode().startswith("guard: no session to audit in this repository\n")
    start(invoke, seeded)
    violated(seeded)
    git(seeded, "switch", "-q", "-c", "side")
    commit(seeded, "side work", {"src/side.py": "S = 1\n"})
    git(seeded, "switch", "-q", "main")
    code, expected = audit(invoke, seeded)
    target = tmp_path / "audit.json"
    for args in (["--format", "json", "--output", str(target)], ["--format=json"]):
        done = subprocess.run([script, "audit", *args], cwd=seeded, capture_output=True)
        assert (done.returncode, done.stderr) == (code, b"")
        written = target.read_bytes() if "--output" in args else done.stdout
        assert json.loads(written) == expected
    texts = {
        subprocess.run(
            [script, "audit", "--format=json"],
            cwd=seeded,
            capture_output=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(texts) == 1  # the same text whatever the hash seed: no order comes from a set
    markdown = subprocess.run(
        [script, "audit", "--format", "markdown"], cwd=seeded, capture_output=True
    )
    assert markdown.returncode == 1
    assert invoke(["audit", "--format", "markdown"], cwd=seeded).out == markdown.stdout
    wrong = subprocess.run([script, "audit", "--format", "yaml"], cwd=seeded, capture_output=True)
    assert wrong.returncode == 2 and b"Invalid value for '--format'" in wrong.stderr
    (seeded / ".git/guard/session.json").write_text("{}")
    broken = subprocess.run([script, "audit", "--format", "json"], cwd=seeded, capture_output=True)
    assert broken.returncode == 3 and broken.stdout == b""
    assert b"does not match the one recorded" in broken.stderr


def plan_of(invoke, repo: Path) -> list[tuple[str, str]]:
    """The audit's rollback plan, (path, action) each, and `guard rollback --paths`
    lists the same paths for each action."""
    _, report = audit(invoke, repo)
    steps = report["rollback"]
    for action in ("delete", "restore"):
        listed = invoke(["rollback", "--paths", action, "-z"], cwd=repo).out.split(b"\0")
        assert listed[:-1] == [os.fsencode(s["path"]) for s in steps if s["action"] == action]
    return [(s["path"], s["action"]) for s in steps]


def test_the_rollback_plan_undoes_the_branch_s_net_change(seeded: Path, invoke) -> None:
    repo = seeded
    start_sha = start(invoke, repo)["start_head"]
    violated(repo)
    git(repo, "mv", "src/x.py", "tests/x.py")
    git(repo, "commit", "-q", "-m", "rename")
    (repo / "src/tool.sh").chmod(0o755)
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{start_sha},vendor/lib")
    git(repo, "add", "src/tool.sh")
    git(repo, "commit", "-q", "-m", "mode and submodule")
    git(repo, "switch", "-q", "-c", "side", start_sha)
    commit(repo, "side", {"src/side.py": "S = 1\n", "src/util.py": "changed\n"})
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    commit(repo, "put util back", {"src/util.py": START_FILES["src/util.py"]})
    assert {path for path, _ in plan_of(invoke, repo)} == {
        "src/app.py", "src/new.py", "src/old.py", "src/side.py", "src/tool.sh", "src/x.py",
        "tests/test_n.py", "tests/x.py", "vendor/lib",
    }  # fmt: skip


def test_a_branch_reset_behind_the_start_is_rolled_back_from_its_net_change(
    seeded: Path, invoke
) -> None:
    repo = seeded
    root = head(repo)
    git(repo, "rm", "-q", "src/old.py")
    git(repo, "commit", "-q", "-m", "drop old before the session")
    start(invoke, repo)
    git(repo, "reset", "-q", "--hard", root)  # behind the start: src/old.py is back
    commit(repo, "rewrite", {"src/new.py": "N = 1\n"})
    assert plan_of(invoke, repo) == [("src/new.py", "delete"), ("src/old.py", "delete")]


def test_a_session_audit_and_a_range_audit_of_the_same_history_agree(seeded: Path, invoke) -> None:
    """One pipeline: the active session, the archived one, `--since` its start and
    `--base/--head` the range give the same commits, changes and verdicts."""
    repo = seeded
    start_sha = start(invoke, repo)["start_head"]
    violated(repo)
    git(repo, "switch", "-q", "-c", "side", "HEAD~2")
    commit(repo, "side work", {"src/side.py": "S = 1\n", "docs/side.md": "notes\n"})
    git(repo, "switch", "-q", "main")
    git(repo, "merge", "-q", "--no-ff", "-m", "merge side", "side")
    git(repo, "branch", "-q", "-D", "side")
    git(repo, "mv", "src/util.py", "docs/util.md")
    git(repo, "commit", "-q", "-m", "docs: move util")

    def essence(report: dict[str, Any]) -> tuple[Any, ...]:
        commits = [
            (c["sha"], c["verdict"], c["mislabelled"], c["changes"]) for c in report["commits"]
        ]
        summary = {k: v for k, v in report["summary"].items()}
        return commits, report["rollback"], summary

    _, active = audit(invoke, repo)
    _, since = audit(invoke, repo, "--since", start_sha, "--mode", "read-only")
    _, ranged = audit(invoke, repo, "--base", start_sha, "--head", "main", "--mode", "read-only")
    assert invoke(["session", "stop"], cwd=repo).code == 0
    _, archived = audit(invoke, repo)
    assert len(active["commits"]) == 7
    assert essence(active) == essence(since) == essence(ranged) == essence(archived)


def test_the_audit_reads_real_objects_whatever_the_configuration_says(seeded: Path, invoke) -> None:
    """A replace ref that shows a harmless commit in place of a violating one, and
    configuration that hides what a root commit adds, change nothing the audit sees."""
    repo = seeded
    start(invoke, repo)
    for key, value in [
        ("log.showRoot", "false"),
        ("color.ui", "always"),
        ("diff.relative", "true"),
        ("diff.noprefix", "true"),
        ("log.showSignature", "true"),
        ("i18n.logOutputEncoding", "ISO-8859-1"),
    ]:
        git(repo, "config", key, value)
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    write(repo, "src/app.py", "def app():\n    return 9\n")
    git(repo, "add", "src/app.py")
    bad_tree = git(repo, "write-tree").strip()
    git(repo, "reset", "-q", "--hard")
    parent = head(repo)
    bad = git(repo, "commit-tree", bad_tree, "-p", parent, "-m", "docs: notes").strip()
    harmless = git(repo, "commit-tree", tree, "-p", parent, "-m", "docs: notes").strip()
    git(repo, "replace", bad, harmless)
    git(repo, "-c", "core.hooksPath=/dev/null", "merge", "-q", "--ff-only", bad)
    root = git(repo, "commit-tree", bad_tree, "-m", "an orphan root").strip()
    git(repo, "update-ref", "refs/heads/orphan", root)
    code, report = audit(invoke, repo)
    assert code == 1
    assert rows(report, "docs: notes") == [("src/app.py", None, "M", "production", False, False)]
    assert ("src/app.py", None, "A", "production", False, False) in rows(report, "an orphan root")
    assert commit_of(report, "docs: notes")["mislabelled"] is True


def test_replace_refs_are_refused_during_a_session_and_shown_in_the_audit(
    seeded: Path, invoke
) -> None:
    repo = seeded
    parent = head(repo)
    tree = git(repo, "rev-parse", "HEAD^{tree}").strip()
    harmless = git(repo, "commit-tree", tree, "-p", parent, "-m", "docs: notes").strip()
    git(repo, "replace", harmless, parent)  # before the session: allowed, and kept
    assert invoke(["install"], cwd=repo).code == 0
    start(invoke, repo)
    refused = subprocess.run(
        ["git", "-C", str(repo), "replace", "-f", parent, harmless], capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "Replace refs cannot be created or moved during a session" in refused.stderr
    assert git(repo, "for-each-ref", "refs/replace/").count("\n") == 1
    code, report = audit(invoke, repo)
    kinds = [(i["kind"], i["detail"]) for i in report["integrity"]]
    assert ("replace-object", f"refs/replace/{harmless}: git shows {parent} in its place") in kinds
    assert code == 1
    git(repo, "replace", "-d", harmless)  # deleting one is always fine


def test_an_honest_session_ends_clean_and_a_removed_hook_still_shows(seeded: Path, invoke) -> None:
    """`session stop` disarms the hooks before the final audit: its own disarming is
    no finding; a hook removed during the session still is."""
    repo = seeded
    assert invoke(["install"], cwd=repo).code == 0
    start(invoke, repo)
    commit(repo, "worklog", {"docs/worklog.md": WORKLOG})
    assert invoke(["session", "stop"], cwd=repo).code == 0
    code, report = audit(invoke, repo)
    assert (code, report["integrity"], report["summary"]["verdict"]) == (0, [], "clean")
    assert invoke(["report", "--format", "json"], cwd=repo).code == 0
    session = start(invoke, repo)
    (repo / ".git/hooks/pre-push").unlink()
    assert invoke(["session", "stop"], cwd=repo).code == 0
    code, report = audit(invoke, repo, "--session", session["id"])
    assert code == 1
    assert [i["kind"] for i in report["integrity"]] == ["hooks-removed"]


def test_the_audit_sees_what_was_pushed_parked_or_checked_out_elsewhere(
    seeded: Path, invoke, tmp_path: Path
) -> None:
    """A pushed commit no branch holds, a detached commit in another worktree and a
    stash are the session's work wherever the audit runs; a teammate's commit that
    arrived by fetch is not."""
    repo = seeded
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    mate = tmp_path / "mate"
    git(tmp_path, "clone", "-q", str(remote), str(mate))
    start(invoke, repo)
    write(repo, "src/app.py", "def app():\n    return 8\n")
    git(repo, "add", "src/app.py")
    pushed_tree = git(repo, "write-tree").strip()
    git(repo, "reset", "-q", "--hard")
    pushed = git(repo, "commit-tree", pushed_tree, "-p", head(repo), "-m", "pushed").strip()
    git(repo, "push", "-q", "--no-verify", "origin", f"{pushed}:refs/heads/main")
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "--detach", str(worktree))
    commit(worktree, "elsewhere", {"src/util.py": "def util():\n    return 9\n"})
    write(repo, "src/x.py", "X = 'stashed'\n")
    git(repo, "stash", "-q")
    write(mate, "src/mate.py", "M = 1\n")
    git(mate, "add", "src/mate.py")
    git(mate, "commit", "-qm", "a teammate's work")
    git(mate, "push", "-q", "origin", "HEAD:refs/heads/mate")
    git(repo, "fetch", "-q", "origin")
    _, here = audit(invoke, repo)
    subjects = {c["subject"] for c in here["commits"]}
    assert {"pushed", "elsewhere"} <= subjects
    assert any(s.startswith("WIP on main") for s in subjects)  # the stash
    assert "a teammate's work" not in subjects
    _, there = audit(invoke, worktree)
    assert [c["sha"] for c in there["commits"]] == [c["sha"] for c in here["commits"]]
    assert rows(here, "pushed") == [("src/app.py", None, "M", "production", False, False)]


def test_the_audit_judges_restores_against_the_branch_they_land_on(seeded: Path, invoke) -> None:
    """`release` is behind `main` at the start: a new branch from `release` that copies
    main's src/app.py restores nothing of release's, and the audit says so."""
    repo = seeded
    git(repo, "branch", "release")
    commit(repo, "main moves on", {"src/app.py": "def app():\n    return 3\n"})
    start(invoke, repo)
    git(repo, "switch", "-q", "-c", "hotfix", "release")
    git(repo, "-c", "core.hooksPath=/dev/null", "checkout", "main", "--", "src/app.py")
    git(repo, "-c", "core.hooksPath=/dev/null", "commit", "-qm", "copy main's app")
    commit(repo, "back to release's", {"src/app.py": START_FILES["src/app.py"]})
    git(repo, "switch", "-q", "main")
    code, report = audit(invoke, repo)
    assert code == 1
    assert rows(report, "copy main's app") == [
        ("src/app.py", None, "M", "production", False, False)
    ]
    assert rows(report, "back to release's") == [
        ("src/app.py", None, "M", "production", False, True)
    ]


def test_a_change_undone_later_in_the_session_restores(seeded: Path, invoke) -> None:
    """Paths the session changed and then put back are in no branch's net change:
    the audit reads what they held at the start from git, and the commits that put
    them back restore, whether the content, the file itself or its mode came back."""
    repo = seeded
    start(invoke, repo)
    bypass = ("-c", "core.hooksPath=/dev/null")
    commit(repo, "break", {"src/app.py": "def app():\n    return 9\n"}, *bypass)
    commit(repo, "unbreak", {"src/app.py": START_FILES["src/app.py"]}, *bypass)
    git(repo, "rm", "-q", "src/util.py")
    git(repo, *bypass, "commit", "-qm", "drop util")
    commit(repo, "bring util back", {"src/util.py": START_FILES["src/util.py"]}, *bypass)
    git(repo, "update-index", "--chmod=+x", "src/x.py")
    git(repo, *bypass, "commit", "-qm", "x runs")
    git(repo, "update-index", "--chmod=-x", "src/x.py")
    git(repo, *bypass, "commit", "-qm", "x reads")
    code, report = audit(invoke, repo)
    assert code == 1  # the violations stay on record; nothing is left changed
    assert report["summary"]["verdict"] == "restored"
    assert report["rollback"] == []
    assert rows(report, "break") == [("src/app.py", None, "M", "production", False, False)]
    assert rows(report, "unbreak") == [("src/app.py", None, "M", "production", False, True)]
    assert rows(report, "bring util back") == [
        ("src/util.py", None, "A", "production", False, True)
    ]
    assert rows(report, "x runs") == [("src/x.py", None, "M", "production", False, False)]
    assert rows(report, "x reads") == [("src/x.py", None, "M", "production", False, True)]
    assert report["summary"]["violations"] == 3


def test_a_path_renamed_away_made_a_symlink_or_a_folder_and_back_restores(
    seeded: Path, invoke
) -> None:
    """Put back after a rename (the log pairs both sides), after a symlink to the same
    content (only the mode differs), after a folder stood at its path: each put-back
    restores and each detour violates, though no net change names these paths."""
    repo = seeded
    start(invoke, repo)
    git(repo, "mv", "src/util.py", "src/moved.py")
    git(repo, *BYPASS, "commit", "-qm", "rename away")
    git(repo, "mv", "src/moved.py", "src/util.py")
    git(repo, *BYPASS, "commit", "-qm", "rename back")
    blob = head(repo, "HEAD:src/app.py")
    git(repo, "update-index", "--cacheinfo", f"120000,{blob},src/app.py")
    git(repo, *BYPASS, "commit", "-qm", "app a symlink")
    git(repo, "update-index", "--cacheinfo", f"100644,{blob},src/app.py")
    git(repo, *BYPASS, "commit", "-qm", "app a file")
    git(repo, "rm", "-q", "--cached", "src/x.py")
    (repo / "src/x.py").unlink()
    commit(repo, "x a folder", {"src/x.py/inner.py": "I = 1\n"}, *BYPASS)
    git(repo, "rm", "-rq", "src/x.py")
    commit(repo, "x a file", {"src/x.py": START_FILES["src/x.py"]}, *BYPASS)
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "restored"
    assert report["rollback"] == []
    assert rows(report, "rename away") == [
        ("src/moved.py", "src/util.py", "R", "production", False, False)
    ]
    assert rows(report, "rename back") == [
        ("src/util.py", "src/moved.py", "R", "production", False, True)
    ]
    assert rows(report, "app a symlink") == [("src/app.py", None, "T", "production", False, False)]
    assert rows(report, "app a file") == [("src/app.py", None, "T", "production", False, True)]
    assert rows(report, "x a folder") == [
        ("src/x.py", None, "D", "production", False, False),
        ("src/x.py/inner.py", None, "A", "production", False, False),
    ]
    assert rows(report, "x a file") == [
        ("src/x.py", None, "A", "production", False, True),
        ("src/x.py/inner.py", None, "D", "production", False, True),
    ]
    assert report["summary"]["violations"] == 4  # the detours' changes


def test_a_start_tree_an_old_tool_wrote_is_read_as_git_reads_it(seeded: Path, invoke) -> None:
    """Old git and other tools stored a folder's mode as 040000 (git writes 40000, and
    reads both alike): the files below such a folder at the start are there, and a
    commit that puts one back restores."""
    repo = seeded
    top = git(repo, "cat-file", "tree", "HEAD^{tree}").encode("utf-8", "surrogateescape")
    padded = top.replace(b"40000 src\0", b"040000 src\0")
    tree = git(repo, "hash-object", "-t", "tree", "-w", "--literally", "--stdin", input=padded)
    old = git(repo, "commit-tree", tree.strip(), "-m", "a tree an old tool wrote").strip()
    git(repo, "reset", "-q", "--hard", old)
    start(invoke, repo)
    commit(repo, "break", {"src/app.py": "def app():\n    return 9\n"}, *BYPASS)
    commit(repo, "unbreak", {"src/app.py": START_FILES["src/app.py"]}, *BYPASS)
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "restored"
    assert rows(report, "unbreak") == [("src/app.py", None, "M", "production", False, True)]
    assert report["summary"]["violations"] == 1


# --------------------------------------------------------------------------- lost commits


def lose_in_a_removed_worktree(repo: Path, tmp_path: Path) -> None:
    """A commit in a linked worktree, its worktree removed and its branch deleted: the
    worktree's HEAD reflog goes with the worktree, the branch's with the branch."""
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(worktree), "-b", "side")
    commit(worktree, "lost fix", {"src/app.py": "def app():\n    return 7\n"}, *BYPASS)
    git(repo, "worktree", "remove", "--force", str(worktree))
    git(repo, "branch", "-q", "-D", "side")


def lose_by_reset_and_expiry(repo: Path, tmp_path: Path) -> None:
    """A commit on main, reset away, every reflog expired."""
    started = head(repo)
    commit(repo, "lost fix", {"src/app.py": "def app():\n    return 7\n"}, *BYPASS)
    git(repo, "reset", "-q", "--hard", started)
    git(repo, "reflog", "expire", "--expire=now", "--all")


def lose_a_detached_commit(repo: Path, tmp_path: Path) -> None:
    """A commit on a detached HEAD, main checked out again, the reflogs expired."""
    git(repo, "checkout", "-q", "--detach")
    commit(repo, "lost fix", {"src/app.py": "def app():\n    return 7\n"}, *BYPASS)
    git(repo, "checkout", "-q", "main")
    git(repo, "reflog", "expire", "--expire=now", "--all")


def failing(report: dict[str, Any]) -> list[str]:
    """The integrity kinds besides the hooks' (not installed here, a note)."""
    return [i["kind"] for i in report["integrity"] if i["kind"] != "hooks-missing"]


def lose_after_a_push(repo: Path, tmp_path: Path) -> None:
    """A commit pushed to a named remote, reset away, every reflog expired: only the
    remote-tracking ref holds it, and nothing records that the session pushed it."""
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    started = head(repo)
    commit(repo, "lost fix", {"src/app.py": "def app():\n    return 7\n"}, *BYPASS)
    git(repo, *BYPASS, "push", "-q", "origin", "main")
    git(repo, "reset", "-q", "--hard", started)
    git(repo, "reflog", "expire", "--expire=now", "--all")


LOSERS = {
    "pushed-and-expiry": lose_after_a_push,
    "removed-worktree": lose_in_a_removed_worktree,
    "reset-and-expiry": lose_by_reset_and_expiry,
    "detached-and-expiry": lose_a_detached_commit,
}


def lost(repo: Path) -> list[str]:
    """What git itself still has of the session's lost commit: unreachable, or held by
    a remote-tracking ref alone."""
    out = git(repo, "fsck", "--unreachable", "--no-reflogs", "--no-progress")
    shas = [line.split()[2] for line in out.splitlines() if line.startswith("unreachable commit")]
    shas += git(repo, "rev-list", "--remotes").split()  # what only a remote-tracking ref holds
    return [s for s in shas if "lost fix" in git(repo, "log", "-1", "--format=%s", s)]


@pytest.mark.parametrize("how", sorted(LOSERS))
def test_a_commit_no_ref_and_no_reflog_reaches_is_found(
    seeded: Path, invoke, tmp_path: Path, how: str
) -> None:
    """Whatever took its last ref and reflog entry, a commit the session made is still
    in the object database: the audit judges it and says it is lost, so the verdict
    is not clean (nor restored), and the stored final audit says the same."""
    repo = seeded
    started = start(invoke, repo)
    LOSERS[how](repo, tmp_path)
    [sha] = lost(repo)
    code, report = audit(invoke, repo)
    assert code == 1
    assert report["summary"]["verdict"] == "tampered"
    assert sha in [c["sha"] for c in report["commits"]]
    [finding] = [i for i in report["integrity"] if i["kind"] == "unreachable-commit"]
    assert finding["detail"].startswith(f"{sha} ")
    assert "src/app.py" in finding["detail"]
    assert invoke(["session", "stop"], cwd=repo).code == 0
    stored = json.loads(invoke(["report", "--format", "json"], cwd=repo).out)
    assert stored["summary"]["verdict"] == "tampered"
    assert [i for i in stored["integrity"] if i["kind"] == "unreachable-commit"] == [finding]
    _, again = audit(invoke, repo, "--session", started["id"])
    assert again == stored


def test_a_lost_commit_of_allowed_paths_only_is_listed_not_reported(seeded: Path, invoke) -> None:
    """A worklog commit reset away past its reflog is the session's work, and clean."""
    start(invoke, seeded)
    started = head(seeded)
    commit(seeded, "worklog", {"docs/worklog.md": WORKLOG})
    git(seeded, "reset", "-q", "--hard", started)
    git(seeded, "reflog", "expire", "--expire=now", "--all")
    code, report = audit(invoke, seeded)
    assert [c["subject"] for c in report["commits"]] == ["worklog"]
    assert (code, failing(report), report["summary"]["verdict"]) == (0, [], "clean")


def test_commits_lost_before_the_session_are_not_its_own(
    seeded: Path, invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dangling commit dated before the start, even in a pack written since, is not
    the session's."""
    started = head(seeded)
    monkeypatch.setenv("GIT_COMMITTER_DATE", f"@{int(time.time()) - 100} +0000")
    commit(seeded, "old", {"src/app.py": "def app():\n    return 3\n"})
    monkeypatch.delenv("GIT_COMMITTER_DATE")
    git(seeded, "reset", "-q", "--hard", started)
    git(seeded, "reflog", "expire", "--expire=now", "--all")
    start(invoke, seeded)
    git(seeded, "repack", "-q", "-a", "-d", "-k")  # everything, the dangling one too, in a new pack
    code, report = audit(invoke, seeded)
    assert (code, report["commits"], failing(report)) == (0, [], [])


def test_a_lost_commit_is_found_after_gc_packs_it(seeded: Path, invoke) -> None:
    """`git gc` keeps a recent unreachable commit (loose, or in a cruft pack from git
    2.40 on): the audit still finds it. `--prune=now` would delete it (README)."""
    start(invoke, seeded)
    lose_by_reset_and_expiry(seeded, seeded)
    [sha] = lost(seeded)
    git(seeded, "gc", "-q")
    code, report = audit(invoke, seeded)
    assert (code, report["summary"]["verdict"]) == (1, "tampered")
    assert [
        i["detail"].split()[0] for i in report["integrity"] if i["kind"] == "unreachable-commit"
    ] == [sha]


def test_a_commit_a_hook_refused_is_not_lost_work(seeded: Path, invoke) -> None:
    """git writes the commit before the reference-transaction hook refuses its ref
    update: the refusal, in the journal, says it never was the session's work."""
    assert invoke(["install"], cwd=seeded).code == 0
    start(invoke, seeded)
    write(seeded, "src/app.py", "def app():\n    return 7\n")
    git(seeded, "add", "src/app.py")
    refused = subprocess.run(
        ["git", "-C", str(seeded), "commit", "-q", "--no-verify", "-m", "lost fix"],
        capture_output=True,
    )
    assert refused.returncode == 128
    assert lost(seeded)  # the object is there
    git(seeded, "reset", "-q", "--hard")
    code, report = audit(invoke, seeded)
    assert (code, report["commits"], report["integrity"]) == (0, [], [])


def test_a_teammate_branch_fetched_by_url_is_not_lost_work(
    seeded: Path, invoke, tmp_path: Path
) -> None:
    """`git fetch URL BRANCH` keeps what it brings in FETCH_HEAD alone: a teammate's
    commits, not the session's, however new. They are named in a note, not judged,
    so the session's own commit passed through another repository is not hidden
    quietly either. Fetched from the repository itself (`git fetch . SHA`) a commit
    hides nothing."""
    teammate = tmp_path / "teammate"
    git(tmp_path, "clone", "-q", str(seeded), str(teammate))
    start(invoke, seeded)
    theirs = commit(teammate, "their fix", {"src/app.py": "def app():\n    return 9\n"})
    git(seeded, "fetch", "-q", str(teammate), "main")
    code, report = audit(invoke, seeded)
    assert (code, report["commits"], failing(report)) == (0, [], ["fetched-only"])
    [note] = [i["detail"] for i in report["integrity"] if i["kind"] == "fetched-only"]
    assert theirs in note and "FETCH_HEAD" in note
    assert report["summary"]["verdict"] == "clean"
    lose_by_reset_and_expiry(seeded, tmp_path)
    [sha] = lost(seeded)
    git(seeded, "fetch", "-q", ".", sha)
    code, report = audit(invoke, seeded)
    assert (code, report["summary"]["verdict"]) == (1, "tampered")
    assert "unreachable-commit" in failing(report)


@pytest.mark.parametrize("how", ["drop", "pop and discard"])
def test_a_stash_dropped_is_a_discarded_edit_not_a_hidden_commit(
    seeded: Path, invoke, how: str
) -> None:
    """A forbidden edit stashed and then dropped (or popped and discarded) is gone like
    an edit discarded in place: its stash commit is listed with the others, as while
    the stash held it, and hides nothing: no `unreachable-commit`."""
    start(invoke, seeded)
    write(seeded, "src/app.py", "def app():\n    return 7\n")
    git(seeded, "stash", "push", "-q", "-m", "try a fix")
    if how == "drop":
        git(seeded, "stash", "drop", "-q")
    else:
        git(seeded, "stash", "pop", "-q")
        git(seeded, "checkout", "--", "src/app.py")
    code, report = audit(invoke, seeded)
    assert "On main: try a fix" in [c["subject"] for c in report["commits"]]
    assert (code, failing(report), report["summary"]["verdict"]) == (1, [], "restored")
