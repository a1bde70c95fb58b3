"""The session store: what a backend keeps, and the one small interface both backends offer.

Backends: SQLite (the default, `BPLAB_DB`, app/sessions/sqlite_store.py) and PostgreSQL
(`BPLAB_DATABASE_URL=postgresql://...`, app/sessions/postgres_store.py). `open_store(settings)`
picks one. The session service is the only caller; it keeps live runtimes in memory (the
working set) and uses the store for what must be durable and shared between processes.

A session is one row (config, cursor, undo, loss history, dataset, version) plus its
checkpoints: the parameters and optimizer state at the start of an iteration, each written once.

The interface (every method is safe from any thread):

- `insert(session, checkpoints)`: a new session at version 0.
- `load(id, checkpoint_ids)` -> `(StoredSession, {id: StoredCheckpoint})` or None, from one
  snapshot; `checkpoint_ids(stored)` says which checkpoints to read with it.
- `load_checkpoint(id, checkpoint_id)`, `version(id)` (one indexed read; None when missing).
- `locked(id, timeout, known)`: a context manager holding the session against every other
  request, in this process and in every other one, served in arrival order; TimeoutError past
  `timeout` s (the service answers 409 "busy"). It yields a `Held` whose `version` is the
  stored version read under the lock (None: no such session), and whose `save(change)`
  writes a `SessionChange` and answers the new version, and `delete()`. `save(change, spin)`:
  the seconds SQLite's store first tries for its one writer's lock before it queues for it.
  `known` (version, watched): what the caller's copy of the session is at (the working set's).
  A store may take it on trust instead of reading (`Held.assumed`; SQLite does, PostgreSQL
  reads anyway: its read takes the row lock) and check it in the save's own write: a save
  that finds the session changed writes nothing and raises `Stale`, and `Held.confirm()`
  reads what is stored (answering whether there was anything to confirm).
- `local`: True when a request costs no network round trip (SQLite): only then may the service
  answer on the event loop (its `inline` calls).
- `delete_idle(seconds)`, `close()`.
- `record_owner(id, client, stored_bytes)`, `client_usage(client)` -> (sessions, bytes): the
  per-client quotas (a small table; deleting a session drops its row).

Versions and publishing (for rooms and anything that follows a session): every committed
change (`Held.save`, `Held.delete`) raises the session's version by one (API.md, "Session
versions"; a deleted session has none). A session is watched once `Held.watch()` marked it
(a room's session, marked while held, so no change in flight misses the mark; new sessions are
not watched, and sessions stored before the `watched` column existed are): `Held.watched` says
so, read with the version, and only a watched session's changes run the service's change
guards and are published, so that the other sessions' steps never look for a room.
`add_listener(fn)` registers `fn(session_id, version)`, called in the committing process right
after the commit of a watched session's change (version None: deleted). Across processes:
PostgreSQL sends `NOTIFY bplab_sessions, '<id> <version>'` inside the committing transaction
(so it is delivered exactly when the change is visible; LISTEN on `CHANNEL`); with SQLite,
other processes learn of a change by its version: `version(id)` is one indexed read, and
`SQLiteSessionStore.data_version()` (SQLite's `PRAGMA data_version`, per thread) changes
whenever another connection committed, a cheap "anything new?" for a watcher thread before it
reads the versions it follows.

The service (app/sessions/service.py) adds what is per process: the queue of requests waiting
for a session in arrival order (locks.SessionQueues, taken before `locked()`, so at most one
thread of a process waits on the store for a session, and waiters hold no pool connection),
and the working set of live runtimes (working_set.py), checked against `Held.version`.
"""
from __future__ import annotations

import json
import struct
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Callable, Protocol

import numpy as np
import orjson

CHANNEL = "bplab_sessions"  # PostgreSQL's NOTIFY channel for committed changes
LOCK_TIMEOUT = 90.0  # seconds; the work budget keeps one request well under it

Listener = Callable[[str, "int | None"], None]


class LockTimeout(TimeoutError):
    """The session stayed held by another request for the whole timeout."""


class Stale(RuntimeError):
    """A save found the session no longer at the version (or watched mark) the held session
    assumed (another process changed it): nothing was written. `Held.confirm()` reads the stored one."""


@dataclass
class StoredCheckpoint:
    meta: dict
    arrays: bytes  # float64 values, the shapes are in the session's config and meta


@dataclass
class StoredSession:
    id: str
    config: dict  # as created, but explicit data and weights live in the arrays and checkpoint 0
    current: dict  # the cursor: where the session is (see runtime.py)
    next_checkpoint: int
    undo: list[dict]  # earlier cursors, oldest first
    history: np.ndarray  # (iterations,) loss of each finished iteration
    inputs: np.ndarray  # (N, n_0) the whole dataset, written once
    targets: np.ndarray  # (N, n_L)
    version: int = 0
    packed_undo: tuple[list[dict], bytes] | None = None  # (optimizer table, undo as stored) for UndoPacker


@dataclass
class SessionChange:
    """What one request changed, encoded: the cursor always; the rest only when it changed."""
    cursor: str  # JSON: current, next_checkpoint, the optimizer table of the undo entries
    undo: bytes  # the undo entries, packed
    history: np.ndarray | None  # None: unchanged
    new_checkpoints: dict[int, StoredCheckpoint] = field(default_factory=dict)
    keep: set[int] | None = None  # the checkpoints still needed; None: none became stale


