"""Tools the end-to-end tests install from the npm registry, once per test run.

npm and Node.js are part of the test environment, as git is: `.ci/run` installs them
when the machine has none. A missing npm fails the tests that need it rather than
skipping them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import LEAKY


def install(factory: pytest.TempPathFactory, *packages: str, scripts: bool = False) -> Path:
    """`packages` installed into a fresh folder (with a cache of its own): its
    node_modules. `scripts=False` skips their install scripts."""
    npm = shutil.which("npm")
    assert npm, "npm is not installed: these tests need Node.js and npm (see .ci/run)"
    where = factory.mktemp("node-tools")
    (where / "package.json").write_text('{"private": true}\n')
    env = {k: v for k, v in os.environ.items() if k not in LEAKY}
    env["npm_config_cache"] = str(factory.mktemp("npm-cache"))
    options = [] if scripts else ["--ignore-scripts"]
    done = subprocess.run(
        [npm, "install", *options, "--no-audit", "--no-fund", *packages],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return where / "node_modules"
