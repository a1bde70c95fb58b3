"""Presets, create, delete, unknown sessions, and the OpenAPI document."""
from __future__ import annotations

import math

import pytest

from tests.api.helpers import API, create

SESSION_ENDPOINTS = [
    ("get", "/sessions/{id}", None),
    ("delete", "/sessions/{id}", None),
    ("post", "/sessions/{id}/step", None),
    ("post", "/sessions/{id}/back", None),
    ("post", "/sessions/{id}/train", {"iterations": 1}),
    ("post", "/sessions/{id}/reset", None),
    ("patch", "/sessions/{id}", {"optimizer": {"learning_rate": 0.2}}),
    ("post", "/sessions/{id}/predict", {"inputs": [[0.0, 0.0]]}),
    ("get", "/sessions/{id}/gradcheck", None),
    ("get", "/sessions/{id}/export", None),
]


def test_presets_list(client):
    response = client.get(f"{API}/presets")
    assert response.status_code == 200
    presets = response.json()
    assert len(presets) >= 5
    by_name = {p["name"]: p for p in presets}
    assert len(by_name) == len(presets)
    for p in presets:
        assert set(p) == {"name", "title", "description", "config"}
        assert p["title"] and len(p["description"]) > 40
    configs = [p["config"] for p in presets]
    # what issue 2 asks for
    assert any(c["layers"] == [2, 2, 1] and c["activations"] == ["sigmoid", "sigmoid"] for c in configs)  # XOR
    assert by_name["worked-example"]["config"]["weights"] == [[[0.15, 0.2], [0.25, 0.3]], [[0.4, 0.45], [0.5, 0.55]]]
    assert any(c["data"].get("dataset") in ("circle", "spiral") and len(c["layers"]) >= 4 for c in configs)
    assert any(c["activations"][-1] == "softmax" and c["layers"][-1] == 3 for c in configs)
    assert any(c["layers"][0] == 1 and c["data"].get("dataset") == "sine" for c in configs)


def test_presets_are_translated(client):
    english = client.get(f"{API}/presets").json()
    chinese = client.get(f"{API}/presets", params={"lang": "zh_CN"}).json()
    assert [p["name"] for p in chinese] == [p["name"] for p in english]
    assert all(c["title"] != e["title"] for c, e in zip(chinese, english))
    assert all(c["config"] == e["config"] for c, e in zip(chinese, english))


def test_every_preset_creates_a_session_that_trains(client):
    for preset in client.get(f"{API}/presets").json():
        doc = create(client, {"preset": preset["name"]})
        expected = dict(preset["config"])
        if "inputs" in expected["data"]:  # explicit rows are stored as a dataset and named by its id (v1.1)
            stored = client.get(f"{API}/datasets/{doc['config']['data']['dataset_id']}").json()
            assert (stored["inputs"], stored["targets"]) == (expected["data"]["inputs"], expected["data"]["targets"])
            expected["data"] = {"dataset_id": stored["id"], "test_fraction": 0.0, "features": None}
        assert doc["config"] == expected, preset["name"]
        trained = client.post(f"{API}/sessions/{doc['id']}/train", json={"iterations": 10}, params={"view": "compact"}).json()
        losses = [h["loss"] for h in trained["history"]]
        assert len(losses) == 10 and all(math.isfinite(x) for x in losses), preset["name"]
        assert losses[-1] < losses[0], (preset["name"], losses)


def test_preset_overrides(client):
    doc = create(client, {"preset": "worked-example", "optimizer": {"name": "adam"}, "seed": 3})
    assert doc["config"]["optimizer"] == {"name": "adam", "learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0}
    assert doc["config"]["seed"] == 3 and doc["layers"][1]["W"] == [[0.15, 0.2], [0.25, 0.3]]
    # new layers drop the preset's weights and biases
    doc = create(client, {"preset": "worked-example", "layers": [2, 3, 2]})
    assert doc["config"]["weights"] is None and doc["config"]["biases"] is None
    assert len(doc["layers"][1]["W"]) == 3 and doc["layers"][1]["b"] == [0.0, 0.0, 0.0]


def test_config_defaults_are_filled_in(client):
    doc = create(client, {"layers": [2, 4, 1], "activations": "tanh", "loss": "mse", "data": {"dataset": "xor"}})
    assert doc["config"] == {
        "layers": [2, 4, 1],
        "activations": ["tanh", "tanh"],
        "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": 0.1, "momentum": 0.0, "weight_decay": 0.0},
        "batch_size": None,
        "seed": 0,
        "init": "xavier",
        "weights": None,
        "biases": None,
        "data": {"dataset": "xor", "samples": 200, "noise": 0.0, "seed": 0, "test_fraction": 0.0, "features": None},
    }
    assert len(doc["batch"]["indices"]) == 200
    same = create(client, doc["config"])
    assert same["layers"] == doc["layers"] and same["batch"] == doc["batch"]
    assert create(client, {**doc["config"], "seed": 1})["layers"] != doc["layers"]


