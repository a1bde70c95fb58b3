"""The SQLite backend of the session store (the default): one file, safe across processes.

Durability (app/sessions/sqlite_file.py): WAL with synchronous=NORMAL, so every answered
change survives kill -9 of any process, and a power cut or a kernel crash can lose the changes
committed since the WAL's last checkpoint (a Checkpointer thread runs one every
CHECKPOINT_SECONDS: about a second of stepping), never the file's consistency. The checkpoint
(and its fsync) runs in that thread, not in the commit of a request: a small step is answered
on the event loop, which must not wait for a disk.

Locks: a session is held across processes by a one-byte lock of `<db>.lock` (locks.RangeLocks);
write transactions take byte 0 of the same file first, so they queue in the kernel instead of
meeting SQLite's busy handler, which waits by sleeping (the event loop's commits first try for
it a moment: RangeLocks.writer). Reads take a WAL snapshot and no lock.
"""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from app.sessions.locks import RangeLocks, session_offset
from app.sessions.sqlite_file import connect
from app.sessions.store import (
    LOCK_TIMEOUT, Listener, LockTimeout, SessionChange, Stale, StoredCheckpoint, StoredSession, decode_cursor, encode_new_session,
)

CHECKPOINT_SECONDS = 1.0
CHECKPOINT_COMMITS = 250  # or sooner, after this many commits of this process (about 500 WAL pages)
IDLE_SWEEP_BATCH = 100  # idle sessions deleted per transaction (each about a millisecond)
log = logging.getLogger(__name__)
_UPDATE_STATE = "UPDATE session_state SET cursor = ?, undo = ?, version = version + 1, updated_at = ? WHERE id = ?"

# A step rewrites one small row (session_state: cursor and packed undo, about 2 KB, one page of
# the WAL); the dataset is written once, the loss history only when an iteration ends. No index
# on updated_at: it would cost a page per step, and the hourly sweep for idle sessions scans
# (files made while it existed drop it).
SCHEMA = """
CREATE TABLE IF NOT EXISTS session_data (
    id TEXT PRIMARY KEY,
    config TEXT NOT NULL,
    inputs BLOB NOT NULL,
    targets BLOB NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS session_state (
    id TEXT PRIMARY KEY REFERENCES session_data(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    cursor TEXT NOT NULL,
    undo BLOB NOT NULL,
    updated_at REAL NOT NULL,
    watched INTEGER NOT NULL DEFAULT 1
);
DROP INDEX IF EXISTS session_state_by_update;
CREATE TABLE IF NOT EXISTS session_history (
    id TEXT PRIMARY KEY REFERENCES session_data(id) ON DELETE CASCADE,
    losses BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS session_checkpoints (
    session_id TEXT NOT NULL REFERENCES session_data(id) ON DELETE CASCADE,
    checkpoint_id INTEGER NOT NULL,
    meta TEXT NOT NULL,
    arrays BLOB NOT NULL,
    PRIMARY KEY (session_id, checkpoint_id)
);
-- who created each session and what it stored then: the per-client quotas (SessionService)
CREATE TABLE IF NOT EXISTS session_owners (
    session_id TEXT PRIMARY KEY REFERENCES session_data(id) ON DELETE CASCADE,
    client TEXT NOT NULL,
    stored_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS session_owners_by_client ON session_owners (client);
"""
# files written before the split into these tables: one `sessions` row and `checkpoints`
MIGRATION = """
INSERT OR IGNORE INTO session_data SELECT id, config, inputs, targets, created_at FROM sessions;
INSERT OR IGNORE INTO session_state SELECT id, 0, cursor, X'', updated_at, 1 FROM sessions;
INSERT OR IGNORE INTO session_history SELECT id, history FROM sessions;
INSERT OR IGNORE INTO session_checkpoints SELECT session_id, checkpoint_id, meta, arrays FROM checkpoints;
DROP TABLE checkpoints;
DROP TABLE sessions;
"""


class _Held:
    """A session held by this request: its version and whether it is watched, as read under the
    lock or, when `assumed`, as the caller knew them (the save's UPDATE checks them), and its
    writes."""

    __slots__ = ("store", "session_id", "version", "watched", "assumed")

    def __init__(self, store: SQLiteSessionStore, session_id: str, version: int | None, watched: bool, assumed: bool = False):
        self.store, self.session_id, self.version, self.watched, self.assumed = store, session_id, version, watched, assumed

    def confirm(self) -> bool:
        if not self.assumed:
            return False
        self.version, self.watched = self.store._state(self.session_id)
        self.assumed = False
        return True

    def save(self, change: SessionChange, spin: float = 0.0) -> int:
        self.version = self.store._save(self.session_id, change, spin, self.watched, self.version if self.assumed else None)
        self.assumed = False
        return self.version

    def delete(self) -> bool:
        self.confirm()  # only a session whose watched mark is read publishes rightly
        deleted = self.store._delete(self.session_id, self.watched)
        self.version = None
        return deleted

    def watch(self) -> None:
        with self.store._writing() as db:
            db.execute("UPDATE session_state SET watched = 1 WHERE id = ?", (self.session_id,))
        self.watched = True


