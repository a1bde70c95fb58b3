"""Mazur's worked example through the API, step by step, against his published numbers."""
from __future__ import annotations

import pytest

from tests.api.helpers import API, step, worked_example

approx = pytest.approx


def test_a_new_session_shows_its_first_batch(client):
    doc = worked_example(client)
    assert doc["iteration"] == 0 and doc["epoch"] == 0
    assert doc["last_step"] is None and doc["next_step"] == {"phase": "forward", "layer": 1}
    assert doc["batch"] == {"indices": [0], "inputs": [[0.05, 0.1]], "targets": [[0.01, 0.99]]}
    assert doc["layers"][0] == {"index": 0, "size": 2, "a": [[0.05, 0.1]]}
    assert doc["layers"][1] == {
        "index": 1, "size": 2, "activation": "sigmoid",
        "W": [[0.15, 0.2], [0.25, 0.3]], "b": [0.35, 0.35],
        "z": None, "a": None, "grad": {"a": None, "z": None, "W": None, "b": None},
    }
    assert doc["layers"][2]["W"] == [[0.4, 0.45], [0.5, 0.55]]
    assert doc["loss"] == {"name": "mse", "value": None}
    assert doc["history"] == []
    assert doc["config"]["layers"] == [2, 2, 2] and doc["config"]["activations"] == ["sigmoid", "sigmoid"]
    assert len(doc["id"]) >= 22  # 128 random bits, URL-safe base64


def test_one_iteration_step_by_step(client):
    sid = worked_example(client)["id"]
    doc = step(client, sid)
    assert doc["last_step"] == {"phase": "forward", "layer": 1}
    assert doc["next_step"] == {"phase": "forward", "layer": 2}
    assert doc["layers"][1]["z"] == [[approx(0.3775, abs=1e-12), approx(0.3925, abs=1e-12)]]
    assert doc["layers"][1]["a"] == [[approx(0.593269992, abs=1e-9), approx(0.596884378, abs=1e-9)]]
    assert doc["layers"][2]["z"] is None and doc["loss"]["value"] is None

    doc = step(client, sid)
    assert doc["layers"][2]["a"] == [[approx(0.75136507, abs=1e-8), approx(0.772928465, abs=1e-9)]]

    doc = step(client, sid)
    assert doc["last_step"] == {"phase": "loss"}  # no "layer" key at all
    assert doc["loss"]["value"] == approx(0.298371109, abs=1e-9)
    assert doc["layers"][2]["grad"]["W"] is None

    doc = step(client, sid)
    assert doc["last_step"] == {"phase": "backward", "layer": 2}
    g2 = doc["layers"][2]["grad"]
    assert g2["W"] == [[approx(0.082167041, abs=1e-9), approx(0.082667628, abs=1e-9)],
                       [approx(-0.022602540, abs=1e-9), approx(-0.022740242, abs=1e-9)]]
    assert g2["a"] == [[approx(0.74136507, abs=1e-8), approx(-0.217071535, abs=1e-9)]]  # dL/da = a - y (mean over 2 of squares)
    assert doc["layers"][1]["grad"]["W"] is None

    doc = step(client, sid)
    g1 = doc["layers"][1]["grad"]
    assert g1["W"] == [[approx(0.000438568, abs=1e-9), approx(0.000877135, abs=1e-9)],
                       [approx(0.000497713, abs=1e-9), approx(0.000995425, abs=1e-9)]]
    assert g1["a"] == [[approx(0.036350306, abs=1e-9), approx(0.041370323, abs=1e-9)]]

    before = doc
    doc = step(client, sid)
    assert doc["last_step"] == {"phase": "update"} and doc["next_step"] == {"phase": "forward", "layer": 1}
    assert doc["iteration"] == 1 and doc["epoch"] == 1
    assert doc["layers"][2]["W"] == [[approx(0.35891648, abs=1e-8), approx(0.408666186, abs=1e-9)],
                                     [approx(0.511301270, abs=1e-9), approx(0.561370121, abs=1e-9)]]
    assert doc["layers"][1]["W"] == [[approx(0.149780716, abs=1e-9), approx(0.19956143, abs=1e-8)],
                                     [approx(0.24975114, abs=1e-8), approx(0.29950229, abs=1e-8)]]
    for l in (1, 2):  # biases move too, by lr * grad.b
        assert doc["layers"][l]["b"] == [approx(b - 0.5 * g, abs=1e-15) for b, g in zip(before["layers"][l]["b"], before["layers"][l]["grad"]["b"])]
    assert doc["history"] == [{"iteration": 1, "loss": approx(0.298371109, abs=1e-9)}]
    # the finished iteration stays visible: its batch, its values, its gradients and loss
    assert doc["layers"][2]["a"] == before["layers"][2]["a"]
    assert doc["layers"][1]["grad"] == before["layers"][1]["grad"]
    assert doc["loss"]["value"] == before["loss"]["value"]
    assert doc["batch"] == before["batch"]

    doc = step(client, sid)  # forward 1 of iteration 2 clears every computed value
    assert doc["layers"][1]["a"] is not None and doc["layers"][2]["a"] is None and doc["layers"][2]["z"] is None
    for l in (1, 2):
        assert doc["layers"][l]["grad"] == {"a": None, "z": None, "W": None, "b": None}
    assert doc["loss"]["value"] is None
    assert doc["iteration"] == 1


def test_get_shows_what_the_last_step_answered(client):
    sid = worked_example(client)["id"]
    answered = step(client, sid, {"count": 4})
    assert client.get(f"{API}/sessions/{sid}").json() == answered
