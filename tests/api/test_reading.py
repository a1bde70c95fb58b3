"""predict, gradcheck and export (and its round trip through POST)."""
from __future__ import annotations

import numpy as np
import pytest

from app.engine.gradients import rel_error
from tests.api.helpers import API, create, step, worked_example


def test_predict(client):
    sid = worked_example(client)["id"]
    before = client.get(f"{API}/sessions/{sid}").json()
    response = client.post(f"{API}/sessions/{sid}/predict", json={"inputs": [[0.05, 0.1], [0.0, 0.0]]})
    assert response.status_code == 200
    outputs = response.json()["outputs"]
    assert outputs[0] == [pytest.approx(0.75136507, abs=1e-8), pytest.approx(0.772928465, abs=1e-9)]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h = sig(np.array([0.35, 0.35]))
    expected = sig(np.array([[0.4, 0.45], [0.5, 0.55]]) @ h + 0.6)
    assert outputs[1] == pytest.approx(expected.tolist(), abs=1e-15)
    assert client.get(f"{API}/sessions/{sid}").json() == before  # predict changes nothing


def test_predict_uses_the_current_parameters(client):
    sid = worked_example(client)["id"]
    doc = client.post(f"{API}/sessions/{sid}/train", json={"iterations": 3}).json()
    step(client, sid, {"count": 2})  # forward 2 at the current parameters
    now = client.get(f"{API}/sessions/{sid}").json()
    outputs = client.post(f"{API}/sessions/{sid}/predict", json={"inputs": [[0.05, 0.1]]}).json()["outputs"]
    assert outputs == now["layers"][2]["a"]
    assert doc["iteration"] == 3


def test_predict_gives_numbers_or_refuses(raw_client):
    """Inputs that overflow the network: never a null in place of a number, never a 500."""
    sid = create(raw_client, {"layers": [1, 1], "activations": "linear", "loss": "mse", "weights": [[[1e200]]], "biases": [[0]],
                              "data": {"inputs": [[1.0]], "targets": [[0.0]]}})["id"]
    response = raw_client.post(f"{API}/sessions/{sid}/predict", json={"inputs": [[1e200]]})
    assert response.status_code in (409, 422), response.text
    declared = raw_client.get("/openapi.json").json()["paths"]["/api/v1/sessions/{session_id}/predict"]["post"]["responses"]
    assert str(response.status_code) in declared


def test_gradcheck_worked_example(client):
    sid = worked_example(client)["id"]
    grads = step(client, sid, {"count": 5})
    response = client.get(f"{API}/sessions/{sid}/gradcheck")
    assert response.status_code == 200
    result = response.json()
    entries = result["entries"]
    assert len(entries) == 12
    assert {(e["layer"], e["to"], e["from"]) for e in entries} == {(l, j, i) for l in (1, 2) for j in (0, 1) for i in (0, 1, None)}
    for e in entries:
        layer = grads["layers"][e["layer"]]["grad"]
        expected = layer["b"][e["to"]] if e["from"] is None else layer["W"][e["to"]][e["from"]]
        assert e["analytic"] == pytest.approx(expected, rel=1e-12, abs=1e-18)
        assert e["rel_error"] == pytest.approx(rel_error(e["analytic"], e["numeric"]), rel=1e-12, abs=1e-300)
        assert e["rel_error"] < 1e-7
    assert result["max_rel_error"] == max(e["rel_error"] for e in entries)
    w5 = next(e for e in entries if (e["layer"], e["to"], e["from"]) == (2, 0, 0))
    assert w5["analytic"] == pytest.approx(0.082167041, abs=1e-9)


def test_gradcheck_uses_eps(client):
    sid = worked_example(client)["id"]
    small = client.get(f"{API}/sessions/{sid}/gradcheck", params={"eps": 1e-5}).json()
    big = client.get(f"{API}/sessions/{sid}/gradcheck", params={"eps": 0.1}).json()
    assert small["entries"][0]["analytic"] == big["entries"][0]["analytic"]
    assert big["max_rel_error"] > small["max_rel_error"]  # a coarse step is further off
    default = client.get(f"{API}/sessions/{sid}/gradcheck").json()
    assert default == small


