"""A catalogue of bad inputs: each is answered 422 (404/409 where the contract says) with a JSON
detail naming the field, never a 500 or a dropped connection."""
from __future__ import annotations

import json

import pytest

from tests.api.helpers import API, explicit

BASE = {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "mse", "data": {"dataset": "xor", "samples": 20}}


def config(**changes) -> bytes:
    body = {**BASE, **changes}
    return json.dumps({k: v for k, v in body.items() if v is not DROP}).encode()


DROP = object()


def data(**changes) -> dict:
    return {**BASE["data"], **changes}


def raw_config(text: str) -> bytes:
    """BASE with one field's value written as raw JSON text (NaN, Infinity, 1e999...)."""
    return json.dumps({**BASE, "seed": "@@"}).replace('"@@"', text).encode()


# (case id, body, the field the detail must name)
CREATE_CASES = [
    ("layers-not-list", config(layers="2,3,1"), "layers"),
    ("layers-one", config(layers=[2]), "layers"),
    ("layers-13", config(layers=[2] * 13, activations="tanh"), "layers"),
    ("layers-zero-units", config(layers=[2, 0, 1]), "layers"),
    ("layers-1025-units", config(layers=[2, 1025, 1]), "layers"),
    ("layers-float", config(layers=[2, 2.5, 1]), "layers"),
    ("layers-string-number", config(layers=[2, "3", 1]), "layers"),
    ("layers-bool", config(layers=[2, True, 1]), "layers"),
    ("layers-negative", config(layers=[2, -3, 1]), "layers"),
    ("layers-huge-int", config(layers=[2, 10**40, 1]), "layers"),
    ("parameters-over-1M", config(layers=[1024, 1000, 1], activations="sigmoid", data={"inputs": [[0.0] * 1024], "targets": [[0.0]]}), "layers"),
    ("batch-values-over-1M", config(layers=[2, 1000, 1], data=data(samples=10_000)), "batch_size"),
    ("activations-unknown", config(activations=["tanh", "swish"]), "activations"),
    ("activations-count", config(activations=["tanh"]), "activations"),
    ("activations-number", config(activations=5), "activations"),
    ("softmax-hidden", config(layers=[2, 3, 2], activations=["softmax", "softmax"], loss="cross_entropy"), "activations"),
    ("loss-unknown", config(loss="hinge"), "loss"),
    ("bce-without-sigmoid", config(activations=["tanh", "tanh"], loss="bce"), "activations"),
    ("cross-entropy-without-softmax", config(loss="cross_entropy"), "activations"),
    ("bce-on-sine-targets-below-0", config(layers=[1, 3, 1], loss="bce", data=data(dataset="sine")), ("loss", "data", "dataset", "activations")),
    ("xor-with-3-inputs", config(layers=[3, 3, 1]), ("layers", "dataset")),
    ("bce-targets-outside-0-1", config(loss="bce", data={"inputs": [[0, 0]], "targets": [[2.0]]}), "targets"),
    ("optimizer-unknown", config(optimizer={"name": "rmsprop"}), "optimizer"),
    ("optimizer-lr-negative", config(optimizer={"name": "sgd", "learning_rate": -1}), "learning_rate"),
    ("optimizer-lr-zero", config(optimizer={"name": "sgd", "learning_rate": 0}), "learning_rate"),
    ("optimizer-lr-string", config(optimizer={"name": "sgd", "learning_rate": "fast"}), "learning_rate"),
    ("optimizer-momentum-1", config(optimizer={"name": "sgd", "momentum": 1.0}), "momentum"),
    ("optimizer-adam-beta1", config(optimizer={"name": "adam", "beta1": 1.5}), "beta1"),
    ("optimizer-adam-eps-0", config(optimizer={"name": "adam", "eps": 0}), "eps"),
    ("optimizer-unknown-field", config(optimizer={"name": "sgd", "nesterov": True}), "nesterov"),
    ("optimizer-sgd-with-beta", config(optimizer={"name": "sgd", "beta1": 0.9}), "beta1"),
    ("batch-size-0", config(batch_size=0), "batch_size"),
    ("batch-size-over-samples", config(batch_size=21), "batch_size"),
    ("batch-size-string", config(batch_size="10"), "batch_size"),
    ("batch-size-float", config(batch_size=1.5), "batch_size"),
    ("seed-negative", config(seed=-1), "seed"),
    ("seed-huge", config(seed=2**64), "seed"),
    ("seed-float", config(seed=1.5), "seed"),
    ("init-unknown", config(init="glorot"), "init"),
    ("weights-wrong-count", config(weights=[[[0.1, 0.2]] * 3]), "weights"),
    ("weights-wrong-shape", config(weights=[[[0.1, 0.2, 0.3]] * 3, [[0.1, 0.2, 0.3]]]), "weights"),
    ("weights-ragged", config(weights=[[[0.1, 0.2], [0.1], [0.1, 0.2]], [[0.1, 0.2, 0.3]]]), "weights"),
    ("weights-strings", config(weights=[[["a", "b"]] * 3, [["c"] * 3]]), "weights"),
    ("weights-flat", config(weights=[0.1, 0.2]), "weights"),
    ("biases-wrong-shape", config(biases=[[0.0, 0.0], [0.0]]), "biases"),
    ("biases-wrong-count", config(biases=[[0.0, 0.0, 0.0]]), "biases"),
    ("dataset-unknown", config(data=data(dataset="mnist")), "dataset"),
    ("samples-0", config(data=data(samples=0)), "samples"),
    ("samples-10001", config(data=data(samples=10_001)), "samples"),
    ("samples-float", config(data=data(samples=20.5)), "samples"),
    ("noise-negative", config(data=data(noise=-0.1)), "noise"),
    ("noise-over-10", config(data=data(noise=10.5)), "noise"),
    ("data-seed-negative", config(data=data(seed=-3)), "seed"),
    ("data-unknown-field", config(data=data(colour="red")), "colour"),
    ("data-string", config(data="xor"), "data"),
    ("sine-with-2-inputs", config(data=data(dataset="sine")), ("dataset", "layers")),
    ("inputs-wrong-width", config(data={"inputs": [[0, 0, 0]], "targets": [[0]]}), "inputs"),
    ("targets-wrong-width", config(data={"inputs": [[0, 0]], "targets": [[0, 1]]}), "targets"),
    ("targets-count", config(data={"inputs": [[0, 0], [1, 1]], "targets": [[0]]}), "targets"),
    ("inputs-empty", config(data={"inputs": [], "targets": []}), "inputs"),
    ("inputs-10001-rows", config(data={"inputs": [[0.0, 0.0]] * 10_001, "targets": [[0.0]] * 10_001}), "inputs"),
    ("inputs-not-rows", config(data={"inputs": [0, 0], "targets": [0]}), "inputs"),
    ("data-missing-targets", config(data={"inputs": [[0, 0]]}), "targets"),
    ("layers-missing", config(layers=DROP), "layers"),
    ("activations-missing", config(activations=DROP), "activations"),
    ("loss-missing", config(loss=DROP), "loss"),
    ("data-missing", config(data=DROP), "data"),
    ("unknown-field", config(colour="blue"), "colour"),
    ("preset-unknown", json.dumps({"preset": "nope"}).encode(), "preset"),
    ("preset-number", json.dumps({"preset": 5}).encode(), "preset"),
    ("preset-with-unknown-field", json.dumps({"preset": "xor", "colour": 1}).encode(), "colour"),
    ("preset-with-bad-override", json.dumps({"preset": "xor", "layers": [2, 0, 1]}).encode(), "layers"),
    ("nan-literal", raw_config("NaN"), "seed"),
    ("infinity-literal", raw_config("Infinity"), "seed"),
    ("minus-infinity-literal", raw_config("-Infinity"), "seed"),
    ("1e999-literal", raw_config("1e999"), "seed"),
    ("nan-in-noise", json.dumps({**BASE, "data": {"dataset": "xor", "noise": "@@"}}).replace('"@@"', "NaN").encode(), "noise"),
    ("1e999-in-weights", json.dumps({**BASE, "weights": [[[0.1, 0.2]] * 3, [[0.1, 0.2, "@@"]]]}).replace('"@@"', "1e999").encode(), "weights"),
    ("nan-in-inputs", json.dumps({**BASE, "data": {"inputs": [[0, "@@"]], "targets": [[0]]}}).replace('"@@"', "NaN").encode(), "inputs"),
    ("infinity-in-lr", json.dumps({**BASE, "optimizer": {"name": "sgd", "learning_rate": "@@"}}).replace('"@@"', "Infinity").encode(), "learning_rate"),
    ("huge-int-literal", raw_config("1" + "0" * 5000), "seed"),
    ("empty-body", b"", None),
    ("null-body", b"null", None),
    ("list-body", b"[]", None),
    ("number-body", b"42", None),
    ("string-body", b'"layers"', None),
    ("malformed", b'{"layers": [2, 3, 1],', None),
    ("trailing-garbage", config() + b"}", None),
    ("deeply-nested", b'{"layers": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", None),
    ("deeply-nested-objects", b'{"data": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}", None),
    ("not-utf8", b'{"layers": "\xff\xfe"}', None),
]


def assert_names(response, field):
    assert response.status_code == 422, (response.status_code, response.text[:500])
    body = response.json()
    detail = body["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) >= {"loc", "msg", "type"} and item["msg"]
        assert item["loc"][0] in ("body", "query", "path")
    if field is not None:
        fields = (field,) if isinstance(field, str) else field
        locs = [[str(part) for part in item["loc"]] for item in detail]
        assert any(f in loc for f in fields for loc in locs), (field, locs)


@pytest.mark.parametrize("body,field", [c[1:] for c in CREATE_CASES], ids=[c[0] for c in CREATE_CASES])
def test_bad_config(raw_client, body, field):
    response = raw_client.post(f"{API}/sessions", content=body, headers={"content-type": "application/json"})
    assert_names(response, field)


@pytest.fixture
def sid(raw_client):
    response = raw_client.post(f"{API}/sessions", json={"preset": "worked-example"})
    assert response.status_code == 201
    return response.json()["id"]


def raw(text: str) -> bytes:
    return text.encode()


SESSION_CASES = [
    # (case id, method, path, body, field)
    ("step-count-0", "POST", "/step", {"count": 0}, "count"),
    ("step-count-1001", "POST", "/step", {"count": 1001}, "count"),
    ("step-count-string", "POST", "/step", {"count": "3"}, "count"),
    ("step-count-float", "POST", "/step", {"count": 1.5}, "count"),
    ("step-count-nan", "POST", "/step", raw('{"count": NaN}'), "count"),
    ("step-count-huge", "POST", "/step", raw('{"count": 1' + "0" * 400 + "}"), "count"),
    ("step-until-unknown", "POST", "/step", {"until": "forward"}, "until"),
    ("step-count-and-until", "POST", "/step", {"count": 2, "until": "loss"}, None),
    ("step-unknown-field", "POST", "/step", {"steps": 2}, "steps"),
    ("step-list", "POST", "/step", [1], None),
    ("step-malformed", "POST", "/step", raw('{"count": '), None),
    ("train-missing", "POST", "/train", {}, "iterations"),
    ("train-empty-body", "POST", "/train", b"", None),
    ("train-0", "POST", "/train", {"iterations": 0}, "iterations"),
    ("train-10001", "POST", "/train", {"iterations": 10_001}, "iterations"),
    ("train-null", "POST", "/train", {"iterations": None}, "iterations"),
    ("train-string", "POST", "/train", {"iterations": "5"}, "iterations"),
    ("train-infinity", "POST", "/train", raw('{"iterations": Infinity}'), "iterations"),
    ("train-unknown-field", "POST", "/train", {"iterations": 1, "lr": 2}, "lr"),
    ("patch-optimizer-unknown", "PATCH", "", {"optimizer": {"name": "rmsprop"}}, "name"),
    ("patch-lr-negative", "PATCH", "", {"optimizer": {"learning_rate": -1}}, "learning_rate"),
    ("patch-lr-over-limit", "PATCH", "", {"optimizer": {"learning_rate": 1e6}}, "learning_rate"),
    ("patch-lr-nan", "PATCH", "", raw('{"optimizer": {"learning_rate": NaN}}'), "learning_rate"),
    ("patch-lr-1e999", "PATCH", "", raw('{"optimizer": {"learning_rate": 1e999}}'), "learning_rate"),
    ("patch-momentum-1", "PATCH", "", {"optimizer": {"momentum": 1}}, "momentum"),
    ("patch-beta-on-sgd", "PATCH", "", {"optimizer": {"beta1": 0.5}}, "beta1"),
    ("patch-optimizer-unknown-field", "PATCH", "", {"optimizer": {"gamma": 0.5}}, "gamma"),
    ("patch-edit-layer-0", "PATCH", "", {"edits": [{"layer": 0, "to": 0, "from": 0, "value": 1}]}, "layer"),
    ("patch-edit-layer-3", "PATCH", "", {"edits": [{"layer": 3, "to": 0, "from": 0, "value": 1}]}, "layer"),
    ("patch-edit-to-2", "PATCH", "", {"edits": [{"layer": 1, "to": 2, "from": 0, "value": 1}]}, "to"),
    ("patch-edit-to-negative", "PATCH", "", {"edits": [{"layer": 1, "to": -1, "from": 0, "value": 1}]}, "to"),
    ("patch-edit-from-2", "PATCH", "", {"edits": [{"layer": 1, "to": 0, "from": 2, "value": 1}]}, "from"),
    ("patch-edit-value-nan", "PATCH", "", raw('{"edits": [{"layer": 1, "to": 0, "from": 0, "value": NaN}]}'), "value"),
    ("patch-edit-value-string", "PATCH", "", {"edits": [{"layer": 1, "to": 0, "from": 0, "value": "x"}]}, "value"),
    ("patch-edit-value-missing", "PATCH", "", {"edits": [{"layer": 1, "to": 0, "from": 0}]}, "value"),
    ("patch-edit-layer-huge", "PATCH", "", {"edits": [{"layer": 10**30, "to": 0, "from": 0, "value": 1}]}, "layer"),
    ("patch-edits-not-list", "PATCH", "", {"edits": {"layer": 1}}, "edits"),
    ("patch-unknown-field", "PATCH", "", {"weights": [[1]]}, "weights"),
    ("patch-empty-body", "PATCH", "", b"", None),
    ("predict-missing", "POST", "/predict", {}, "inputs"),
    ("predict-wrong-width", "POST", "/predict", {"inputs": [[1, 2, 3]]}, "inputs"),
    ("predict-ragged", "POST", "/predict", {"inputs": [[1, 2], [1]]}, "inputs"),
    ("predict-empty", "POST", "/predict", {"inputs": []}, "inputs"),
    ("predict-empty-row", "POST", "/predict", {"inputs": [[]]}, "inputs"),
    ("predict-not-rows", "POST", "/predict", {"inputs": [1, 2]}, "inputs"),
    ("predict-10001-rows", "POST", "/predict", {"inputs": [[0, 0]] * 10_001}, "inputs"),
    ("predict-nan", "POST", "/predict", raw('{"inputs": [[NaN, 1]]}'), "inputs"),
    ("predict-strings", "POST", "/predict", {"inputs": [["a", "b"]]}, "inputs"),
    ("predict-unknown-field", "POST", "/predict", {"inputs": [[0, 0]], "rows": 1}, "rows"),
]


@pytest.mark.parametrize("method,path,body,field", [c[1:] for c in SESSION_CASES], ids=[c[0] for c in SESSION_CASES])
def test_bad_session_request(raw_client, sid, method, path, body, field):
    before = raw_client.get(f"{API}/sessions/{sid}").json()
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = raw_client.request(method, f"{API}/sessions/{sid}{path}", content=content, headers={"content-type": "application/json"})
    assert_names(response, field)
    assert raw_client.get(f"{API}/sessions/{sid}").json() == before  # nothing changed


QUERY_CASES = [
    ("view-unknown", "", {"view": "tiny"}, "view"),
    ("history-negative", "", {"history": -1}, "history"),
    ("history-string", "", {"history": "all"}, "history"),
    ("eps-0", "/gradcheck", {"eps": 0}, "eps"),
    ("eps-negative", "/gradcheck", {"eps": -1e-5}, "eps"),
    ("eps-over-0.1", "/gradcheck", {"eps": 0.2}, "eps"),
    ("eps-nan", "/gradcheck", {"eps": "nan"}, "eps"),
    ("eps-inf", "/gradcheck", {"eps": "inf"}, "eps"),
    ("eps-string", "/gradcheck", {"eps": "small"}, "eps"),
]


@pytest.mark.parametrize("path,params,field", [c[1:] for c in QUERY_CASES], ids=[c[0] for c in QUERY_CASES])
def test_bad_query(raw_client, sid, path, params, field):
    assert_names(raw_client.get(f"{API}/sessions/{sid}{path}", params=params), field)


def test_bad_view_on_a_step_changes_nothing(raw_client, sid):
    response = raw_client.post(f"{API}/sessions/{sid}/step", params={"view": "tiny"})
    assert_names(response, "view")
    assert raw_client.get(f"{API}/sessions/{sid}").json()["last_step"] is None


def test_a_refused_step_is_409_with_the_phase_and_layer(raw_client):
    body = {"layers": [1, 1], "activations": "linear", "loss": "mse", "weights": [[[1e200]]], "biases": [[0]],
            "data": {"inputs": [[1e200]], "targets": [[0.0]]}}
    sid = raw_client.post(f"{API}/sessions", json=body).json()["id"]
    before = raw_client.get(f"{API}/sessions/{sid}").json()
    for request in ({"count": 5}, {"until": "update"}, None):
        response = raw_client.post(f"{API}/sessions/{sid}/step", json=request)
        assert response.status_code == 409
        assert response.json()["step"] == {"phase": "forward", "layer": 1}
        assert "forward 1" in response.json()["detail"]
    response = raw_client.post(f"{API}/sessions/{sid}/train", json={"iterations": 3})
    assert response.status_code == 409
    assert raw_client.get(f"{API}/sessions/{sid}").json() == before


def test_explicit_data_at_the_row_limit_is_accepted(raw_client):
    body = {"layers": [2, 1], "activations": "sigmoid", "loss": "bce", "data": explicit(10_000)}
    response = raw_client.post(f"{API}/sessions", json=body, params={"view": "compact"})
    assert response.status_code == 201
    stored = raw_client.get(f"{API}/datasets/{response.json()['config']['data']['dataset_id']}").json()
    assert stored["rows"] == 10_000 and stored["inputs"][-1] == body["data"]["inputs"][-1]


EXACT_LOCS = [
    ({"optimizer": {"name": "sgd", "learning_rate": -1}}, ["body", "optimizer", "learning_rate"]),
    ({"optimizer": {"name": "adam", "beta1": 2}}, ["body", "optimizer", "beta1"]),
    ({"data": {"dataset": "xor", "noise": -1}}, ["body", "data", "noise"]),
    ({"data": {"dataset": "mnist"}}, ["body", "data", "dataset"]),
    ({"data": {"inputs": [["a", 0]], "targets": [[0]]}}, ["body", "data", "inputs", 0, 0]),
    ({"activations": ["tanh", "swish"]}, ["body", "activations", 1]),
    ({"batch_size": "x"}, ["body", "batch_size"]),
    ({"weights": [[["a"]]]}, ["body", "weights", 0, 0, 0]),
]


@pytest.mark.parametrize("change,loc", EXACT_LOCS, ids=[str(loc[1:]) for _c, loc in EXACT_LOCS])
def test_loc_is_the_path_in_the_body_the_caller_sent(raw_client, change, loc):
    """No pydantic union labels ("generated", "sgd", "literal[...]") in a loc: a client walks
    the loc through its own body to highlight the field."""
    response = raw_client.post(f"{API}/sessions", json={**BASE, **change})
    assert response.status_code == 422
    locs = [item["loc"] for item in response.json()["detail"]]
    assert loc in locs
    assert all(got == loc[: len(got)] for got in locs), locs  # every other loc is a prefix of it
