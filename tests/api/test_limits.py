"""Every limit of API.md accepted at its edge (and refused one past it, see test_bad_inputs)."""
from __future__ import annotations

from tests.api.helpers import API, create, explicit, step, worked_example


def _status(client, body):
    return client.post(f"{API}/sessions", json=body, params={"view": "compact"}).status_code


def test_parameter_limit_edge(raw_client):
    one_row = {"inputs": [[0.0] * 999], "targets": [[0.0] * 1000]}
    assert _status(raw_client, {"layers": [999, 1000], "activations": "linear", "loss": "mse", "data": one_row}) == 201  # 1,000,000
    one_row = {"inputs": [[0.0] * 1000], "targets": [[0.0] * 1000]}
    assert _status(raw_client, {"layers": [1000, 1000], "activations": "linear", "loss": "mse", "data": one_row}) == 422  # 1,001,000


def test_batch_values_limit_edge(raw_client):
    base = {"layers": [2, 1000, 1], "activations": ["tanh", "sigmoid"], "loss": "mse"}
    assert _status(raw_client, {**base, "data": {"dataset": "xor", "samples": 997}}) == 201  # 997 * 1003 = 999,991
    assert _status(raw_client, {**base, "data": {"dataset": "xor", "samples": 998}}) == 422  # 1,000,994
    assert _status(raw_client, {**base, "batch_size": 997, "data": {"dataset": "xor", "samples": 10_000}}) == 201


def test_layer_count_and_width_edges(raw_client):
    assert _status(raw_client, {"layers": [2] + [3] * 10 + [1], "activations": "tanh", "loss": "mse", "data": {"dataset": "xor"}}) == 201
    assert _status(raw_client, {"layers": [2, 1024, 1], "activations": "tanh", "loss": "mse", "data": {"dataset": "xor", "samples": 50}}) == 201
    assert _status(raw_client, {"layers": [2, 1], "activations": "sigmoid", "loss": "bce", "data": {"dataset": "xor", "samples": 1}}) == 201


def test_dataset_edges(raw_client):
    base = {"layers": [2, 1], "activations": "sigmoid", "loss": "bce"}
    assert _status(raw_client, {**base, "data": {"dataset": "moons", "samples": 10_000, "noise": 10, "seed": 2**53}}) == 201
    assert _status(raw_client, {**base, "batch_size": 10_000, "data": {"dataset": "moons", "samples": 10_000}}) == 201


def test_count_and_iterations_edges(client):
    sid = worked_example(client)["id"]
    doc = step(client, sid, {"count": 1000}, view="compact")
    assert doc["iteration"] == 1000 // 6 and doc["undo_available"] == 64
    doc = client.post(f"{API}/sessions/{sid}/train", json={"iterations": 10_000}, params={"view": "compact", "history": 1}).json()
    assert doc["iteration"] == 10_000 + 1000 // 6 and doc["history"][0]["iteration"] == doc["iteration"]


def test_explicit_data_widths_at_the_edge(raw_client):
    body = {"layers": [1024, 1], "activations": "sigmoid", "loss": "bce", "data": {"inputs": [[0.5] * 1024] * 3, "targets": [[1.0]] * 3}}
    assert _status(raw_client, body) == 201
    assert _status(raw_client, {**body, "data": explicit(4, n_in=1024)}) == 201
