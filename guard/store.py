"""Session state and journal on disk: atomic, locked, hash-chained.

Layout, under `<git-common-dir>/guard/` (shared by linked worktrees, never committed):

    session.json     the active session; its presence is what the hook shims test
    journal.jsonl    the active session's events, one JSON object a line, hash-chained
    journal.head     sequence number and hash of the last event (exposes truncation)
    lock             flock(2) target serialising every write
    sessions/<id>/   archived sessions: the three files above, plus the final audit

A session scoped to one worktree keeps the same files in its own folder below
(`main-worktree/`, `worktrees/<name>/`; see guard.location) and is archived in
the shared `sessions/<id>/`.

A session file never changes after start: the journal's first event records its
SHA-256, so an edit is detected. Deleting the session file while the journal
remains makes every hook fail closed; deleting everything is visible to the
audit (the start receipt names the start commit) but not preventable by a
process running as the same user, as the README's threat model says.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from guard.errors import StateError
from guard.location import ARCHIVE, HEAD, JOURNAL, LOCK, SESSION, repository_of
from guard.session import Session, session_from_data

try:  # hashlib loads OpenSSL (about 5 ms a hook run); the builtin module suffices
    from _sha2 import sha256 as _sha256  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Python < 3.12
    try:
        from _sha256 import sha256 as _sha256  # type: ignore[import-not-found, no-redef, unused-ignore]
    except ImportError:  # pragma: no cover - a Python built without them
        from hashlib import sha256 as _sha256  # type: ignore[assignment, unused-ignore]

GENESIS = "0" * 64
RECOVER = "guard session verify  (then, to end the session: guard session stop)"


def now() -> str:
    """The time of an event or a session's start: UTC, to the second, ISO 8601."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def digest(data: bytes) -> str:
    """SHA-256, hex: the builtin module, not hashlib (whose OpenSSL load costs more)."""
    return str(_sha256(data).hexdigest())


def write_atomic(path: str, data: bytes) -> None:
    """Write a whole file so readers see the old or the new content, never a mix."""
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    directory = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


