"""Datasets stored once, keyed by their content address, in the sessions' database.

A dataset is immutable: its id is the sha256 of its canonical float64 arrays and its names,
so a class of 60 uploading one file stores it once, and a session refers to it by id (its
config's `data` is {"dataset_id": ID, ...}). Sessions stored before datasets existed kept
their rows in their own row; `migrate` moves them here, once, when the table is created.

Every statement is in SQL below (plain SQL with `?` parameters), so that another backend
ports one dict: PostgreSQL needs BYTEA for BLOB, DOUBLE PRECISION for REAL and %s for ?.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from app.sessions.sqlite_file import connect

SQL = {
    "create": """
        CREATE TABLE IF NOT EXISTS datasets (
            id TEXT PRIMARY KEY,
            meta TEXT NOT NULL,
            inputs BLOB NOT NULL,
            targets BLOB NOT NULL,
            created_at REAL NOT NULL
        )""",
    "insert": "INSERT INTO datasets (id, meta, inputs, targets, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
    "exists": "SELECT 1 FROM datasets WHERE id = ?",
    "meta": "SELECT meta FROM datasets WHERE id = ?",
    "load": "SELECT meta, inputs, targets FROM datasets WHERE id = ?",
    # datasets older than the idle limit that no session's config names (a LIKE over the session
    # store's table of a session's fixed part: hourly at most, and a class has a few hundred rows)
    "delete_unused": "DELETE FROM datasets WHERE created_at < ? AND NOT EXISTS "
                     "(SELECT 1 FROM session_data WHERE session_data.config LIKE '%' || datasets.id || '%')",
    # sessions that still hold their explicit rows themselves (stored before this table), in the
    # session store's table of a session's fixed part, or in the single table before that
    "legacy_sessions": "SELECT id, config, inputs, targets FROM {table} WHERE config LIKE '%\"data\": \"stored-arrays\"%'",
    "migrate_session": "UPDATE {table} SET config = ?, inputs = ?, targets = ? WHERE id = ?",
}
SESSION_TABLES = ("session_data", "sessions")
LEGACY_EXPLICIT_DATA = "stored-arrays"  # what a session's stored config said before datasets
CACHE_BYTES = 256 * 1024 * 1024  # datasets never change: each process keeps the recent ones


@dataclass(frozen=True)
class Dataset:
    id: str
    inputs: np.ndarray  # (N, n) float64, the raw columns
    targets: np.ndarray  # (N, k) float64; text labels one-hot
    input_names: list[str]
    target_names: list[str]  # the target columns as the file named them
    classes: list[str] | None  # the labels of a text target column, sorted: one target column each

    @property
    def rows(self) -> int:
        return self.inputs.shape[0]

    def meta(self) -> dict:
        return {
            "rows": self.rows,
            "input_names": self.input_names,
            "target_names": self.target_names,
            "classes": self.classes,
            "target_columns": self.targets.shape[1],
            # what a config's validation needs to know without loading the arrays
            "probabilities": bool(((self.targets >= 0.0) & (self.targets <= 1.0)).all()),
        }


def default_names(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{i}" for i in range(1, count + 1)]


def _canonical(values) -> np.ndarray:
    """Contiguous little-endian float64 with -0.0 as 0.0 (one number, one address); copied only
    when it must change (a 80 MB upload is not copied to hash or store it)."""
    array = np.ascontiguousarray(values, dtype="<f8")
    zeros = array == 0.0
    return array + 0.0 if np.signbit(array[zeros]).any() else array


def _bytes(array: np.ndarray) -> memoryview:
    """The array's bytes without a copy (hashlib and both databases take a buffer)."""
    return array.data.cast("B")


def make_dataset(inputs, targets, input_names=None, target_names=None, classes=None) -> Dataset:
    """A dataset with its content address; names default to x1..xn and y1..yk."""
    inputs, targets = _canonical(inputs), _canonical(targets)
    input_names = list(input_names) if input_names is not None else default_names("x", inputs.shape[1])
    target_names = list(target_names) if target_names is not None else default_names("y", targets.shape[1])
    digest = hashlib.sha256()
    header = {"shape": [inputs.shape[0], inputs.shape[1], targets.shape[1]], "inputs": input_names, "targets": target_names, "classes": classes}
    digest.update(json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode())
    digest.update(b"\0")
    digest.update(_bytes(inputs))
    digest.update(_bytes(targets))
    return Dataset(digest.hexdigest(), inputs, targets, input_names, target_names, classes)


