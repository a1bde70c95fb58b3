"""step (count, until), back, train, reset, ?view=compact and ?history=N through the API."""
from __future__ import annotations

import numpy as np

from tests.api.helpers import API, create, explicit, step, worked_example

PER_ROW = ("z", "a")


def test_compact_view_nulls_exactly_the_per_row_arrays(client):
    sid = worked_example(client)["id"]
    step(client, sid, {"count": 5})  # up to backward 1: every value computed
    full = client.get(f"{API}/sessions/{sid}").json()
    compact = client.get(f"{API}/sessions/{sid}", params={"view": "compact"}).json()
    expected = {**full, "batch": None}
    expected["layers"] = [{**full["layers"][0], "a": None}] + [
        {**layer, "z": None, "a": None, "grad": {**layer["grad"], "a": None, "z": None}} for layer in full["layers"][1:]
    ]
    assert compact == expected
    assert compact["layers"][1]["grad"]["W"] is not None and compact["loss"]["value"] is not None
    # every endpoint that answers a Session takes the view
    assert step(client, sid, view="compact")["batch"] is None
    assert client.post(f"{API}/sessions/{sid}/back", params={"view": "compact"}).json()["layers"][1]["a"] is None
    assert client.post(f"{API}/sessions/{sid}/train", json={"iterations": 1}, params={"view": "compact"}).json()["batch"] is None
    assert client.patch(f"{API}/sessions/{sid}", json={"optimizer": {"learning_rate": 0.4}}, params={"view": "compact"}).json()["batch"] is None
    assert client.post(f"{API}/sessions/{sid}/reset", params={"view": "compact"}).json()["layers"][0]["a"] is None
    assert client.post(f"{API}/sessions", json={"preset": "xor"}, params={"view": "compact"}).json()["batch"] is None


def test_history_query_keeps_the_last_n(client):
    sid = worked_example(client)["id"]
    full = client.post(f"{API}/sessions/{sid}/train", json={"iterations": 5}).json()["history"]
    assert [h["iteration"] for h in full] == [1, 2, 3, 4, 5]
    assert all(a["loss"] > b["loss"] for a, b in zip(full, full[1:]))  # falling
    assert client.get(f"{API}/sessions/{sid}", params={"history": 2}).json()["history"] == full[-2:]
    assert client.get(f"{API}/sessions/{sid}", params={"history": 0}).json()["history"] == []
    assert client.get(f"{API}/sessions/{sid}", params={"history": 50}).json()["history"] == full
    assert step(client, sid, history=1)["history"] == full[-1:]


def test_step_with_count_equals_single_steps(client):
    one = worked_example(client)["id"]
    many = worked_example(client)["id"]
    for _ in range(9):
        single = step(client, one)
    counted = step(client, many, {"count": 9})
    assert (single["version"], counted["version"]) == (9, 1)  # a request is one change, whatever its count
    assert {**counted, "id": None, "version": None} == {**single, "id": None, "version": None}
    assert counted["iteration"] == 1 and counted["last_step"] == {"phase": "loss"}


def test_step_until(client):
    sid = worked_example(client)["id"]
    doc = step(client, sid, {"until": "loss"})
    assert doc["last_step"] == {"phase": "loss"} and doc["iteration"] == 0
    doc = step(client, sid, {"until": "loss"})  # at least one step: on to the next iteration's loss
    assert doc["last_step"] == {"phase": "loss"} and doc["iteration"] == 1
    doc = step(client, sid, {"until": "update"})
    assert doc["last_step"] == {"phase": "update"} and doc["iteration"] == 2
    doc = step(client, sid, {"until": "update"})
    assert doc["last_step"] == {"phase": "update"} and doc["iteration"] == 3
    # an empty body or {} is one step
    assert client.post(f"{API}/sessions/{sid}/step").json()["last_step"] == {"phase": "forward", "layer": 1}
    assert step(client, sid, {})["last_step"] == {"phase": "forward", "layer": 2}


