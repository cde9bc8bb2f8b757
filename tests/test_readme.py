"""The README's two set-up commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)\n```", text, re.S)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    blocks = shell_blocks((ROOT / "README.md").read_text())
    test_command = blocks[1]
    assert "pip install -e '.[test]'" in test_command
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert f"{test_command} || exit 1" in ci_lines


def test_readme_run_command_installs_then_runs_the_guard() -> None:
    run_command = shell_blocks((ROOT / "README.md").read_text())[0]
    assert run_command.startswith("python3 -m venv .venv && .venv/bin/pip install . && ")
    assert ".venv/bin/guard " in run_command
