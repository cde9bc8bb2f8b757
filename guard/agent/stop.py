"""The agent's end-of-turn hook: the session's audit, held against what the agent says.

`guard agent NAME --on-stop warn|block` is what an agent runs when it ends its turn
(formats.AGENTS[NAME]["stop"] says where each agent's payload holds its last message
and how it answers). Without a session the hook says nothing (guard.agent.hook answers
before this module loads). During one it audits the session as `guard audit` does, and
checks the claims the agent's last message makes (inline in the payload, else the last
assistant text of its JSONL transcript) with guard/claims.py.

Clean, and no claim contradicted: nothing is said. Otherwise the person is told (the
dialect's field for them where it has one, and stderr) the verdict, what changed that
the mode forbids by category with the first paths, the `guard rollback --apply`
command, and each claim the audit contradicts, quoted. With `block` the same message
also keeps the agent working, where the agent allows a stop hook to, as its next
instruction: once per audit result, and never when the agent says a stop hook kept it
going already, so it cannot loop. An observe-mode session is told, never blocked. An
audit that fails during a session is said as plainly ("fail closed" here means: not
silent), and blocks under `block`.
"""

from __future__ import annotations

import json
import os
import stat
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from guard.agent.formats import AGENTS
from guard.agent.payload import at, fill

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from guard.session import Session

EVENT = "stop-hook"  # the journal's event for what the stop hook said
TAIL = 1 << 20  # bytes read from the end of a transcript: the last message is there
MESSAGE_CHARS = 20_000  # of the last message, checked for claims
SHOWN = 5  # paths named per category or claim

INSTRUCTION = (
    "Before you end: correct your final report so that it says what the session "
    "changed (above), and do not repeat a claim the audit contradicts. Do not try to "
    "hide or work around these changes with other tools; the person decides whether "
    "to undo them."
)


class Ending(NamedTuple):
    """What the stop payload says: the agent's last message, and whether a stop hook
    already kept the agent working in this turn."""

    message: str | None
    continued: bool


# --------------------------------------------------------------------------- the payload


def read_ending(agent: str, raw: bytes) -> Ending:
    """The last message and the loop flag; an unreadable payload gives neither (the
    audit still runs: a stop hook's input is no reason to keep quiet)."""
    try:
        data: object = json.loads(raw) if raw.strip() else {}
    except ValueError:
        data = {}
    hook = AGENTS[agent]["stop"]
    continued = any(at(data, keys) not in (None, False, 0) for keys in hook["continued_keys"])
    for keys in hook["message_keys"]:
        text = at(data, keys)
        if isinstance(text, str) and text.strip():
            return Ending(text[-MESSAGE_CHARS:], continued)
    for keys in hook["transcript_keys"]:
        path = at(data, keys)
        if isinstance(path, str) and path and "\0" not in path:
            text = last_message(path)
            if text:
                return Ending(text, continued)
    return Ending(None, continued)


