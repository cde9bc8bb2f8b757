"""Merges the guard's pre-tool hook into an agent's project settings, and takes it out.

One entry per agent, in the file and shape each agent documents (formats.AGENTS):
`groups` (Claude Code, Codex CLI, Gemini CLI: `hooks.<event>` holds matcher groups
holding our handler), `flat` (Cursor, Copilot, Windsurf: `hooks.<event>` holds
handlers), `file` (Cline's hook script, OpenCode's plugin: a file of our own).

Everything else in a settings file is kept as it was (key order included),
installing twice changes nothing, and uninstalling removes only handlers whose
command runs `guard agent <name>` (and a file of ours only when it is ours). A file
that is not plain JSON (Gemini allows comments) is never rewritten: the error says
what to add by hand.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from guard.agent.formats import AGENTS, COMMAND, NAMES
from guard.errors import UsageError

MARK = "written by `guard install --agent {agent}`"  # in a file of ours


def default_command(agent: str) -> str:
    """`guard agent NAME` when `guard` is on PATH (the form a shared settings file
    wants), else the absolute path of the running `guard` script, else the running
    interpreter with `-m guard.agent`: an entry that cannot run lets every call through."""
    import shlex
    import shutil
    import sys

    if shutil.which("guard"):
        return f"guard agent {agent}"
    script = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    if os.path.basename(script) == "guard" and os.access(script, os.X_OK):
        return f"{shlex.quote(script)} agent {agent}"
    return f"{shlex.quote(sys.executable)} -I -m guard.agent {agent}"


def command_for(agent: str, guard: str | None) -> str:
    """The hook command: `--command PATH` names the guard to run."""
    import shlex

    return default_command(agent) if guard is None else f"{shlex.quote(guard)} agent {agent}"


def would_run(command: str) -> bool:
    """Whether the command's program exists here (on PATH, or as the path given)."""
    import shlex
    import shutil

    try:
        words = shlex.split(command)
    except ValueError:
        return False
    return bool(words) and shutil.which(words[0]) is not None


def _fill(value: Any, command: str) -> Any:
    if value == COMMAND:
        return command
    if isinstance(value, dict):
        return {key: _fill(item, command) for key, item in value.items()}
    return value


def handler(agent: str, command: str) -> dict[str, Any]:
    """Our hook handler, in the agent's own format; for a stop command (one ending in
    `--on-stop MODE`) without `onFailure` or `failClosed` under warn: a crashed stop hook that only
    tells must not keep the agent from stopping."""
    entry = dict(_fill(AGENTS[agent]["handler"], command))
    if command.endswith(" --on-stop warn"):
        entry.pop("onFailure", None)
        entry.pop("failClosed", None)
    return entry


def stop_command(command: str, on_stop: str) -> str:
    """The end-of-turn hook's command: the pre-tool one, answering as `on_stop` says."""
    return f"{command} --on-stop {on_stop}"


def events(agent: str) -> tuple[str, ...]:
    """Every event our entries go under: the pre-tool ones, then the stop ones."""
    return (*AGENTS[agent]["install_events"], *AGENTS[agent]["stop"]["events"])


def wanted(agent: str, event: str, command: str, on_stop: str) -> dict[str, Any]:
    """Our list item under `event`: a handler (flat) or a matcher group holding one
    (a stop event's group matches everything: the agents take no matcher there)."""
    dialect = AGENTS[agent]
    stop = event in dialect["stop"]["events"]
    entry = handler(agent, stop_command(command, on_stop) if stop else command)
    if dialect["shape"] == "flat":
        return entry
    return {"hooks": [entry]} if stop else {"matcher": dialect["matcher"], "hooks": [entry]}


def is_ours(entry: object, agent: str) -> bool:
    """Whether a handler runs this guard's hook for `agent` (however guard is spelled)."""
    key = AGENTS[agent]["command_key"] or "command"
    if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
        return False
    # `python -m guard.agent NAME`, and `guard.hooks.agent`, where the hook lived before.
    pattern = (
        rf"(^|[\s/'\"])(guard['\"]? agent|guard\.agent|guard\.hooks\.agent) {agent}(\s|$|['\"])"
    )
    return re.search(pattern, entry[key]) is not None


