"""The PostgreSQL backend of the session store: `BPLAB_DATABASE_URL=postgresql://...`, so any
number of app processes on any number of hosts share the sessions.

psycopg 3 with a connection pool (psycopg_pool). The tables are SQLite's (see sqlite_store.py),
with bytea for the arrays. A session is held across processes by its row lock: `locked()`
opens a transaction and reads the version with SELECT ... FOR UPDATE, which queues behind the
holder in PostgreSQL's own lock queue (first come, first served) and gives up after the timeout
(lock_timeout, then 409 "busy"). `Held.save` writes and commits in that same transaction, with
`pg_notify(CHANNEL, '<id> <version>')` inside it for a watched session, so a listener hears of
a change exactly when it is visible. Durability is PostgreSQL's (synchronous_commit as the
server is configured).
"""
from __future__ import annotations

import json
import logging
import threading
import time
from contextlib import contextmanager

import numpy as np

from app.i18n import _, lazy
from app.sessions.errors import StoreUpgrading
from app.sessions.store import (
    CHANNEL, LOCK_TIMEOUT, Listener, LockTimeout, SessionChange, StoredCheckpoint, StoredSession, decode_cursor,
    encode_new_session,
)

POOL_SIZE = 16  # connections per process; the service's per-session queue keeps waiters off them

SCHEMA = """
CREATE TABLE IF NOT EXISTS session_data (
    id text PRIMARY KEY,
    config text NOT NULL,
    inputs bytea NOT NULL,
    targets bytea NOT NULL,
    created_at double precision NOT NULL
);
CREATE TABLE IF NOT EXISTS session_state (
    id text PRIMARY KEY REFERENCES session_data(id) ON DELETE CASCADE,
    version bigint NOT NULL,
    cursor text NOT NULL,
    undo bytea NOT NULL,
    updated_at double precision NOT NULL,
    watched boolean NOT NULL DEFAULT true
);
DROP INDEX IF EXISTS session_state_by_update;
CREATE TABLE IF NOT EXISTS session_history (
    id text PRIMARY KEY REFERENCES session_data(id) ON DELETE CASCADE,
    losses bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS session_checkpoints (
    session_id text NOT NULL REFERENCES session_data(id) ON DELETE CASCADE,
    checkpoint_id bigint NOT NULL,
    meta text NOT NULL,
    arrays bytea NOT NULL,
    PRIMARY KEY (session_id, checkpoint_id)
);
CREATE TABLE IF NOT EXISTS session_owners (
    session_id text PRIMARY KEY REFERENCES session_data(id) ON DELETE CASCADE,
    client text NOT NULL,
    stored_bytes bigint NOT NULL
);
"""
# CREATE INDEX takes a share lock on its table even when the index exists, and so waits behind
# every transaction writing the table (an older process's requests): it runs only when missing.
OWNERS_INDEX = "session_owners_by_client"
CREATE_OWNERS_INDEX = f"CREATE INDEX IF NOT EXISTS {OWNERS_INDEX} ON session_owners (client)"
WATCHED_COLUMN = ("SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
                  "AND table_name = 'session_state' AND column_name = 'watched'")
SCHEMA_LOCK = 7_301_884  # an advisory lock id: two processes starting at once create the tables once
SCHEMA_LOCK_MS = 2_000  # creating missing tables is quick; a longer wait is an older process's lock
# An ALTER TABLE waits for every transaction that holds one of the table's rows (an older
# process's requests), and meanwhile every new statement on the table queues behind it: so it
# waits ALTER_LOCK_MS at a time, each try a transaction of its own, letting them through in
# between, ALTER_TRIES times at most.
ALTER_LOCK_MS = 200
ALTER_TRIES = 25
# After an upgrade gave up, the requests queued behind it are answered at once, not each after
# a full round of tries of its own.
UPGRADE_RETRY_AFTER_S = 2.0
UPGRADE_BLOCKED = lazy("The server is finishing an upgrade of its database: try again in a moment.")
UPGRADE_BLOCKED_LOG = (  # for the operator, in the log: the answer goes to students too
    "The PostgreSQL schema upgrade gave up waiting for its tables, which processes of the app's previous "
    "version hold: stop those (on every host), and the next request completes the upgrade."
)

