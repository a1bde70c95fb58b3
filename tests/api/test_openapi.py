"""The OpenAPI document is exact enough to fuzz (issue 13, finding 6): examples for every body
that succeed, nullability the server agrees with, oneOf for step, minProperties for PATCH."""
from __future__ import annotations

import pytest

from app.sessions.presets import PRESETS
from tests.api.helpers import API, worked_example


@pytest.fixture
def document(client):
    return client.get("/openapi.json").json()


def _schema(document, name):
    return document["components"]["schemas"][name]


def _nullable(prop: dict) -> bool:
    return prop.get("type") == "null" or any(branch.get("type") == "null" for branch in prop.get("anyOf", []))


def test_every_request_body_has_examples(document):
    bodies = [(path, method, op["requestBody"]) for path, ops in document["paths"].items() for method, op in ops.items() if "requestBody" in op]
    assert len(bodies) >= 5
    for path, method, body in bodies:
        assert body["content"]["application/json"].get("examples"), (method, path)


def test_every_config_example_creates_a_session(client, document):
    examples = document["paths"][f"{API}/sessions"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert {p["name"] for p in PRESETS} <= set(examples)  # a Config from each preset
    for name, example in examples.items():
        answer = client.post(f"{API}/sessions", json=example["value"], params={"view": "compact"})
        assert answer.status_code == 201, (name, answer.text[:300])


def test_the_other_examples_succeed_on_the_worked_example(client, document):
    for path, method in (("/step", "post"), ("/train", "post"), ("", "patch"), ("/predict", "post")):
        examples = document["paths"][f"{API}/sessions/{{session_id}}{path}"][method]["requestBody"]["content"]["application/json"]["examples"]
        for name, example in examples.items():
            sid = worked_example(client)["id"]
            answer = client.request(method.upper(), f"{API}/sessions/{sid}{path}", json=example["value"])
            assert answer.status_code == 200, (path, name, answer.text[:300])


def test_overrides_are_nullable_exactly_where_the_server_accepts_null(client, document):
    properties = _schema(document, "ConfigOverrides")["properties"]
    assert set(properties) >= {"preset", "layers", "loss", "optimizer", "batch_size", "weights", "biases", "data"}
    for field, prop in properties.items():
        body = {"preset": "xor", field: None} if field != "preset" else {"preset": None, **PRESETS[0]["config"]}
        answer = client.post(f"{API}/sessions", json=body)
        assert (answer.status_code == 201) == _nullable(prop), (field, prop, answer.text[:200])
        assert "default" not in prop or prop["default"] is not None or _nullable(prop), field


def test_step_body_is_count_xor_until(client, document):
    schema = _schema(document, "StepRequest")
    assert schema["oneOf"] == [{"required": ["count"]}, {"required": ["until"]}, {"maxProperties": 0}]
    assert schema["maxProperties"] == 1 and schema["additionalProperties"] is False
    sid = worked_example(client)["id"]
    for refused in ({"count": 1, "until": "loss"}, {"count": None}, {"until": None}, {"count": True}):
        assert client.post(f"{API}/sessions/{sid}/step", json=refused).status_code == 422, refused
    assert client.post(f"{API}/sessions/{sid}/step", json={"count": 2.0}).json()["last_step"] == {"phase": "forward", "layer": 2}


def test_patch_needs_a_property_and_refuses_null(client, document):
    schema = _schema(document, "PatchRequest")
    assert schema["minProperties"] == 1 and schema["properties"]["edits"]["minItems"] == 1
    assert not any(_nullable(p) for p in schema["properties"].values())
    sid = worked_example(client)["id"]
    for refused in ({}, {"optimizer": None}, {"edits": None}, {"edits": []}):
        assert client.patch(f"{API}/sessions/{sid}", json=refused).status_code == 422, refused


def test_sgd_name_is_optional_and_adams_required(document):
    assert "name" not in _schema(document, "SGDConfig").get("required", [])
    assert "name" in _schema(document, "AdamConfig")["required"]


def test_created_is_documented_with_location_and_links(document):
    created = document["paths"][f"{API}/sessions"]["post"]["responses"]["201"]
    assert "Location" in created["headers"]
    operation_ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert {link["operationId"] for link in created["links"].values()} <= operation_ids
    assert "read_session" in operation_ids and "step_session" in operation_ids


def test_errors_and_gradcheck_entries_are_documented(document):
    error = _schema(document, "ErrorOut")
    assert set(error["required"]) == {"detail", "code"}
    entry = _schema(document, "GradcheckEntry")
    assert {"rel_error", "abs_error", "crosses_kink"} <= set(entry["required"])
    statuses = {status for ops in document["paths"].values() for op in ops.values() for status in op["responses"]}
    assert {"404", "409", "413", "422", "429"} <= statuses
