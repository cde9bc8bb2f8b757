"""The default policy's guarantees, as properties over generated paths, and its score on
a hand-labelled corpus of real repositories (tests/data/corpus/)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.classify import Classifier
from guard.policy_file import default_policy_path, load_policy

CLASSIFIER = Classifier(load_policy(default_policy_path()))
README = Path(__file__).resolve().parent.parent / "README.md"
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"

# Code and configuration extensions that are never docs by a folder name alone (issue 15).
# The README lists the same set; a test below keeps the two in step.
COVERED = (
    "py pyi pyx js jsx mjs cjs ts tsx mts cts vue svelte go rs java kt kts scala groovy "
    "clj rb rake erb php c h cc cpp cxx hpp hh m mm swift cs fs vb ex exs erl hrl dart lua "
    "pl pm r jl sh bash zsh ps1 bat sql html htm css scss sass less proto graphql zig "
    "json jsonc yaml yml toml ini cfg conf properties xml gradle cmake mk env plist "
    "csproj props targets tf hcl lock"
).split()

# The trees and files whose rules say "docs" for every file type, explicitly: root
# documentation trees and examples, release-note fragments, issue forms, and the
# documentation site's configuration (MkDocs, Read the Docs, the Maven site descriptor).
EXPLICIT_DOCS_ROOTS = {
    "docs", "Docs", "doc", "Doc", "Documentation", "man", "examples", "example",
    "demo", "demos", "tutorials", "changelog.d", "newsfragments",
}  # fmt: skip
EXPLICIT_DOCS_FILES = {"mkdocs.yml", "mkdocs.yaml", ".readthedocs.yml", ".readthedocs.yaml"}


def explicitly_docs(path: str) -> bool:
    first = path.split("/", 1)[0]
    return (
        first in EXPLICIT_DOCS_ROOTS
        or path in EXPLICIT_DOCS_FILES
        or path.startswith(".github/ISSUE_TEMPLATE/")
        or re.search(r"(^|/)src/site/(.+/)?[^/]+\.xml$", path) is not None
    )


def policy_segments() -> list[str]:
    """Every folder name the default policy mentions, globs filled in: the names most
    likely to turn a path into docs, so the generator tries them all."""
    names: set[str] = set()
    for pattern in CLASSIFIER.policy.patterns:
        text = pattern.text.strip("/")
        for segment in [*text.split("/")[:-1], text]:
            if segment and segment != "**" and "/" not in segment:
                filled = re.sub(r"\[(.)[^\]]*\]", r"\1", segment).replace("*", "x")
                names.add(filled.replace("?", "x"))
    return sorted(names)


SEGMENTS = [
    *policy_segments(),
    *"src lib app pkg internal packages crates modules site web ui components".split(),
]
STEMS = "index App conf handlers __init__ README CHANGELOG mkdocs main test_x x_test".split()


@st.composite
def code_paths(draw: st.DrawFn) -> str:
    folders = draw(st.lists(st.sampled_from(SEGMENTS), min_size=0, max_size=5))
    name = f"{draw(st.sampled_from(STEMS))}.{draw(st.sampled_from(COVERED))}"
    return "/".join([*folders, name])


@settings(max_examples=3000, deadline=None)
@given(code_paths())
def test_code_is_never_docs_by_a_folder_name_alone(path: str) -> None:
    decision = CLASSIFIER.classify(path)
    assert decision.category != "docs" or explicitly_docs(path), (path, decision.rule)


@pytest.mark.parametrize(
    "path",
    [
        "src/site/App.tsx",
        "src/Documentation/handlers.py",
        "src/pkg/test_results/__init__.py",
        "src/app.docc/x.swift",
        "packages/web/src/site/index.html",
        "tests/e2e/test-results/helpers.ts",
    ],
)
def test_the_holes_named_in_issue_15_are_closed(path: str) -> None:
    assert CLASSIFIER.category(path) != "docs"


def test_the_readme_lists_the_covered_extensions() -> None:
    text = README.read_text(encoding="utf-8")
    listed = re.search(
        r"<!-- covered-extensions -->\n(.*?)\n<!-- /covered-extensions -->", text, re.S
    )
    assert listed is not None
    assert re.findall(r"`\.([a-z0-9]+)`", listed.group(1)) == COVERED


# --- the real-repository corpus ---

RANK = {"production": 0, "test": 1, "docs": 2}  # how much a mode must allow to touch the path


def load_corpus() -> list[dict[str, Any]]:
    repos = []
    for file in sorted(CORPUS.glob("*.yaml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        for repo in data["repositories"]:
            repo["held_out"] = data.get("held_out", False)
            repos.append(repo)
    return repos


def entries(repo: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    return [
        (path, group["accept"], group["why"]) for group in repo["groups"] for path in group["paths"]
    ]


REPOS = load_corpus()


def test_the_corpus_covers_the_ecosystems_the_issue_names() -> None:
    in_corpus = [r for r in REPOS if not r["held_out"]]
    assert len(in_corpus) >= 20
    assert {r["ecosystem"] for r in in_corpus} >= {
        "python", "js", "go", "rust", "jvm", "ruby", "php", "c", "csharp", "elixir",
    }  # fmt: skip
    for repo in REPOS:
        for path, accept, why in entries(repo):
            assert accept and set(accept) <= set(RANK) and why.strip(), (repo["repo"], path)


@pytest.mark.parametrize("repo", REPOS, ids=[r["repo"] for r in REPOS])
def test_no_corpus_path_is_more_permissive_than_its_label(repo: dict[str, Any]) -> None:
    too_permissive = []
    right = 0
    labelled = entries(repo)
    for path, accept, why in labelled:
        decision = CLASSIFIER.classify(path)
        if decision.category in accept:
            right += 1
        elif RANK[decision.category] > max(RANK[a] for a in accept):
            too_permissive.append(
                f"{path}: {decision.category} ({decision.rule}), label {accept}: {why}"
            )
    kind = "held out" if repo["held_out"] else "corpus"
    share = 100 * right / len(labelled)
    print(f"{kind:8} {repo['repo']:36} {right:4}/{len(labelled):<4} {share:5.1f}%")
    assert not too_permissive, "\n".join(too_permissive)