def test_softmax_output_with_mse_is_a_valid_config(client):
    """API.md limits softmax to the output layer and ties bce to sigmoid and cross_entropy to
    softmax; nothing forbids mse on a softmax output, so it is not a 422."""
    response = client.post(f"{API}/sessions", json={"layers": [2, 3, 3], "activations": ["tanh", "softmax"], "loss": "mse",
                                                   "data": {"dataset": "gauss", "samples": 30}})
    assert response.status_code == 201, response.text
    grads = client.get(f"{API}/sessions/{response.json()['id']}/gradcheck").json()
    assert grads["max_rel_error"] < 1e-6


def test_session_ids_are_distinct_and_url_safe(client):
    ids = {create(client, {"preset": "xor"})["id"] for _ in range(5)}
    assert len(ids) == 5
    assert all(len(i) >= 22 and all(ch.isalnum() or ch in "-_" for ch in i) for i in ids)


def test_delete_then_404_everywhere(client):
    sid = create(client, {"preset": "xor"})["id"]
    response = client.delete(f"{API}/sessions/{sid}")
    assert response.status_code == 204 and response.content == b""
    for method, path, body in SESSION_ENDPOINTS:
        response = client.request(method.upper(), API + path.format(id=sid), json=body)
        assert response.status_code == 404, (method, path, response.status_code)
        assert isinstance(response.json()["detail"], str) and sid in response.json()["detail"]


@pytest.mark.parametrize("method,path,body", SESSION_ENDPOINTS)
def test_unknown_session_is_404(client, method, path, body):
    response = client.request(method.upper(), API + path.format(id="no-such-session"), json=body)
    assert response.status_code == 404
    assert "no-such-session" in response.json()["detail"]


EXPECTED_CODES = {
    ("get", "/api/v1/presets"): {"200"},
    ("post", "/api/v1/sessions"): {"201", "422"},
    ("get", "/api/v1/sessions/{session_id}"): {"200", "404", "422"},
    ("delete", "/api/v1/sessions/{session_id}"): {"204", "404"},
    ("post", "/api/v1/sessions/{session_id}/step"): {"200", "404", "409", "422"},
    ("post", "/api/v1/sessions/{session_id}/back"): {"200", "404", "409", "422"},
    ("post", "/api/v1/sessions/{session_id}/train"): {"200", "404", "409", "422"},
    ("post", "/api/v1/sessions/{session_id}/reset"): {"200", "404", "422"},
    ("patch", "/api/v1/sessions/{session_id}"): {"200", "404", "422"},
    ("post", "/api/v1/sessions/{session_id}/predict"): {"200", "404", "422"},
    ("get", "/api/v1/sessions/{session_id}/gradcheck"): {"200", "404", "422"},
    ("get", "/api/v1/sessions/{session_id}/export"): {"200", "404"},
}


def test_openapi_declares_every_answer(client):
    document = client.get("/openapi.json").json()
    paths = document["paths"]
    for (method, path), codes in EXPECTED_CODES.items():
        assert path in paths and method in paths[path], (method, path)
        declared = set(paths[path][method]["responses"])
        assert codes <= declared, (method, path, sorted(codes - declared))
        assert "200" not in declared or method == "get" or "200" in codes, (method, path)  # no stray default 200
    assert "201" in paths["/api/v1/sessions"]["post"]["responses"]
    assert "200" not in paths["/api/v1/sessions"]["post"]["responses"]
    assert "200" not in paths["/api/v1/sessions/{session_id}"]["delete"]["responses"]


