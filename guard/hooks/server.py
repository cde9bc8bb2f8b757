"""The server's hooks, `pre-receive` and `update`, for a bare repository (Gitea's and
GitLab's server hooks read the same input): refuse a push whose commits break a
declared session's mode on the session's branch, or that changes protected paths
on a branch the policy's `protect:` rules name.

A session is declared by its record (refs/guard/sessions/<id>, guard.sessionref),
stored on the server or pushed with the work. During pre-receive the pushed objects
sit in git's quarantine (GIT_QUARANTINE_PATH): readable by every git call here,
which inherits the environment, while the refs still hold their old values, so
"the commits no ref reaches" are exactly what the push brings. Each branch is
judged by the audit pipeline (guard.gather, guard.audit) and its one judge.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import TextIO

from guard import gitio, gitrun, sessionref
from guard.classify import Classifier
from guard.errors import PolicyError, UsageError
from guard.judge import Finding, Judge
from guard.messages import finding_lines
from guard.policy import Policy
from guard.policy_file import default_policy_path, load_policy
from guard.protect import Protect
from guard.sessionref import PREFIX, Record

BRANCH = "refs/heads/"
HOOKS = ("pre-receive", "update")
POLICY_KEY = "guard.policy"  # git config in the bare repository: the server's policy
# Who pushes, as the forges tell their hooks (a plain ssh or file:// server says nobody).
PUSHER = ("GL_USERNAME", "GITEA_PUSHER_NAME")

Update = tuple[str, str, str]  # (old, new, ref)


def _zero(sha: str) -> bool:
    return set(sha) == {"0"}


def pre_receive(stdin: str, err: TextIO | None = None) -> int:
    """Every ref the push updates, `<old> <new> <ref>` a line: all accepted or none."""
    updates = [
        (parts[0], parts[1], parts[2])
        for line in stdin.splitlines()
        if len(parts := line.split(" ")) == 3
    ]
    return receive(updates, err or sys.stderr)


def update(args: list[str], err: TextIO | None = None) -> int:
    """One ref (`update REF OLD NEW`), for servers that offer only this hook."""
    if len(args) != 3:
        raise UsageError("the update hook takes REF OLD NEW")
    ref, old, new = args
    return receive([(old, new, ref)], err or sys.stderr)


def server_policy() -> Policy:
    """The policy `git config guard.policy` names (relative to the git directory),
    else the shipped default. Never a file from the pushed work: pushers would choose it."""
    configured = gitio.config_get(POLICY_KEY)
    if not configured:
        return load_policy(default_policy_path())
    path = Path(gitio.git_dir()) / configured
    return load_policy(path)


def receive(updates: list[Update], err: TextIO) -> int:
    """Judge a push; print each refusal (the client shows it as `remote: ...`)."""
    try:
        policy = server_policy()
    except PolicyError:  # fail closed, and say whose policy it is
        err.write("session-guard: the server's policy is invalid: every push is refused\n")
        raise
    refusals: list[str] = []
    records = sessionref.stored()
    for old, new, ref in updates:
        if ref.startswith(PREFIX):
            problems = sessionref.update_problems(ref, old, new)
            refusals += [f"session-guard: refused {p}.\n" for p in problems]
            loaded = None if problems else sessionref.load(ref, new)
            if loaded is not None:
                records[ref] = loaded
    for old, new, ref in updates:
        if not ref.startswith(BRANCH) or _zero(new):
            continue  # tags, notes and deletions bring no branch content
        for record in records.values():
            if record.head_ref == ref:
                refusals += _session(record, ref, new, policy, err)
        refusals += _protected(policy, ref, old, new)
    for text in refusals:
        err.write(text)
    return 1 if refusals else 0


def _session(record: Record, ref: str, new: str, policy: Policy, err: TextIO) -> list[str]:
    """The session's work on its branch, audited under its mode from its start."""
    from guard import audit, gather

    declared = sessionref.under(record, ref, new, policy)
    evidence, judge = gather.declared_range(declared, policy)
    report = audit.build(evidence, judge)
    bad = [c for c in report["commits"] if c["verdict"] != "clean"]
    verdict = report["summary"]["verdict"]
    allowed = ", ".join(declared.allowed) or "nothing"
    what = f"session {record.id} ({record.ref}) is in {record.mode} mode (allows {allowed})"
    if verdict != "violated":
        if bad:
            err.write(
                f"session-guard: {ref}: {what}; {len(bad)} commit(s) broke it, but later "
                "commits restored every path: accepted.\n"
            )
        return []
    lines = [f"session-guard: refused {ref}: {what}, and its commits change what it forbids:"]
    for commit in bad:
        findings = [Finding(**change) for change in commit["changes"]]
        lines.append(f"  commit {commit['sha'][:12]} {commit['subject']!r}:")
        lines += finding_lines(findings)
    lines.append(
        "  Restore those paths with a new commit, then push again: guard rollback "
        f"--base {declared.start[:12]} --head {ref.removeprefix(BRANCH)} prints the plan."
    )
    return ["\n".join(lines) + "\n"]


