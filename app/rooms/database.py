"""Where rooms live: SQLite (the file sessions use) or PostgreSQL, behind one small interface.

A transaction is `with db.transaction() as tx:`; `tx.execute(sql, params)` answers rows (SQL
written once, with `?` placeholders) and `tx.notify(message)` publishes a room event that
leaves on commit: PostgreSQL's NOTIFY inside the transaction (delivered on COMMIT, dropped on
ROLLBACK); on SQLite the message is sent to every local worker's socket after COMMIT.
"""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

from app.rooms.bus import CHANNEL, SocketBus
from app.sessions.locks import RangeLocks
from app.sessions.sqlite_file import connect

TABLES = """
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    token_digest TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    closed_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS rooms_by_session ON rooms (session_id);
CREATE TABLE IF NOT EXISTS room_questions (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL REFERENCES rooms(code) ON DELETE CASCADE,
    prompt TEXT NOT NULL,
    choices TEXT NOT NULL,
    template TEXT,
    is_open INTEGER NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    closed_at DOUBLE PRECISION
);
CREATE INDEX IF NOT EXISTS room_questions_by_room ON room_questions (code, created_at);
CREATE TABLE IF NOT EXISTS room_answers (
    question_id TEXT NOT NULL REFERENCES room_questions(id) ON DELETE CASCADE,
    student TEXT NOT NULL,
    choice INTEGER NOT NULL,
    changes INTEGER NOT NULL DEFAULT 0,
    answered_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (question_id, student)
);
CREATE TABLE IF NOT EXISTS room_presence (
    process TEXT NOT NULL,
    code TEXT NOT NULL,
    streams INTEGER NOT NULL,
    seen_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (process, code)
);
"""


class SQLiteRooms:
    """Rooms in the sessions' SQLite file; events through the workers' local sockets."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.bus = SocketBus(self.path.with_name(self.path.name + ".rooms"))
        # the session store's writer lock on the same file: writers queue in the kernel, in
        # order, instead of SQLite's busy handler sleeping and retrying
        self.locks = RangeLocks(self.path.with_name(self.path.name + ".lock"))
        self._local = threading.local()
        self._created = False
        self._create_lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)  # the sessions' durability: a room's event comes with its session's step
            with self._create_lock:
                if not self._created:
                    db.executescript(TABLES)
                    self._created = True
            self._local.db = db
        return db

    @contextmanager
    def transaction(self, write: bool = True):
        db = self._connection()
        with self.locks.writer() if write else nullcontext():
            db.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            tx = _SQLiteTransaction(db)
            try:
                yield tx
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        for message in tx.outbox:  # after the commit, outside the lock
            self.bus.publish(message)

    def close(self) -> None:
        self.bus.close()


class _SQLiteTransaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.outbox: list[dict] = []

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        return self.db.execute(sql, params).fetchall()

    def notify(self, message: dict) -> None:
        self.outbox.append(message)


class PostgresRooms:
    """Rooms in PostgreSQL (psycopg 3, a connection pool); events by NOTIFY, sent on commit."""

    def __init__(self, url: str, pool_size: int = 8):
        from psycopg_pool import ConnectionPool

        from app.rooms.bus import PostgresBus

        self.url = url
        self.pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=False, kwargs={"autocommit": False})
        self.bus = PostgresBus(url)
        self._created = False
        self._create_lock = threading.Lock()

    def _ensure_open(self) -> None:
        with self._create_lock:
            if self._created:
                return
            self.pool.open(wait=True, timeout=10)
            with self.pool.connection() as conn:
                # one creator at a time across processes: CREATE IF NOT EXISTS races otherwise
                conn.execute("SELECT pg_advisory_xact_lock(7305)")
                for statement in filter(str.strip, TABLES.split(";")):
                    conn.execute(statement)
            self._created = True

    @contextmanager
    def transaction(self, write: bool = True):
        self._ensure_open()
        with self.pool.connection() as conn:  # commits when the block ends, rolls back on an error
            yield _PostgresTransaction(conn)

    def close(self) -> None:
        self.bus.close()
        self.pool.close()


class _PostgresTransaction:
    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, params: tuple = ()) -> list[tuple]:
        cursor = self.conn.execute(sql.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []

    def notify(self, message: dict) -> None:
        self.conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, json.dumps(message)))


def open_rooms_database(database_url: str | None, sqlite_path: Path):
    if database_url and database_url.startswith(("postgresql://", "postgres://")):
        return PostgresRooms(database_url)
    return SQLiteRooms(sqlite_path)
