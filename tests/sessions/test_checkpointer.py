"""The WAL is checkpointed by the store's own thread, not in the commit of a request."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from app.rooms.database import SQLiteRooms
from app.sessions import sqlite_store
from app.sessions.datasets import DatasetStore
from app.sessions.sqlite_file import WAL_BACKSTOP_PAGES
from tests.backends import BACKEND
from tests.sessions.helpers import make_service, xor_config

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite's WAL; PostgreSQL checkpoints by itself")


def _version_in_main_file(db) -> int | None:
    """The session's version as the database file itself holds it, ignoring the WAL: what a
    checkpoint has copied there."""
    main_file = sqlite3.connect(f"file:{db}?immutable=1", uri=True)
    try:
        row = main_file.execute("SELECT version FROM session_state").fetchone()
    except sqlite3.OperationalError:  # the table itself is still only in the WAL
        row = None
    finally:
        main_file.close()
    return None if row is None else row[0]


def test_the_checkpointer_copies_the_wal_into_the_file(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(xor_config())["id"]
    for _ in range(5):
        service.step(sid)
    deadline = time.monotonic() + 10 * sqlite_store.CHECKPOINT_SECONDS
    while _version_in_main_file(db) != 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _version_in_main_file(db) == 5


def test_requests_leave_checkpoints_to_the_thread(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    service.create(xor_config())
    connection = service.store._connection()
    assert connection.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == WAL_BACKSTOP_PAGES
    assert any(t.name.startswith("checkpoint ") and t.is_alive() for t in threading.enumerate())


def test_sessions_rooms_and_datasets_share_one_durability(tmp_path):
    """One file, one policy: no commit fsyncs (a room's event is written on the event loop with
    its session's step) and each leaves the checkpoint to the thread."""
    path = tmp_path / "s.sqlite3"
    service = make_service(path)
    service.create(xor_config())
    connections = {"sessions": service.store._connection(), "rooms": SQLiteRooms(path)._connection(),
                   "datasets": DatasetStore(path)._connection()}
    settings = {name: tuple(db.execute(f"PRAGMA {pragma}").fetchone()[0]
                            for pragma in ("journal_mode", "synchronous", "wal_autocheckpoint", "foreign_keys"))
                for name, db in connections.items()}
    assert settings == {name: ("wal", 1, WAL_BACKSTOP_PAGES, 1) for name in connections}  # synchronous 1 = NORMAL