def test_back_is_exact_and_409_when_nothing_to_undo(client):
    sid = worked_example(client)["id"]
    response = client.post(f"{API}/sessions/{sid}/back")
    assert response.status_code == 409
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]
    states = [client.get(f"{API}/sessions/{sid}").json()]
    for _ in range(8):
        states.append(step(client, sid))
    for index, expected in enumerate(reversed(states[:-1])):
        back = client.post(f"{API}/sessions/{sid}/back").json()
        assert back["version"] == 9 + index  # a back is a change too: versions only grow
        assert {**back, "version": None} == {**expected, "version": None}
    assert client.post(f"{API}/sessions/{sid}/back").status_code == 409


def test_train_finishes_an_iteration_in_progress_first(client):
    stepped = worked_example(client)["id"]
    trained = worked_example(client)["id"]
    step(client, stepped, {"count": 2})
    doc = client.post(f"{API}/sessions/{stepped}/train", json={"iterations": 3}).json()
    assert doc["iteration"] == 3 and doc["last_step"] == {"phase": "update"} and len(doc["history"]) == 3
    reference = client.post(f"{API}/sessions/{trained}/train", json={"iterations": 3}).json()
    assert (doc["version"], reference["version"]) == (2, 1)
    assert {**doc, "id": None, "version": None} == {**reference, "id": None, "version": None}
    # right after an update, train n runs n whole iterations
    assert client.post(f"{API}/sessions/{stepped}/train", json={"iterations": 2}).json()["iteration"] == 5


def test_reset_goes_back_to_the_initial_parameters(client):
    first = worked_example(client)
    sid = first["id"]
    client.post(f"{API}/sessions/{sid}/train", json={"iterations": 4})
    client.patch(f"{API}/sessions/{sid}", json={"edits": [{"layer": 1, "to": 0, "from": 0, "value": 9.0}]})
    reset = client.post(f"{API}/sessions/{sid}/reset").json()
    assert reset["layers"] == first["layers"] and reset["iteration"] == 0 and reset["history"] == []
    assert reset["last_step"] is None and reset["batch"] == first["batch"]
    assert client.post(f"{API}/sessions/{sid}/back").status_code == 409


def test_epochs_count_with_mini_batches(client):
    config = {"layers": [2, 2, 1], "activations": "sigmoid", "loss": "mse", "batch_size": 3, "seed": 5, "data": explicit(10)}
    sid = create(client, config)["id"]
    epochs = []
    seen = []
    for _ in range(9):
        doc = client.post(f"{API}/sessions/{sid}/train", json={"iterations": 1}).json()
        epochs.append(doc["epoch"])
        seen.append(doc["batch"]["indices"])
    assert epochs == [0, 0, 0, 1, 1, 1, 1, 2, 2]  # 4 batches an epoch: 3, 3, 3, 1 rows
    assert [len(s) for s in seen[:4]] == [3, 3, 3, 1]
    assert sorted(sum(seen[:4], [])) == list(range(10)) == sorted(sum(seen[4:8], []))
    assert seen[:4] != seen[4:8]
    assert doc["batch"]["inputs"] == np.array(config["data"]["inputs"])[seen[8]].tolist()
    reset = client.post(f"{API}/sessions/{sid}/reset").json()  # shows iteration 0's batch again
    assert reset["batch"]["indices"] == seen[0] and reset["epoch"] == 0 and reset["layers"][0]["a"] == reset["batch"]["inputs"]
    full = create(client, {**config, "batch_size": None})["id"]
    doc = client.post(f"{API}/sessions/{full}/train", json={"iterations": 3}).json()
    assert doc["epoch"] == doc["iteration"] == 3 and doc["batch"]["indices"] == list(range(10))


def test_a_session_shows_the_batch_it_trains_on(client):
    config = {"layers": [2, 1], "activations": "linear", "loss": "mse", "batch_size": 4, "seed": 2, "data": explicit(9)}
    sid = create(client, config)["id"]
    data_x = np.array(config["data"]["inputs"])
    for _ in range(6):
        doc = step(client, sid, {"count": 1})
        indices = doc["batch"]["indices"]
        assert doc["batch"]["inputs"] == data_x[indices].tolist()
        assert doc["layers"][0]["a"] == doc["batch"]["inputs"]
        W, b = np.array(doc["layers"][1]["W"]), np.array(doc["layers"][1]["b"])
        if doc["last_step"] == {"phase": "forward", "layer": 1}:
            np.testing.assert_allclose(doc["layers"][1]["z"], data_x[indices] @ W.T + b, rtol=1e-15)