class DatasetStore:
    """The datasets table; thread-safe, one connection per thread, like the session store."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        self._created = False
        self._cache: OrderedDict[str, Dataset] = OrderedDict()
        self._cache_lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
        if not self._created:
            db.execute(SQL["create"])
            self.migrate(db)
            self._created = True
        return db

    def ready(self) -> None:
        """Creates the table and runs the migration, once per process."""
        if not self._created:
            self._connection()

    def migrate(self, db: sqlite3.Connection) -> int:
        """Moves the rows of sessions stored before datasets into this table (idempotent)."""
        try:
            db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:
            return 0
        try:
            legacy = []
            for table in SESSION_TABLES:
                try:
                    rows = db.execute(SQL["legacy_sessions"].format(table=table)).fetchall()
                except sqlite3.OperationalError:  # no such table (yet): nothing stored there
                    continue
                legacy += [(table, *row) for row in rows]
            for table, session_id, config_text, inputs, targets in legacy:
                config = json.loads(config_text)
                if config.get("data") != LEGACY_EXPLICIT_DATA:
                    continue
                sizes = config["layers"]
                dataset = make_dataset(
                    np.frombuffer(inputs, dtype=np.float64).reshape(-1, sizes[0]),
                    np.frombuffer(targets, dtype=np.float64).reshape(-1, sizes[-1]),
                )
                self._insert(db, dataset)
                config["data"] = {"dataset_id": dataset.id, "test_fraction": 0.0, "features": None}
                db.execute(SQL["migrate_session"].format(table=table), (json.dumps(config), b"", b"", session_id))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        return len(legacy)

    def delete_unused(self, idle_seconds: float) -> int:
        """Deletes the datasets older than idle_seconds that no stored session uses; answers how many."""
        try:
            cursor = self._connection().execute(SQL["delete_unused"], (time.time() - idle_seconds,))
        except Exception as error:  # no session table in this database (yet): keep everything
            if type(error).__name__ not in ("OperationalError", "UndefinedTable"):
                raise
            return 0
        with self._cache_lock:
            self._cache.clear()
        return cursor.rowcount

    @staticmethod
    def _insert(db: sqlite3.Connection, dataset: Dataset) -> bool:
        meta = json.dumps(dataset.meta(), ensure_ascii=False)
        cursor = db.execute(SQL["insert"], (dataset.id, meta, _bytes(dataset.inputs), _bytes(dataset.targets), time.time()))
        return cursor.rowcount > 0

    def put(self, dataset: Dataset) -> bool:
        """Stores the dataset; False when that content was stored already."""
        db = self._connection()
        if db.execute(SQL["exists"], (dataset.id,)).fetchone():
            return False
        return self._insert(db, dataset)

    def meta(self, dataset_id: str) -> dict | None:
        """rows and names, without the arrays: what a config's validation needs."""
        cached = self._cached(dataset_id)
        if cached is not None:
            return cached.meta()
        row = self._connection().execute(SQL["meta"], (dataset_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def get(self, dataset_id: str) -> Dataset | None:
        cached = self._cached(dataset_id)
        if cached is not None:
            return cached
        row = self._connection().execute(SQL["load"], (dataset_id,)).fetchone()
        if row is None:
            return None
        meta = json.loads(row[0])
        inputs = np.frombuffer(row[1], dtype=np.float64).reshape(meta["rows"], len(meta["input_names"]))
        targets = np.frombuffer(row[2], dtype=np.float64).reshape(meta["rows"], -1)
        dataset = Dataset(dataset_id, inputs, targets, meta["input_names"], meta["target_names"], meta["classes"])
        self._remember(dataset)
        return dataset

    def _cached(self, dataset_id: str) -> Dataset | None:
        with self._cache_lock:
            dataset = self._cache.get(dataset_id)
            if dataset is not None:
                self._cache.move_to_end(dataset_id)
            return dataset

    def _remember(self, dataset: Dataset) -> None:
        with self._cache_lock:
            self._cache[dataset.id] = dataset
            total = sum(d.inputs.nbytes + d.targets.nbytes for d in self._cache.values())
            while total > CACHE_BYTES and len(self._cache) > 1:
                _id, oldest = self._cache.popitem(last=False)
                total -= oldest.inputs.nbytes + oldest.targets.nbytes


DATASETS_SCHEMA_LOCK = 7_301_885  # an advisory lock id (the sessions' tables use 7_301_884)


class PostgresDatasetStore(DatasetStore):
    """The same table in PostgreSQL (psycopg 3), beside a PostgreSQL session store: SQL above
    with %s for ? (and %% for %), BYTEA for BLOB. There are no sessions from before datasets to migrate."""

    PORTED = {name: text.replace("%", "%%").replace("?", "%s").replace("BLOB", "BYTEA").replace("REAL", "DOUBLE PRECISION")
              for name, text in SQL.items()}

    def __init__(self, url: str):
        super().__init__(Path("."))
        self.url = url

    def _connection(self):
        import psycopg  # only a PostgreSQL deployment needs it

        db = getattr(self._local, "db", None)
        if db is None or db.closed:
            db = psycopg.connect(self.url, autocommit=True)
            self._local.db = _Ported(db, self.PORTED)
            db = self._local.db
        if not self._created:
            # two processes' first requests at once would both create the table's type: one of
            # them a UniqueViolation, not "already exists"
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (DATASETS_SCHEMA_LOCK,))
                db.execute(SQL["create"])
            self._created = True
        return db

    def migrate(self, db) -> int:
        return 0


class _Ported:
    """A psycopg connection that runs the SQL dict's statements in their PostgreSQL spelling."""

    def __init__(self, db, ported: dict[str, str]):
        self._db = db
        self._by_text = {SQL[name]: text for name, text in ported.items()}

    @property
    def closed(self) -> bool:
        return self._db.closed

    def execute(self, sql: str, params=()):
        return self._db.execute(self._by_text.get(sql, sql), params)

    def transaction(self):
        return self._db.transaction()


def datasets_for(store) -> DatasetStore:
    """The datasets table in the session store's database: the same SQLite file, or the same
    PostgreSQL database (a store with a `url`, or a `dsn`)."""
    path = getattr(store, "path", None)
    if path is not None:
        return DatasetStore(path)
    url = getattr(store, "url", None) or getattr(store, "dsn", None)
    if url is None:
        raise TypeError(f"{type(store).__name__} names neither a SQLite path nor a PostgreSQL url for the datasets table")
    return PostgresDatasetStore(url)
