"""Policy loading: every error is located (file:line:col), all are reported in one pass."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guard.errors import PolicyError
from guard.patterns import shape
from guard.policy_file import _compose, load_policy, shipped_dir

HEADER = "version: 1\ncategories: [production, test, docs]\ndefault: production\n"

# (policy text, expected problems in full). `P` stands for the policy's file name.
ERROR_CASES = [
    pytest.param(
        HEADER + "rule:\n  - category: docs\n    paths: ['*.md']\n",
        ["P:4:1: unknown key 'rule' (did you mean 'rules'?)"],
        id="unknown-top-key",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    path: ['*.md']\n",
        ["P:5:5: rule is missing 'paths'", "P:6:5: unknown key 'path' (did you mean 'paths'?)"],
        id="unknown-rule-key",
    ),
    pytest.param(
        HEADER + "default: test\n",
        ["P:4:1: duplicate key 'default' (first on line 3)"],
        id="duplicate-key",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: doc\n    paths: ['*.md']\n",
        ["P:5:15: unknown category 'doc' (did you mean 'docs'?)"],
        id="unknown-category-in-rule",
    ),
    pytest.param(
        HEADER + "modes:\n  read-only: [docs, tset]\n",
        ["P:5:21: unknown category 'tset' (did you mean 'test'?)"],
        id="unknown-category-in-mode",
    ),
    pytest.param(
        "version: 1\ncategories: [production]\ndefault: prod\n",
        ["P:3:10: unknown category 'prod' (did you mean 'production'?)"],
        id="unknown-default",
    ),
    pytest.param(
        "version: 1\ncategories: [production]\ndefault: shipping\n",
        ["P:3:10: unknown category 'shipping' (known: production)"],
        id="unknown-default-no-close-match",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: ['!*.md']\n",
        [
            "P:6:13: negation is not supported ('!*.md'): add a later rule with the other "
            "category instead (the last matching rule wins)"
        ],
        id="negation",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: ['', '  ']\n",
        ["P:6:13: empty pattern", "P:6:17: empty pattern"],
        id="empty-patterns",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: []\n",
        ["P:6:12: paths is empty: a rule needs a pattern"],
        id="no-patterns",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: ['a[b', '/']\n",
        [
            "P:6:13: pattern 'a[b' can never match (an unclosed '[' or a bare '/'?)",
            "P:6:20: pattern '/' can never match (an unclosed '[' or a bare '/'?)",
        ],
        id="no-op-patterns",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: ['[z-a].md', 'x\\']\n",
        [
            "P:6:13: invalid pattern '[z-a].md': bad character range z-a at position 10",
            "P:6:25: invalid pattern 'x\\\\': Invalid git pattern: 'x\\\\'",
        ],
        id="invalid-patterns",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: ['#notes', 'a//b', 'x ', '[[:alpha:]]']\n",
        [
            "P:6:13: pattern '#notes' is a comment in gitignore syntax; escape it as '\\#'",
            "P:6:23: pattern 'a//b' has an empty path segment ('//') and can never match",
            "P:6:31: pattern 'x ' has trailing whitespace, which gitignore syntax drops",
            "P:6:37: pattern '[[:alpha:]]' uses a POSIX character class, which is not supported",
        ],
        id="patterns-that-mislead",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: ['*a*a*a*a*b', '**/x*y/**']\n",
        ["P:6:13: pattern '*a*a*a*a*b' has more than 4 '*' in one path segment"],
        id="backtracking-pattern",
    ),
    pytest.param(
        HEADER + "rules:\n  - category: docs\n    paths: [3, yes]\n",
        [
            "P:6:13: an item of paths must be a string (quote it)",
            "P:6:16: an item of paths must be a string (quote it)",
        ],
        id="non-string-patterns",
    ),
    pytest.param(
        "version: 2\ncategories: [production]\ndefault: production\n",
        ["P:1:10: unsupported version '2' (use: version: 1)"],
        id="bad-version",
    ),
    pytest.param(
        "categories: [production]\ndefault: production\n",
        ["P:1:1: missing key 'version' (use: version: 1)"],
        id="missing-version",
    ),
    pytest.param(
        "version: 1\n",
        [
            "P:1:1: no categories: declare `categories:`",
            "P:1:1: no default category: declare `default:`",
        ],
        id="nothing-declared",
    ),
    pytest.param(
        "version: 1\ncategories: [Prod]\ndefault: Prod\n",
        [
            "P:2:14: category 'Prod' must match [a-z][a-z0-9_-]*",
            "P:3:10: default 'Prod' must match [a-z][a-z0-9_-]*",
        ],
        id="bad-names",
    ),
    pytest.param("", ["P:1:1: policy is empty"], id="empty-file"),
    pytest.param(
        "version: 1\nrules: \x00\n",
        ["P:2:8: invalid YAML: special characters are not allowed"],
        id="nul-character",
    ),
    pytest.param("- a\n- b\n", ["P:1:1: a policy must be a mapping"], id="not-a-mapping"),
    pytest.param(
        "version: 1\nrules: [\n",
        ["P:3:1: invalid YAML: expected the node content, but found '<stream end>'"],
        id="bad-yaml",
    ),
    pytest.param(
        "version: 1\ncategories: &c [docs]\ndefault: docs\nmodes:\n  a: *c\n",
        ["P:5:6: YAML aliases are not allowed"],
        id="alias",
    ),
    pytest.param(
        "version: 1\ncategories: !!python/object:os.system [docs]\n",
        ["P:2:13: YAML tag 'tag:yaml.org,2002:python/object:os.system' is not allowed"],
        id="unsafe-tag",
    ),
    pytest.param(
        "version: 1\nrules: " + "[" * 40 + "]" * 40 + "\n",
        ["P:2:39: nested deeper than 32 levels"],
        id="deep-nesting",
    ),
    pytest.param(
        HEADER + "modes:\n  Read: [docs]\n  ok: docs\n",
        [
            "P:5:9: mode 'Read' must match [a-z][a-z0-9_-]*",
            "P:6:7: mode 'ok' must be a list",
        ],
        id="bad-modes",
    ),
    pytest.param(
        HEADER + "rules:\n  - docs\n  - {category: [docs], paths: '*.md'}\n",
        [
            "P:5:5: a rule must be a mapping",
            "P:6:16: category must be a string (quote it)",
            "P:6:31: paths must be a list",
        ],
        id="bad-rule-shapes",
    ),
    pytest.param(
        HEADER + "extends: nonesuch\n",
        ["P:4:10: extends 'nonesuch': no such shipped policy (default) or file"],
        id="bad-extends",
    ),
    pytest.param(
        HEADER + "protect:\n  - branches: [main]\n    categories: [prod]\n    alow: [bot]\n",
        [
            "P:6:18: unknown category 'prod' (did you mean 'production'?)",
            "P:7:5: unknown key 'alow' (did you mean 'allow'?)",
        ],
        id="protect-typos",
    ),
    pytest.param(
        HEADER + "protect:\n  - categories: [docs]\n  - branches: []\n    categories: []\n",
        [
            "P:5:5: protect rule is missing 'branches'",
            "P:6:15: branches is empty: a protect rule needs a branch",
            "P:7:17: categories is empty: protect what?",
        ],
        id="protect-empty",
    ),
    pytest.param(
        HEADER + "protect: {branches: [main]}\n",
        ["P:4:10: protect must be a list"],
        id="protect-not-a-list",
    ),
    pytest.param(
        HEADER + "protect:\n  - branches: ['']\n    categories: [docs]\n    allow: [' ']\n",
        ["P:5:16: an item of branches is empty", "P:7:13: an item of allow is empty"],
        id="protect-empty-names",
    ),
    pytest.param(
        HEADER + "protect:\n  - main\n",
        ["P:5:5: a protect rule must be a mapping"],
        id="protect-rule-not-a-mapping",
    ),
]


def test_protect_rules_resolve_and_match_branches(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(HEADER + "protect:\n  - branches: [main]\n    categories: [production]\n")
    path = tmp_path / "policy.yaml"
    path.write_text(
        "version: 1\nextends: base.yaml\nprotect:\n"
        "  - branches: ['release/*']\n    categories: [production, test]\n    allow: [bot]\n"
    )
    policy = load_policy(path, root=tmp_path)
    first, second = policy.protect
    assert (first.branches, first.categories, first.allow) == (("main",), ("production",), ())
    assert first.where == "base.yaml:5"
    assert second.allow == ("bot",) and second.where == "policy.yaml:4"
    assert first.covers("refs/heads/main") and not first.covers("refs/heads/mainline")
    assert second.covers("refs/heads/release/1.0") and not second.covers("refs/tags/release/1")
    from guard.policy import policy_from_data, policy_to_data

    assert policy_from_data(policy_to_data(policy)).protect == policy.protect


@pytest.mark.parametrize(("text", "expected"), ERROR_CASES)
def test_policy_errors_are_located_and_complete(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(PolicyError) as info:
        load_policy(path, root=tmp_path)
    got = [str(problem) for problem in info.value.problems]
    assert sorted(got) == sorted(line.replace("P:", "policy.yaml:") for line in expected)
    assert info.value.exit_code == 2


def test_error_render_lists_every_problem_then_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("version: 1\ncategories: [docs]\ndefault: doc\nrulez: []\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path, root=tmp_path)
    assert info.value.render() == (
        "policy.yaml:3:10: unknown category 'doc' (did you mean 'docs'?)\n"
        "policy.yaml:4:1: unknown key 'rulez' (did you mean 'rules'?)\n"
        "hint: fix the policy, then run `guard policy check`"
    )


def test_oversized_and_binary_policies_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (1 << 20) + b"\n")
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"version: 1\n\xff\xfe\n")
    for path, message in [
        (big, "big.yaml:1:1: policy is larger than 1048576 bytes"),
        (binary, "bin.yaml:1:1: policy is not UTF-8: invalid start byte"),
        (
            tmp_path / "missing.yaml",
            "missing.yaml:1:1: cannot read policy: No such file or directory",
        ),
    ]:
        with pytest.raises(PolicyError) as info:
            load_policy(path, root=tmp_path)
        assert [str(p) for p in info.value.problems] == [message]


def test_extends_appends_rules_and_overrides_modes(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(
        HEADER + "rules:\n  - category: docs\n    paths: ['*.md']\n"
        "modes:\n  read-only: [docs]\n  tests-only: [docs, test]\n"
    )
    child = tmp_path / ".guard.yaml"
    child.write_text(
        "version: 1\nextends: base.yaml\ncategories: [data]\n"
        "rules:\n  - category: data\n    paths: ['*.csv']\n"
        "modes:\n  read-only: [docs, data]\n"
    )
    policy = load_policy(child, root=tmp_path)
    assert policy.sources == ("base.yaml", ".guard.yaml")
    assert policy.categories == ("production", "test", "docs", "data")
    assert policy.default == "production"
    assert [p.rule for p in policy.patterns] == ["base.yaml:6: *.md", ".guard.yaml:6: *.csv"]
    assert dict(policy.modes) == {"read-only": ("docs", "data"), "tests-only": ("docs", "test")}


def test_extends_cycle_is_reported(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("version: 1\nextends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("version: 1\nextends: ./a.yaml\n")
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "a.yaml", root=tmp_path)
    assert [str(p) for p in info.value.problems] == [
        "b.yaml:1:1: extends cycle: a.yaml -> b.yaml -> a.yaml"
    ]


def test_errors_in_an_extended_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(HEADER + "rules:\n  - category: dcos\n    paths: [x]\n")
    (tmp_path / "child.yaml").write_text("version: 1\nextends: base.yaml\ndefault: tests\n")
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "child.yaml", root=tmp_path)
    assert [str(p) for p in info.value.problems] == [
        "base.yaml:5:15: unknown category 'dcos' (did you mean 'docs'?)",
        "child.yaml:3:10: unknown category 'tests' (did you mean 'test'?)",
    ]


def test_repository_policy_extends_the_shipped_default(tmp_path: Path) -> None:
    (tmp_path / ".guard.yaml").write_text(
        "version: 1\nextends: default\nrules:\n  - category: docs\n    paths: [/notes/]\n"
    )
    policy = load_policy(tmp_path / ".guard.yaml", root=tmp_path)
    assert policy.sources == ("policies/default.yaml", ".guard.yaml")
    assert policy.patterns[-1].rule == ".guard.yaml:5: /notes/"
    assert set(policy.modes) >= {"read-only", "tests-only"}
    assert dict(policy.modes)["read-only"] == ("docs",)


def test_shipped_policies_are_valid_and_open_with_a_purpose_comment() -> None:
    files = sorted(shipped_dir().glob("*.yaml"))
    assert "default.yaml" in [f.name for f in files]
    for path in files:
        assert path.read_text().startswith("#"), f"{path.name} must open with a purpose comment"
        policy = load_policy(path)
        assert policy.default in policy.categories


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("tests/", ("tests", True, True)),
        ("*.md", ("*.md", False, True)),
        ("**/conftest.py", ("conftest.py", False, True)),
        ("/docs/", ("docs", True, False)),
        ("docs/**", ("docs", True, False)),
        ("**/src/main/**", ("main", True, False)),
        ("spec/**/*_spec.rb", ("*_spec.rb", False, False)),
        ("**", (None, False, False)),
        ("**/", (None, True, False)),
        ("*/", ("*", True, True)),
        ("a\\*b", (None, False, False)),
    ],
)
def test_shape_finds_the_last_segment(
    pattern: str, expected: tuple[str | None, bool, bool]
) -> None:
    assert shape(pattern) == expected


yaml_text = st.lists(
    st.sampled_from(
        [
            "version: 1\n",
            "categories: [production, docs]\n",
            "default: production\n",
            "rules:\n",
            "  - category: docs\n",
            "    paths: [",
            "'*.md'",
            ", ",
            "]\n",
            "modes:\n",
            "  read-only: [docs]\n",
            "extends: default\n",
            "- ",
            ": ",
            "&a ",
            "*a",
            "!!str ",
            "{",
            "}",
            "[",
            "]",
            "'",
            '"',
            "\t",
            "\n",
            "#",
            "\\",
            "\x00",
            "ü",
            "999999999999",
            "null",
            "~",
            "yes",
            "  ",
        ]
    ),
    max_size=30,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(yaml_text)
def test_the_loader_raises_nothing_but_located_policy_errors(tmp_path_factory, text: str) -> None:
    path = tmp_path_factory.mktemp("policy") / "policy.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.line >= 1 and problem.col >= 1
            assert str(problem).startswith(f"{problem.file}:{problem.line}:{problem.col}: ")
    else:
        assert policy.default in policy.categories


def _tree(node: Any) -> Any:
    """A composed YAML node as plain values: its kind, tag, position and content."""
    if node is None:
        return None
    where = (type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node.value, str):
        return (*where, node.value)
    if node.value and isinstance(node.value[0], tuple):
        return (*where, [(_tree(k), _tree(v)) for k, v in node.value])
    return (*where, [_tree(n) for n in node.value])


def _composed(text: str, fast: bool) -> Any:
    try:
        return _tree(_compose(text, fast=fast))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


@settings(max_examples=300, deadline=None)
@given(yaml_text)
def test_libyaml_composes_what_the_python_loader_does(text: str) -> None:
    assert _composed(text, fast=True) == _composed(text, fast=False)


@pytest.mark.parametrize("path", sorted(shipped_dir().glob("*.yaml")), ids=lambda p: p.name)
def test_libyaml_composes_the_shipped_policies_as_the_python_loader(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _composed(text, fast=True) == _composed(text, fast=False)
    assert _composed(text, fast=True)[0] == "MappingNode"
