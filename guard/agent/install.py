"""Merges the guard's pre-tool hook into an agent's project settings, and takes it out.

One entry per agent, in the file and shape each agent documents (formats.AGENTS:
its settings file, `hooks.<event>`, a matcher group holding our handler):
Claude Code `.claude/settings.json`, Codex CLI `.codex/hooks.json`, Gemini CLI
`.gemini/settings.json`.

Everything else in the file is kept as it was (key order included), installing
twice changes nothing, and uninstalling removes only handlers whose command runs
`guard agent <name>`. A file that is not plain JSON (Gemini allows comments) is
never rewritten: the error says what to add by hand.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from typing import Any

from guard.agent.formats import AGENTS, NAMES
from guard.errors import UsageError


def default_command(agent: str) -> str:
    return f"guard agent {agent}"


def handler(agent: str, command: str) -> dict[str, Any]:
    """Our hook handler, in the agent's own format."""
    return {"type": "command", "command": command, **AGENTS[agent]["handler"]}


def is_ours(entry: object, agent: str) -> bool:
    """Whether a handler runs this guard's hook for `agent` (however guard is spelled)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("command"), str):
        return False
    # `python -m guard.agent NAME`, and `guard.hooks.agent`, where the hook lived before.
    pattern = rf"(^|[\s/'\"])(guard agent|guard\.agent|guard\.hooks\.agent) {agent}(\s|$|['\"])"
    return re.search(pattern, entry["command"]) is not None


def parse_agents(names: tuple[str, ...] | list[str]) -> list[str]:
    unknown = [name for name in names if name not in AGENTS]
    if unknown:
        raise UsageError(
            f"--agent {', '.join(map(repr, unknown))}: unknown agent",
            hint=f"choose from {', '.join(NAMES)}",
        )
    return list(dict.fromkeys(names))


def project_root() -> str:
    """The work tree the settings belong to (the current one)."""
    from guard import gitio
    from guard.errors import GitError

    location = gitio.locate()
    if location is None:
        raise GitError("not a git repository (or git is missing)", hint="run this inside one")
    return location.root


# --------------------------------------------------------------------------- the file


def _load(path: str, display: str) -> dict[str, Any] | None:
    """The settings object, None when the file does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{display}: cannot read it: {exc}") from exc
    try:
        data = json.loads(text) if text.strip() else {}
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        col = getattr(exc, "colno", 0)
        raise UsageError(
            f"{display}:{line}:{col}: not plain JSON ({getattr(exc, 'msg', exc)}); "
            "session-guard leaves it untouched",
            hint="fix it (comments are not supported here), or add the hook entry by hand",
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{display}: expected a JSON object, found {type(data).__name__}")
    return data


def _save(path: str, data: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.guard-tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def _groups(data: dict[str, Any], agent: str, display: str) -> list[Any] | None:
    """The matcher groups of our event (None: none yet); UsageError on a wrong shape."""
    hooks = data.get("hooks")
    if hooks is None:
        return None
    if not isinstance(hooks, dict):
        raise UsageError(f"{display}: `hooks` is not an object; fix it first")
    event = AGENTS[agent]["event"]
    groups = hooks.get(event)
    if groups is not None and not isinstance(groups, list):
        raise UsageError(f"{display}: `hooks.{event}` is not a list; fix it first")
    return groups


def _ensure_groups(data: dict[str, Any], agent: str, display: str) -> list[Any]:
    groups = _groups(data, agent, display)
    if groups is None:
        groups = data.setdefault("hooks", {})[AGENTS[agent]["event"]] = []
    return groups


# --------------------------------------------------------------------------- install


def install(agent: str, root: str, command: str | None = None) -> list[str]:
    """Merge our hook entry into the agent's settings; return what was done. Idempotent."""
    dialect = AGENTS[agent]
    display = dialect["settings"]
    path = os.path.join(root, display)
    data = _load(path, display)
    created = data is None
    data = {} if data is None else data
    groups = _ensure_groups(data, agent, display)
    entry = handler(agent, command or default_command(agent))
    wanted = {"matcher": dialect["matcher"], "hooks": [entry]}
    if wanted in groups and sum(_count_ours(g, agent) for g in groups) == 1:
        return [f"{agent}: already installed in {display}"]
    # An older entry of ours (another command, say) is replaced where it was.
    position = next((i for i, g in enumerate(groups) if _count_ours(g, agent)), len(groups))
    _remove_ours(groups, agent)
    groups.insert(min(position, len(groups)), wanted)
    _save(path, data)
    verb = "created" if created else "updated"
    lines = [f"{agent}: {verb} {display} ({dialect['event']} hook, matcher {dialect['matcher']})"]
    return lines + _notes(agent, command)


def _notes(agent: str, command: str | None) -> list[str]:
    import shutil

    notes = []
    if command is None and shutil.which("guard") is None:
        notes.append(
            f"{agent}: warning: `guard` is not on PATH here; an agent that cannot run it "
            "lets every tool call through"
        )
    if AGENTS[agent]["note"]:
        notes.append(f"{agent}: {AGENTS[agent]['note']}")
    return notes


def _count_ours(group: object, agent: str) -> int:
    if not isinstance(group, dict) or not isinstance(group.get("hooks"), list):
        return 0
    return sum(is_ours(entry, agent) for entry in group["hooks"])


def _remove_ours(groups: list[Any], agent: str) -> int:
    """Take our handlers out of every group; drop groups that held nothing else."""
    removed = 0
    for group in list(groups):
        count = _count_ours(group, agent)
        if not count:
            continue
        removed += count
        group["hooks"] = [entry for entry in group["hooks"] if not is_ours(entry, agent)]
        if not group["hooks"]:
            groups.remove(group)
    return removed


# --------------------------------------------------------------------------- uninstall


def uninstall(agent: str, root: str) -> list[str]:
    """Remove our handlers; leave every other setting and hook as it was."""
    display = AGENTS[agent]["settings"]
    path = os.path.join(root, display)
    data = _load(path, display)
    groups = None if data is None else _groups(data, agent, display)
    if data is None or groups is None or not _remove_ours(groups, agent):
        return []
    hooks = data["hooks"]
    if not groups:
        del hooks[AGENTS[agent]["event"]]
    if not hooks:
        del data["hooks"]
    if data:
        _save(path, data)
        return [f"{agent}: removed the session-guard hook from {display}"]
    os.remove(path)  # it held nothing but our hook
    _remove_empty_dir(os.path.dirname(path))
    return [f"{agent}: removed {display} (it held only the session-guard hook)"]


def _remove_empty_dir(path: str) -> None:
    with contextlib.suppress(OSError):  # not empty: other files live there
        os.rmdir(path)
