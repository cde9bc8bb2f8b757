"""Paths as people see and paste them: one set of rules for every output."""

from __future__ import annotations

import subprocess

import pytest

from guard.quoting import literal, pathspec_word, quote, shown, visible

NASTY = "src/\rdocs/ok.md\x1b[2K\x1b[1A.py"  # a carriage return and ANSI escapes


def test_control_characters_never_reach_a_terminal_raw() -> None:
    for text in (shown(NASTY), quote(NASTY), visible(NASTY)):
        assert "\r" not in text and "\x1b" not in text
    assert shown(NASTY) == '"src/\\rdocs/ok.md\\033[2K\\033[1A.py"'
    assert shown("a\x01\udcff") == '"a\\001\\377"'
    assert visible("reason\nwith a newline") == "reason\\nwith a newline"
    assert visible("caf\u00e9") == "caf\u00e9"


@pytest.mark.parametrize("path", [NASTY, "it's\tx", "a\\b\x7f", "-rf\n"])
def test_a_quoted_path_is_the_path_again_in_bash(path: str) -> None:
    done = subprocess.run(
        ["bash", "-c", f"printf %s {quote(path)}"], capture_output=True, check=True
    )
    assert done.stdout.decode("utf-8", "surrogateescape") == path


@pytest.mark.parametrize(
    ("path", "quoted"),
    [
        ("src/app.py", "src/app.py"),
        ("a b.py", "'a b.py'"),
        ("-rf", "'-rf'"),
        ("it's.md", "'it'\"'\"'s.md'"),
        ("", "''"),
    ],
)
def test_quote_makes_paths_safe_shell_words(path: str, quoted: str) -> None:
    assert quote(path) == quoted


def test_literal_pathspecs_mean_exactly_the_path() -> None:
    assert literal("src/app.py") == "src/app.py"
    assert literal(":weird") == ":(literal):weird"
    assert literal("src/*.py") == ":(literal)src/*.py"


@pytest.mark.parametrize(
    "path",
    ["src/app.py", ":weird", "-rf", "src/*.py", "a b.py", "x:y", "[x]", "a\\b", "", "é.md", "-"],
)
def test_a_plan_s_word_is_the_literal_pathspec_quoted(path: str) -> None:
    assert pathspec_word(path) == quote(literal(path))
