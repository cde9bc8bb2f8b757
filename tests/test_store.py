"""Session state on disk: the journal's hash chain and fail-closed loading."""

from __future__ import annotations

import json
import multiprocessing
import os
from pathlib import Path

import pytest

from guard import location, store
from guard.errors import StateError
from guard.policy_file import default_policy_path, load_policy
from guard.session import Session, session_from_data

POLICY = load_policy(default_policy_path())
SID = "20260101T000000Z-abcdef"


def make_session(session_id: str = "20260101T000000Z-abcdef") -> Session:
    return Session(
        id=session_id,
        mode="read-only",
        allowed=("docs",),
        reason="investigate",
        started_at="2026-01-01T00:00:00Z",
        who={"email": "a@example.com", "host": "h"},
        start_head="a" * 40,
        head_ref="refs/heads/main",
        refs={"refs/heads/main": "a" * 40},
        policy=POLICY,
    )


@pytest.fixture
def state(tmp_path: Path) -> str:
    path = tmp_path / "guard"
    path.mkdir()
    store.begin(str(path), make_session(), "2026-01-01T00:00:00Z", {"id": "x"})
    return str(path)


def test_session_round_trips_through_state(state: str) -> None:
    loaded = store.load_active(state)
    assert loaded == make_session()
    assert session_from_data(loaded.to_data()) == loaded
    assert location.active(state)


def test_no_state_means_no_session(tmp_path: Path) -> None:
    assert store.load_active(str(tmp_path)) is None
    assert not location.active(str(tmp_path))


def test_appended_events_verify(state: str) -> None:
    for n in range(3):
        store.append(state, "blocked", SID, {"n": n}, "2026-01-01T00:00:01Z")
    assert store.verify(state) == []
    events = store.read_journal(state)
    assert [e["event"] for e in events] == ["start", "blocked", "blocked", "blocked"]
    assert [e["seq"] for e in events] == [0, 1, 2, 3]


def journal(state: str) -> Path:
    return Path(state) / store.JOURNAL


def test_edited_line_is_detected(state: str) -> None:
    store.append(state, "blocked", SID, {"path": "src/app.py"}, "t")
    text = journal(state).read_text().replace("src/app.py", "docs/a.md")
    journal(state).write_text(text)
    assert store.verify(state) == ["line 2: content does not match its hash (edited)"]


def test_reordered_lines_are_detected(state: str) -> None:
    store.append(state, "blocked", SID, {"n": 1}, "t")
    store.append(state, "blocked", SID, {"n": 2}, "t")
    lines = journal(state).read_text().splitlines(keepends=True)
    journal(state).write_text(lines[0] + lines[2] + lines[1])
    problems = store.verify(state)
    assert "line 2: sequence 2, expected 1" in problems
    assert "line 2: does not follow line 1 (reordered?)" in problems
    assert "the last line is not the one the journal head recorded (replaced?)" in problems


def test_truncated_journal_is_detected(state: str) -> None:
    store.append(state, "blocked", SID, {"n": 1}, "t")
    lines = journal(state).read_text().splitlines(keepends=True)
    journal(state).write_text(lines[0])
    assert store.verify(state) == ["journal ends at line 1, but its head says 2 (truncated)"]


def test_extra_lines_are_detected(state: str) -> None:
    head = (Path(state) / store.HEAD).read_bytes()
    store.append(state, "allowed", SID, {}, "t")
    (Path(state) / store.HEAD).write_bytes(head)
    assert store.verify(state) == ["journal has 1 line(s) after its recorded head"]


def test_garbage_lines_and_heads_are_reported(state: str) -> None:
    with journal(state).open("a") as handle:
        handle.write("not json\n")
    assert store.verify(state) == ["journal line 2 is not JSON"]
    (Path(state) / store.HEAD).write_text("{")
    journal(state).write_text(journal(state).read_text().splitlines()[0] + "\n")
    assert store.verify(state)[-1].startswith("journal head is unreadable")


def test_every_single_byte_change_of_a_line_is_detected(state: str) -> None:
    store.append(state, "blocked", SID, {"path": "src/app.py", "n": 1}, "t")
    original = journal(state).read_bytes()
    second = original.index(b"\n") + 1
    for offset in range(second, len(original) - 1):
        changed = bytearray(original)
        changed[offset] = ord("x") if changed[offset] != ord("x") else ord("y")
        journal(state).write_bytes(bytes(changed))
        assert store.verify(state), f"change at byte {offset} went unnoticed"
    journal(state).write_bytes(original)
    assert store.verify(state) == []


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_text("{not json"), "session file does not match the one recorded"),
        (lambda p: p.unlink(), "session file is missing, but the journal says session"),
        (
            lambda p: p.write_text(p.read_text().replace('"docs"', '"production"')),
            "session file does not match the one recorded",
        ),
    ],
    ids=["garbage", "deleted", "edited"],
)
def test_damaged_state_fails_closed(state: str, damage: object, message: str) -> None:
    damage(Path(state) / store.SESSION)  # type: ignore[operator]
    with pytest.raises(StateError) as info:
        store.load_active(state)
    assert message in info.value.message
    assert info.value.exit_code == 3
    assert "guard session stop" in (info.value.hint or "")


def test_events_for_a_session_that_has_ended_are_dropped(state: str) -> None:
    """A hook that judged just before `stop` must not leave a journal of its own."""
    store.archive(state, SID)
    assert store.append(state, "blocked", SID, {}, "t") == ""
    assert not location.active(state)


def test_malformed_but_recorded_session_is_unreadable(tmp_path: Path) -> None:
    state = tmp_path / "guard"
    state.mkdir()
    raw = b'{"schema": "guard.session/v1"}'
    (state / store.SESSION).write_bytes(raw)
    store.append_unlocked(str(state), "start", "s", {"session_sha256": store.digest(raw)}, "t")
    with pytest.raises(StateError) as info:
        store.load_active(str(state))
    assert info.value.message.startswith("session file is unreadable")


def test_archive_moves_the_session_away(state: str) -> None:
    target = store.archive(state, "20260101T000000Z-abcdef")
    assert sorted(os.listdir(target)) == [store.HEAD, store.JOURNAL, store.SESSION]
    assert store.load_active(state) is None
    assert store.archived(state) == ["20260101T000000Z-abcdef"]
    assert store.verify(target) == []


def _append_many(state: str, worker: int) -> None:
    for n in range(25):
        store.append(state, "allowed", SID, {"worker": worker, "n": n, "pad": "x" * 500}, "t")


def test_parallel_appends_from_processes_keep_the_chain(state: str) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append_many, args=(state, w)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert all(worker.exitcode == 0 for worker in workers)
    assert store.verify(state) == []
    events = store.read_journal(state)
    assert len(events) == 1 + 4 * 25
    assert all(json.dumps(e) for e in events)