log = logging.getLogger(__name__)


def _create_missing_schema(conn) -> None:
    """The tables and the index that are missing, in one transaction, one process at a time."""
    with conn.transaction():
        conn.execute(f"SET LOCAL lock_timeout = {SCHEMA_LOCK_MS}")
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        for statement in filter(str.strip, SCHEMA.split(";")):
            conn.execute(statement)
        if conn.execute("SELECT to_regclass(%s)", (OWNERS_INDEX,)).fetchone()[0] is None:
            conn.execute(CREATE_OWNERS_INDEX)


def _add_watched_column(conn) -> bool:
    """Tables from before watching get the column (each of their sessions may be a room's, so
    each is watched). Asked first: ALTER TABLE locks the table even when it has nothing to do.
    False when every try found the table held."""
    import psycopg

    for attempt in range(ALTER_TRIES):
        if attempt:
            time.sleep(ALTER_LOCK_MS / 1000)  # the statements queued behind the last try go through
        try:
            with conn.transaction():
                conn.execute(f"SET LOCAL lock_timeout = {ALTER_LOCK_MS}")
                if not conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (SCHEMA_LOCK,)).fetchone()[0]:
                    continue  # another process is trying: its try counts as this one's
                if conn.execute(WATCHED_COLUMN).fetchone() is not None:
                    return True  # added meanwhile
                conn.execute("ALTER TABLE session_state ADD COLUMN watched boolean NOT NULL DEFAULT true")
                return True
        except psycopg.errors.LockNotAvailable:
            pass
    return False


class _Held:
    __slots__ = ("store", "conn", "session_id", "version", "watched", "done")
    assumed = False  # the version is always read: that read takes the row lock

    def __init__(self, store: PostgresSessionStore, conn, session_id: str, version: int | None, watched: bool):
        self.store, self.conn, self.session_id, self.version, self.watched = store, conn, session_id, version, watched
        self.done = False  # committed: the row lock is released

    def confirm(self) -> bool:
        return False

    def save(self, change: SessionChange, spin: float = 0.0) -> int | None:  # spin: SQLite's; rows lock here
        self.version = self.store._save(self.conn, self.session_id, change, self.watched)
        self.done = True
        return self.version

    def delete(self) -> bool:
        deleted = self.conn.execute("DELETE FROM session_data WHERE id = %s", (self.session_id,)).rowcount > 0
        published = deleted and self.watched
        if published:
            self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{self.session_id} deleted"))
        self.conn.execute("COMMIT")
        self.done = True
        self.version = None
        if published:
            self.store._published(self.session_id, None)
        return deleted

    def watch(self) -> None:
        self.conn.execute("UPDATE session_state SET watched = true WHERE id = %s", (self.session_id,))
        self.conn.execute("COMMIT")  # the row's lock, held since locked(), goes with it
        self.done = True
        self.watched = True


