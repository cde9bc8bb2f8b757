"""lefthook's conventions, on real files: which hooks it claims, and the `extends` entry.

The real lefthook runs in tests/e2e/test_hook_managers.py; these cover the cases it
would take a dozen repositories to reach: configuration names and formats, and every
shape of local configuration the guard edits or refuses to edit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from guard.errors import UsageError
from guard.hooks import lefthook
from guard.hooks.install import HOOKS, shim_text
from tests.conftest import git


@pytest.fixture
def state(repo: Path) -> str:
    path = repo / ".git" / "guard"
    path.mkdir()
    return str(path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_find_takes_the_first_file_in_lefthooks_own_order(tmp_path: Path) -> None:
    assert lefthook.find(str(tmp_path), lefthook.MAIN) is None
    write(tmp_path / ".config" / "lefthook.json", "{}")
    assert lefthook.find(str(tmp_path), lefthook.MAIN) == f"{tmp_path}/.config/lefthook.json"
    write(tmp_path / "lefthook.yaml", "")
    assert lefthook.find(str(tmp_path), lefthook.MAIN) == f"{tmp_path}/lefthook.yaml"
    write(tmp_path / ".lefthook.yml", "")  # every name with .yml comes before any .yaml
    assert lefthook.find(str(tmp_path), lefthook.MAIN) == f"{tmp_path}/.lefthook.yml"
    write(tmp_path / "lefthook.yml", "")
    assert lefthook.find(str(tmp_path), lefthook.MAIN) == f"{tmp_path}/lefthook.yml"


CLAIMS = [
    ({}, set()),
    ({"lefthook.yml": "pre-commit:\n  jobs: []\ncommit-msg: {}\n"}, {"pre-commit"}),
    ({"lefthook.json": '{"pre-push": {"commands": {}}}'}, {"pre-push"}),
    ({"lefthook.yml": "", "lefthook-local.yml": "pre-push: {}\n"}, {"pre-push"}),
    (
        {"lefthook.yml": "extends: [ci/*.yml]\n", "ci/push.yml": "pre-push: {}\n"},
        {"pre-push"},
    ),
    ({"lefthook.yml": "extends: ci/push.yml\n", "ci/push.yml": "pre-push: {}\n"}, {"pre-push"}),
    ({"lefthook.yml": "extends: 3\npre-commit: {}\n"}, {"pre-commit"}),
    # Read as lefthook would only by lefthook: every hook, to be on the safe side.
    ({"lefthook.toml": "[pre-commit]\n"}, set(HOOKS)),
    ({"lefthook.yml": "remotes:\n  - git_url: https://example.com/x\n"}, set(HOOKS)),
    ({"lefthook.yml": "pre-commit: [\n"}, set(HOOKS)),
    ({"lefthook.yml": "- a list\n"}, set(HOOKS)),
]


@pytest.mark.parametrize(("files", "expected"), CLAIMS)
def test_claimed_reads_the_hooks_lefthooks_configuration_names(
    repo: Path, state: str, files: dict[str, str], expected: set[str]
) -> None:
    for name, text in files.items():
        write(repo / name, text)
    hooks_dir = str(repo / ".git" / "hooks")
    assert lefthook.claimed(str(repo), hooks_dir, HOOKS, state) == expected


def test_claimed_counts_its_scripts_but_not_the_guards_own_configuration(
    repo: Path, state: str
) -> None:
    hooks_dir = repo / ".git" / "hooks"
    write(hooks_dir / "pre-push", '#!/bin/sh\n# LEFTHOOK\ncall_lefthook run "pre-push"\n')
    write(hooks_dir / "pre-commit", "#!/bin/sh\n# disable with LEFTHOOK=0\n")  # not lefthook's
    write(Path(lefthook.config_path(state)), "pre-commit: {}\nreference-transaction: {}\n")
    write(repo / "lefthook-local.yml", f"extends: [{lefthook.config_path(state)}]\n")
    assert lefthook.claimed(str(repo), str(hooks_dir), HOOKS, state) == {"pre-push"}


def test_the_guards_configuration_runs_its_shim_at_each_hook(state: str) -> None:
    text = lefthook.config_text(state, ["pre-commit", "reference-transaction"], {"x"})
    assert text.splitlines()[3:] == [
        "pre-commit:",
        "  jobs:",
        "    - name: session-guard",
        f'      run: "{state}/lefthook/pre-commit"',
        "reference-transaction:",
        "  jobs:",
        "    - name: session-guard",
        f'      run: "{state}/lefthook/reference-transaction {{1}}"',
    ]
    stdin = lefthook.config_text(state, ["pre-push"], {"pre-push"})
    assert yaml.safe_load(stdin)["pre-push"]["jobs"] == [
        {"name": "session-guard", "run": f"{state}/lefthook/pre-push", "use_stdin": True}
    ]


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize("source_chained", [False, True])
def test_a_shim_never_looks_like_lefthooks_own_script(hook: str, source_chained: bool) -> None:
    """lefthook deletes, rather than keeps as `.old`, any hook with this mark in it."""
    text = shim_text(hook, "/repo/.git/guard", "/usr/bin/python3", source_chained)
    assert lefthook.OWN_MARK.decode() not in text


# --------------------------------------------------------------------------- the local file

EDITABLE = [
    "",
    "pre-commit:\n  jobs: []\n",
    "colors: false",  # no newline at the end: it gets one
    "extends:\n  - other.yml\n",
    "extends:\n- other.yml\n",
    "extends:   # ours\n\n    # the CI checks\n    - other.yml\npre-push: {}\n",
    "extends:\npre-push: {}\n",
]


@pytest.mark.parametrize("text", EDITABLE)
def test_link_adds_one_entry_and_unlink_gives_the_file_back_as_it_was(
    repo: Path, state: str, text: str
) -> None:
    local = write(repo / "lefthook-local.yml", text)
    old = yaml.safe_load(text) or {}
    said = lefthook.link(str(repo), state, str(repo / ".git"))
    assert said == f"added the guard's configuration to `extends` in {local}"
    assert lefthook.linked(str(repo), state)
    new = yaml.safe_load(local.read_text())
    assert new.pop("extends") == [lefthook.config_path(state), *(old.pop("extends", None) or [])]
    assert new == old
    assert lefthook.link(str(repo), state, str(repo / ".git")) is None  # idempotent
    said = lefthook.unlink(str(repo), state, str(repo / ".git"))
    assert said == f"took the guard's entry out of `extends` in {local}"
    assert local.read_text() == (text + "\n" if text and not text.endswith("\n") else text)
    assert lefthook.unlink(str(repo), state, str(repo / ".git")) is None


def test_link_writes_and_ignores_a_local_file_and_unlink_removes_both(
    repo: Path, state: str
) -> None:
    exclude = repo / ".git" / "info" / "exclude"
    exclude.write_text("*.log")
    said = lefthook.link(str(repo), state, str(repo / ".git"))
    local = repo / "lefthook-local.yml"
    assert said == f"wrote {local}, lefthook's local configuration, to bring the guard's job in"
    assert yaml.safe_load(local.read_text()) == {"extends": [lefthook.config_path(state)]}
    assert exclude.read_text().endswith("\n/lefthook-local.yml\n")
    assert git(repo, "status", "--porcelain") == ""
    assert lefthook.unlink(str(repo), state, str(repo / ".git")) == f"removed {local}"
    assert not local.exists()
    assert exclude.read_text() == "*.log\n"


def test_link_writes_info_exclude_when_git_made_none(repo: Path, state: str) -> None:
    (repo / ".git" / "info" / "exclude").unlink()
    lefthook.link(str(repo), state, str(repo / ".git"))
    assert git(repo, "status", "--porcelain") == ""
    lefthook.unlink(str(repo), state, str(repo / ".git"))
    assert (repo / ".git" / "info" / "exclude").read_text() == ""


def test_unlink_leaves_a_file_it_cannot_give_back_alone(repo: Path, state: str) -> None:
    local = write(repo / "lefthook-local.yml", "colors: false\n")
    lefthook.link(str(repo), state, str(repo / ".git"))
    with local.open("a") as handle:
        handle.write("  - mine.yml\n")  # under the guard's `extends` key
    edited = local.read_text()
    said = lefthook.unlink(str(repo), state, str(repo / ".git"))
    target = lefthook.config_path(state)
    assert said == f"left {local} alone: take {target!r} out of its `extends` yourself"
    assert local.read_text() == edited


REFUSED = [
    ("lefthook-local.yml", "extends: [other.yml]\n", "has an `extends` that is not a plain list"),
    ("lefthook-local.yml", "extends: other.yml\n", "has an `extends` that is not a plain list"),
    (
        "lefthook-local.json",
        "{}",
        "is not YAML this can edit (JSON, TOML, remote configurations)",
    ),
]


@pytest.mark.parametrize(("name", "text", "problem"), REFUSED)
def test_check_refuses_a_local_file_it_cannot_edit_safely(
    repo: Path, state: str, name: str, text: str, problem: str
) -> None:
    local = write(repo / name, text)
    with pytest.raises(UsageError) as raised:
        lefthook.link(str(repo), state, str(repo / ".git"))
    assert raised.value.message == (
        f"lefthook runs hooks the guard needs, and its local configuration {local} "
        f"{problem}, so the guard cannot add its job there"
    )
    assert raised.value.hint == (
        f"add {lefthook.config_path(state)!r} to `extends` in {local} yourself (lefthook "
        "reads the guard's job from there), then run guard install again"
    )
    assert local.read_text() == text


def test_check_refuses_a_tracked_local_file(repo: Path, state: str) -> None:
    write(repo / "lefthook-local.yml", "pre-commit: {}\n")
    git(repo, "add", "lefthook-local.yml")
    with pytest.raises(UsageError, match="is tracked: it is the team's file"):
        lefthook.check(str(repo), state)