class Held(Protocol):
    version: int | None
    watched: bool
    assumed: bool  # version and watched are the caller's `known`, not read: save checks them

    def confirm(self) -> bool: ...

    def save(self, change: SessionChange, spin: float = 0.0) -> int: ...

    def delete(self) -> bool: ...

    def watch(self) -> None: ...


class SessionStore(Protocol):
    local: bool

    def insert(self, session: StoredSession, checkpoints: dict[int, StoredCheckpoint]) -> None: ...

    def load(self, session_id: str, checkpoint_ids) -> tuple[StoredSession, dict[int, StoredCheckpoint]] | None: ...

    def load_checkpoint(self, session_id: str, checkpoint_id: int) -> StoredCheckpoint | None: ...

    def version(self, session_id: str) -> int | None: ...

    def locked(self, session_id: str, timeout: float = LOCK_TIMEOUT, known: tuple[int, bool] | None = None) -> AbstractContextManager[Held]: ...

    def delete_idle(self, idle_seconds: float) -> int: ...

    def record_owner(self, session_id: str, client: str, stored_bytes: int) -> None: ...

    def client_usage(self, client: str) -> tuple[int, int]: ...

    def add_listener(self, listener: Listener) -> None: ...

    def close(self) -> None: ...


def open_store(settings) -> SessionStore:
    """PostgreSQL when settings.database_url names it, else SQLite at settings.db_path."""
    url = getattr(settings, "database_url", None)
    if url:
        from app.sessions.postgres_store import PostgresSessionStore

        return PostgresSessionStore(url)
    from app.sessions.sqlite_store import SQLiteSessionStore

    return SQLiteSessionStore(settings.db_path)


# --- the cursor as stored: a little JSON and the undo entries as packed integers ----------------

_UNDO_ROW = struct.Struct("<qqiiii")  # checkpoint, iteration, steps, optimizer, update optimizer, fresh
NO_OPTIMIZER = -1


class UndoPacker:
    """Packs a runtime's undo entries, 32 bytes each, keeping what it packed: steps push entries at
    the end, back pops them, trimming drops the oldest, so a save packs only the new ones. An
    entry's optimizer is an index into a table of the distinct optimizer configs (usually one)."""

    def __init__(self, stored: tuple[list[dict], bytes] | None = None):
        optimizers, packed = stored or ([], b"")
        self.optimizers: list[dict] = list(optimizers)
        self._by_identity: dict[int, int] = {}
        self._packed = bytearray(packed)

    @property
    def count(self) -> int:
        return len(self._packed) // _UNDO_ROW.size

    def truncate(self, count: int) -> None:
        """The undo list was cut to `count` entries at its end (back, reset)."""
        del self._packed[count * _UNDO_ROW.size :]

    def _index(self, optimizer: dict | None) -> int:
        if optimizer is None:
            return NO_OPTIMIZER
        found = self._by_identity.get(id(optimizer))
        if found is None or self.optimizers[found] is not optimizer:
            found = next((i for i, o in enumerate(self.optimizers) if o == optimizer), None)
            if found is None:
                found = len(self.optimizers)
                self.optimizers.append(optimizer)
            self._by_identity[id(optimizer)] = found
        return found

    def pack(self, undo: list[dict], dropped: int) -> bytes:
        """`undo` as stored, once its `dropped` oldest entries are trimmed away."""
        for entry in undo[self.count :]:
            self._packed += _UNDO_ROW.pack(
                entry["checkpoint"], entry["iteration"], entry["steps"], self._index(entry["optimizer"]),
                self._index(entry.get("update_optimizer")), 1 if entry.get("fresh_optimizer") else 0,
            )
        del self._packed[: dropped * _UNDO_ROW.size]
        return bytes(self._packed)

    def cursor(self, current: dict, next_checkpoint: int) -> str:
        # orjson: a tenth of json.dumps's time, and this runs for every step (decode_cursor reads both)
        return orjson.dumps({"current": current, "next_checkpoint": next_checkpoint, "optimizers": self.optimizers}).decode()


def decode_cursor(cursor_json: str, undo_blob: bytes | None) -> tuple[dict, int, list[dict], tuple | None]:
    """(current, next_checkpoint, undo, what UndoPacker resumes from); reads the JSON-only
    cursor of earlier versions too."""
    cursor = json.loads(cursor_json)
    if "undo" in cursor:  # stored before the undo was packed
        return cursor["current"], cursor["next_checkpoint"], cursor["undo"], None
    optimizers = cursor["optimizers"]
    undo = []
    for checkpoint, iteration, steps, optimizer, update_optimizer, fresh in _UNDO_ROW.iter_unpack(undo_blob or b""):
        entry = {"checkpoint": checkpoint, "iteration": iteration, "steps": steps, "optimizer": optimizers[optimizer]}
        if update_optimizer != NO_OPTIMIZER:
            entry["update_optimizer"] = optimizers[update_optimizer]
        if fresh:
            entry["fresh_optimizer"] = True
        undo.append(entry)
    return cursor["current"], cursor["next_checkpoint"], undo, (optimizers, undo_blob or b"")


def encode_new_session(session: StoredSession) -> tuple[str, bytes]:
    packer = UndoPacker()
    undo = packer.pack(session.undo, 0)
    return packer.cursor(session.current, session.next_checkpoint), undo
