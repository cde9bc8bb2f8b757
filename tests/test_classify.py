"""Classification: table-driven cases, and proof that the fast matcher equals pathspec."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pathspec import PathSpec
from pathspec.patterns.gitignore.spec import GitIgnoreSpecPattern

from guard.classify import Classifier
from guard.patterns import compile_pattern
from guard.policy import Policy
from guard.policy_file import default_policy_path, load_policy

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "data" / "classify_cases.yaml").read_text()
)
DEFAULT = load_policy(default_policy_path())


def reference(policy: Policy) -> PathSpec:
    """pathspec's own evaluation of the policy: PathSpec, gitwildmatch, last match wins."""
    return PathSpec([GitIgnoreSpecPattern(p.text) for p in policy.patterns])


def expected_index(spec: PathSpec, path: str) -> int:
    index = spec.check_file(path).index
    return -1 if index is None else index


@pytest.mark.parametrize("case", CASES, ids=[f"{c['path']}->{c['category']}" for c in CASES])
def test_default_policy_classifies_real_paths(case: dict[str, Any]) -> None:
    decision = Classifier(DEFAULT).classify(case["path"])
    assert decision.category == case["category"], case.get("why", decision.rule)


def test_there_are_enough_cases_for_every_category() -> None:
    counts = {c: sum(case["category"] == c for case in CASES) for c in DEFAULT.categories}
    assert len(CASES) >= 150
    assert min(counts.values()) >= 30, counts


def test_decision_names_the_rule_with_file_and_line() -> None:
    classifier = Classifier(DEFAULT)
    decision = classifier.classify("tests/test_models.py")
    assert decision.pattern is not None
    assert (
        decision.rule == f"policies/default.yaml:{decision.pattern.line}: {decision.pattern.text}"
    )
    text = default_policy_path().read_text().splitlines()[decision.pattern.line - 1]
    assert decision.pattern.text in text
    assert classifier.classify("setup.py").rule is None  # no rule: the default decides
    assert classifier.category("setup.py") == "production"


# ---------------------------------------------------------------- differential

DIRS = [
    *"""
src lib tests test spec docs doc Docs examples main
java __tests__ __snapshots__ fixtures testdata e2e app pkg internal .github
workflows Documentation site test_results benches bench androidTest testFixtures
integrationTest FooTests Foo.Tests cmd t prompts support vendor node_modules packages core it
jmh man ünï -dash x.md tests.d api.docc changelog.d .claude .husky
""".split(),
    "a b",
]
NAMES = [
    *"""
README.md readme.txt index.rst guide.adoc CHANGELOG.md LICENSE NOTICE conf.py
Makefile x.py test_x.py x_test.py conftest.py tests.py x_test.go doc.go
main.go mod.rs tests.rs lib.rs App.java AppTest.java a.test.ts a.spec.tsx
a.cy.js index.js x_spec.rb spec_helper.rb x_test.exs x_test.dart x_test.cc x_unittest.cpp
X.Tests.ps1 x.snap login.feature pytest.ini tox.ini jest.config.js Dockerfile package.json
poetry.lock ci.yml settings.json AGENTS.md CLAUDE.md CODEOWNERS .gitattributes .guard.yaml
.pre-commit-config.yaml lefthook.yml mkdocs.yml notebook.ipynb WORKLOG.md x.md.tt a[b].py -rf
naïve.py
""".split(),
    "with space.md",
]


def corpus(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        depth = rng.choice([0, 1, 1, 2, 2, 3, 3, 4, 5])
        paths.append("/".join([*rng.choices(DIRS, k=depth), rng.choice(NAMES)]))
    return paths


def test_fast_matcher_equals_pathspec_on_thousands_of_paths() -> None:
    spec = reference(DEFAULT)
    paths = corpus(6000, seed=1) + [case["path"] for case in CASES]
    classifier = Classifier(DEFAULT)
    mismatches = [
        (p, classifier.index(p), expected_index(spec, p))
        for p in paths
        if classifier.index(p) != expected_index(spec, p)
    ]
    assert mismatches == []
    assert len(set(paths)) > 3000


def test_unusual_paths_take_the_plain_evaluation_and_still_agree() -> None:
    spec = reference(DEFAULT)
    classifier = Classifier(DEFAULT)
    for path in [
        "./tests/x.py",
        "/docs/a.py",
        "tests//x.py",
        "docs/",
        "a\nb/tests/x.py",
        "docs\n",
        "",
        "tests/x\n.py",
    ]:
        assert classifier.index(path) == expected_index(spec, path), repr(path)


path_text = st.lists(
    st.sampled_from([*"abt/._-*[]? \n\\ü", "tests", "docs", "src", ".md", "/"]), max_size=30
).map("".join)


@settings(max_examples=400, deadline=None)
@given(path_text)
def test_any_path_classifies_deterministically_and_as_pathspec_does(path: str) -> None:
    classifier = Classifier(DEFAULT)
    first = classifier.classify(path)
    assert classifier.classify(path) == first
    assert Classifier(DEFAULT).classify(path) == first
    assert first.category in DEFAULT.categories
    assert classifier.index(path) == expected_index(reference(DEFAULT), path)


SEGMENTS = "a b ab * ** ? a* *b *.md x.* [ab] [!a]* t?st *_test.go tests docs a.b".split()


@st.composite
def patterns(draw: st.DrawFn) -> str:
    segs = draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4))
    text = "/".join(segs)
    if draw(st.booleans()):
        text = "/" + text
    if draw(st.booleans()):
        text += "/"
    return text


def random_policy(texts: list[str]) -> Policy:
    compiled = []
    for i, text in enumerate(texts):
        pattern, _ = compile_pattern(text, ("production", "test", "docs")[i % 3], "p.yaml", i, 1)
        if pattern is not None:
            compiled.append(pattern)
    return Policy(("p.yaml",), ("production", "test", "docs"), "production", tuple(compiled), {})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(patterns(), min_size=1, max_size=12),
    st.lists(
        st.lists(
            st.sampled_from(["a", "b", "ab", "x.md", "tests", "docs", "a.b", "t1st", "q"]),
            min_size=1,
            max_size=5,
        ).map("/".join),
        min_size=1,
        max_size=30,
    ),
)
def test_any_policy_classifies_as_pathspec_does(texts: list[str], paths: list[str]) -> None:
    policy = random_policy(texts)
    spec = reference(policy)
    classifier = Classifier(policy)
    for path in paths:
        assert classifier.index(path) == expected_index(spec, path), (texts, path)
