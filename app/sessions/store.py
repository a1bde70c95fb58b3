"""Sessions stored durably in SQLite (the file BPLAB_DB names), safe across processes.

A session is one row (config, cursor, undo stack, loss history) plus its checkpoints: the
parameters and optimizer state at the start of an iteration, each written once. Requests on
one session are serialised by an advisory file lock (flock), which holds across threads and
uvicorn worker processes; reads need no lock, since SQLite's WAL gives each a snapshot.
WAL with synchronous=FULL makes every answered request durable, through a crash of the server
or of the machine (it costs about 0.3 ms a request).
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

LOCK_STRIPES = 256  # lock files shared by hashed session ids: a bounded number of files
LOCK_TIMEOUT = 90.0  # seconds; the work budget keeps one request well under it


class _Held:
    """A held flock, released when the block ends (closing the file releases it)."""

    def __init__(self, fd: int):
        self.fd = fd

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    cursor TEXT NOT NULL,
    history BLOB NOT NULL,
    inputs BLOB NOT NULL,
    targets BLOB NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_by_update ON sessions (updated_at);
CREATE TABLE IF NOT EXISTS checkpoints (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    checkpoint_id INTEGER NOT NULL,
    meta TEXT NOT NULL,
    arrays BLOB NOT NULL,
    PRIMARY KEY (session_id, checkpoint_id)
);
-- who created each session and how many bytes it stored then: the per-client quotas
CREATE TABLE IF NOT EXISTS session_owners (
    session_id TEXT PRIMARY KEY REFERENCES sessions(id) ON DELETE CASCADE,
    client TEXT NOT NULL,
    stored_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS session_owners_by_client ON session_owners (client);
"""


@dataclass
class StoredCheckpoint:
    meta: dict
    arrays: bytes  # float64 values, the shapes are in the session's config and meta


@dataclass
class StoredSession:
    id: str
    config: dict  # as applied, but explicit data and weights live in the arrays and checkpoint 0
    cursor: dict  # current state, undo stack, next checkpoint id (see runtime.py)
    history: np.ndarray  # (iterations,) loss of each finished iteration
    inputs: np.ndarray  # (N, n_0) the whole dataset, written once
    targets: np.ndarray  # (N, n_L)


