"""The datasets table: one row per content, sessions referring to it, and the migration of
sessions stored before it existed (their rows in their own row, config data "stored-arrays")."""
from __future__ import annotations

import json
import sqlite3

import numpy as np

from app.sessions.datasets import DatasetStore, make_dataset
from tests.sessions.helpers import differences, make_service

WORKED = {
    "layers": [2, 2, 2], "activations": "sigmoid", "loss": "mse",
    "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]], "biases": [[0.35, 0.35], [0.6, 0.6]],
    "data": {"inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]]},
}


def _make_legacy(db, sid: str) -> None:
    """Rewrites a session as an older server stored it: its explicit rows in its own row."""
    connection = sqlite3.connect(db)
    config = json.loads(connection.execute("SELECT config FROM session_data WHERE id = ?", (sid,)).fetchone()[0])
    config["data"] = "stored-arrays"
    connection.execute("UPDATE session_data SET config = ?, inputs = ?, targets = ? WHERE id = ?",
                       (json.dumps(config), np.array([0.05, 0.1]).tobytes(), np.array([0.01, 0.99]).tobytes(), sid))
    connection.execute("DELETE FROM datasets")
    connection.commit()
    connection.close()


def test_a_class_creating_one_dataset_stores_it_once(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    ids = {service.create(WORKED)["config"]["data"]["dataset_id"] for _ in range(5)}
    assert len(ids) == 1
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM datasets").fetchone()[0] == 1
    # sessions hold no rows of their own
    assert {len(r[0]) for r in sqlite3.connect(db).execute("SELECT inputs FROM session_data")} == {0}


def test_sessions_stored_before_datasets_are_migrated_and_keep_working(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(WORKED)["id"]
    service.train(sid, 2)
    before = service.get(sid)
    _make_legacy(db, sid)
    fresh = make_service(db)  # a restarted server: the migration runs once, on first use
    after = fresh.get(sid)
    dataset_id = after["config"]["data"]["dataset_id"]
    assert after["config"]["data"] == {"dataset_id": dataset_id, "test_fraction": 0.0, "features": None}
    assert dataset_id == before["config"]["data"]["dataset_id"]  # the same rows, the same address
    assert not differences(after, before)
    row = sqlite3.connect(db).execute("SELECT config, inputs FROM session_data WHERE id = ?", (sid,)).fetchone()
    assert json.loads(row[0])["data"]["dataset_id"] == dataset_id and row[1] == b""
    assert fresh.step(sid)["iteration"] == 2
    assert DatasetStore(db).migrate(sqlite3.connect(db, isolation_level=None)) == 0  # idempotent


def test_content_address_ignores_the_sign_of_zero_but_not_names():
    a = make_dataset(np.array([[0.0, 1.0]]), np.array([[1.0]]))
    assert make_dataset(np.array([[-0.0, 1.0]]), np.array([[1.0]])).id == a.id
    assert make_dataset(np.array([[0.0, 1.0]]), np.array([[1.0]]), input_names=["p", "q"]).id != a.id


def test_the_idle_sweep_deletes_datasets_no_session_names(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    used = service.create(WORKED)["config"]["data"]["dataset_id"]
    unused = make_dataset(np.array([[1.0, 2.0]]), np.array([[0.0]]))
    service.upload_dataset(unused)
    # a day later, nothing was used for half a day: only the dataset a session names is kept
    connection = sqlite3.connect(db)
    connection.execute("UPDATE datasets SET created_at = created_at - 86400")
    connection.commit()
    assert service.datasets.delete_unused(43200) == 1
    assert service.get_dataset(unused.id) is None and service.get_dataset(used).rows == 1
