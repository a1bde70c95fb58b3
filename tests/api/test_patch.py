"""PATCH: optimizer changes (state kept unless the name changes, checked by numbers) and edits."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.batches import BatchSchedule
from tests.api.helpers import API, create, explicit, step, worked_example

MOMENTUM = {"name": "sgd", "learning_rate": 0.5, "momentum": 0.9}


def arrays(doc, key):
    """[W1, b1, W2, b2] or the gradients, as arrays."""
    out = []
    for layer in doc["layers"][1:]:
        source = layer if key == "params" else layer["grad"]
        out += [np.array(source["W"]), np.array(source["b"])]
    return out


def patch(client, sid, body):
    response = client.patch(f"{API}/sessions/{sid}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def next_update(client, sid):
    """Steps to backward 1, then the update: (params before, gradients, params after)."""
    before = step(client, sid, {"count": 5})
    after = step(client, sid)
    assert after["last_step"] == {"phase": "update"}
    return arrays(before, "params"), arrays(before, "grads"), arrays(after, "params")


def test_fields_left_out_keep_their_values(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    doc = patch(client, sid, {"optimizer": {"learning_rate": 0.1}})
    assert doc["config"]["optimizer"] == {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "weight_decay": 0.0}
    doc = patch(client, sid, {"optimizer": {"name": "adam"}})  # a new name starts from its defaults
    assert doc["config"]["optimizer"] == {"name": "adam", "learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
    doc = patch(client, sid, {"optimizer": {"beta2": 0.99}})
    assert doc["config"]["optimizer"]["beta2"] == 0.99 and doc["config"]["optimizer"]["learning_rate"] == 0.001


def test_same_name_keeps_the_momentum(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    _p0, g1, _p1 = next_update(client, sid)  # velocity = g1
    patch(client, sid, {"optimizer": {"learning_rate": 0.1}})
    before, g2, after = next_update(client, sid)
    for p, a, b, c in zip(before, after, g1, g2):
        np.testing.assert_allclose(a, p - 0.1 * (0.9 * b + c), rtol=1e-13, atol=1e-16)


def test_same_name_keeps_the_momentum_when_patched_mid_iteration(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    _p0, g1, _p1 = next_update(client, sid)
    step(client, sid, {"count": 2})
    patch(client, sid, {"optimizer": {"learning_rate": 0.2, "momentum": 0.5}})
    before = step(client, sid, {"count": 3})
    after = step(client, sid)
    for p, a, b, c in zip(arrays(before, "params"), arrays(after, "params"), g1, arrays(before, "grads")):
        np.testing.assert_allclose(a, p - 0.2 * (0.5 * b + c), rtol=1e-13, atol=1e-16)


def test_a_new_name_starts_a_fresh_state(client):
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    next_update(client, sid)
    patch(client, sid, {"optimizer": {"name": "adam", "learning_rate": 0.1}})
    before, g, after = next_update(client, sid)
    # Adam's first step: m_hat = g, v_hat = g^2, so p moves by lr * g / (|g| + eps)
    for p, a, grad in zip(before, after, g):
        np.testing.assert_allclose(a, p - 0.1 * grad / (np.abs(grad) + 1e-8), rtol=1e-12, atol=1e-15)


def test_adam_moments_are_kept_across_a_learning_rate_change(client):
    sid = worked_example(client, optimizer={"name": "adam", "learning_rate": 0.05})["id"]
    _b, g1, _a = next_update(client, sid)
    patch(client, sid, {"optimizer": {"learning_rate": 0.1}})
    before, g2, after = next_update(client, sid)
    for p, a, x, y in zip(before, after, g1, g2):
        m = 0.9 * 0.1 * x + 0.1 * y
        v = 0.999 * 0.001 * x * x + 0.001 * y * y
        m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
        np.testing.assert_allclose(a, p - 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8), rtol=1e-10, atol=1e-15)


def test_changing_the_name_away_and_back_starts_afresh(client):
    """sgd (momentum) -> adam -> sgd: each PATCH changed the name, so the old velocity is gone."""
    sid = worked_example(client, optimizer=MOMENTUM)["id"]
    next_update(client, sid)
    patch(client, sid, {"optimizer": {"name": "adam"}})
    patch(client, sid, {"optimizer": {"name": "sgd", "learning_rate": 0.5, "momentum": 0.9}})
    before, g, after = next_update(client, sid)
    for p, a, grad in zip(before, after, g):
        np.testing.assert_allclose(a, p - 0.5 * grad, rtol=1e-13, atol=1e-16)


def test_edit_mid_iteration_restarts_it_on_the_same_batch(client):
    config = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "batch_size": 2, "seed": 3, "data": explicit(6)}
    sid = create(client, config)["id"]
    mid = step(client, sid, {"count": 4})
    doc = patch(client, sid, {"edits": [{"layer": 2, "to": 0, "from": None, "value": 0.75}, {"layer": 1, "to": 2, "from": 1, "value": -1.5}]})
    assert doc["layers"][2]["b"] == [0.75] and doc["layers"][1]["W"][2][1] == -1.5
    assert doc["last_step"] is None and doc["next_step"] == {"phase": "forward", "layer": 1}
    assert doc["iteration"] == 0 and doc["batch"] == mid["batch"]
    assert doc["loss"]["value"] is None
    for layer in doc["layers"][1:]:
        assert layer["z"] is None and layer["a"] is None and layer["grad"] == {"a": None, "z": None, "W": None, "b": None}
    # other parameters unchanged
    assert doc["layers"][1]["W"][0] == mid["layers"][1]["W"][0]
    forward = step(client, sid)
    x = np.array(mid["batch"]["inputs"])
    np.testing.assert_allclose(forward["layers"][1]["z"], x @ np.array(doc["layers"][1]["W"]).T + np.array(doc["layers"][1]["b"]), rtol=1e-14)


def test_edit_after_an_update_takes_the_next_batch_at_forward_1(client):
    config = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce", "batch_size": 2, "seed": 3, "data": explicit(6)}
    sid = create(client, config)["id"]
    schedule = BatchSchedule(6, 2, seed=3)
    done = step(client, sid, {"until": "update"})
    assert done["batch"]["indices"] == schedule.indices(0).tolist()
    doc = patch(client, sid, {"edits": [{"layer": 1, "to": 0, "from": 0, "value": 0.5}]})
    assert doc["iteration"] == 1 and doc["last_step"] is None
    forward = step(client, sid)
    assert forward["batch"]["indices"] == schedule.indices(1).tolist()
    assert forward["iteration"] == 1 and forward["layers"][1]["W"][0][0] == 0.5
    finished = step(client, sid, {"until": "update"})
    assert finished["iteration"] == 2 and len(finished["history"]) == 2


@pytest.mark.parametrize("edit", [{"layer": 1, "to": 1, "from": None, "value": -0.25}, {"layer": 2, "to": 0, "from": 1, "value": 2.5}])
def test_edit_sets_exactly_one_parameter(client, edit):
    first = worked_example(client)
    doc = patch(client, first["id"], {"edits": [edit]})
    for l in (1, 2):
        W, b = np.array(first["layers"][l]["W"]), np.array(first["layers"][l]["b"])
        if l == edit["layer"]:
            if edit["from"] is None:
                b[edit["to"]] = edit["value"]
            else:
                W[edit["to"], edit["from"]] = edit["value"]
        assert doc["layers"][l]["W"] == W.tolist() and doc["layers"][l]["b"] == b.tolist()