class SessionStore:
    def __init__(self, path: Path):
        # nothing is created until the first request: importing the app touches no file
        self.path = Path(path)
        self.lock_dir = self.path.with_name(self.path.name + ".locks")
        self._local = threading.local()
        self._created = False

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.lock_dir.mkdir(exist_ok=True)
        sqlite3.connect(self.path, timeout=30).executescript(SCHEMA)  # idempotent, in its own transaction
        self._created = True

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if not self._created:
                self._create()
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA foreign_keys=ON")
            self._local.db = db
        return db

    @contextmanager
    def _transaction(self, immediate: bool = False):
        db = self._connection()
        db.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def locked(self, session_id: str, timeout: float = LOCK_TIMEOUT):
        """Holds the session's lock: one request at a time per session, in every process.
        TimeoutError when another request held it for `timeout` seconds."""
        stripe = int.from_bytes(hashlib.blake2b(session_id.encode(), digest_size=4).digest(), "big") % LOCK_STRIPES
        if not self._created:
            self._create()
        fd = os.open(self.lock_dir / f"{stripe:03d}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        deadline, pause = time.monotonic() + timeout, 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise TimeoutError(session_id) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
        return _Held(fd)

    def insert(self, session: StoredSession, checkpoints: dict[int, StoredCheckpoint]) -> None:
        now = time.time()
        with self._transaction(immediate=True) as db:
            db.execute(
                "INSERT INTO sessions (id, config, cursor, history, inputs, targets, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session.id,
                    json.dumps(session.config),
                    json.dumps(session.cursor),
                    session.history.tobytes(),
                    np.ascontiguousarray(session.inputs, dtype=np.float64).tobytes(),
                    np.ascontiguousarray(session.targets, dtype=np.float64).tobytes(),
                    now,
                    now,
                ),
            )
            self._write_checkpoints(db, session.id, checkpoints)

    def load(self, session_id: str, checkpoint_ids) -> tuple[StoredSession, dict[int, StoredCheckpoint]] | None:
        """The session and the checkpoints asked for (by a function of its cursor), from one snapshot."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT config, cursor, history, inputs, targets FROM sessions WHERE id = ?", (session_id,)
            ).fetchone()
            if row is None:
                return None
            config = json.loads(row[0])
            session = StoredSession(
                session_id,
                config,
                json.loads(row[1]),
                np.frombuffer(row[2], dtype=np.float64),
                np.frombuffer(row[3], dtype=np.float64).reshape(-1, config["layers"][0]),
                np.frombuffer(row[4], dtype=np.float64).reshape(-1, config["layers"][-1]),
            )
            wanted = sorted(set(checkpoint_ids(session)))
            checkpoints = {}
            for checkpoint_id in wanted:
                meta, arrays = db.execute(
                    "SELECT meta, arrays FROM checkpoints WHERE session_id = ? AND checkpoint_id = ?",
                    (session_id, checkpoint_id),
                ).fetchone()
                checkpoints[checkpoint_id] = StoredCheckpoint(json.loads(meta), arrays)
        return session, checkpoints

    def load_checkpoint(self, session_id: str, checkpoint_id: int) -> StoredCheckpoint | None:
        """None when the session was deleted meanwhile."""
        with self._transaction() as db:
            row = db.execute(
                "SELECT meta, arrays FROM checkpoints WHERE session_id = ? AND checkpoint_id = ?",
                (session_id, checkpoint_id),
            ).fetchone()
        return StoredCheckpoint(json.loads(row[0]), row[1]) if row else None

    def save(self, session: StoredSession, new_checkpoints: dict[int, StoredCheckpoint], keep: set[int]) -> None:
        """Writes the row and the new checkpoints, and drops the checkpoints no state refers to."""
        with self._transaction(immediate=True) as db:
            updated = db.execute(
                "UPDATE sessions SET config = ?, cursor = ?, history = ?, updated_at = ? WHERE id = ?",
                (json.dumps(session.config), json.dumps(session.cursor), session.history.tobytes(), time.time(), session.id),
            ).rowcount
            if not updated:  # deleted meanwhile: nothing to save into
                return
            self._write_checkpoints(db, session.id, new_checkpoints)
            stored = [r[0] for r in db.execute("SELECT checkpoint_id FROM checkpoints WHERE session_id = ?", (session.id,))]
            stale = [(session.id, c) for c in stored if c not in keep]
            db.executemany("DELETE FROM checkpoints WHERE session_id = ? AND checkpoint_id = ?", stale)

    def record_owner(self, session_id: str, client: str, stored_bytes: int) -> None:
        with self._transaction(immediate=True) as db:
            db.execute("INSERT OR REPLACE INTO session_owners VALUES (?, ?, ?)", (session_id, client, stored_bytes))

    def client_usage(self, client: str) -> tuple[int, int]:
        """(sessions, stored bytes) the client holds now; deleted sessions drop out (cascade)."""
        with self._transaction() as db:
            count, stored = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(stored_bytes), 0) FROM session_owners WHERE client = ?", (client,)
            ).fetchone()
        return count, stored

    def delete_idle(self, idle_seconds: float) -> int:
        """Deletes the sessions not changed for idle_seconds; answers how many."""
        with self._transaction(immediate=True) as db:
            return db.execute("DELETE FROM sessions WHERE updated_at < ?", (time.time() - idle_seconds,)).rowcount

    def delete(self, session_id: str) -> bool:
        with self._transaction(immediate=True) as db:
            return db.execute("DELETE FROM sessions WHERE id = ?", (session_id,)).rowcount > 0

    @staticmethod
    def _write_checkpoints(db: sqlite3.Connection, session_id: str, checkpoints: dict[int, StoredCheckpoint]) -> None:
        db.executemany(
            "INSERT OR REPLACE INTO checkpoints (session_id, checkpoint_id, meta, arrays) VALUES (?, ?, ?, ?)",
            [(session_id, cid, json.dumps(c.meta), c.arrays) for cid, c in checkpoints.items()],
        )
