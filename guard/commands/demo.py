"""`guard demo`: replay a drifting read-only session in a throw-away repository.

Every step runs the real git and the real guard (its hooks included) in a fresh
temporary repository, prints the command and what it said, and checks that it
did what the story needs, so the demo doubles as a smoke test of an install.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from guard.commands.output import echo
from guard.errors import EXIT_OK, GuardError

FILES = {
    "src/payments/breaker.py": "THRESHOLD = 5\n\n\ndef open_after(failures):\n"
    "    return failures >= THRESHOLD\n",
    "tests/test_breaker.py": "from payments.breaker import open_after\n\n\n"
    "def test_opens():\n    assert open_after(5)\n",
    "docs/runbook.md": "# Payments runbook\n",
}
# Unit tests the agent migrates: enough that the summary sums them up by folder.
UNIT_TESTS = {
    f"tests/unit/test_payment_{n}.py": "def test_pays():\n    assert True\n" for n in range(1, 25)
}
WORKLOG = "tests/e2e/test_results/WORKLOG.md"
LABEL = "docs: documentation-only changes"


class DemoFailed(GuardError):
    """A demo step did not do what the story needs: the install is broken."""


class Demo:
    def __init__(self, root: Path, out: Callable[[str], None]) -> None:
        self.root = root
        self.out = out
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("GIT_") and k not in ("NO_COLOR",)
        }
        self.env.update(
            GIT_CONFIG_NOSYSTEM="1",
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_AUTHOR_NAME="Analysis Agent",
            GIT_AUTHOR_EMAIL="agent@example.com",
            GIT_COMMITTER_NAME="Analysis Agent",
            GIT_COMMITTER_EMAIL="agent@example.com",
            NO_COLOR="1",
        )

    def run(self, shown: str, argv: list[str], expect: int = 0) -> str:
        """Run a step, print it as a transcript, and insist on its exit code."""
        self.out(f"$ {shown}")
        done = subprocess.run(
            argv, cwd=self.root, env=self.env, capture_output=True, text=True, check=False
        )
        text = (done.stdout + done.stderr).rstrip()
        for line in text.splitlines():
            self.out(f"  {line}")
        if done.returncode != expect:
            raise DemoFailed(f"`{shown}` exited {done.returncode}, the demo expected {expect}")
        return text

    def git(self, args: str, expect: int = 0) -> str:
        return self.run(f"git {args}", ["git", *args.split()], expect)

    def guard(self, args: str, expect: int = 0) -> str:
        words = args.split("|")
        return self.run(
            shlex.join(["guard", *words]), [sys.executable, "-m", "guard", *words], expect
        )

    def write(self, path: str, text: str, mode: str = "w") -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open(mode, encoding="utf-8") as handle:
            handle.write(text)

    def say(self, text: str) -> None:
        self.out("")
        self.out(f"# {text}")


def story(demo: Demo) -> None:
    demo.say("A service with production code, tests and docs.")
    demo.git("init -q -b main")
    for path, text in {**FILES, **UNIT_TESTS}.items():
        demo.write(path, text)
    demo.git("add -A")
    demo.git("commit -q -m initial")
    demo.say("The owner installs the hooks and declares a read-only session.")
    demo.guard("install")
    demo.guard("session|start|--mode|read-only|--reason|investigate the flaky payment tests")
    demo.say("The agent writes its worklog: docs, allowed.")
    demo.write(WORKLOG, "- 14:02 retry storm reproduced; breaker opens at 5 failures\n")
    demo.git(f"add {WORKLOG}")
    demo.git("commit -q -m worklog")
    demo.say("The agent 'fixes' the circuit breaker: refused before it lands.")
    demo.write("src/payments/breaker.py", FILES["src/payments/breaker.py"].replace("5", "50"))
    demo.git("add src/payments/breaker.py")
    demo.git("commit -q -m tune-breaker", expect=1)
    demo.say("It tries again with every hook switched off, labels it docs, and migrates the tests.")
    demo.write("src/payments/retry.py", "ATTEMPTS = 3\n")
    demo.write("tests/test_breaker.py", "\n# migrated\n", mode="a")
    bypass = ["git", "-c", "core.hooksPath=/dev/null", "commit", "-q", "--no-verify"]
    demo.git("add -A")
    demo.run(shlex.join([*bypass, "-m", LABEL]), [*bypass, "-m", LABEL])
    paths = list(UNIT_TESTS)
    for part in range(1, 4):
        for path in paths[(part - 1) * 8 : part * 8]:
            demo.write(path, "import pytest\n", mode="a")
        demo.git("add -A")
        subject = f"migrate tests, part {part}"
        demo.run(shlex.join([*bypass, "-m", subject]), [*bypass, "-m", subject])
    demo.say(
        "The owner audits from git itself. The summary comes first: the verdict, what "
        "changed by folder, the commits (the bypass and its false label among them), "
        "and the one command that undoes it."
    )
    audit = demo.guard("audit", expect=1)
    for expected in ("VIOLATED", "tests/unit/", "violation (claims docs only)", "--verbose"):
        if expected not in audit:
            raise DemoFailed(f"the audit's summary does not show {expected!r}")
    undo = re.search(r"^Undo: guard (.*--apply) restores", audit, re.MULTILINE)
    if undo is None:
        raise DemoFailed("the audit's summary does not end with the command that undoes it")
    demo.say("Run that command: one new commit restores what the mode forbids, the worklog stays.")
    demo.guard("|".join(undo.group(1).split()))
    demo.guard("audit", expect=1)
    if (demo.root / "src/payments/retry.py").exists() or not (demo.root / WORKLOG).exists():
        raise DemoFailed("the rollback did not restore the tree as planned")
    demo.guard("session|stop")
    demo.git("log --oneline")


def demo(keep: bool) -> int:
    """Replay the story, then say so (and where the repository is, when kept)."""
    kept = replay(keep, echo)
    echo("")
    echo("demo finished: the session was declared, enforced, audited and rolled back")
    if kept is not None:
        echo(f"the repository is kept at {kept}")
    return EXIT_OK


def replay(keep: bool, out: Callable[[str], None]) -> Path | None:
    """Replay the story in a temporary repository; return it when kept."""
    root = Path(tempfile.mkdtemp(prefix="guard-demo-"))
    try:
        story(Demo(root, out))
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
    return root if keep else None