class PostgresSessionStore:
    local = False  # a server: each statement is a round trip, never made on the event loop

    def __init__(self, url: str, pool_size: int = POOL_SIZE):
        from psycopg_pool import ConnectionPool  # only needed with PostgreSQL

        self.url = url
        # autocommit: transactions are explicit (BEGIN ... COMMIT), a lone read is its own
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, kwargs={"autocommit": True})
        self._created = False
        self._create_lock = threading.Lock()
        self._upgrade_failed_at = -UPGRADE_RETRY_AFTER_S  # monotonic time of the last upgrade that gave up
        self._listeners: list[Listener] = []

    def _create(self) -> None:
        with self._create_lock:
            if self._created:
                return
            if time.monotonic() - self._upgrade_failed_at < UPGRADE_RETRY_AFTER_S:
                raise StoreUpgrading(_(UPGRADE_BLOCKED))
            self.pool.open(wait=True)
            import psycopg

            with self.pool.connection() as conn:
                try:
                    _create_missing_schema(conn)
                    upgraded = conn.execute(WATCHED_COLUMN).fetchone() is not None or _add_watched_column(conn)
                except psycopg.errors.LockNotAvailable:
                    upgraded = False
            if not upgraded:
                self._upgrade_failed_at = time.monotonic()
                log.warning(UPGRADE_BLOCKED_LOG)
                raise StoreUpgrading(_(UPGRADE_BLOCKED))
            self._created = True

    @contextmanager
    def _connection(self):
        if not self._created:
            self._create()
        with self.pool.connection() as conn:
            yield conn

    def _published(self, session_id: str, version: int | None) -> None:
        for listener in self._listeners:
            listener(session_id, version)

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def close(self) -> None:
        self.pool.close()

    # --- the interface ---------------------------------------------------------------------------

    def insert(self, session: StoredSession, checkpoints: dict[int, StoredCheckpoint]) -> None:
        now = time.time()
        cursor, undo = encode_new_session(session)
        with self._connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO session_data (id, config, inputs, targets, created_at) VALUES (%s, %s, %s, %s, %s)",
                (session.id, json.dumps(session.config), np.ascontiguousarray(session.inputs, dtype=np.float64).tobytes(),
                 np.ascontiguousarray(session.targets, dtype=np.float64).tobytes(), now),
            )
            conn.execute("INSERT INTO session_state (id, version, cursor, undo, updated_at, watched) VALUES (%s, %s, %s, %s, %s, false)",
                         (session.id, session.version, cursor, undo, now))
            conn.execute("INSERT INTO session_history (id, losses) VALUES (%s, %s)", (session.id, session.history.tobytes()))
            self._write_checkpoints(conn, session.id, checkpoints)

    def load(self, session_id: str, checkpoint_ids) -> tuple[StoredSession, dict[int, StoredCheckpoint]] | None:
        with self._connection() as conn:
            conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one snapshot for both reads
            try:
                row = conn.execute(
                    "SELECT d.config, s.cursor, s.undo, h.losses, d.inputs, d.targets, s.version "
                    "FROM session_state s JOIN session_data d ON d.id = s.id JOIN session_history h ON h.id = s.id WHERE s.id = %s",
                    (session_id,),
                ).fetchone()
                if row is None:
                    return None
                config = json.loads(row[0])
                current, next_checkpoint, undo, packed_undo = decode_cursor(row[1], bytes(row[2]))
                session = StoredSession(
                    session_id, config, current, next_checkpoint, undo,
                    np.frombuffer(row[3], dtype=np.float64),
                    np.frombuffer(row[4], dtype=np.float64).reshape(-1, config["layers"][0]),
                    np.frombuffer(row[5], dtype=np.float64).reshape(-1, config["layers"][-1]),
                    row[6], packed_undo,
                )
                wanted = sorted(set(checkpoint_ids(session)))
                rows = conn.execute(
                    "SELECT checkpoint_id, meta, arrays FROM session_checkpoints WHERE session_id = %s AND checkpoint_id = ANY(%s)",
                    (session_id, wanted),
                ).fetchall()
                checkpoints = {cid: StoredCheckpoint(json.loads(meta), bytes(arrays)) for cid, meta, arrays in rows}
            finally:
                conn.execute("COMMIT")
        return session, checkpoints

    def load_checkpoint(self, session_id: str, checkpoint_id: int) -> StoredCheckpoint | None:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT meta, arrays FROM session_checkpoints WHERE session_id = %s AND checkpoint_id = %s", (session_id, checkpoint_id)
            ).fetchone()
        return StoredCheckpoint(json.loads(row[0]), bytes(row[1])) if row else None

    def version(self, session_id: str) -> int | None:
        with self._connection() as conn:
            row = conn.execute("SELECT version FROM session_state WHERE id = %s", (session_id,)).fetchone()
        return None if row is None else row[0]

    @contextmanager
    def locked(self, session_id: str, timeout: float = LOCK_TIMEOUT, known: tuple[int, bool] | None = None):
        """The session's row, locked in a transaction of its own connection until save, delete or
        the end of the block. Callers in one process queue first (the service's SessionQueues), so
        waiters do not hold pool connections. `known` is not needed: the row lock's read is the
        version's."""
        import psycopg

        with self._connection() as conn:
            conn.execute("BEGIN")
            try:
                # lock_timeout 0 means "wait for ever" to PostgreSQL: the shortest wait is 1 ms
                conn.execute(f"SET LOCAL lock_timeout = {max(1, int(timeout * 1000))}")
                row = conn.execute("SELECT version, watched FROM session_state WHERE id = %s FOR UPDATE", (session_id,)).fetchone()
            except psycopg.errors.LockNotAvailable:
                conn.execute("ROLLBACK")
                raise LockTimeout(session_id) from None
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            held = _Held(self, conn, session_id, None, False) if row is None else _Held(self, conn, session_id, row[0], row[1])
            try:
                yield held
            finally:
                if not held.done:
                    conn.execute("ROLLBACK")

    def record_owner(self, session_id: str, client: str, stored_bytes: int) -> None:
        with self._connection() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO session_owners VALUES (%s, %s, %s) ON CONFLICT (session_id) DO UPDATE "
                "SET client = EXCLUDED.client, stored_bytes = EXCLUDED.stored_bytes",
                (session_id, client, stored_bytes),
            )

    def client_usage(self, client: str) -> tuple[int, int]:
        """(sessions, stored bytes) the client holds now; a deleted session drops out (cascade)."""
        with self._connection() as conn:
            count, stored = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(stored_bytes), 0) FROM session_owners WHERE client = %s", (client,)
            ).fetchone()
        return int(count), int(stored)

    def delete_idle(self, idle_seconds: float) -> int:
        with self._connection() as conn:
            return conn.execute(
                "DELETE FROM session_data WHERE id IN (SELECT id FROM session_state WHERE updated_at < %s)",
                (time.time() - idle_seconds,),
            ).rowcount

    def dump(self, session_id: str) -> list:
        """Every stored value of the session, in a fixed order (tests compare them byte for byte)."""
        with self._connection() as conn:
            return [
                conn.execute("SELECT * FROM session_data WHERE id = %s", (session_id,)).fetchall(),
                conn.execute("SELECT * FROM session_state WHERE id = %s", (session_id,)).fetchall(),
                conn.execute("SELECT * FROM session_history WHERE id = %s", (session_id,)).fetchall(),
                conn.execute("SELECT * FROM session_checkpoints WHERE session_id = %s ORDER BY checkpoint_id", (session_id,)).fetchall(),
            ]

    # --- writes of a held session ----------------------------------------------------------------

    def _save(self, conn, session_id: str, change: SessionChange, watched: bool) -> int | None:
        row = conn.execute(
            "UPDATE session_state SET cursor = %s, undo = %s, version = version + 1, updated_at = %s WHERE id = %s RETURNING version",
            (change.cursor, change.undo, time.time(), session_id),
        ).fetchone()
        if row is None:
            conn.execute("ROLLBACK")
            return None
        if change.history is not None:
            conn.execute("UPDATE session_history SET losses = %s WHERE id = %s", (change.history.tobytes(), session_id))
        self._write_checkpoints(conn, session_id, change.new_checkpoints)
        if change.keep is not None:
            conn.execute("DELETE FROM session_checkpoints WHERE session_id = %s AND NOT checkpoint_id = ANY(%s)",
                         (session_id, sorted(change.keep)))
        if watched:
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, f"{session_id} {row[0]}"))
        conn.execute("COMMIT")
        if watched:
            self._published(session_id, row[0])
        return row[0]

    @staticmethod
    def _write_checkpoints(conn, session_id: str, checkpoints: dict[int, StoredCheckpoint]) -> None:
        if checkpoints:
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO session_checkpoints (session_id, checkpoint_id, meta, arrays) VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (session_id, checkpoint_id) DO UPDATE SET meta = EXCLUDED.meta, arrays = EXCLUDED.arrays",
                    [(session_id, cid, json.dumps(c.meta), c.arrays) for cid, c in checkpoints.items()],
                )