# The commands the installer writes, and nothing else: `only_ours` trusts these.
_EXACT = (
    r"(?:(\S*/)?guard agent {agent}|'[^']*/guard' agent {agent}|\S+ -I -m guard\.agent {agent})"
    r"(?: --on-stop (?:warn|block))?"
)


def is_exactly_ours(entry: object, agent: str) -> bool:
    """A handler exactly as the installer writes it, with a command it writes."""
    if not is_ours(entry, agent) or not isinstance(entry, dict):
        return False
    command = entry[AGENTS[agent]["command_key"] or "command"]
    exact = re.fullmatch(_EXACT.format(agent=agent), command) is not None
    return exact and entry == handler(agent, command)


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


def settings_path(agent: str, local: bool) -> str:
    dialect = AGENTS[agent]
    if not local:
        return dialect["settings"]
    if not dialect["local_settings"]:
        raise UsageError(
            f"--local: {dialect['title']} has no local settings file",
            hint=f"agents with one: {', '.join(n for n in NAMES if AGENTS[n]['local_settings'])}",
        )
    return dialect["local_settings"]


# --------------------------------------------------------------------------- the file


def _read(path: str, display: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{display}: cannot read it: {exc}") from exc


def _parse(text: str, display: str) -> dict[str, Any]:
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


def _load(path: str, display: str) -> dict[str, Any] | None:
    """The settings object, None when the file does not exist."""
    text = _read(path, display)
    return None if text is None else _parse(text, display)


def _write(path: str, text: str, mode: int = 0o644) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.guard-tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _save(path: str, data: dict[str, Any]) -> None:
    _write(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _lists(data: dict[str, Any], agent: str, display: str) -> dict[str, list[Any]]:
    """Our events' lists (groups or handlers) that exist; UsageError on a wrong shape."""
    hooks = data.get("hooks")
    if hooks is None:
        return {}
    if not isinstance(hooks, dict):
        raise UsageError(f"{display}: `hooks` is not an object; fix it first")
    found = {}
    for event in events(agent):
        items = hooks.get(event)
        if items is not None and not isinstance(items, list):
            raise UsageError(f"{display}: `hooks.{event}` is not a list; fix it first")
        if items is not None:
            found[event] = items
    return found


def _count_ours(item: object, agent: str) -> int:
    """Our handlers in one list item: a matcher group (groups) or a handler (flat)."""
    if AGENTS[agent]["shape"] == "flat":
        return int(is_ours(item, agent))
    if not isinstance(item, dict) or not isinstance(item.get("hooks"), list):
        return 0
    return sum(is_ours(entry, agent) for entry in item["hooks"])


def _remove_ours(items: list[Any], agent: str) -> int:
    """Take our handlers out; drop groups that held nothing else."""
    removed = 0
    for item in list(items):
        count = _count_ours(item, agent)
        if not count:
            continue
        removed += count
        if AGENTS[agent]["shape"] == "flat":
            items.remove(item)
            continue
        item["hooks"] = [entry for entry in item["hooks"] if not is_ours(entry, agent)]
        if not item["hooks"]:
            items.remove(item)
    return removed


def _strip(data: dict[str, Any], agent: str, display: str) -> int:
    """Remove our handlers, and the lists, `hooks` and header they leave empty."""
    lists = _lists(data, agent, display)
    removed = sum(_remove_ours(items, agent) for items in lists.values())
    if not removed:
        return 0
    hooks = data["hooks"]
    for event, items in lists.items():
        if not items:
            del hooks[event]
    if not hooks:
        del data["hooks"]
    header = AGENTS[agent]["header"]
    if header and data == header:
        data.clear()
    return removed


# --------------------------------------------------------------------------- install


def install(
    agent: str,
    root: str,
    command: str | None = None,
    local: bool = False,
    on_stop: str = "warn",
) -> list[str]:
    """Merge our hook entries into the agent's settings (pre-tool, and end-of-turn where
    the agent has the event); return what was done. Idempotent."""
    dialect = AGENTS[agent]
    display = settings_path(agent, local)
    path = os.path.join(root, display)
    command = command or default_command(agent)
    if dialect["shape"] == "file":
        done = _install_file(agent, path, display, command)
    else:
        done = _install_json(agent, path, display, command, on_stop)
    if done is None:
        return [f"{agent}: already installed in {display}"]
    events = dialect["install_events"]
    what = f"{', '.join(events)} hook{'s' if len(events) > 1 else ''}"
    if dialect["matcher"]:
        what += f", matcher {dialect['matcher']}"
    if dialect["stop"]["events"] and dialect["shape"] != "file":
        what += f"; {', '.join(dialect['stop']['events'])}: --on-stop {on_stop}"
    lines = [f"{agent}: {done} {display} ({what})"]
    if local:
        lines += _exclude(root, display)
    return lines + _notes(agent, command)


def _install_json(agent: str, path: str, display: str, command: str, on_stop: str) -> str | None:
    dialect = AGENTS[agent]
    data = _load(path, display)
    created = data is None
    data = dict(dialect["header"]) if data is None else data
    ours = {event: wanted(agent, event, command, on_stop) for event in events(agent)}
    lists = _lists(data, agent, display)
    if len(lists) == len(ours) and all(
        ours[event] in items and sum(_count_ours(i, agent) for i in items) == 1
        for event, items in lists.items()
    ):
        return None
    hooks = data.setdefault("hooks", {})
    for event in ours:
        items = lists.get(event)
        if items is None:
            items = hooks[event] = []
        # An older entry of ours (another command, say) is replaced where it was.
        position = next((i for i, g in enumerate(items) if _count_ours(g, agent)), len(items))
        _remove_ours(items, agent)
        items.insert(min(position, len(items)), copy.deepcopy(ours[event]))
    _save(path, data)
    return "created" if created else "updated"


def file_text(agent: str, command: str) -> str:
    """A file of ours (Cline's hook script, OpenCode's plugin), running `command`."""
    dialect = AGENTS[agent]
    value = json.dumps(command) if dialect["settings"].endswith(".js") else command
    return dialect["template"].replace(COMMAND, value)


def _is_our_file(agent: str, text: str) -> bool:
    """Ours when its heading (after any `#!` line) says so."""
    lines = text.split("\n", 2)
    heading = lines[1] if text.startswith("#!") and len(lines) > 1 else lines[0]
    return MARK.format(agent=agent) in heading


def _install_file(agent: str, path: str, display: str, command: str) -> str | None:
    text = file_text(agent, command)
    found = _read(path, display)
    if found == text:
        return None
    if found is not None and not _is_our_file(agent, found):
        raise UsageError(
            f"{display}: exists and is not session-guard's; session-guard leaves it untouched",
            hint=f"make it run `{command}` (its output is the hook's answer), or remove it",
        )
    executable = AGENTS[agent]["template"].startswith("#!")
    _write(path, text, 0o755 if executable else 0o644)
    return "created" if found is None else "updated"


def _exclude(root: str, display: str) -> list[str]:
    """Keep a local settings file out of commits: git-exclude it unless already ignored."""
    from guard import gitio, gitrun

    relative = display.replace(os.sep, "/")
    if gitrun.attempt(["check-ignore", "-q", "--", relative], cwd=root) is not None:
        return []
    exclude = os.path.join(gitio.common_dir(root), "info", "exclude")
    os.makedirs(os.path.dirname(exclude), exist_ok=True)
    with open(exclude, "a", encoding="utf-8") as handle:
        handle.write(f"/{relative}\n")
    return [f"added /{relative} to {exclude}: it stays out of commits"]


def _notes(agent: str, command: str) -> list[str]:
    notes = []
    if not would_run(command):
        notes.append(
            f"{agent}: warning: `{command}` would not run here (its program is not on PATH "
            "nor an executable path); an agent that cannot run it lets every tool call "
            "through: give --command /path/to/guard"
        )
    if AGENTS[agent]["note"]:
        notes.append(f"{agent}: {AGENTS[agent]['note']}")
    return notes


# --------------------------------------------------------------------------- uninstall


def uninstall(agent: str, root: str, local: bool = False) -> list[str]:
    """Remove our handlers; leave every other setting and hook as it was."""
    display = settings_path(agent, local)
    path = os.path.join(root, display)
    if AGENTS[agent]["shape"] == "file":
        found = _read(path, display)
        if found is None or not _is_our_file(agent, found):
            return []
        os.remove(path)
        _remove_empty_dirs(path, root)
        return [f"{agent}: removed {display}"]
    data = _load(path, display)
    if data is None or not _strip(data, agent, display):
        return []
    if data:
        _save(path, data)
        return [f"{agent}: removed the session-guard hook from {display}"]
    os.remove(path)  # it held nothing but our hook
    _remove_empty_dirs(path, root)
    return [f"{agent}: removed {display} (it held only the session-guard hook)"]


def _remove_empty_dirs(path: str, root: str) -> None:
    """The folders the file was in, up to the work tree, while they are empty."""
    directory = os.path.dirname(path)
    while directory != root and directory.startswith(root + os.sep):
        try:
            os.rmdir(directory)
        except OSError:  # not empty: other files live there
            return
        directory = os.path.dirname(directory)


# --------------------------------------------------------------------------- the audit


def settings_own(root: str, start: str | None, paths: Iterable[str]) -> set[str]:
    """For the audit (guard.gather): the changed `paths` that are an agent's settings
    file holding, beyond what it held at the session's start commit, only our hook."""
    from guard import gitrun

    files = {
        display.replace(os.sep, "/"): (name, display)
        for name, dialect in AGENTS.items()
        for display in (dialect["settings"], dialect["local_settings"])
        if display
    }
    own = set()
    for path in files.keys() & set(paths):
        try:
            text: bytes | None = Path(root, path).read_bytes()
        except OSError:
            text = None
        base = gitrun.attempt(["show", f"{start}:{path}"], cwd=root) if start else None
        if only_ours(*files[path], text, base):
            own.add(path)
    return own


def only_ours(agent: str, display: str, text: bytes | None, base: bytes | None) -> bool:
    """Whether a settings file differs from `base` (its committed text, None: absent)
    only by the guard's own hook, exactly as the installer writes it: such a file is
    enforcement the installer put there, not the session's work."""
    with contextlib.suppress(UsageError, UnicodeDecodeError):
        if AGENTS[agent]["shape"] == "file":
            if text is None or base is not None:
                return False
            return any(text.decode() == file_text(agent, c) for c in _commands(agent, text))
        if text is None:  # deleted: taking the guard's hook away is never its own doing
            return False
        now = _parse(text.decode(), display)
        before = _parse(base.decode(), display) if base is not None else {}
        # Our entry must be there, exactly as written, and nothing else may differ.
        if not _exact_only(now, agent, display) or not _strip(now, agent, display):
            return False
        _strip(before, agent, display)
        return now == before
    return False


def _exact_only(data: dict[str, Any], agent: str, display: str) -> bool:
    """Every handler of ours in the file is exactly as the installer writes it."""
    for items in _lists(copy.deepcopy(data), agent, display).values():
        for item in items:
            entries: object = [item]
            if AGENTS[agent]["shape"] != "flat":
                entries = item.get("hooks") if isinstance(item, dict) else None
            if not isinstance(entries, list):
                continue
            if any(is_ours(e, agent) and not is_exactly_ours(e, agent) for e in entries):
                return False
    return True


def _commands(agent: str, text: bytes) -> list[str]:
    """The command a file of ours runs, as the template holds it."""
    template = AGENTS[agent]["template"]
    head, _, tail = template.partition(COMMAND)
    body = text.decode()
    if not body.startswith(head) or not body.endswith(tail) or len(body) < len(head) + len(tail):
        return []
    value = body[len(head) : len(body) - len(tail)]
    if AGENTS[agent]["settings"].endswith(".js"):
        with contextlib.suppress(ValueError):
            value = json.loads(value)
    if not isinstance(value, str):
        return []
    exact = re.fullmatch(_EXACT.format(agent=agent), value) is not None
    return [value] if exact else []
