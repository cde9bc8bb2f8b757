"""The commands' output helper."""

from __future__ import annotations

import pytest

from guard.commands.output import echo


def test_lines_go_to_stdout_or_stderr_with_a_newline(capsys: pytest.CaptureFixture[str]) -> None:
    echo("result")
    echo()
    echo("diagnostic", err=True)
    assert capsys.readouterr() == ("result\n\n", "diagnostic\n")
