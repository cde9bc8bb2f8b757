"""`guard policy check` and `guard policy show`: the effective policy and named files."""

from __future__ import annotations

import json
from pathlib import Path

LOCAL_POLICY = """\
version: 1
extends: default
rules:
  # the team's analysis notes
  - category: docs
    paths: [/notes/]
"""


def test_policy_check_validates_the_effective_policy_and_named_files(invoke, repo: Path) -> None:
    ok = invoke(["policy", "check"], cwd=repo)
    assert ok.code == 0, ok.err
    assert ok.text.startswith("ok: policies/default.yaml: ")
    (repo / ".guard.yaml").write_text(LOCAL_POLICY)
    (repo / "bad.yaml").write_text("version: 1\nextends: default\nmodes:\n  audit: [dosc]\n")
    both = invoke(["policy", "check", ".guard.yaml", "bad.yaml"], cwd=repo)
    assert both.code == 2
    assert both.text.startswith("ok: .guard.yaml -> policies/default.yaml: ")
    assert (
        both.err.splitlines()[0] == "bad.yaml:4:11: unknown category 'dosc' (did you mean 'docs'?)"
    )


def test_policy_show_prints_the_resolved_policy(invoke, repo: Path) -> None:
    (repo / ".guard.yaml").write_text(LOCAL_POLICY)
    shown = invoke(["policy", "show", "--json"], cwd=repo)
    assert shown.code == 0, shown.err
    data = json.loads(shown.out)
    assert data["sources"] == ["policies/default.yaml", ".guard.yaml"]
    assert data["categories"] == ["production", "test", "docs"]
    assert data["modes"]["read-only"] == ["docs"]
    assert data["rules"][-1] == {
        "category": "docs",
        "pattern": "/notes/",
        "rule": ".guard.yaml:6: /notes/",
    }
    text = invoke(["policy", "show"], cwd=repo).text.splitlines()
    assert (
        text[0] == "# resolved from policies/default.yaml -> .guard.yaml (last matching rule wins)"
    )
    assert "  read-only: docs" in text
    assert text[-1].split() == ["docs", "/notes/", ".guard.yaml:6"]
