"""Session, Change and friends: frozen values and their (de)serialisation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from guard.policy import Policy, policy_from_data, policy_to_data

SCHEMA = "guard.session/v1"


class HookState(NamedTuple):
    """What enforcement looked like at session start, so the audit can tell if it changed."""

    hooks_dir: str
    hooks_path_config: str | None
    fingerprints: Mapping[str, str | None]


class Session(NamedTuple):
    """One declared period of work under a mode, with everything needed to judge it."""

    id: str
    mode: str
    allowed: tuple[str, ...]
    reason: str
    started_at: str
    who: Mapping[str, str]
    start_head: str | None
    head_ref: str | None
    refs: Mapping[str, str]
    policy: Policy
    observe: bool = False
    lock: Mapping[str, str] | None = None
    hooks: HookState | None = None
    # A session scoped to one worktree: its top directory and its own git directory
    # (None: a repository-wide session).
    worktree: str | None = None
    worktree_git_dir: str | None = None
    # What outside the tracked tree set how git status reads files at the start
    # (`guard.integrity.content_filters`; None: a record made before it was kept).
    filters: Mapping[str, str] | None = None

    @property
    def scoped(self) -> bool:
        return self.worktree_git_dir is not None

    @property
    def locked(self) -> bool:
        return self.lock is not None

    def start_tips(self) -> list[str]:
        """What the session's history excludes: every ref tip recorded at its start,
        then the start commit."""
        return [*self.refs.values(), *([self.start_head] if self.start_head else [])]

    def to_data(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "id": self.id,
            "mode": self.mode,
            "allowed": list(self.allowed),
            "reason": self.reason,
            "started_at": self.started_at,
            "who": dict(self.who),
            "start_head": self.start_head,
            "head_ref": self.head_ref,
            "refs": dict(self.refs),
            "observe": self.observe,
            "lock": dict(self.lock) if self.lock is not None else None,
            "hooks": None
            if self.hooks is None
            else {
                "hooks_dir": self.hooks.hooks_dir,
                "hooks_path_config": self.hooks.hooks_path_config,
                "fingerprints": dict(self.hooks.fingerprints),
            },
            "policy": policy_to_data(self.policy),
            "worktree": self.worktree,
            "worktree_git_dir": self.worktree_git_dir,
            "filters": dict(self.filters) if self.filters is not None else None,
        }

    def summary(self) -> dict[str, Any]:
        """The public view (`session status --json`): no policy, no lock hash."""
        data = self.to_data()
        del data["policy"], data["lock"], data["schema"]
        data["locked"] = self.locked
        return data


def session_from_data(data: Mapping[str, Any]) -> Session:
    """Rebuild a session; raises KeyError, TypeError or ValueError on malformed data."""
    if data.get("schema") != SCHEMA:
        raise ValueError(f"unknown session schema {data.get('schema')!r}")
    hooks = data.get("hooks")
    return Session(
        id=str(data["id"]),
        mode=str(data["mode"]),
        allowed=tuple(str(c) for c in data["allowed"]),
        reason=str(data["reason"]),
        started_at=str(data["started_at"]),
        who={str(k): str(v) for k, v in data["who"].items()},
        start_head=data["start_head"],
        head_ref=data["head_ref"],
        refs={str(k): str(v) for k, v in data["refs"].items()},
        policy=policy_from_data(data["policy"]),
        observe=bool(data["observe"]),
        lock=dict(data["lock"]) if data["lock"] is not None else None,
        hooks=None
        if hooks is None
        else HookState(
            hooks_dir=str(hooks["hooks_dir"]),
            hooks_path_config=hooks["hooks_path_config"],
            fingerprints=dict(hooks["fingerprints"]),
        ),
        worktree=data.get("worktree"),
        worktree_git_dir=data.get("worktree_git_dir"),
        filters=_strings(data.get("filters")),
    )


def _strings(data: Any) -> dict[str, str] | None:
    if data is None:
        return None
    return {str(k): str(v) for k, v in data.items()}


def unlock_digest(code: str, salt: str) -> str:
    """What a locked session keeps of its unlock code (salted SHA-256); `code` as the
    user types it, normalised."""
    import hashlib

    return hashlib.sha256(f"{salt}:{code.strip().upper()}".encode()).hexdigest()