def test_gradcheck_samples_2000_of_a_big_network(client):
    config = {"layers": [2, 50, 40, 2], "activations": ["tanh", "tanh", "softmax"], "loss": "cross_entropy", "seed": 7,
              "data": {"dataset": "spiral", "samples": 20, "seed": 1}}
    sid = create(client, config)["id"]  # 150 + 2040 + 82 = 2272 parameters
    result = client.get(f"{API}/sessions/{sid}/gradcheck").json()
    keys = [(e["layer"], e["to"], e["from"]) for e in result["entries"]]
    assert len(keys) == 2000 == len(set(keys))
    again = client.get(f"{API}/sessions/{sid}/gradcheck").json()
    assert [(e["layer"], e["to"], e["from"]) for e in again["entries"]] == keys
    assert result["max_rel_error"] < 1e-4


def test_gradcheck_of_a_session_that_overflows_is_not_a_500(raw_client):
    sid = create(raw_client, {"layers": [1, 1], "activations": "linear", "loss": "mse", "weights": [[[1e200]]], "biases": [[0]],
                              "data": {"inputs": [[1e200]], "targets": [[0.0]]}})["id"]
    response = raw_client.get(f"{API}/sessions/{sid}/gradcheck")
    assert response.status_code == 409, response.text
    assert "forward 1" in response.json()["detail"]
    declared = raw_client.get("/openapi.json").json()["paths"]["/api/v1/sessions/{session_id}/gradcheck"]["get"]["responses"]
    assert "409" in declared


def _without(doc, *keys):
    return {k: v for k, v in doc.items() if k not in keys}


def test_export_round_trip_gives_the_same_network_and_the_same_steps(client):
    sid = create(client, {"preset": "three-classes"})["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"iterations": 4})
    exported = client.get(f"{API}/sessions/{sid}/export")
    assert exported.status_code == 200
    config = exported.json()
    assert set(config) == {"layers", "activations", "loss", "optimizer", "batch_size", "seed", "init", "weights", "biases", "data"}
    assert set(config["data"]) == {"inputs", "targets", "test_fraction", "features"} and len(config["data"]["inputs"]) == 150
    current = client.get(f"{API}/sessions/{sid}").json()
    assert config["weights"] == [layer["W"] for layer in current["layers"][1:]]
    assert config["biases"] == [layer["b"] for layer in current["layers"][1:]]
    copy = create(client, config)
    assert [_without(l, "z", "a", "grad") for l in copy["layers"]][1:] == [_without(l, "z", "a", "grad") for l in current["layers"]][1:]
    assert copy["iteration"] == 0 and copy["history"] == []
    # the same first steps (plain SGD, full batch: no optimizer state or shuffle to lose)
    for _ in range(10):
        a, b = step(client, sid), step(client, copy["id"])
        assert a["layers"] == b["layers"] and a["loss"] == b["loss"] and a["last_step"] == b["last_step"]
    # and the copy exports the same config again
    again = client.get(f"{API}/sessions/{copy['id']}/export").json()
    assert again["data"] == config["data"] and again["layers"] == config["layers"] and again["optimizer"] == config["optimizer"]


def test_export_of_a_new_session_round_trips_exactly(client):
    first = create(client, {"preset": "circle"})
    config = client.get(f"{API}/sessions/{first['id']}/export").json()
    copy = create(client, config)
    assert _without(copy, "id", "config") == _without(first, "id", "config")
    # the explicit rows are stored as a dataset: the copy names it (API.md v1.1), with the same rows
    data_id = copy["config"]["data"]["dataset_id"]
    stored = client.get(f"{API}/datasets/{data_id}").json()
    assert (stored["inputs"], stored["targets"]) == (config["data"]["inputs"], config["data"]["targets"])
    assert copy["config"] == {**config, "data": {"dataset_id": data_id, "test_fraction": 0.0, "features": None}}
