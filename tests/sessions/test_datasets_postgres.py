"""The datasets table on PostgreSQL: the same statements in their ported spelling, stored once,
read back exactly. Runs where BPLAB_TEST_DATABASE_URL names a database (scripts/postgres.sh)."""
from __future__ import annotations

import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from app.sessions.datasets import PostgresDatasetStore, datasets_for, make_dataset

URL = os.environ.get("BPLAB_TEST_DATABASE_URL")
needs_postgres = pytest.mark.skipif(not URL, reason="BPLAB_TEST_DATABASE_URL is not set: `bash scripts/postgres.sh` prints one")


@needs_postgres
def test_a_dataset_is_stored_once_and_read_back_exactly():
    pytest.importorskip("psycopg", reason="psycopg is not installed")
    store = PostgresDatasetStore(URL)
    label = uuid.uuid4().hex  # new content on every run
    dataset = make_dataset(np.random.default_rng(1).normal(size=(50, 3)), np.eye(2)[np.arange(50) % 2],
                           ["a", "b", label], ["y"], ["no", "yes"])
    assert store.put(dataset) is True and store.put(dataset) is False
    fresh = PostgresDatasetStore(URL)  # another process: nothing cached
    again = fresh.get(dataset.id)
    assert np.array_equal(again.inputs, dataset.inputs) and np.array_equal(again.targets, dataset.targets)
    assert (again.input_names, again.target_names, again.classes) == (["a", "b", label], ["y"], ["no", "yes"])
    assert fresh.meta(dataset.id)["target_columns"] == 2 and fresh.get("0" * 64) is None


def test_datasets_for_picks_the_store_backend(tmp_path):
    class Postgres:
        url = "postgresql:///unused"  # nothing connects before the first request

    class SQLite:
        path = tmp_path / "s.sqlite3"

    assert isinstance(datasets_for(Postgres()), PostgresDatasetStore)
    assert type(datasets_for(SQLite())).__name__ == "DatasetStore"


@needs_postgres
def test_first_requests_of_many_processes_at_once_create_the_table_once():
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    from psycopg.conninfo import make_conninfo

    schema = "t_race_" + uuid.uuid4().hex[:12]  # no datasets table yet
    with psycopg.connect(URL, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        url = make_conninfo(URL, options=f"-csearch_path={schema}")
        stores = [PostgresDatasetStore(url) for _ in range(8)]  # as many processes' first requests
        start = threading.Barrier(len(stores))

        def first_request(store):
            start.wait()
            return store.get("0" * 64)

        with ThreadPoolExecutor(len(stores)) as pool:
            assert list(pool.map(first_request, stores)) == [None] * len(stores)  # none raised
    finally:
        with psycopg.connect(URL, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