class SQLiteSessionStore:
    local = True  # a file: a small commit takes tens of microseconds, answered on the event loop

    def __init__(self, path: Path):
        # nothing is created until the first request: importing the app touches no file
        self.path = Path(path)
        self.locks = RangeLocks(self.path.with_name(self.path.name + ".lock"))
        self._local = threading.local()
        self._created = False
        self._create_lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._checkpointer = Checkpointer(self.path)

    # --- connections and transactions ------------------------------------------------------------

    def _create(self) -> None:
        with self._create_lock:
            if self._created:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.locks.writer():
                db = connect(self.path)  # WAL from the file's first table on
                db.executescript(SCHEMA)  # idempotent
                if "watched" not in {row[1] for row in db.execute("PRAGMA table_info(session_state)")}:
                    # a file from before watching: each of its sessions may be a room's, so each is watched
                    db.execute("ALTER TABLE session_state ADD COLUMN watched INTEGER NOT NULL DEFAULT 1")
                tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                if "sessions" in tables:
                    db.executescript("BEGIN;" + MIGRATION + "COMMIT;")
                db.commit()
                db.close()
            self._created = True

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            if not self._created:
                self._create()
            db = connect(self.path)
            self._local.db = db
            self._checkpointer.start_once()
        return db

    @contextmanager
    def _reading(self):
        db = self._connection()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    @contextmanager
    def _writing(self, spin: float = 0.0):
        db = self._connection()
        with self.locks.writer(spin):
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _published(self, session_id: str, version: int | None) -> None:
        for listener in self._listeners:
            listener(session_id, version)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def close(self) -> None:
        self._checkpointer.stop()
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # --- the interface ---------------------------------------------------------------------------

    def insert(self, session: StoredSession, checkpoints: dict[int, StoredCheckpoint]) -> None:
        now = time.time()
        cursor, undo = encode_new_session(session)
        with self._writing() as db:
            db.execute(
                "INSERT INTO session_data (id, config, inputs, targets, created_at) VALUES (?, ?, ?, ?, ?)",
                (
                    session.id, json.dumps(session.config),
                    np.ascontiguousarray(session.inputs, dtype=np.float64).tobytes(),
                    np.ascontiguousarray(session.targets, dtype=np.float64).tobytes(), now,
                ),
            )
            db.execute("INSERT INTO session_state (id, version, cursor, undo, updated_at, watched) VALUES (?, ?, ?, ?, ?, 0)",
                       (session.id, session.version, cursor, undo, now))
            db.execute("INSERT INTO session_history (id, losses) VALUES (?, ?)", (session.id, session.history.tobytes()))
            self._write_checkpoints(db, session.id, checkpoints)

    def load(self, session_id: str, checkpoint_ids) -> tuple[StoredSession, dict[int, StoredCheckpoint]] | None:
        """The session and the checkpoints asked for (by a function of it), from one snapshot."""
        with self._reading() as db:
            row = db.execute(
                "SELECT d.config, s.cursor, s.undo, h.losses, d.inputs, d.targets, s.version "
                "FROM session_state s JOIN session_data d ON d.id = s.id JOIN session_history h ON h.id = s.id WHERE s.id = ?",
                (session_id,),
            ).fetchone()
            if row is None:
                return None
            config = json.loads(row[0])
            current, next_checkpoint, undo, packed_undo = decode_cursor(row[1], row[2])
            session = StoredSession(
                session_id, config, current, next_checkpoint, undo,
                np.frombuffer(row[3], dtype=np.float64),
                np.frombuffer(row[4], dtype=np.float64).reshape(-1, config["layers"][0]),
                np.frombuffer(row[5], dtype=np.float64).reshape(-1, config["layers"][-1]),
                row[6],
                packed_undo,
            )
            checkpoints = {}
            for checkpoint_id in sorted(set(checkpoint_ids(session))):
                meta, arrays = db.execute(
                    "SELECT meta, arrays FROM session_checkpoints WHERE session_id = ? AND checkpoint_id = ?",
                    (session_id, checkpoint_id),
                ).fetchone()
                checkpoints[checkpoint_id] = StoredCheckpoint(json.loads(meta), arrays)
        return session, checkpoints

    def load_checkpoint(self, session_id: str, checkpoint_id: int) -> StoredCheckpoint | None:
        """None when the session was deleted meanwhile."""
        row = self._connection().execute(
            "SELECT meta, arrays FROM session_checkpoints WHERE session_id = ? AND checkpoint_id = ?", (session_id, checkpoint_id)
        ).fetchone()
        return StoredCheckpoint(json.loads(row[0]), row[1]) if row else None

    def version(self, session_id: str) -> int | None:
        row = self._connection().execute("SELECT version FROM session_state WHERE id = ?", (session_id,)).fetchone()
        return None if row is None else row[0]

    def data_version(self) -> int:
        """Changes whenever another connection committed to the file since this thread's last
        look (SQLite's PRAGMA data_version): a cheap "anything new?" for a watcher thread."""
        return self._connection().execute("PRAGMA data_version").fetchone()[0]

    @contextmanager
    def locked(self, session_id: str, timeout: float = LOCK_TIMEOUT, known: tuple[int, bool] | None = None):
        """Holds the session against other processes. Callers in one process queue first (the
        service's SessionQueues): one thread of a process asks for a given session at a time.
        With `known`, the version is not read here: the save's UPDATE checks it (one statement
        less for every step of a live session)."""
        if not self._created:
            self._create()
        offset = session_offset(session_id)
        try:
            fd = self.locks.acquire(offset, timeout)
        except TimeoutError:
            raise LockTimeout(session_id) from None
        try:
            if known is not None:
                yield _Held(self, session_id, known[0], known[1], assumed=True)
            else:
                version, watched = self._state(session_id)
                yield _Held(self, session_id, version, watched)
        finally:
            self.locks.release(fd, offset)

    def _state(self, session_id: str) -> tuple[int | None, bool]:
        row = self._connection().execute("SELECT version, watched FROM session_state WHERE id = ?", (session_id,)).fetchone()
        return (None, False) if row is None else (row[0], bool(row[1]))

    def dump(self, session_id: str) -> list:
        """Every stored value of the session, in a fixed order (tests compare them byte for byte)."""
        with self._reading() as db:
            return [
                db.execute("SELECT * FROM session_data WHERE id = ?", (session_id,)).fetchall(),
                db.execute("SELECT * FROM session_state WHERE id = ?", (session_id,)).fetchall(),
                db.execute("SELECT * FROM session_history WHERE id = ?", (session_id,)).fetchall(),
                db.execute("SELECT * FROM session_checkpoints WHERE session_id = ? ORDER BY checkpoint_id", (session_id,)).fetchall(),
            ]

    def record_owner(self, session_id: str, client: str, stored_bytes: int) -> None:
        with self._writing() as db:
            db.execute("INSERT OR REPLACE INTO session_owners VALUES (?, ?, ?)", (session_id, client, stored_bytes))

    def client_usage(self, client: str) -> tuple[int, int]:
        """(sessions, stored bytes) the client holds now; a deleted session drops out (cascade)."""
        with self._reading() as db:
            count, stored = db.execute(
                "SELECT COUNT(*), COALESCE(SUM(stored_bytes), 0) FROM session_owners WHERE client = ?", (client,)
            ).fetchone()
        return count, stored

    def delete_idle(self, idle_seconds: float) -> int:
        """Deletes the sessions not changed for idle_seconds; answers how many. The idle ones are
        found in a read (a scan, no lock) and deleted IDLE_SWEEP_BATCH at a time, each batch its
        own short transaction: one delete of thousands held the writer's lock, and every step
        of the class (the event loop's commits among them) waited for it. A session stepped
        since the scan is no longer idle and stays (the delete asks again)."""
        cutoff = time.time() - idle_seconds
        with self._reading() as db:
            idle = [row[0] for row in db.execute("SELECT id FROM session_state WHERE updated_at < ?", (cutoff,))]
        deleted = 0
        for start in range(0, len(idle), IDLE_SWEEP_BATCH):
            batch = idle[start:start + IDLE_SWEEP_BATCH]
            with self._writing() as db:
                deleted += db.execute(
                    "DELETE FROM session_data WHERE id IN "
                    f"(SELECT id FROM session_state WHERE id IN ({','.join('?' * len(batch))}) AND updated_at < ?)",
                    (*batch, cutoff),
                ).rowcount
        return deleted

    # --- writes of a held session ----------------------------------------------------------------

    def _save(self, session_id: str, change: SessionChange, spin: float, watched: bool, expected: int | None) -> int | None:
        """The change written, answering the new version (None: the session was deleted). With
        `expected` (an assumed version), only if the session is still at it and its watched mark
        unchanged, else Stale and nothing written."""
        now = time.time()
        if expected is None:
            state = (_UPDATE_STATE + " RETURNING version", (change.cursor, change.undo, now, session_id))
        else:
            state = (_UPDATE_STATE + " AND version = ? AND watched = ?", (change.cursor, change.undo, now, session_id, expected, watched))
        db = self._connection()
        if not change.new_checkpoints and change.keep is None and change.history is None:
            with self.locks.writer(spin):  # one statement is its own transaction
                version = self._update_state(db, session_id, state, expected)
        else:
            with self._writing(spin) as db:
                version = self._update_state(db, session_id, state, expected)  # Stale rolls back: nothing written
                if version is not None:
                    if change.history is not None:
                        db.execute("UPDATE session_history SET losses = ? WHERE id = ?", (change.history.tobytes(), session_id))
                    self._write_checkpoints(db, session_id, change.new_checkpoints)
                    if change.keep is not None:
                        kept = sorted(change.keep)
                        db.execute(
                            "DELETE FROM session_checkpoints WHERE session_id = ? "
                            f"AND checkpoint_id NOT IN ({','.join('?' * len(kept))})",
                            (session_id, *kept),
                        )
        if version is None:  # deleted meanwhile (only by a sweep for idle sessions): nothing to save into
            return None
        self._checkpointer.committed()
        if watched:
            self._published(session_id, version)
        return version

    @staticmethod
    def _update_state(db: sqlite3.Connection, session_id: str, state: tuple, expected: int | None) -> int | None:
        """The session_state UPDATE: the new version, None if there is no such row; Stale if
        the row is not at `expected` (the version is then known without RETURNING)."""
        if expected is None:
            row = next(iter(db.execute(*state).fetchall()), None)
            return None if row is None else row[0]
        if db.execute(*state).rowcount == 0:
            raise Stale(session_id)
        return expected + 1

    def _delete(self, session_id: str, watched: bool) -> bool:
        with self._writing() as db:
            deleted = db.execute("DELETE FROM session_data WHERE id = ?", (session_id,)).rowcount > 0
        if deleted and watched:
            self._published(session_id, None)
        return deleted

    @staticmethod
    def _write_checkpoints(db: sqlite3.Connection, session_id: str, checkpoints: dict[int, StoredCheckpoint]) -> None:
        if checkpoints:
            db.executemany(
                "INSERT OR REPLACE INTO session_checkpoints (session_id, checkpoint_id, meta, arrays) VALUES (?, ?, ?, ?)",
                [(session_id, cid, json.dumps(c.meta), c.arrays) for cid, c in checkpoints.items()],
            )


