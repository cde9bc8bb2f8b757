"""The commands' output helper prints as click.echo did for them."""

from __future__ import annotations

import io

import pytest

from guard.commands.output import echo


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_lines_go_to_stdout_or_stderr_with_a_newline(capsys: pytest.CaptureFixture[str]) -> None:
    echo("result")
    echo()
    echo("diagnostic", err=True)
    assert capsys.readouterr() == ("result\n\n", "diagnostic\n")


def test_ansi_codes_reach_a_terminal_and_not_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal, piped = Terminal(), io.StringIO()
    monkeypatch.setattr("sys.stdout", terminal)
    monkeypatch.setattr("sys.stderr", piped)
    echo("\033[1mbold\033[0m")
    echo("\033[31mred\033[0m", err=True)
    assert terminal.getvalue() == "\033[1mbold\033[0m\n"
    assert piped.getvalue() == "red\n"
