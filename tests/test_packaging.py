"""The package as users install it: its version, changelog and source distribution."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
from pathlib import Path

from guard import __version__

ROOT = Path(__file__).resolve().parent.parent


def test_the_version_is_the_changelogs_newest_entry() -> None:
    headings = re.findall(r"^## (\d+\.\d+\.\d+)\b", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert headings[0] == __version__
    assert headings == sorted(headings, key=lambda v: tuple(map(int, v.split("."))), reverse=True)


def test_the_readme_pins_the_current_version_everywhere(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    pinned = set(re.findall(r"(?:rev: |@|ref: |session-guard==)v?(\d+\.\d+\.\d+)", readme))
    assert pinned == {__version__}


def test_the_source_distribution_carries_the_ci_integrations(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp_path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (sdist,) = tmp_path.glob("session_guard-*.tar.gz")
    assert sdist.name == f"session_guard-{__version__}.tar.gz"
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    wanted = {"action.yml", "CHANGELOG.md", "Dockerfile", "ci/gitlab/session-guard.gitlab-ci.yml"}
    assert wanted <= names
    assert not any(name.startswith(".venv/") for name in names)
