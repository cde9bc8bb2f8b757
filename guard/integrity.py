"""What an audit finds wrong with a session's own records, beyond its commits: refs
rewritten, deleted or written past every hook, commits on a worktree session's
branches made elsewhere, the hooks changed, objects substituted, the journal broken.

Read by `guard.gather` for a session scope (a range has no session records).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from guard import githistory, gitio, gitrun, location, store
from guard.errors import StateError
from guard.gitparse import decode
from guard.hooks.install import hooks_now
from guard.session import Session
from guard.upstream import MADE

BRANCH = "refs/heads/"


def findings(
    session: Session,
    directory: str,
    tips: Mapping[str, str],
    active: bool,
    hooks_dir: str,
    common: str,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The session's rewritten refs, and its integrity findings: refs deleted or
    written past the hooks, the hooks changed since the start (as `session stop` found
    them, for an archived session), substituted objects, a broken journal."""
    rewritten, integrity = [], []
    for ref, start_tip in sorted(session.refs.items()):
        tip = tips.get(ref)
        if tip is None:
            integrity.append({"kind": "ref-deleted", "detail": f"{ref} (was {start_tip})"})
        elif tip != start_tip and not gitio.is_ancestor(start_tip, tip):
            rewritten.append({"ref": ref, "start_tip": start_tip, "tip": tip})
    for ref, tip in sorted(tips.items()):
        if (
            ref.startswith(BRANCH)
            and session.refs.get(ref) != tip
            and githistory.reflog_tip(ref, common) != tip
        ):
            integrity.append(
                {
                    "kind": "ref-without-reflog",
                    "detail": f"{ref} points to {tip}, which its reflog never recorded: "
                    "it was written directly, bypassing every hook",
                }
            )
    at_stop = None if active else _at_stop(directory, "hooks")
    state = location.state_dir(common)
    now = hooks_now(session, hooks_dir, state) if at_stop is None else at_stop
    integrity.extend(_hook_integrity(session, now))
    integrity.extend(_substitutions(common))
    filters = None if active else _at_stop(directory, "filters")
    integrity.extend(_filters(session, content_filters(common) if filters is None else filters))
    problems = store.verify(directory)
    if problems:
        integrity.append({"kind": "journal-invalid", "detail": "; ".join(problems)})
    return rewritten, integrity


def _substitutions(common: str) -> list[dict[str, str]]:
    """Replace refs and a graft file: what makes git show other objects than the real
    ones. Every git call of session-guard ignores them; a person's git does not."""
    found = [
        {"kind": "replace-object", "detail": f"{ref}: git shows {target} in its place"}
        for ref, target in sorted(gitio.refs("refs/replace/").items())
    ]
    if os.path.exists(os.path.join(common, "info", "grafts")):  # noqa: PTH110, PTH118
        found.append({"kind": "grafts", "detail": f"{common}/info/grafts rewrites parents"})
    return found


# The filter commands git runs on a file's content before comparing it with the index
# (what they output is what git status sees; a smudge filter only writes checkouts),
# and the attributes file of the user's own, read with them in one call.
CONTENT_FILTERS = r"^(filter\..+\.(clean|process)|core\.attributesfile)$"


def content_filters(common: str, cwd: str | None = None) -> dict[str, str]:
    """What outside the tracked tree decides how git status reads a file: each clean
    or process filter command the configuration holds (its key -> its values, one a
    line) and the attributes files git reads beside the tree's .gitattributes
    (`info/attributes` of the git directory `common`, `core.attributesFile` -> a
    digest of the content)."""
    import hashlib

    found: dict[str, str] = {}
    out = gitrun.attempt(["config", "-z", "--get-regexp", CONTENT_FILTERS], cwd=cwd) or b""
    for record in decode(out).split("\0"):
        if record:
            key, _, value = record.partition("\n")
            found[key] = f"{found[key]}\n{value}" if key in found else value
    user = found.pop("core.attributesfile", "").rpartition("\n")[2]  # the last one counts
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")  # noqa: PTH111
    files = {
        "info/attributes": os.path.join(common, "info", "attributes"),  # noqa: PTH118
        "core.attributesFile": os.path.expanduser(user)  # noqa: PTH111
        if user
        else os.path.join(config_home, "git", "attributes"),  # noqa: PTH118
    }
    for name, path in files.items():
        try:
            with open(path, "rb") as handle:  # noqa: PTH123
                found[name] = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            pass  # absent (or not a file): nothing read from it
    return found