@contextmanager
def locked(state: str) -> Iterator[None]:
    """Hold the state directory's lock (blocking) for the duration."""
    os.makedirs(state, exist_ok=True)
    fd = os.open(os.path.join(state, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- journal


def append(state: str, event: str, session_id: str, data: dict[str, Any], now: str) -> str:
    """Append one event to the active journal under the lock; return its hash.

    A hook judges under a shared lock and appends after it: if the session was
    stopped (or replaced) in between, the event is dropped rather than written into
    a journal of its own, which would look like an active session. Returns "" then.
    """
    with locked(state):
        start = _first_event(state)
        if start is None or start.get("session") != session_id:
            return ""
        return append_unlocked(state, event, session_id, data, now)


def append_unlocked(state: str, event: str, session_id: str, data: dict[str, Any], now: str) -> str:
    seq, prev = _head(state)
    entry = {
        "seq": seq + 1,
        "time": now,
        "session": session_id,
        "event": event,
        "data": data,
        "prev": prev,
    }
    entry["hash"] = digest(_canonical(entry))
    line = _canonical(entry) + b"\n"
    fd = os.open(os.path.join(state, JOURNAL), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)
    head = json.dumps({"seq": seq + 1, "hash": entry["hash"]}).encode()
    tmp = os.path.join(state, f"{HEAD}.tmp{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(head)
    os.replace(tmp, os.path.join(state, HEAD))
    return str(entry["hash"])


def _head(state: str) -> tuple[int, str]:
    try:
        with open(os.path.join(state, HEAD), "rb") as handle:
            head = json.loads(handle.read())
        return int(head["seq"]), str(head["hash"])
    except FileNotFoundError:
        return -1, GENESIS
    except (ValueError, KeyError, TypeError) as exc:
        raise StateError(f"journal head is unreadable: {exc}", hint=RECOVER) from exc


def read_journal(directory: str) -> list[dict[str, Any]]:
    """Every event of a journal; raises StateError when a line is not JSON."""
    try:
        with open(os.path.join(directory, JOURNAL), "rb") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return []
    events = []
    for number, line in enumerate(lines, 1):
        try:
            event = json.loads(line)
        except ValueError as exc:
            raise StateError(f"journal line {number} is not JSON", hint=RECOVER) from exc
        if not isinstance(event, dict):
            raise StateError(f"journal line {number} is not an event", hint=RECOVER)
        events.append(event)
    return events


def events(directory: str) -> list[dict[str, Any]]:
    """Every event of a journal, active or archived; none when it is unreadable (the
    audit's integrity check says so, and the rules alone decide)."""
    try:
        return read_journal(directory)
    except StateError:
        return []


def verify(directory: str) -> list[str]:
    """Problems with a journal's chain: edited, reordered, truncated or extended lines."""
    try:
        events = read_journal(directory)
    except StateError as exc:
        return [exc.message]
    problems = []
    prev = GENESIS
    for number, event in enumerate(events, 1):
        claimed = event.get("hash")
        body = {k: v for k, v in event.items() if k != "hash"}
        if event.get("seq") != number - 1:
            problems.append(f"line {number}: sequence {event.get('seq')!r}, expected {number - 1}")
        if event.get("prev") != prev:
            problems.append(f"line {number}: does not follow line {number - 1} (reordered?)")
        if claimed != digest(_canonical(body)):
            problems.append(f"line {number}: content does not match its hash (edited)")
        prev = claimed if isinstance(claimed, str) else ""
    problems.extend(_head_problems(directory, len(events), prev))
    if events and events[0].get("event") != "start":
        problems.append("line 1: the journal does not begin with the session start")
    return problems


def _head_problems(directory: str, lines: int, last_hash: str) -> list[str]:
    """Compare the journal with its head file: truncation shows here."""
    try:
        seq, recorded = _head(directory)
    except StateError as exc:
        return [exc.message]
    count = seq + 1  # lines the head says the journal has
    if count > lines:
        return [f"journal ends at line {lines}, but its head says {count} (truncated)"]
    if count < lines:
        return [f"journal has {lines - count} line(s) after its recorded head"]
    if lines and recorded != last_hash:
        return ["the last line is not the one the journal head recorded (replaced?)"]
    return []


# --------------------------------------------------------------------------- sessions


def _first_event(state: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(state, JOURNAL), "rb") as handle:
            line = handle.readline()
    except FileNotFoundError:
        return None
    try:
        event = json.loads(line)
    except ValueError as exc:
        raise StateError("journal line 1 is not JSON", hint=RECOVER) from exc
    return event if isinstance(event, dict) else None


def load_active(state: str, *, locked_already: bool = False) -> Session | None:
    """The active session, None when there is none; StateError when state is unusable.

    Fails closed: a session file that is unreadable, or that differs from the one
    recorded at start, or that is missing while the journal says a session is
    active, all raise. Reads under a shared lock, so a hook never sees a session
    half archived by `stop` (pass `locked_already` when holding the exclusive lock).
    """
    if locked_already:
        return _load_active(state)
    try:
        fd = os.open(os.path.join(state, LOCK), os.O_RDONLY)
    except FileNotFoundError:  # no session was ever started here
        return _load_active(state)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        return _load_active(state)
    finally:
        os.close(fd)


def _load_active(state: str) -> Session | None:
    try:
        with open(os.path.join(state, SESSION), "rb") as handle:
            raw = handle.read()
    except FileNotFoundError:
        start = _first_event(state)
        if start is None:
            return None
        raise StateError(
            f"session file is missing, but the journal says session "
            f"{start.get('session')!r} is active",
            hint=RECOVER,
        ) from None
    except OSError as exc:
        raise StateError(f"session file is unreadable: {exc.strerror}", hint=RECOVER) from exc
    return _checked(state, raw)


def load_archived(directory: str) -> Session:
    """An archived session, checked against its journal like an active one."""
    try:
        with open(os.path.join(directory, SESSION), "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise StateError(
            f"archived session file is unreadable: {exc.strerror}",
            hint=f"guard session verify --session {os.path.basename(directory)}",
        ) from exc
    return _checked(directory, raw)


def _checked(directory: str, raw: bytes) -> Session:
    start = _first_event(directory)
    recorded = (start or {}).get("data", {}).get("session_sha256")
    if recorded != digest(raw):
        raise StateError(
            "session file does not match the one recorded when the session started",
            hint=RECOVER,
        )
    try:
        return session_from_data(json.loads(raw))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StateError(f"session file is unreadable: {exc}", hint=RECOVER) from exc


def start_event(state: str) -> dict[str, Any] | None:
    """The active journal's start event (what recovery trusts when the file is gone)."""
    return _first_event(state)


def encode_session(session: Session) -> bytes:
    """The session file: indented JSON with sorted keys."""
    return json.dumps(session.to_data(), indent=2, sort_keys=True).encode() + b"\n"


def begin(state: str, session: Session, now: str, receipt: dict[str, Any]) -> None:
    """Record a new active session; StateError-free refusal is the caller's job."""
    raw = encode_session(session)
    write_atomic(os.path.join(state, SESSION), raw)
    data = {**receipt, "session_sha256": digest(raw)}
    append_unlocked(state, "start", session.id, data, now)


def archive(state: str, session_id: str) -> str:
    """Move the active session's files to sessions/<id>/ of the repository state (a
    scoped session's archive sits beside every other); return that directory."""
    target = os.path.join(repository_of(state), ARCHIVE, session_id)
    os.makedirs(target, exist_ok=True)
    for name in (JOURNAL, HEAD, SESSION):
        source = os.path.join(state, name)
        if os.path.exists(source):
            os.replace(source, os.path.join(target, name))
    return target


def active_with_id(repo: str, session_id: str) -> str | None:
    """The state directory of the active session `session_id` of the repository whose
    state is `repo` (repository-wide or scoped to a worktree), else None."""
    from guard.location import active_states

    for directory in active_states(repo):
        try:
            start = _first_event(directory)
        except StateError:
            continue
        if start is not None and start.get("session") == session_id:
            return directory
    return None


def archived(state: str) -> list[str]:
    """Archived session ids, oldest first (ids start with their UTC start time)."""
    try:
        return sorted(os.listdir(os.path.join(state, ARCHIVE)))
    except FileNotFoundError:
        return []


def archived_dir(state: str, session_id: str) -> str:
    return os.path.join(state, ARCHIVE, session_id)
