"""Undo: at least 64 steps back, each state exactly as it was (arrays compared bit for bit)."""
from __future__ import annotations

import pytest

from app.sessions.errors import NothingToUndo
from tests.sessions.helpers import assert_same, make_service, xor_config


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path / "s.sqlite3")


def test_70_steps_undone_exactly_across_updates_and_epochs(service):
    doc = service.create(xor_config())
    sid = doc["id"]
    states = [doc]
    for _ in range(70):  # 6 steps an iteration: crosses 11 updates and 2 epochs (4 batches of 10 rows)
        states.append(service.step(sid))
    assert states[-1]["iteration"] == 11 and states[-1]["epoch"] == 2
    for expected in reversed(states[-65:-1]):  # 64 backs
        assert_same(service.back(sid), expected)
    assert_same(service.get(sid), states[-65])


def test_a_step_with_count_undoes_one_step_at_a_time(service):
    sid = service.create(xor_config())["id"]
    states = [service.get(sid)]
    for _ in range(20):
        states.append(service.step(sid))
    other = service.create(xor_config())["id"]
    assert_same(service.step(other, count=20), states[-1])
    for expected in reversed(states[:-1]):
        assert_same(service.back(other), expected)
    with pytest.raises(NothingToUndo):
        service.back(other)


def _patch_session(service):
    sid = service.create(xor_config(optimizer={"name": "sgd", "learning_rate": 0.1, "momentum": 0.5}))["id"]
    service.step(sid, count=13)
    return sid, service.get(sid)


def test_patch_optimizer_is_one_undo_step(service):
    sid, before = _patch_session(service)
    patched = service.patch(sid, optimizer={"learning_rate": 0.7})
    assert patched["config"]["optimizer"] == {"name": "sgd", "learning_rate": 0.7, "momentum": 0.5, "weight_decay": 0.0}
    assert_same(service.back(sid), before)


def test_patch_edit_is_one_undo_step(service):
    sid, before = _patch_session(service)
    edited = service.patch(sid, edits=[{"layer": 1, "to": 0, "from": 1, "value": 3.0}, {"layer": 2, "to": 0, "from": None, "value": 2.0}])
    assert edited["layers"][1]["W"][0][1] == 3.0 and edited["layers"][2]["b"][0] == 2.0 and edited["last_step"] is None
    assert_same(service.back(sid), before)


def test_patch_with_optimizer_and_edits_is_one_undo_step(service):
    """API.md: a PATCH is one step of the undo history, whatever it holds."""
    sid, before = _patch_session(service)
    both = service.patch(sid, optimizer={"name": "adam"}, edits=[{"layer": 2, "to": 0, "from": None, "value": -1.0}])
    assert both["layers"][2]["b"][0] == -1.0 and both["config"]["optimizer"]["name"] == "adam"
    assert_same(service.back(sid), before)


def test_reset_clears_undo(service):
    sid = service.create(xor_config())["id"]
    first = service.get(sid)
    service.step(sid, count=30)
    reset = service.reset(sid)
    assert_same(reset, first)
    with pytest.raises(NothingToUndo):
        service.back(sid)


def test_back_on_a_new_session_is_refused(service):
    sid = service.create(xor_config())["id"]
    with pytest.raises(NothingToUndo):
        service.back(sid)


def test_train_200_then_back_64_times(service):
    """Train's steps count one each: the states before train's last 64 steps, exactly."""
    config = xor_config(layers=[2, 2, 1])  # 6 steps an iteration
    trained = service.create(config)["id"]
    stepped = service.create(config)["id"]
    service.train(stepped, 189)  # 1134 steps
    states = [service.get(stepped)]
    for _ in range(66):  # up to 1200 steps, one at a time
        states.append(service.step(stepped))
    assert states[-1]["iteration"] == 200
    end = service.train(trained, 200)
    assert_same(end, states[-1])
    assert len(end["history"]) == 200
    for expected in reversed(states[-65:-1]):
        assert_same(service.back(trained), expected)


def test_undo_history_survives_a_restart(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(xor_config())["id"]
    states = [service.get(sid)]
    for _ in range(10):
        states.append(service.step(sid))
    restarted = make_service(db)
    assert_same(restarted.get(sid), states[-1])
    for expected in reversed(states[:-1]):
        assert_same(restarted.back(sid), expected)


def test_64_patches_are_64_undo_steps(service):
    """Each edit restarts the iteration (a new checkpoint); the undo window still holds 64 of them."""
    sid = service.create(xor_config(layers=[2, 2, 1]))["id"]
    service.step(sid, count=3)
    states = [service.get(sid)]
    for k in range(64):
        if k % 2:
            states.append(service.patch(sid, edits=[{"layer": 1, "to": k % 2, "from": k % 2, "value": k / 10}]))
        else:
            states.append(service.patch(sid, optimizer={"name": "sgd" if k % 4 else "adam"}))
    for expected in reversed(states[:-1]):
        assert_same(service.back(sid), expected)


def test_64_mixed_steps_and_patches_undone_exactly(service):
    sid = service.create(xor_config(layers=[2, 2, 1], optimizer={"name": "sgd", "learning_rate": 0.3, "momentum": 0.5}))["id"]
    states = [service.get(sid)]
    for k in range(70):
        if k % 5 == 4:
            states.append(service.patch(sid, edits=[{"layer": 2, "to": 0, "from": None, "value": k / 50}]))
        elif k % 7 == 6:
            states.append(service.patch(sid, optimizer={"learning_rate": 0.1 + k / 100}))
        else:
            states.append(service.step(sid))
    for expected in reversed(states[-65:-1]):
        assert_same(service.back(sid), expected)
