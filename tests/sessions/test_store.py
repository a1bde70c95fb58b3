"""Durability: a new store on the same file gives the same session; big networks keep enough undo."""
from __future__ import annotations

import numpy as np
import pytest

from app.sessions.errors import NothingToUndo, SessionNotFound
from tests.sessions.helpers import assert_same, make_service, xor_config


def test_restart_gives_the_same_document_and_the_same_future(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(xor_config(optimizer={"name": "sgd", "learning_rate": 0.2, "momentum": 0.9}))["id"]
    service.train(sid, 7)
    service.step(sid, count=3)
    before = service.get(sid)
    restarted = make_service(db)
    assert_same(restarted.get(sid), before, ignore=())
    # the optimizer's state (momentum) is stored too: continuing gives the same numbers
    continued_here = service.step(sid, count=20)
    service.back(sid)  # noqa: not needed for the comparison; exercise undo across processes' view
    other = make_service(db).create(xor_config(optimizer={"name": "sgd", "learning_rate": 0.2, "momentum": 0.9}))["id"]
    reference = make_service(db)
    reference.train(other, 7)
    reference.step(other, count=23)
    assert_same(continued_here, reference.get(other))


def test_restart_keeps_explicit_data_and_weights(tmp_path):
    db = tmp_path / "s.sqlite3"
    config = {
        "layers": [2, 2, 2],
        "activations": "sigmoid",
        "loss": "mse",
        "weights": [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]],
        "biases": [[0.35, 0.35], [0.6, 0.6]],
        "data": {"inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]]},
    }
    sid = make_service(db).create(config)["id"]
    make_service(db).train(sid, 3)
    doc = make_service(db).get(sid)
    assert [np.asarray(w).tolist() for w in doc["config"]["weights"]] == config["weights"]  # the initial parameters, as applied
    assert make_service(db).get_dataset(doc["config"]["data"]["dataset_id"]).inputs.tolist() == [[0.05, 0.1]]
    assert doc["iteration"] == 3 and len(doc["history"]) == 3
    reset = make_service(db).reset(sid)
    assert np.array_equal(reset["layers"][1]["W"], config["weights"][0])


def test_delete_then_unknown(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(xor_config())["id"]
    service.delete(sid)
    for call in (lambda: service.get(sid), lambda: service.step(sid), lambda: service.delete(sid), lambda: service.export(sid)):
        with pytest.raises(SessionNotFound):
            call()


def test_a_large_network_keeps_the_current_iteration_and_the_last_update(tmp_path):
    """1000-900-10 with Adam: 909,910 parameters, three copies per checkpoint."""
    service = make_service(tmp_path / "s.sqlite3")
    rng = np.random.default_rng(0)
    config = {
        "layers": [1000, 900, 10],
        "activations": ["relu", "softmax"],
        "loss": "cross_entropy",
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "data": {"inputs": rng.normal(size=(3, 1000)).tolist(), "targets": np.eye(10)[[1, 4, 7]].tolist()},
    }
    sid = service.create(config, view="compact")["id"]
    service.train(sid, 6, view="compact")  # the first ones run train's fast way, without undo
    states = [service.get(sid, view="compact")]
    for _ in range(8):  # 6 steps an iteration: the update of iteration 7 and two steps into the 8th
        states.append(service.step(sid, view="compact"))
    assert states[-1]["iteration"] == 7 and states[-1]["last_step"] == {"phase": "forward", "layer": 2}
    for expected in reversed(states[:-1]):  # back through the current iteration and the last update
        assert_same(service.back(sid, view="compact"), expected)


def test_a_large_network_survives_a_restart(tmp_path):
    db = tmp_path / "s.sqlite3"
    rng = np.random.default_rng(1)
    config = {
        "layers": [1000, 900, 10],
        "activations": ["tanh", "softmax"],
        "loss": "cross_entropy",
        "optimizer": {"name": "adam"},
        "data": {"inputs": rng.normal(size=(2, 1000)).tolist(), "targets": np.eye(10)[[0, 9]].tolist()},
    }
    service = make_service(db)
    sid = service.create(config, view="compact")["id"]
    service.train(sid, 2, view="compact")
    before = service.step(sid, count=2, view="compact")
    assert_same(make_service(db).get(sid, view="compact"), before, ignore=())
    with pytest.raises(NothingToUndo):
        fresh = make_service(db)
        for _ in range(1000):
            fresh.back(sid, view="compact")


def test_stored_checkpoints_stay_bounded(tmp_path):
    """Only the checkpoints that reset and the undo history need are kept: the file stays small."""
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(xor_config(layers=[2, 2, 1]))["id"]  # 6 steps an iteration
    for _ in range(5):
        service.train(sid, 40)
    service.step(sid, count=100)
    stored = [row[1] for row in service.store.dump(sid)[3]]  # (session_id, checkpoint_id, ...)
    assert 0 in stored  # the initial parameters, for reset
    assert len(stored) <= 64 // 6 + 3
    service.reset(sid)
    assert [row[1] for row in service.store.dump(sid)[3]] == [0]


def test_idle_sessions_are_deleted_by_the_next_sweep(tmp_path):
    from tests.backends import age_session

    service = make_service(tmp_path / "s.sqlite3")
    service.idle_seconds = 86400
    old = service.create(xor_config())["id"]
    age_session(service.store, old, 2 * 86400)  # as if untouched for two days
    service._next_sweep = 0.0  # an hour later
    recent = service.create(xor_config())["id"]  # a create sweeps, at most once an hour
    with pytest.raises(SessionNotFound):
        service.get(old)
    assert service.get(recent)["iteration"] == 0


def test_the_sweep_deletes_in_short_transactions_and_keeps_what_was_stepped_since(tmp_path, monkeypatch):
    """SQLite: the idle sessions go IDLE_SWEEP_BATCH to a transaction, and one stepped after the
    scan found it idle (between two batches) is kept."""
    from app.sessions import sqlite_store
    from tests.backends import age_session

    service = make_service(tmp_path / "s.sqlite3")
    if not isinstance(service.store, sqlite_store.SQLiteSessionStore):
        pytest.skip("the batched sweep is SQLite's (PostgreSQL locks the rows it deletes one by one)")
    idle = [service.create(xor_config())["id"] for _ in range(7)]
    for session_id in idle:
        age_session(service.store, session_id, 2 * 86400)
    fresh = service.create(xor_config())["id"]
    revived = idle[-1]  # in the last batch
    monkeypatch.setattr(sqlite_store, "IDLE_SWEEP_BATCH", 3)
    real_writing, transactions = service.store._writing, []

    def writing(*args, **kwargs):
        transactions.append(1)
        if len(transactions) == 3:  # before the last batch: a student steps one of the idle sessions
            monkeypatch.setattr(service.store, "_writing", real_writing)
            service.step(revived)
            monkeypatch.setattr(service.store, "_writing", writing)
        return real_writing(*args, **kwargs)

    monkeypatch.setattr(service.store, "_writing", writing)
    assert service.store.delete_idle(86400) == 6
    assert len(transactions) == 3  # 7 found idle, 3 to a transaction
    monkeypatch.undo()
    for session_id in idle[:-1]:
        with pytest.raises(SessionNotFound):
            service.get(session_id)
    assert service.get(revived)["last_step"]["phase"] == "forward"  # its step is there too
    assert service.get(fresh)["iteration"] == 0


def test_every_answer_of_a_live_session_is_what_a_fresh_load_shows(tmp_path):
    """Answers reuse the runtime's copies of parameters and gradient while the cursor says they
    are unchanged (Runtime.shown_parameters): after each kind of change they must be what a
    process that never saw the session shows."""
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(xor_config(optimizer={"name": "adam", "learning_rate": 0.05}))["id"]
    per_iteration = service.get(sid)["steps_per_iteration"]
    edit = [{"layer": 1, "to": 0, "from": 1, "value": 0.75}]
    changes = [
        *[lambda: service.step(sid)] * 8, lambda: service.step(sid, count=3),
        lambda: service.back(sid), lambda: service.back(sid), lambda: service.step(sid, count=2),
        lambda: service.patch(sid, edits=edit), lambda: service.step(sid, count=9),
        lambda: service.patch(sid, optimizer={"name": "sgd", "learning_rate": 0.1}), lambda: service.step(sid, count=4),
        lambda: service.train(sid, 3), lambda: service.train(sid, 20),  # 20: past undo's reach, the fast loop
        lambda: service.step(sid, until="update"), lambda: service.back(sid),  # just before the update, again:
        lambda: service.patch(sid, optimizer={"learning_rate": 0.7}), lambda: service.step(sid),  # another one
        lambda: service.patch(sid, edits=edit), lambda: service.step(sid, count=per_iteration),  # an edit after it
        lambda: service.back(sid), lambda: service.reset(sid), lambda: service.step(sid, count=8),
    ]
    fresh = make_service(db)
    for change in changes:
        answered = change()
        fresh.working_set.discard(sid)
        assert_same(answered, fresh.get(sid), ignore=())
        assert_same(service.get(sid), answered, ignore=())


def test_the_stored_history_is_the_shown_one_after_undoing_an_update_and_redoing_it_otherwise(tmp_path):
    """The loss history is stored as packed rows kept beside the runtime's list: a step back
    over an update drops the row, and the update run again with another learning rate stores
    its own value, not the first one's."""
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(xor_config())["id"]
    per_iteration = service.get(sid)["steps_per_iteration"]
    service.train(sid, 3)
    service.back(sid)  # before the third update
    assert len(service.get(sid)["history"]) == 2
    service.patch(sid, optimizer={"learning_rate": 0.9})
    service.step(sid, count=1 + per_iteration)  # that update again, and a fourth iteration
    shown = service.get(sid)["history"]
    assert len(shown) == 4
    stored = np.frombuffer(service.store.dump(sid)[2][0][1], dtype=np.float64).reshape(len(shown), -1)  # loss first
    assert stored[:, 0].tolist() == [entry["loss"] for entry in shown]
    assert_same(make_service(db).get(sid), service.get(sid), ignore=())
