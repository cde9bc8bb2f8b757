"""The audit core and its renderers: `audit.build` on hand-made evidence, no git.

The default policy: `src/...` is production (no rule: the default), `tests/...` test,
`docs/...` and `*.md` docs. The read-only mode allows docs, tests-only docs and test.
Commits come newest first, as `git log` lists them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

import jsonschema
import pytest

import guard.report
from guard import audit, rollback
from guard.audit import Evidence
from guard.changes import Change, Commit, WorkingChange
from guard.classify import Classifier
from guard.gittree import Start
from guard.judge import Judge
from guard.policy_file import default_policy_path, load_policy
from guard.report import renderer

CLASSIFIER = Classifier(load_policy(default_policy_path()))
SCHEMA = json.loads((Path(guard.report.__file__).parent / "audit.schema.json").read_text())

START = "5" * 40
SESSION = {
    "id": "20260101T000000Z-abc123",
    "mode": "read-only",
    "allowed": ["docs"],
    "reason": "find the flaky login test",
    "started_at": "2026-01-01T00:00:00Z",
    "start_head": START,
    "active": True,
}
WHO = "session 20260101T000000Z-abc123 (read-only, allows docs)"
# path -> (mode, blob) at the session start
START_ENTRIES = {
    "src/app.py": "100644 " + "1" * 40,
    "src/util.py": "100644 " + "2" * 40,
    "docs/worklog.md": "100644 " + "3" * 40,
    "tests/test_app.py": "100644 " + "4" * 40,
    "src/x.py": "100644 " + "6" * 40,
    "src/tool.sh": "100644 " + "7" * 40,
}
MAIN = "refs/heads/main"
SESSION_SCOPE = {"kind": "session", "mode": "read-only", "since": None, "base": None, "head": None}
# What gather records of a range audited without --mode.
RANGE_SCOPE = {
    "kind": "range",
    "mode": "read-only",
    "mode_from": "default",
    "allowed": ["docs", "test"],
    "since": None,
    "base": "origin/main",
    "head": "HEAD",
    "start": START,
    "tip": "c" * 40,
}
SUBMODULE = "submodule pointer: the policy default decides"


def rule(path: str) -> str | None:
    return CLASSIFIER.classify(path).rule


def add(path: str, oid: str = "9" * 40, mode: str = "100644") -> Change:
    return Change("A", path, "000000", mode, None, oid)


def modify(path: str, oid: str = "8" * 40) -> Change:
    return Change("M", path, "100644", "100644", None, oid)


def delete(path: str) -> Change:
    return Change("D", path, "100644", "000000", None, "0" * 40)


def rename(old: str, new: str, oid: str = "6" * 40) -> Change:
    return Change("R", new, "100644", "100644", old, oid)


def commit(sha: str, message: str, *changes: Change) -> Commit:
    return Commit(
        sha=sha * 40,
        parents=(START,),
        subject=message.split("\n", 1)[0],
        changes=changes,
        author="Session Tester <tester@example.com>",
        date="2026-01-01T00:10:00+00:00",
        message=message,
    )


def evidence(
    commits: Sequence[Commit] = (),
    *,
    working: Sequence[WorkingChange] = (),
    nets: Mapping[str, Sequence[Change]] | None = None,
    current: str | None = MAIN,
    base: str | None = START,
    integrity: Sequence[Mapping[str, str]] = (),
    rewritten: Sequence[Mapping[str, str]] = (),
    session: Mapping[str, Any] | None = SESSION,
    scope: Mapping[str, Any] | None = None,
) -> Evidence:
    return Evidence(
        session=session,
        base=base,
        commits=list(commits),
        trees={START: Start(START, START_ENTRIES, complete=True)},
        working=list(working),
        nets={MAIN: []} if nets is None else nets,
        current_branch=current,
        rewritten=list(rewritten),
        integrity=list(integrity),
        scope=SESSION_SCOPE if scope is None else scope,
    )


def build(*args: Any, allowed: tuple[str, ...] = ("docs",), **kwargs: Any) -> dict[str, Any]:
    return audit.build(evidence(*args, **kwargs), Judge(CLASSIFIER, allowed))


def row(
    change: Change, category: str, allowed: bool, restores: bool = False, by: str | None = None
) -> dict[str, Any]:
    """The expected report row of a change; `by`: the path whose rule decided it."""
    return {
        "path": change.path,
        "old_path": change.old_path,
        "status": change.status,
        "category": category,
        "rule": rule(by or change.path),
        "allowed": allowed,
        "restores": restores,
    }


# --------------------------------------------------------------------------- commits


def test_every_change_kind_is_classified_against_the_mode() -> None:
    changes = [
        add("src/new.py"),
        modify("src/app.py"),
        delete("src/util.py"),
        Change("T", "src/x.py", "100644", "120000", None, "a" * 40),  # file -> symlink
        Change("M", "src/tool.sh", "100644", "100755", None, "7" * 40),  # executable bit
        add("docs/notes.md"),
        modify("tests/test_app.py"),
    ]
    report = build([commit("c", "work", *changes)])
    assert report["commits"][0]["changes"] == [
        row(changes[0], "production", False),
        row(changes[1], "production", False),
        row(changes[2], "production", False),
        row(changes[3], "production", False),
        row(changes[4], "production", False),
        row(changes[5], "docs", True),
        row(changes[6], "test", False),
    ]
    assert report["commits"][0]["verdict"] == "mixed"


def test_a_commit_row_carries_its_metadata() -> None:
    one = commit("c", "Fix the login timeout\n\nIt was 5 s.", modify("src/app.py"))
    [found] = build([one])["commits"]
    assert {k: v for k, v in found.items() if k != "changes"} == {
        "sha": "c" * 40,
        "parents": [START],
        "author": "Session Tester <tester@example.com>",
        "date": "2026-01-01T00:10:00+00:00",
        "subject": "Fix the login timeout",
        "verdict": "violation",
        "mislabelled": False,
    }


def test_verdicts_revert_candidates_and_summary() -> None:
    commits = [
        commit("c", "worklog and a fix", modify("docs/worklog.md"), modify("src/app.py")),
        commit("b", "new module", add("src/new.py"), modify("tests/test_app.py")),
        commit("a", "worklog", modify("docs/worklog.md")),
    ]
    working = [
        WorkingChange("src/util.py", "unstaged", "M"),
        WorkingChange("docs/draft.md", "untracked", "A"),
        WorkingChange("tests/test_new.py", "staged", "A"),
    ]
    net = [
        modify("docs/worklog.md"),
        modify("src/app.py"),
        add("src/new.py"),
        modify("tests/test_app.py"),
    ]
    report = build(commits, working=working, nets={MAIN: net})
    assert [c["verdict"] for c in report["commits"]] == ["mixed", "violation", "clean"]
    assert report["revert_candidates"] == ["b" * 40]
    assert report["working_tree"] == [
        {
            "path": "src/util.py",
            "state": "unstaged",
            "status": "M",
            "category": "production",
            "allowed": False,
        },
        {
            "path": "docs/draft.md",
            "state": "untracked",
            "status": "A",
            "category": "docs",
            "allowed": True,
        },
        {
            "path": "tests/test_new.py",
            "state": "staged",
            "status": "A",
            "category": "test",
            "allowed": False,
        },
    ]
    assert report["summary"] == {
        "commits": 3,
        "violating_commits": 2,
        "changed_paths": {"production": 2, "test": 1, "docs": 1},
        # src/app.py, src/new.py, tests/test_app.py committed; src/util.py and
        # tests/test_new.py uncommitted
        "violations": 5,
        "net_violations": 5,
        "verdict": "violated",
    }
    assert audit.exit_status(report) == 1


def test_a_clean_session() -> None:
    report = build(
        [commit("a", "docs: worklog", modify("docs/worklog.md"))],
        working=[WorkingChange("docs/draft.md", "untracked", "A")],
        nets={MAIN: [modify("docs/worklog.md")]},
    )
    assert report["summary"] == {
        "commits": 1,
        "violating_commits": 0,
        "changed_paths": {"production": 0, "test": 0, "docs": 1},
        "violations": 0,
        "net_violations": 0,
        "verdict": "clean",
    }
    assert report["rollback"] == []
    assert report["revert_candidates"] == []
    assert audit.exit_status(report) == 0


def test_the_tests_only_mode_allows_tests() -> None:
    changes = [modify("tests/test_app.py"), modify("docs/worklog.md"), add("src/new.py")]
    report = build([commit("a", "tests", *changes)], allowed=("docs", "test"))
    assert report["commits"][0]["changes"] == [
        row(changes[0], "test", True),
        row(changes[1], "docs", True),
        row(changes[2], "production", False),
    ]
    assert report["commits"][0]["verdict"] == "mixed"


# --------------------------------------------------------------------------- renames


@pytest.mark.parametrize(
    ("old", "new", "allowed", "category", "decided_by", "ok"),
    [
        # the moved-away side is production: the rename ships a production change
        ("src/x.py", "tests/x.py", ("docs",), "production", "src/x.py", False),
        ("src/x.py", "tests/x.py", ("docs", "test"), "production", "src/x.py", False),
        ("docs/a.md", "src/a.py", ("docs",), "production", "src/a.py", False),
        ("tests/test_x.py", "src/x.py", ("docs", "test"), "production", "src/x.py", False),
        ("tests/test_a.py", "tests/test_b.py", ("docs", "test"), "test", "tests/test_b.py", True),
        ("docs/a.md", "docs/b.md", ("docs",), "docs", "docs/b.md", True),
    ],
)
def test_a_rename_is_judged_on_both_paths(
    old: str, new: str, allowed: tuple[str, ...], category: str, decided_by: str, ok: bool
) -> None:
    change = rename(old, new, oid="e" * 40)
    [found] = build([commit("a", "move", change)], allowed=allowed)["commits"][0]["changes"]
    assert found == {
        "path": new,
        "old_path": old,
        "status": "R",
        "category": category,
        "rule": rule(decided_by),
        "allowed": ok,
        "restores": False,
    }


def test_a_rename_counts_both_of_its_paths_in_changed_paths() -> None:
    """src/x.py -> tests/x.py changes a production path and a test path."""
    report = build([commit("a", "move", rename("src/x.py", "tests/x.py", oid="e" * 40))])
    assert report["summary"]["changed_paths"] == {"production": 1, "test": 1, "docs": 0}


# --------------------------------------------------------------------------- restores


def test_changes_back_to_the_start_are_allowed_and_make_the_verdict_restored() -> None:
    commits = [
        commit("f", "docs: move x back", rename("tests/x.py", "src/x.py", oid="6" * 40)),
        commit("e", "move x", rename("src/x.py", "tests/x.py", oid="6" * 40)),
        commit("d", "drop tmp", delete("src/tmp.py")),
        commit("c", "tmp", add("src/tmp.py")),
        commit("b", "docs: undo", modify("src/app.py", oid="1" * 40)),
        commit("a", "fix", modify("src/app.py", oid="f" * 40)),
    ]
    report = build(commits, nets={MAIN: []})
    restores = {c["subject"]: c["changes"][0]["restores"] for c in report["commits"]}
    assert restores == {
        "docs: move x back": True,
        "move x": False,
        "drop tmp": True,
        "tmp": False,
        "docs: undo": True,
        "fix": False,
    }
    verdicts = [(c["verdict"], c["mislabelled"]) for c in report["commits"]]
    assert verdicts == [
        ("clean", False),  # a restoring change is no violation, nor a false claim
        ("violation", False),
        ("clean", False),
        ("violation", False),
        ("clean", False),
        ("violation", False),
    ]
    for found in report["commits"]:
        assert found["changes"][0]["allowed"] is False
    assert report["revert_candidates"] == ["e" * 40, "c" * 40, "a" * 40]
    assert report["summary"]["violations"] == 3
    assert report["summary"]["net_violations"] == 0
    assert report["summary"]["verdict"] == "restored"
    assert report["rollback"] == []
    assert audit.exit_status(report) == 1  # violations happened


# --------------------------------------------------------------------------- mislabelled


CLAIMS = {  # message -> whether it claims documentation or analysis only
    "docs: fix a typo": True,
    "doc: typo": True,
    "docs : typo": True,
    "DOCS(readme): typo": True,
    "docs(api)!: reword": True,
    "fixup! docs: add the worklog": True,
    "squash! docs: add the worklog": True,
    "amend! fixup! docs: notes": True,
    "chore(docs): tidy": True,
    "build(docs/site): refresh": True,
    "[docs] tidy the guide": True,
    "docs/worklog: day two": True,
    "\U0001f4dd docs: worklog": True,  # gitmoji, the emoji
    ":memo: docs: worklog": True,  # gitmoji, the code
    "\u270f\ufe0f Update documentation": True,
    "Update documentation": True,
    "update the docs": True,
    "readonly investigation of the login flake": True,
    "Investigate\n\nRead-only analysis, no functional changes.": True,
    "Tidy up\n\nnon-functional": True,
    "feat: add a docs generator": False,
    "fix(api): serve the docs endpoint": False,
    "Update documentation generator": False,
    "docsify: bump the theme": False,
    "Fix the login timeout": False,
    "refactor(core): split the breaker": False,
}


@pytest.mark.parametrize("message", CLAIMS)
def test_claims_follow_the_commit_conventions(message: str) -> None:
    assert audit.claims_docs_only(message) is CLAIMS[message]


@pytest.mark.parametrize(
    ("message", "changes", "mislabelled"),
    [
        ("docs: fix a typo in the README", [modify("src/app.py")], True),
        (
            "documentation-only changes",
            [modify("tests/test_app.py"), add("tests/test_b.py"), add("tests/test_c.py")],
            True,
        ),
        ("docs(api)!: reword", [modify("docs/worklog.md"), add("src/new.py")], True),
        ("Update notes\n\nNo functional changes.", [modify("src/app.py")], True),
        ("Analysis only", [delete("src/util.py")], True),
        ("docs: add the session worklog", [modify("docs/worklog.md")], False),
        ("documentation-only changes", [add("docs/notes.md"), add("README.md")], False),
        ("Fix the login timeout", [modify("src/app.py")], False),
    ],
)
def test_mislabelled_commits_claim_docs_only_but_change_more(
    message: str, changes: list[Change], mislabelled: bool
) -> None:
    report = build([commit("a", message, *changes)])
    assert report["commits"][0]["mislabelled"] is mislabelled


# --------------------------------------------------------------------------- submodules


def test_a_submodule_pointer_is_judged_by_the_policy_default_wherever_it_lives() -> None:
    pointer = add("docs/vendor/lib", oid="d" * 40, mode="160000")
    report = build([commit("a", "vendor", pointer)], nets={MAIN: [pointer]})
    [found] = report["commits"][0]["changes"]
    assert (found["category"], found["rule"], found["allowed"]) == ("production", SUBMODULE, False)
    assert report["rollback"] == [
        {
            "path": "docs/vendor/lib",
            "action": "delete",
            "source": None,
            "category": "production",
            "command": "git rm -q -- docs/vendor/lib",
        }
    ]


# --------------------------------------------------------------------------- rollback plan


def test_the_rollback_plan_undoes_forbidden_net_changes_and_keeps_the_worklog() -> None:
    net = [
        modify("src/app.py"),
        add("src/new.py"),
        delete("src/util.py"),
        modify("docs/worklog.md"),
        add("tests/test_new.py"),
        add("src/my file.py"),
        add("src/it's.py"),
        Change("T", "src/x.py", "100644", "120000", None, "a" * 40),
    ]
    report = build(nets={MAIN: net})
    restore = f"git restore --source={START} --staged --worktree -- "
    assert report["rollback"] == [
        {
            "path": "src/app.py",
            "action": "restore",
            "source": START,
            "category": "production",
            "command": restore + "src/app.py",
        },
        {
            "path": "src/it's.py",
            "action": "delete",
            "source": None,
            "category": "production",
            "command": "git rm -q -- 'src/it'\"'\"'s.py'",
        },
        {
            "path": "src/my file.py",
            "action": "delete",
            "source": None,
            "category": "production",
            "command": "git rm -q -- 'src/my file.py'",
        },
        {
            "path": "src/new.py",
            "action": "delete",
            "source": None,
            "category": "production",
            "command": "git rm -q -- src/new.py",
        },
        {
            "path": "src/util.py",
            "action": "restore",
            "source": START,
            "category": "production",
            "command": restore + "src/util.py",
        },
        {
            "path": "src/x.py",
            "action": "restore",
            "source": START,
            "category": "production",
            "command": restore + "src/x.py",
        },
        {
            "path": "tests/test_new.py",
            "action": "delete",
            "source": None,
            "category": "test",
            "command": "git rm -q -- tests/test_new.py",
        },
    ]
    assert report["summary"]["net_violations"] == 7


def test_other_branches_with_forbidden_changes_are_named_in_integrity() -> None:
    many = [add(f"src/m{i:02}.py") for i in range(12)]
    report = build(
        [commit("b", "feature", add("src/f.py")), commit("a", "many", *many)],
        nets={MAIN: [], "refs/heads/feature": [add("src/f.py")], "refs/heads/many": many},
    )
    first_ten = ", ".join(f"src/m{i:02}.py" for i in range(10))
    assert report["integrity"] == [
        {
            "kind": "unrestored-branch",
            "detail": "refs/heads/feature still changes 1 path(s) the mode forbids: src/f.py",
        },
        {
            "kind": "unrestored-branch",
            "detail": f"refs/heads/many still changes 12 path(s) the mode forbids: {first_ten} ...",
        },
    ]
    assert report["rollback"] == []  # the plan is for the checked-out branch
    assert report["summary"]["net_violations"] == 0
    assert audit.exit_status(report) == 1


@pytest.mark.parametrize(
    "trouble",
    [
        {"rewritten": [{"ref": MAIN, "start_tip": START, "tip": "e" * 40}]},
        {"integrity": [{"kind": "ref-deleted", "detail": f"refs/heads/x (was {START})"}]},
    ],
)
def test_rewritten_history_or_weakened_enforcement_fails_the_audit(
    trouble: dict[str, Any],
) -> None:
    """The headline says what the exit code says: never CLEAN with exit 1."""
    report = build(**trouble)
    assert report["summary"]["verdict"] == "tampered"
    assert audit.exit_status(report) == 1
    assert "│ TAMPERED  session" in render("text", report)


def test_a_range_has_no_session() -> None:
    report = build(session=None, current="(range)", nets={"(range)": [add("src/new.py")]})
    assert report["session"] is None
    assert report["schema"] == "guard.audit/v1"
    assert [step["path"] for step in report["rollback"]] == ["src/new.py"]


# --------------------------------------------------------------------------- renderers

ODD = [
    "src/a[b].py",
    "src/my file.py",
    'src/say "hi".py',
    "src/new\nline.py",
    "src/caf\udce9.py",  # the non-UTF-8 byte 0xE9, as os.fsdecode gives it
    "src/ünïcödé.py",
    "src/bell\x07.py",
    "src/a,b:c%.py",
]


def odd_report() -> dict[str, Any]:
    changes = [add(path) for path in ODD]
    commits = [
        commit("c", "documentation-only changes | nothing else", *changes),
        commit("b", "docs: worklog", modify("docs/worklog.md")),
    ]
    return build(
        commits,
        working=[
            WorkingChange("src/ctl\x01\x1b.py", "untracked", "A"),
            WorkingChange("docs/draft.md", "untracked", "A"),
        ],
        nets={MAIN: [modify("docs/worklog.md"), *changes]},
        integrity=[{"kind": "hooks-removed", "detail": "pre-commit was removed"}],
        rewritten=[{"ref": "refs/heads/old", "start_tip": START, "tip": "e" * 40}],
    )


# The plan's deletions by hand, in the report's scope (the active session).
DELETE = (
    "guard rollback --paths delete -z | "
    "git --literal-pathspecs rm -q --pathspec-from-file=- --pathspec-file-nul"
)


def render(name: str, report: Mapping[str, Any]) -> str:
    return renderer(name)(report)


def test_json_matches_the_schema_and_round_trips_every_path() -> None:
    report = odd_report()
    text = render("json", report)
    assert text.isascii()
    assert text == json.dumps(report, separators=(",", ":")) + "\n"
    data = json.loads(text)
    jsonschema.validate(data, SCHEMA, cls=jsonschema.Draft202012Validator)
    assert data == report
    assert [c["path"] for c in data["commits"][0]["changes"]] == ODD


def test_sarif_locates_every_result_and_describes_every_rule() -> None:
    sarif = json.loads(render("sarif", odd_report()))
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    assert run["tool"]["driver"]["name"] == "session-guard"

    def uri(path: str) -> str:  # a relative URI: percent-encoded UTF-8, slashes kept
        return quote(path.encode("utf-8", "surrogateescape"), safe="/")

    located = [
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in run["results"]
    ]
    assert sorted(located) == sorted(
        [("guard/mode-violation", "error", uri(path)) for path in ODD]
        + [("guard/uncommitted-violation", "error", "src/ctl%01%1B.py")]
        # the first path the commit changes beyond docs: the evidence against its claim
        + [("guard/mislabelled-commit", "warning", uri(ODD[0]))]
        # about the repository's enforcement, not one file: the guard's own file
        + [("guard/integrity", "error", ".guard.yaml")] * 2
    )
    messages = [
        r["message"]["text"] for r in run["results"] if r["ruleId"] != "guard/mode-violation"
    ]
    assert messages[1:] == [
        "commit cccccccccccc 'documentation-only changes | nothing else' claims docs only but "
        "changes 8 other path(s), first src/a[b].py",
        "hooks-removed: pre-commit was removed",
        "rewritten: refs/heads/old 555555555555 -> eeeeeeeeeeee",
    ]
    rules = run["tool"]["driver"]["rules"]
    for rule in rules:
        assert rule["fullDescription"]["text"] and rule["shortDescription"]["text"]
        assert rule["help"]["text"] and rule["help"]["markdown"]
    assert [r["ruleId"] for r in run["results"]] == [
        rules[r["ruleIndex"]]["id"] for r in run["results"]
    ]
    prints = [r["partialFingerprints"]["sessionGuard/v1"] for r in run["results"]]
    assert len(set(prints)) == len(prints)  # one alert a finding
    again = json.loads(render("sarif", odd_report()))["runs"][0]["results"]
    assert [r["partialFingerprints"] for r in again] == [
        r["partialFingerprints"] for r in run["results"]
    ]
    assert run["automationDetails"] == {"id": f"session-guard/read-only/{SESSION['id']}"}


def test_sarif_of_a_range_names_its_mode_and_range() -> None:
    report = build(session=None, current="(range)", nets={"(range)": []}, scope=RANGE_SCOPE)
    [run] = json.loads(render("sarif", report))["runs"]
    assert run["results"] == []
    assert run["automationDetails"] == {"id": "session-guard/read-only/" + "c" * 40}
    assert run["properties"]["header"] == {
        "mode": "read-only (the default: no --mode given)",
        "allows": "docs, test",
        "range": "origin/main..HEAD (555555555555..cccccccccccc)",
    }
    assert run["properties"]["scope"]["mode_from"] == "default"


def test_junit_is_valid_xml_with_a_case_per_commit_even_with_control_characters() -> None:
    root = ET.fromstring(render("junit", odd_report()).encode("utf-8"))  # noqa: S314 - ours
    [suite] = root.findall("testsuite")
    cases = suite.findall("testcase")
    names = [(c.get("classname"), c.get("name")) for c in cases]
    assert names == [
        ("session-guard.commits", "bbbbbbbbbbbb docs: worklog"),
        ("session-guard.commits", "cccccccccccc documentation-only changes | nothing else"),
        ("session-guard.working-tree", "uncommitted changes"),
        ("session-guard.integrity", "enforcement intact"),
    ]
    failed = [c.find("failure") for c in cases]
    assert failed[0] is None
    assert failed[1] is not None
    assert failed[1].get("message") == f"8 path(s) not allowed in {WHO}"
    assert "src/bell\\x07.py: production" in (failed[1].text or "")
    assert "src/caf\\xdce9.py" in (failed[1].text or "")
    assert failed[2] is not None
    assert failed[2].text == "untracked: src/ctl\\x01\\x1b.py: production"
    assert failed[3] is not None and failed[3].text == (
        "hooks-removed: pre-commit was removed\n"
        "rewritten: refs/heads/old 555555555555 -> eeeeeeeeeeee"
    )
    # a mislabelled commit informs (it fails nothing): on its case, in system-out
    assert (cases[1].findtext("system-out") or "").startswith(
        "guard/mislabelled-commit: commit cccccccccccc"
    )
    assert (suite.get("tests"), suite.get("failures")) == ("4", "3")


def test_markdown_has_the_verdict_violations_and_rollback_commands() -> None:
    text = render("markdown", odd_report())
    assert (
        f"**Verdict: violated** for {WHO}: 2 commit(s), 1 violating, 9 violation(s), "
        "9 still in place." in text
    )
    assert "Reason: find the flaky login test" in text
    assert (
        "| 2 | `cccccccccccc` | violation (claims docs only) | 8 production | "
        "documentation-only changes \\| nothing else |" in text
    )
    assert "- `cccccccccccc` src/a\\[b\\].py: production (the policy default)" in text
    assert "- **Mode:** read-only\n- **Allows:** docs\n- **Session:** " in text
    assert "- untracked `docs/draft.md`" not in text  # allowed: not listed
    plan = (
        "## Rollback plan\n\n`guard rollback --apply` restores 0 path(s) and deletes 8, "
        "in one commit.\n\n```sh\n"
    )
    block = text.split(plan, 1)[1].split("```", 1)[0]
    # eight odd paths, one command: the guard gives git the paths, none on the line
    assert block == DELETE + "\n"
    assert "## Left to you\n\nThe guard never discards uncommitted work.\n\n" in text
    assert "guard rollback --paths untracked -z | xargs -0 rm --\n" in text
    assert (
        "Revert candidates (every change a violation): #2 (1 commit(s))\n\n`cccccccccccc`" in text
    )


def test_github_annotations_escape_their_data_and_name_the_mode() -> None:
    lines = render("github", odd_report()).splitlines()
    title = f"title=session-guard read-only mode%2C session {SESSION['id']}"
    tail = f"is not allowed in {WHO} (commit cccccccccccc)"
    assert (
        f"::error file=src/a%2Cb%3Ac%25.py,{title}::src/a,b:c%25.py: production "
        f"(the policy default) {tail}" in lines
    )
    assert (
        f"::error file=src/new%0Aline.py,{title}::src/new%0Aline.py: production "
        f"(the policy default) {tail}" in lines
    )
    assert (
        f"::error file=src/ctl\x01\x1b.py,{title}::uncommitted (untracked) "
        f"src/ctl\x01\x1b.py: production is not allowed in {WHO}"
    ) in lines
    assert (
        f"::warning file=src/a[b].py,{title}::commit cccccccccccc "
        "'documentation-only changes | nothing else' claims docs only but changes 8 other "
        "path(s), first src/a[b].py"
    ) in lines
    # about the repository, so on no file; they fail the audit, so errors
    assert f"::error {title}::hooks-removed: pre-commit was removed" in lines
    assert f"::error {title}::rewritten: refs/heads/old 555555555555 -> eeeeeeeeeeee" in lines
    assert lines[-1] == (
        f"::notice {title}::violated: 9 violation(s), 9 still in place, 2 commit(s)"
    )
    errors = [line for line in lines if line.startswith("::error file=")]
    assert len(errors) == len(ODD) + 1  # every violating path, and the uncommitted one


def test_github_annotations_of_a_range_say_the_mode_was_assumed() -> None:
    report = build(
        [commit("c", "tweak", modify("src/app.py"))],
        session=None,
        current="(range)",
        nets={"(range)": [modify("src/app.py")]},
        scope=RANGE_SCOPE,
    )
    [line, verdict] = render("github", report).splitlines()
    title = "title=session-guard read-only (default) mode%2C origin/main..HEAD"
    assert line == (
        f"::error file=src/app.py,{title}::src/app.py: production (the policy default) is not "
        "allowed in mode read-only (allows docs, test) (commit cccccccccccc)"
    )
    assert verdict.startswith(f"::notice {title}::violated")


def test_text_shows_the_verdict_and_paths_literally() -> None:
    text = render("text", odd_report())
    assert "VIOLATED" in text
    assert WHO in text
    assert "src/a[b].py: production (the policy default)" in text
    assert f"The rollback plan by hand\n  {DELETE}\n" in text
    assert "hooks-removed  pre-commit was removed" in text
    assert (
        "Revert candidates (every change a violation): #2 (1 commit(s))\n  cccccccccccc\n" in text
    )
    assert "\x1b[" not in text  # no colour codes when not asked


def test_text_of_a_clean_range_names_the_assumed_mode_and_the_range() -> None:
    report = build(session=None, current="(range)", nets={"(range)": []}, scope=RANGE_SCOPE)
    text = render("text", report)
    assert "CLEAN  mode read-only (allows docs, test)" in text
    assert "mode: read-only (the default: no --mode given)" in text
    assert "allows: docs, test" in text
    assert "range: origin/main..HEAD (555555555555..cccccccccccc)" in text
    assert "0 commit(s), 0 violating; 0 violation(s), 0 still in place" in text


def test_json_is_one_line_of_the_report_and_keeps_odd_paths() -> None:
    from guard.report import json as json_report

    odd = ['src/a "b".py', "src/caf\u00e9.py", "src/tab\there.py", "-src/x.py"]
    newer = commit("b", "docs: notes only", modify("src/app.py"), add("docs/n\u00e9.md"))
    older = commit(
        "a", "worklog", modify("docs/worklog.md"), add("src/x.py"), *[add(p) for p in odd]
    )
    net = [modify("src/app.py"), add("docs/n\u00e9.md"), *[add(p) for p in odd]]
    report = build([newer._replace(parents=(older.sha,)), older], nets={MAIN: net})
    whole = json_report.render(report)
    assert whole.count("\n") == 1 and whole.endswith("\n")
    assert json.loads(whole) == report
    assert [s["path"] for s in json.loads(whole)["rollback"]] == sorted(["src/app.py", *odd])
    assert json.loads(whole)["commits"][0]["mislabelled"] is True


def test_uncommitted_work_is_left_to_the_user_in_one_command_per_kind() -> None:
    """Untracked files (a nested repository git names with a slash among them) go to rm;
    tracked ones, a staged new file among them, back to HEAD: restoring a path HEAD
    does not have removes it. Allowed paths are in neither, nor are the plan's: its
    restore, done by hand and not yet committed, is not undone."""
    report = build(
        nets={MAIN: [modify("src/util.py")]},
        working=[
            WorkingChange("src/util.py", "staged", "M"),
            WorkingChange("src/new.py", "staged", "A"),
            WorkingChange("src/new.py", "unstaged", "M"),
            WorkingChange("src/app.py", "unstaged", "M"),
            WorkingChange("src/nested/", "untracked", "A"),
            WorkingChange("docs/notes.md", "untracked", "A"),
        ],
    )
    assert rollback.by_hand(report) == [
        "guard rollback --paths untracked -z | xargs -0 rm -r --",
        "guard rollback --paths uncommitted -z | git --literal-pathspecs restore "
        "--ignore-skip-worktree-bits "
        "--source=HEAD --staged --worktree --pathspec-from-file=- --pathspec-file-nul",
    ]
    assert rollback.listed(report, "untracked") == ["src/nested/"]
    assert rollback.listed(report, "uncommitted") == ["src/app.py", "src/new.py"]
    assert rollback.listed(report, "restore") == ["src/util.py"]


def test_a_plan_of_any_size_is_two_commands_in_the_audit_s_scope() -> None:
    tests = [f"tests/test_m{n}.py" for n in range(3000)]
    net = [modify("src/app.py"), delete("src/util.py"), add("src/new.py"), *map(add, tests)]
    report = build(nets={MAIN: net})
    report["session"]["active"] = False
    report["scope"]["mode"] = "tests-only"
    scope = f"guard rollback --session {report['session']['id']} --mode tests-only --ref release"
    assert rollback.plan_commands(report, "refs/heads/release") == [
        f"{scope} --paths delete -z | "
        "git --literal-pathspecs rm -q --pathspec-from-file=- --pathspec-file-nul",
        f"{scope} --paths restore -z | git --literal-pathspecs restore --ignore-skip-worktree-bits "
        f"--source={START} "
        "--staged --worktree --pathspec-from-file=- --pathspec-file-nul",
    ]
    deletes, restores = rollback.batches(report)
    assert deletes.describe() == (
        "3001 to delete (src/new.py, tests/test_m0.py, tests/test_m1.py and 2998 more)"
    )
    assert restores.describe() == "2 to restore from 555555555555 (src/app.py, src/util.py)"
    assert rollback.listed(report, "delete") == ["src/new.py", *sorted(tests)]
    assert [s["command"] for s in report["rollback"][:1]] == [  # each step keeps its own
        f"git restore --source={START} --staged --worktree -- src/app.py"
    ]


def test_the_command_that_applies_a_plan_names_its_scope() -> None:
    report = build()
    report["session"]["active"] = False
    report["scope"]["mode"] = "tests-only"
    assert rollback.command_for(report, "refs/heads/release") == (
        f"guard rollback --session {report['session']['id']} --mode tests-only "
        "--ref release --apply"
    )