def _pusher() -> str | None:
    for name in PUSHER:
        if os.environ.get(name):
            return os.environ[name]
    return None


def _protected(policy: Policy, ref: str, old: str, new: str) -> list[str]:
    """Refusals of the `protect:` rules naming the branch: what the push changes on it
    (old to new, a force push included), or for a new branch every commit it brings
    that no branch of the same rule holds yet, must not touch the rule's categories,
    unless the pusher is allowed. A commit another ref already brought (a topic
    branch, a tag) is no exception: no rule judged it there."""
    rules = [rule for rule in policy.protect if rule.covers(ref)]
    pusher = _pusher()
    refusals = []
    branches = gitio.refs(BRANCH.rstrip("/")) if rules and _zero(old) else {}
    for rule in rules:
        if pusher is not None and pusher in rule.allow:
            continue
        judge = Judge(
            Classifier(policy), [c for c in policy.categories if c not in rule.categories]
        )
        if _zero(old):
            held = [sha for name, sha in branches.items() if name != ref and rule.covers(name)]
            commits = gitio.read_commits(gitio.commits_since(new, held))
            changes = [change for commit in commits for change in commit.changes]
        else:
            changes = gitio.diff(old, new)
        findings = [f for f in judge.changes(changes) if f.violation]
        if findings:
            refusals.append(_protect_message(rule, ref, findings))
    return refusals


def _protect_message(rule: Protect, ref: str, findings: list[Finding]) -> str:
    who = ", ".join(rule.allow) if rule.allow else "nobody"
    lines = [
        f"session-guard: refused {ref}: it protects {', '.join(rule.categories)} paths "
        f"({rule.where}), and this push changes them:",
        *finding_lines(findings),
        f"  Who may push such changes here: {who}. Propose them on another branch.",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- install

MARKER = "# session-guard hook shim"  # what guard.hooks.install recognises as its own
CHAINED = ".guard-chained"


def hook_text(hook: str, python: str) -> str:
    """The server hook: runs any hook it replaced first, then the guard, always (a
    server has no session file to test: its sessions are refs)."""
    run = f'{shlex.quote(python)} -I -m guard.hooks - {hook} "$@"'
    return "\n".join(
        [
            "#!/bin/sh",
            f"{MARKER} ({hook}, server): managed by `guard install --server`;",
            "# `guard uninstall --hooks` does not touch it: remove it by hand.",
            f'chained="$0{CHAINED}"',
            'if [ -x "$chained" ]; then',
            "  input=$(cat)",
            '  printf \'%s\\n\' "$input" | "$chained" "$@" || exit $?',
            f"  printf '%s\\n' \"$input\" | {run}",
            "  exit $?",
            "fi",
            f"exec {run}",
            "",
        ]
    )


def install(hooks: list[str], hooks_dir: str | None, policy: str | None) -> list[str]:
    """Write the server hooks into `hooks_dir` (default: the repository's), keeping a
    foreign hook as `<hook>.guard-chained`; with `policy`, validate it and name it in
    `git config guard.policy`."""
    unknown = [hook for hook in hooks if hook not in HOOKS]
    if unknown or not hooks:
        raise UsageError(
            f"--hooks: unknown server hook {', '.join(map(repr, unknown)) or '(none)'}",
            hint=f"choose from {', '.join(HOOKS)}",
        )
    done = []
    if policy is not None:
        path = os.path.abspath(policy)
        load_policy(Path(path))
        gitrun.run(["config", POLICY_KEY, path])
        done.append(f"policy: {path} (git config {POLICY_KEY})")
    target = hooks_dir or gitio.hooks_dir()
    os.makedirs(target, exist_ok=True)
    from guard.hooks.install import is_ours

    for hook in hooks:
        path = os.path.join(target, hook)
        if os.path.lexists(path) and not is_ours(path):
            if os.path.lexists(path + CHAINED):
                raise UsageError(
                    f"{path} is not ours and {path + CHAINED} already exists",
                    hint="move one of them away, then run guard install --server again",
                )
            os.replace(path, path + CHAINED)
            done.append(f"{hook}: kept the existing hook as {path + CHAINED}; it still runs first")
        with open(path + ".tmp", "w", encoding="utf-8") as handle:
            handle.write(hook_text(hook, sys.executable))
        os.chmod(path + ".tmp", 0o755)  # noqa: S103 - git runs only executable hooks
        os.replace(path + ".tmp", path)
        done.append(f"{hook}: installed {path}")
    return done
