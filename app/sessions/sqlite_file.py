"""How the session store, rooms and datasets open the one SQLite file a process shares with the
other workers (only the store's checkpointer opens its own connection, one that never waits).

Sessions, rooms and datasets live in one file with one durability: WAL with
synchronous=NORMAL. A commit is written to the WAL without an fsync, so it survives kill -9 of
any process (the OS has the pages), and a power cut or a kernel crash can lose what was
committed since the WAL's last checkpoint, never the file's consistency. The session store's
checkpointer thread checkpoints the file every second, and a commit checkpoints by itself only
past WAL_BACKSTOP_PAGES: so a request waits for an fsync only when that thread fell 16 MB
behind (a teacher's step, and the room event it writes, are answered on the event loop).
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

# past this many WAL pages (16 MB) a commit checkpoints by itself, as SQLite does by default at
# 1,000: only if the checkpointer thread could not keep up
WAL_BACKSTOP_PAGES = 4_000


def connect(path: Path) -> sqlite3.Connection:
    """A connection for one thread (each thread keeps its own); transactions are explicit
    (BEGIN ... COMMIT), so the module's implicit ones are off."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
    db.execute("PRAGMA foreign_keys=ON")
    return db