def last_message(path: str) -> str | None:
    """The last assistant text of a JSONL transcript, None when there is none.

    Only a regular file is read (not a symlink, FIFO, device or directory, checked
    before and after opening without following a link), only its last TAIL bytes, and
    lines that are not JSON objects are skipped. The final turn's text blocks after its
    last tool result are joined: that is the report the agent ends on."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(path, flags)
    except (OSError, ValueError):
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):  # pragma: no cover - swapped since the lstat
            return None
        start = max(0, info.st_size - TAIL)
        handle.seek(start)
        data = handle.read(TAIL)
    lines = data.split(b"\n")
    if start:
        lines = lines[1:]  # the first is cut short
    texts: list[str] = []
    for line in reversed(lines):
        entry = _entry(line)
        if entry is None:
            continue
        role = _role(entry)
        if role == "assistant":
            text = _text(entry)
            if text:
                texts.append(text)
        elif role == "user" and texts:
            break
    joined = "\n\n".join(reversed(texts))
    return joined[-MESSAGE_CHARS:] or None


def _entry(line: bytes) -> dict[str, Any] | None:
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def _role(entry: Mapping[str, Any]) -> str | None:
    """Who wrote a transcript entry: `type` (Claude Code's `assistant`, `user`; an event
    log's `assistant.message`), else the message's `role`."""
    kind = entry.get("type")
    if isinstance(kind, str) and kind.split(".")[0] in ("assistant", "user"):
        return kind.split(".")[0]
    for holder in (entry, entry.get("message"), entry.get("data")):
        role = holder.get("role") if isinstance(holder, dict) else None
        if isinstance(role, str):
            return role
    return None


def _text(entry: Mapping[str, Any]) -> str:
    """The text of an entry: a string, or the text parts of a list of content blocks."""
    for holder in (entry.get("message"), entry.get("data"), entry):
        content = holder.get("content") if isinstance(holder, dict) else None
        if isinstance(content, str):
            return content.strip()
        if isinstance(content, list):
            parts = [
                part["text"]
                for part in content
                if isinstance(part, dict)
                and isinstance(part.get("text"), str)
                and part.get("type", "text") == "text"
            ]
            return "\n".join(parts).strip()
    return ""


# --------------------------------------------------------------------------- the hook


def stopped(
    agent: str,
    mode: str,
    raw: bytes,
    state: str | None,
    directory: str,
    failure: Exception | None,
    stdout: IO[str],
    stderr: IO[str],
) -> int:
    """The stop hook during a session (its state directory, or the failure to find
    one): say nothing, tell, or keep the agent working. Always exits 0: the answer on
    stdout decides, and a crash must not block a stop that `warn` lets through."""
    from guard import store

    ending = read_ending(agent, raw)
    try:
        if failure is not None:
            raise failure
        assert state is not None  # noqa: S101 - a state or a failure, from the caller
        session = store.load_active(state)
        if session is None:  # pragma: no cover - the session ended since its files were seen
            return _answer(agent, "", False, stdout, stderr)
        report = audit(directory, ending.message)
        from guard.claims import false_claims

        false = false_claims(report)
        if report["summary"]["verdict"] == "clean" and not false:
            return _answer(agent, "", False, stdout, stderr)
        message = tell(report, session, false, ending.message is not None)
    except Exception as exc:  # every failure is told, none is raised
        message = failed(exc)
        # No journal to count blocks by (it may be what failed): the agent's own loop
        # flag, and its cap on stop-hook blocks, bound the repeats.
        return _answer(agent, message, mode == "block" and not ending.continued, stdout, stderr)
    seen = fingerprint(report, false)
    can = bool(AGENTS[agent]["stop"]["block_output"]) and not session.observe
    block = mode == "block" and can and not ending.continued
    decision = "block" if block and not _blocked_before(state, seen) else "warn"
    try:
        # Its own layer: an answer at the end of a turn is no tool call (guard.toolcalls).
        data: dict[str, Any] = {"layer": "agent-stop", "agent": agent}
        data["decision"] = decision
        data.update(verdict=report["summary"]["verdict"], seen=seen)
        data["false_claims"] = [claim["kind"] for claim in false]
        store.append(state, EVENT, session.id, data, store.now())
    except Exception:  # unrecorded, a block could repeat: tell only
        decision = "warn"
    return _answer(agent, message, decision == "block", stdout, stderr)


def audit(directory: str, message: str | None) -> dict[str, Any]:
    """The active session's report, as `guard audit` makes it, with the claims of the
    agent's last message checked, from the work tree the session was found for."""
    from guard.commands.audit import audited

    here = os.getcwd()
    os.chdir(directory)
    try:
        return audited(claims=message)
    finally:
        os.chdir(here)


def _answer(agent: str, message: str, block: bool, stdout: IO[str], stderr: IO[str]) -> int:
    hook = AGENTS[agent]["stop"]
    if not message:
        stdout.write(hook["allow_output"])
        return 0
    if block and hook["block_output"]:
        message += INSTRUCTION + "\n"
        shape = hook["block_output"]
    else:
        shape = hook["warn_output"]
    stderr.write(message)
    stdout.write(fill(shape, message.rstrip("\n")) if shape else hook["allow_output"])
    return 0


def fingerprint(report: Mapping[str, Any], false: Sequence[Mapping[str, Any]]) -> str:
    """What the audit found, in a few hex digits: a block is given once per result."""
    from guard import store

    paths = sorted({path for _, paths in _forbidden(report).items() for path in paths})
    said = sorted(f"{claim['kind']}:{claim.get('text', '')}" for claim in false)
    found = [report["summary"]["verdict"], paths, said]
    return store.digest(json.dumps(found).encode())[:16]


def _blocked_before(state: str, seen: str) -> bool:
    """Whether the stop hook already kept the agent working for this audit result (or
    the journal cannot say: then a block could loop, so it counts as given)."""
    from guard import store

    try:
        events = store.read_journal(state)
    except Exception:  # unreadable: assume given, rather than loop
        return True
    return any(
        event.get("event") == EVENT
        and (event.get("data") or {}).get("seen") == seen
        and (event.get("data") or {}).get("decision") == "block"
        for event in events
    )


# --------------------------------------------------------------------------- the message


def _forbidden(report: Mapping[str, Any]) -> dict[str, list[str]]:
    """Category -> the paths the mode forbids that the session changed, committed
    (and not since restored) or not."""
    from guard.report import violations

    found: dict[str, set[str]] = {}
    for _, change in violations(report):
        found.setdefault(change["category"], set()).add(change["path"])
    for row in report["working_tree"]:
        if not row["allowed"]:
            found.setdefault(row["category"], set()).add(row["path"])
    return {category: sorted(paths) for category, paths in sorted(found.items())}


def _listed(paths: Sequence[str]) -> str:
    more = len(paths) - SHOWN
    return ", ".join(paths[:SHOWN]) + (f" and {more:,} more" if more > 0 else "")


def tell(
    report: Mapping[str, Any],
    session: Session,
    false: Sequence[Mapping[str, Any]],
    read: bool,
) -> str:
    """What the person (and, blocking, the agent) reads at the end of the turn."""
    from guard.audit import NOTES
    from guard.claims import summary
    from guard.rollback import by_hand, command_for

    verdict = report["summary"]["verdict"]
    allowed = ", ".join(session.allowed) or "nothing"
    reason = f'; reason: "{session.reason}"' if session.reason else ""
    state = "is clean" if verdict == "clean" else f"is not clean: {verdict}"
    lines = [
        f"session-guard: do not take this turn's report on trust. The audit of session "
        f"{session.id} ({session.mode} mode, which allows {allowed}{reason}) {state}."
    ]
    forbidden = _forbidden(report)
    if forbidden:
        counts = ", ".join(f"{len(paths):,} {category}" for category, paths in forbidden.items())
        lines.append(f"  Changed against the mode: {counts}:")
        lines += [f"    {category}: {_listed(paths)}" for category, paths in forbidden.items()]
    lines += [
        f"  - {finding['detail']}"
        for finding in report["integrity"]
        if finding["kind"] not in NOTES and finding["kind"] != "unrestored-branch"
    ]
    if false:
        lines.append("  The agent's last message says what the audit contradicts:")
        lines += [f"    - {summary(claim)}" for claim in false]
    elif not read:
        lines.append("  (The agent's last message was not available: its claims are unchecked.)")
    if report["rollback"]:
        lines.append(f"  To undo the committed changes in one commit: {command_for(report)}")
    dirty = by_hand(report)
    if dirty:
        lines.append("  Uncommitted, the guard leaves them to you: " + "; ".join(dirty[:SHOWN]))
    lines.append("  `guard audit` shows every change.")
    return "\n".join(lines) + "\n"


def failed(exc: Exception) -> str:
    from guard.errors import GuardError

    said = exc.render("guard") if isinstance(exc, GuardError) else f"{type(exc).__name__}: {exc}"
    return (
        "session-guard: could not audit the session at the end of this turn, so this "
        "turn's report is unchecked: do not take it on trust.\n"
        f"  {said.replace(chr(10), chr(10) + '  ')}\n"
        "  Run `guard audit` to see what the session changed.\n"
    )