def _has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_api_messages_follow_the_language(client):
    zh = {"Accept-Language": "zh-CN"}
    missing = client.get(f"{API}/sessions/nope", headers=zh).json()["detail"]
    assert _has_chinese(missing) and "nope" in missing
    assert not _has_chinese(client.get(f"{API}/sessions/nope").json()["detail"])
    sid = create(client, {"preset": "xor"})["id"]
    assert _has_chinese(client.post(f"{API}/sessions/{sid}/back", params={"lang": "zh_CN"}).json()["detail"])
    bad = {"layers": [2, 3, 1], "activations": ["tanh"], "loss": "mse", "data": {"dataset": "xor"}}
    detail = client.post(f"{API}/sessions", json=bad, headers=zh).json()["detail"]
    assert detail[0]["loc"] == ["body", "activations"] and _has_chinese(detail[0]["msg"])
    overflow = {"layers": [1, 1], "activations": "linear", "loss": "mse", "weights": [[[1e200]]], "biases": [[0]],
                "data": {"inputs": [[1e200]], "targets": [[0.0]]}}
    sid = create(client, overflow)["id"]
    refused = client.post(f"{API}/sessions/{sid}/step", headers=zh)
    assert refused.status_code == 409 and _has_chinese(refused.json()["detail"]) and "forward 1" in refused.json()["detail"]


def test_answers_are_json(client):
    sid = create(client, {"preset": "xor"})["id"]
    for response in (client.get(f"{API}/sessions/{sid}"), client.get(f"{API}/sessions/nope"), client.post(f"{API}/sessions", content=b"{"),
                     client.post(f"{API}/sessions/{sid}/back"), client.get(f"{API}/presets"), client.get(f"{API}/sessions/{sid}/gradcheck")):
        assert response.headers["content-type"].startswith("application/json")
        response.json()


def _schemas(client):
    document = client.get("/openapi.json").json()
    for (method, path), codes in EXPECTED_CODES.items():
        yield method, path, document["paths"][path][method]["responses"]


def test_openapi_answer_schemas_are_the_models_alone(client):
    """A success answer is its model, not also `type: string` (which would make it no valid value)."""
    wrong = []
    for method, path, responses in _schemas(client):
        for code, answer in responses.items():
            schema = answer.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None and "$ref" in schema and set(schema) != {"$ref"}:
                wrong.append((method, path, code, schema))
    assert not wrong, wrong


def test_openapi_422_is_the_shape_the_api_sends(client):
    """Every 422 is answered as {"detail": [{"loc", "msg", "type"}]} (no echoed input): the
    document says so for every endpoint, not FastAPI's HTTPValidationError."""
    wrong = []
    for method, path, responses in _schemas(client):
        if "422" in responses:
            ref = responses["422"]["content"]["application/json"]["schema"].get("$ref", "")
            if not ref.endswith("/ValidationErrorOut"):
                wrong.append((method, path, ref))
    assert not wrong, wrong


def test_an_optimizer_without_a_name_is_sgd(client):
    """The optimizer's fields left out take their defaults; sgd is the default optimizer."""
    config = {"layers": [2, 2, 1], "activations": "sigmoid", "loss": "mse",
              "optimizer": {"learning_rate": 0.3}, "data": {"dataset": "xor", "samples": 8}}
    answer = client.post("/api/v1/sessions", json=config)
    assert answer.status_code == 201
    assert answer.json()["config"]["optimizer"] == {"name": "sgd", "learning_rate": 0.3, "momentum": 0.0, "weight_decay": 0.0}


def test_an_empty_patch_is_refused_and_adds_no_undo_step(client):
    session = client.post("/api/v1/sessions", json={"preset": "xor"}).json()
    for body in ({}, {"edits": []}):
        answer = client.patch(f"/api/v1/sessions/{session['id']}", json=body)
        assert answer.status_code == 422 and "PATCH" in answer.json()["detail"][0]["msg"]
    assert client.get(f"/api/v1/sessions/{session['id']}").json()["undo_available"] == 0


def test_training_more_than_a_request_can_hold_is_refused_with_the_most_it_can(client):
    config = {"layers": [2, 900, 900, 1], "activations": "tanh", "loss": "mse",
              "data": {"dataset": "circle", "samples": 500}}
    session = client.post("/api/v1/sessions", json=config, params={"view": "compact"}).json()
    answer = client.post(f"/api/v1/sessions/{session['id']}/train", json={"iterations": 10_000})
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "iterations"] and "at most" in error["msg"]
    assert client.get(f"/api/v1/sessions/{session['id']}", params={"view": "compact"}).json()["iteration"] == 0
