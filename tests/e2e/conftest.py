"""Fixtures more than one end-to-end module uses, installed once per test run."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e import npm_tools

MULTITOOL = "@microsoft/sarif-multitool-linux@5.7.0"


@pytest.fixture(scope="session")
def multitool(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SARIF Multitool binary. Its one install script makes the binary executable."""
    modules = npm_tools.install(tmp_path_factory, MULTITOOL, scripts=True)
    binary = modules / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
    assert os.access(binary, os.X_OK), binary
    return binary
