"""Which session store the tests run on: SQLite (default) or, with BPLAB_TEST_BACKEND=postgres,
PostgreSQL at BPLAB_TEST_DATABASE_URL (default: the local socket, database bplab_test), each
test in a schema of its own. The session, API and lab suites run the same on both:

    BPLAB_TEST_BACKEND=postgres .venv/bin/python -m pytest tests/sessions tests/api
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

BACKEND = os.environ.get("BPLAB_TEST_BACKEND", "sqlite")
POSTGRES_URL = os.environ.get("BPLAB_TEST_DATABASE_URL", "postgresql://postgres@/bplab_test?host=/var/run/postgresql")


def database_url_for(db_path: Path) -> str | None:
    """None on SQLite; on PostgreSQL a connection string whose search_path is a schema made for
    this test's database path (the same path, from any process, gives the same schema)."""
    if BACKEND != "postgres":
        return None
    import psycopg
    from psycopg.conninfo import make_conninfo

    schema = "t_" + hashlib.blake2b(str(db_path).encode(), digest_size=8).hexdigest()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    return make_conninfo(POSTGRES_URL, options=f"-csearch_path={schema}")


def backend_env(db_path: Path) -> dict[str, str]:
    """The environment that points a uvicorn process at the same store."""
    url = database_url_for(db_path)
    return {"BPLAB_DB": str(db_path), **({"BPLAB_DATABASE_URL": url} if url else {})}


def age_session(store, session_id: str, seconds: float) -> None:
    """Makes a session look untouched for `seconds` more (for the idle sweep's test)."""
    sql = "UPDATE session_state SET updated_at = updated_at - {p} WHERE id = {p}"
    if BACKEND == "postgres":
        with store.pool.connection() as conn:
            conn.execute(sql.format(p="%s"), (seconds, session_id))
    else:
        with store._writing() as db:
            db.execute(sql.format(p="?"), (seconds, session_id))
