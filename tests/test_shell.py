"""Shell screening (guard/shell/): what a command's text would do, read as bash reads it.

Pure: no repository, no session. How the hits are judged against a session (which
paths the mode allows, where a reset moves to) is tested through the agent hook in
tests/test_agent.py.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path
from typing import Any

import pytest

from guard.shell.parse import ShellSyntax
from guard.shell.screen import Hit, screen

SHELL = Path(__file__).resolve().parent.parent / "guard" / "shell"


def test_screening_reports_what_it_parsed() -> None:
    hits = screen("cd sub && cp a b ../docs/ ; git -C x commit -n", "/r")
    assert hits == [
        Hit("write", "cp", "../docs/", "/r/sub", ("a", "b"), True),
        Hit("bypass", "`git commit --no-verify` skips the guard's pre-commit hook", "", "/r/sub/x"),
    ]
    unknown = screen('cd "$DIR" && rm x', "/r")  # relative to a directory not known yet
    assert unknown == [Hit("delete", "rm", "x", None)]
    assert screen("rm /abs/x", None) == [Hit("delete", "rm", "/abs/x", None)]


BYPASS = "bypass"
SCREENED = [
    # quoting, escapes, comments and here-documents
    ('echo "a\\"b\\\nc" > out.md', [("write", "out.md", "/r")]),
    ("rm src/my\\ file.py", [("delete", "src/my file.py", "/r")]),
    ("echo a#b > x#y", [("write", "x#y", "/r")]),
    (
        "cat <<-EOF > docs/x.md\n\tbody\n\tEOF\ngit commit -n",
        [("write", "docs/x.md", "/r"), BYPASS],
    ),
    ("cat <<EOF > docs/x.md\nno end", [("write", "docs/x.md", "/r")]),
    ("ls 2>/dev/null >&2 2>&1 >&-", [("write", "/dev/null", "/r")]),
    ("A=1 B=2", []),
    # substitutions
    ('echo "`git update-ref refs/heads/x HEAD`"', [BYPASS]),
    ("echo $( (cd src && rm a.py) )", [("delete", "a.py", "/r/src")]),
    ("diff <(git commit --no-verify) x", [BYPASS]),
    ("cd $(mktemp -d) && rm x", [("delete", "x", None)]),
    # directories
    ("cd && rm x", [("delete", "x", "~")]),
    ("pushd src && popd && rm x", [("delete", "x", None)]),
    ("env -C src rm app.py", [("delete", "app.py", "/r/src")]),
    ("sudo -D src rm app.py", [("delete", "app.py", "/r/src")]),
    ("git --git-dir=/r/.git commit -n", [(BYPASS, "/r/.git")]),
    ("git --git-dir /o/.git --work-tree /o commit -n", [(BYPASS, "/o/.git")]),
    # commands run by other commands
    ("command -v git", []),
    ("bash +o posix -c 'git commit -n'", [BYPASS]),
    ("bash +x -c 'git commit -n'", [BYPASS]),
    ("python -W ignore -X dev -m guard uninstall", [BYPASS]),
    ("python3 -mguard session stop", [BYPASS]),
    ("python3 script.py session stop", []),
    ("env -S 'git commit -n'", [BYPASS]),
    ("declare -x GIT_CONFIG_COUNT=1", [BYPASS]),
    # options: attached, separate, abbreviated values
    ("git commit --message=x --no-verify", [BYPASS]),
    ("git commit --message --no-verify", []),
    ("git commit -Skey -n", [BYPASS]),
    ("git commit -S -m x", []),
    ("git config set core.hooksPath x", [BYPASS]),
    ("git config --add core.hooksPath x", [BYPASS]),
    ("git config --rename-section core old", [BYPASS]),
    ("git config --list", []),
    ("git reset HEAD~1 -- src/app.py", []),
    ("git rm --cached src/app.py", []),
    ("git switch -c fix HEAD~2", [("checkout", "HEAD~2", "/r")]),
    ("git checkout --detach main", [("checkout", "main", "/r")]),
    ("git checkout main src/app.py", [("write", "src/app.py", "/r")]),  # its content at main
    ("git checkout -- src/app.py", []),  # from the index
    ("git restore -s main a b", [("write", "a", "/r"), ("write", "b", "/r")]),
    ("git stash pop", [BYPASS]),
    # writers
    ("cp -t docs a b", [("write", "docs", "/r")]),
    ("cp only-one", []),
    ("cp -T a dest", [("write", "dest", "/r")]),
    ("ln -s ../x", [("write", ".", "/r")]),
    ("mv -t docs a", [("write", "docs", "/r"), ("delete", "a", "/r")]),
    ("install -d src/x", [("meta", "src/x", "/r")]),
    ("mkdir -m 700 -p a/b", [("meta", "a/b", "/r")]),
    (
        "rmdir a && unlink b && shred -n 3 c",
        [("delete", "a", "/r"), ("delete", "b", "/r"), ("write", "c", "/r")],
    ),
    ("chown -R me:me a b", [("meta", "a", "/r"), ("meta", "b", "/r")]),
    ("chmod --reference=ref a", [("write", "a", "/r")]),
    ("sed --in-place --expression=s/a/b/ -- f g", [("write", "f", "/r"), ("write", "g", "/r")]),
    ("sed --expression s/a/b/ -i f", [("write", "f", "/r")]),
    ("sed -i '' s/a/b/ f", [("write", "f", "/r")]),
    ("sed -ne p -i f", [("write", "f", "/r")]),
    ("perl -MFoo -i -e 1 f", [("write", "f", "/r")]),
    ("perl -i script.pl f", [("write", "f", "/r")]),
    ("perl -ne print f", []),
    ("curl --output=src/x.py https://x.test/x", [("write", "src/x.py", "/r")]),
    ("curl -o - https://x.test/x", []),
    ("wget -Osrc/y.py https://x.test/y", [("write", "src/y.py", "/r")]),
    ("wget -qO src/z.py https://x.test/z", [("write", "src/z.py", "/r")]),
    ("find src -execdir rm {} +", [("delete", "{}", "/r")]),
    ("for f in a b; do rm $f; done", [("delete", "$f", "/r")]),  # judged only if it names .git
]


def _shape(hit: Hit) -> Any:
    if hit.kind == BYPASS:
        return (BYPASS, hit.word) if hit.word else BYPASS
    home = os.path.expanduser("~")
    return (hit.kind, hit.word, "~" if hit.cwd == home else hit.cwd)


@pytest.mark.parametrize(("command", "expected"), SCREENED, ids=[c for c, _ in SCREENED])
def test_how_commands_are_read(command: str, expected: list[Any]) -> None:
    assert [_shape(hit) for hit in screen(command, "/r")] == expected


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("echo $(ls", "a `$(` or `` ` `` substitution is not closed"),
        ("cat << ; ls", "a here-document (`<<`) has no delimiter word"),
        ("eval " * 9 + "ls", "commands nest more than 8 levels deep"),
        ("echo " + "$(" * 9 + ")" * 9, "commands nest more than 8 levels deep"),
    ],
)
def test_what_screening_refuses_to_guess(command: str, message: str) -> None:
    with pytest.raises(ShellSyntax, match=re.escape(message)):
        screen(command, "/r")


def test_hits_show_what_they_are() -> None:
    assert repr(Hit("delete", "rm", "x", "/r")) == "Hit('delete', 'rm', 'x', '/r', (), False)"
    assert Hit("delete", "rm", "x") != ("delete", "rm", "x")


def test_the_screening_imports_nothing_of_the_agent_hook() -> None:
    """The dependency goes one way (agent -> shell): the screening stands alone."""
    for module in sorted(SHELL.glob("*.py")):
        tree = ast.parse(module.read_text(), str(module))
        names = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ]
        names += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        outside = [
            name
            for name in names
            if name.startswith("guard") and not name.startswith("guard.shell")
        ]
        assert outside == [], module.name
