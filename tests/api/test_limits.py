"""Every limit of API.md accepted at its edge and refused one past it, by the field that holds it.

A 422 alone would pass for any mistake in the body; each refusal here names its field (`loc`)
and the limit in its message, so a limit checked on the wrong field, or not at all, fails.
"""
from __future__ import annotations

from tests.api.helpers import API, explicit, step, worked_example


def _status(client, body):
    return client.post(f"{API}/sessions", json=body, params={"view": "compact"}).status_code


def _refusal(client, body, path="sessions"):
    """(loc without "body", msg) of the first error of a refused request."""
    response = client.post(f"{API}/{path}", json=body, params={"view": "compact"})
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"][0] == "body"
    return error["loc"][1:], error["msg"]


def assert_refused(client, body, loc, limit, path="sessions"):
    where, message = _refusal(client, body, path)
    assert where == loc, (where, message)
    assert limit in message.replace(",", ""), message


def test_parameter_limit_edge(raw_client):
    one_row = {"inputs": [[0.0] * 999], "targets": [[0.0] * 1000]}
    assert _status(raw_client, {"layers": [999, 1000], "activations": "linear", "loss": "mse", "data": one_row}) == 201  # 1,000,000
    one_row = {"inputs": [[0.0] * 1000], "targets": [[0.0] * 1000]}
    body = {"layers": [1000, 1000], "activations": "linear", "loss": "mse", "data": one_row}  # 1,001,000
    assert_refused(raw_client, body, ["layers"], "1000000")


def test_batch_values_limit_edge(raw_client):
    base = {"layers": [2, 1000, 1], "activations": ["tanh", "sigmoid"], "loss": "mse"}
    assert _status(raw_client, {**base, "data": {"dataset": "xor", "samples": 997}}) == 201  # 997 * 1003 = 999,991
    assert_refused(raw_client, {**base, "data": {"dataset": "xor", "samples": 998}}, ["batch_size"], "1000000")  # 1,000,994
    assert _status(raw_client, {**base, "batch_size": 997, "data": {"dataset": "xor", "samples": 10_000}}) == 201


def test_layer_count_and_width_edges(raw_client):
    xor = {"dataset": "xor", "samples": 50}
    assert _status(raw_client, {"layers": [2] + [3] * 10 + [1], "activations": "tanh", "loss": "mse", "data": xor}) == 201
    assert_refused(raw_client, {"layers": [2] + [3] * 11 + [1], "activations": "tanh", "loss": "mse", "data": xor}, ["layers"], "12")
    assert _status(raw_client, {"layers": [2, 1024, 1], "activations": "tanh", "loss": "mse", "data": xor}) == 201
    assert_refused(raw_client, {"layers": [2, 1025, 1], "activations": "tanh", "loss": "mse", "data": xor}, ["layers", 1], "1024")
    assert _status(raw_client, {"layers": [2, 1], "activations": "sigmoid", "loss": "bce", "data": {"dataset": "xor", "samples": 1}}) == 201
    assert_refused(raw_client, {"layers": [2, 1], "activations": "sigmoid", "loss": "bce", "data": {"dataset": "xor", "samples": 0}},
                   ["data", "samples"], "1")


def test_dataset_edges(raw_client):
    base = {"layers": [2, 1], "activations": "sigmoid", "loss": "bce"}
    assert _status(raw_client, {**base, "data": {"dataset": "moons", "samples": 10_000, "noise": 10, "seed": 2**53}}) == 201
    assert_refused(raw_client, {**base, "data": {"dataset": "moons", "samples": 10_001}}, ["data", "samples"], "10000")
    assert_refused(raw_client, {**base, "data": {"dataset": "moons", "samples": 100, "noise": 10.5}}, ["data", "noise"], "10")
    assert_refused(raw_client, {**base, "data": {"dataset": "moons", "samples": 100, "seed": 2**53 + 1}}, ["data", "seed"], str(2**53))
    assert _status(raw_client, {**base, "batch_size": 10_000, "data": {"dataset": "moons", "samples": 10_000}}) == 201
    assert_refused(raw_client, {**base, "batch_size": 10_001, "data": {"dataset": "moons", "samples": 10_000}}, ["batch_size"], "10000")


def test_count_and_iterations_edges(client):
    sid = worked_example(client)["id"]
    doc = step(client, sid, {"count": 1000}, view="compact")
    assert doc["iteration"] == 1000 // 6 and doc["undo_available"] == 64
    assert_refused(client, {"count": 1001}, ["count"], "1000", path=f"sessions/{sid}/step")
    doc = client.post(f"{API}/sessions/{sid}/train", json={"iterations": 10_000}, params={"view": "compact", "history": 1}).json()
    assert doc["iteration"] == 10_000 + 1000 // 6 and doc["history"][0]["iteration"] == doc["iteration"]
    assert_refused(client, {"iterations": 10_001}, ["iterations"], "10000", path=f"sessions/{sid}/train")


def test_explicit_data_widths_at_the_edge(raw_client):
    body = {"layers": [1024, 1], "activations": "sigmoid", "loss": "bce", "data": {"inputs": [[0.5] * 1024] * 3, "targets": [[1.0]] * 3}}
    assert _status(raw_client, body) == 201
    assert _status(raw_client, {**body, "data": explicit(4, n_in=1024)}) == 201
    wider = {**body, "layers": [1025, 1], "data": {"inputs": [[0.5] * 1025] * 3, "targets": [[1.0]] * 3}}
    assert_refused(raw_client, wider, ["layers", 0], "1024")
