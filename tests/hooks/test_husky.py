"""husky's wrappers, as husky 9.1 and 9.0 write them, told apart from a user's script."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.hooks import husky

WRAPPERS = [
    '#!/usr/bin/env sh\n. "$(dirname "$0")/h"',  # husky 9.1
    '#!/usr/bin/env sh\n. "${0%/*}/h"',  # husky 9.0
    '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n',
]
NOT_WRAPPERS = [
    "npm test\n",
    '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\nrm -rf build\n',
    '#!/bin/sh\n. "$(dirname "$0")/h"',
]


@pytest.mark.parametrize("text", WRAPPERS)
def test_is_wrapper_knows_husky_9s_wrappers(tmp_path: Path, text: str) -> None:
    (tmp_path / "pre-commit").write_text(text)
    assert husky.is_wrapper(str(tmp_path / "pre-commit"))


@pytest.mark.parametrize("text", NOT_WRAPPERS)
def test_is_wrapper_leaves_anything_else_alone(tmp_path: Path, text: str) -> None:
    (tmp_path / "pre-commit").write_text(text)
    assert not husky.is_wrapper(str(tmp_path / "pre-commit"))


def test_manages_wants_the_runner_beside_a_wrapper(tmp_path: Path) -> None:
    assert not husky.is_wrapper(str(tmp_path / "pre-commit"))  # no file at all
    (tmp_path / "pre-push").write_text(WRAPPERS[0])
    assert not husky.manages(str(tmp_path))
    (tmp_path / "h").write_text("#!/usr/bin/env sh\n")
    assert husky.manages(str(tmp_path))