def _filters(session: Session, now: Mapping[str, Any]) -> list[dict[str, str]]:
    """The clean and process filters, and the attributes files outside the tree, that
    are new or changed from the start to `now` (`content_filters`, or the stop
    event's record of it): a filter can hand git status any content it likes, so an
    edit it hides is seen by nothing git says. One there at the start (git-lfs's) is
    the repository's own; one removed hides nothing."""
    if session.filters is None:
        return []  # a record from before the start kept them
    before = session.filters
    found = []
    for key in sorted(before.keys() | now.keys()):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        if key.startswith("filter."):
            if new is None:
                continue
            what = f"was set ({new!r})" if old is None else f"was changed ({old!r}, now {new!r})"
            detail = (
                f"{key} {what} during the session: a {key.rsplit('.', 1)[1]} "
                "filter decides what git status sees of a file"
            )
        else:
            what = "created" if old is None else ("removed" if new is None else "changed")
            where = ".git/info/attributes" if key == "info/attributes" else key
            detail = (
                f"{where} (attributes git reads from outside the tree) was {what} "
                "during the session"
            )
        found.append({"kind": "filters-changed", "detail": detail})
    return found


def _at_stop(directory: str, key: str) -> Mapping[str, Any] | None:
    """The hooks (or the filters) as `session stop` found them, before it disarmed
    them, from the archived journal's stop event (whose hash chain `verify` checks)."""
    try:
        events = store.read_journal(directory)
    except StateError:
        return None  # journal-invalid says so
    last = events[-1] if events else {}
    found = (last.get("data") or {}).get(key) if last.get("event") == "stop" else None
    return found if isinstance(found, dict) else None


def _hook_integrity(session: Session, now: Mapping[str, Any]) -> list[dict[str, str]]:
    """How the hooks differ from the start: `now` is their state at the end (the
    stop event's record for an archived session; the guard's own disarming at stop
    is no finding)."""
    recorded = session.hooks
    if recorded is None:
        return []
    found = []
    now_dir, now_config = now.get("hooks_dir"), now.get("hooks_path_config")
    if now_dir != recorded.hooks_dir or now_config != recorded.hooks_path_config:
        found.append(
            {
                "kind": "hooks-redirected",
                "detail": f"hooks directory {recorded.hooks_dir} (core.hooksPath "
                f"{recorded.hooks_path_config!r}) became {now_dir} ({now_config!r})",
            }
        )
    current = now.get("fingerprints") or {}
    for hook, before in sorted(recorded.fingerprints.items()):
        after = current.get(hook)
        if before is None:
            found.append({"kind": "hooks-missing", "detail": f"{hook} was not installed at start"})
        elif after is None:
            found.append({"kind": "hooks-removed", "detail": f"{hook} was removed"})
        elif after != before:
            found.append({"kind": "hooks-changed", "detail": f"{hook} was changed"})
    return found


def made_elsewhere(
    cwd: str | None, made: set[str], mine: Mapping[str, str], starts: list[str]
) -> list[dict[str, str]]:
    """Commits on the session's branches that its worktree did not make (another
        worktree committed there, or a ref was moved from outside): a note, named by the
        worktree whose HEAD reflog records them. `cwd` is the session's worktree (None once
    it is gone), `made` the commits its HEAD reflog records it made."""
    found = []
    makers: dict[str, str] | None = None
    for ref, tip in sorted(mine.items()):
        for sha in gitio.commits_since(tip, starts, cwd=cwd):
            if sha in made:
                continue
            if makers is None:
                makers = _makers(cwd)
            where = makers.get(sha)
            origin = f"in the worktree {where}" if where else "outside every worktree's HEAD"
            found.append(
                {
                    "kind": "made-elsewhere",
                    "detail": f"{sha} on {ref} was made {origin}, not in this session's worktree",
                }
            )
    return found


def _makers(cwd: str | None) -> dict[str, str]:
    """Commit -> the worktree whose HEAD reflog records making it."""
    makers: dict[str, str] = {}
    for tree in gitio.worktrees(cwd):
        if tree.path == cwd or not os.path.isdir(tree.path):  # noqa: PTH112
            continue
        for sha, _, message in githistory.head_reflog(tree.path):
            if message.split(" ", 1)[0].rstrip(":") in MADE:
                makers.setdefault(sha, tree.path)
    return makers