class Checkpointer:
    """A daemon thread that checkpoints the WAL every CHECKPOINT_SECONDS, or after
    CHECKPOINT_COMMITS commits if that comes first (a busy server writes a page or two a step,
    thousands a second), PASSIVE: it never waits for a reader or a writer, and no request's
    commit does it. Each process runs its own; two meeting on one file take turns (SQLite
    answers the second busy)."""

    def __init__(self, path: Path):
        self.path = path
        self._commits = 0
        self._due = threading.Event()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def start_once(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name=f"checkpoint {self.path.name}", daemon=True)
                    self._thread.start()

    def committed(self) -> None:
        """A request's commit: wakes the thread every CHECKPOINT_COMMITS (no lock: a count lost
        to a race only delays a checkpoint to the next commit or second)."""
        self._commits += 1
        if self._commits >= CHECKPOINT_COMMITS:
            self._commits = 0
            self._due.set()

    def stop(self) -> None:
        self._stopped.set()
        self._due.set()

    def _run(self) -> None:
        db = None
        try:
            db = sqlite3.connect(self.path, timeout=0, isolation_level=None, check_same_thread=False)
            while True:
                self._due.wait(CHECKPOINT_SECONDS)
                self._due.clear()
                if self._stopped.is_set() or not self.path.exists():  # closed, or a test's file removed
                    return
                try:
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.OperationalError:  # busy (another process checkpoints): next time
                    continue
        except Exception:  # noqa: BLE001 - commits checkpoint by themselves past sqlite_file.WAL_BACKSTOP_PAGES
            log.exception("the WAL checkpointer of %s stopped", self.path)
        finally:
            if db is not None:
                db.close()
