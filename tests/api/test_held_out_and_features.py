"""Held-out rows, accuracy and input features through the API, against an independent NumPy
computation (tests/engine/reference.py) of the same formulas (API.md v1.1)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from tests.api.helpers import API, create, step
from tests.engine import reference

FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "cos(x2)"]


def formulas(x: np.ndarray) -> np.ndarray:
    """FEATURES written out by hand."""
    x1, x2 = x[:, 0], x[:, 1]
    return np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.cos(x2)])


def _params(doc):
    """W and b indexed by layer, index 0 unused (as reference.forward takes them)."""
    return [None] + [np.array(l["W"]) for l in doc["layers"][1:]], [None] + [np.array(l["b"]) for l in doc["layers"][1:]]


def _outputs(W, b, acts, x):
    return reference.forward(W, b, [None, *acts], x)[1][-1]


def _raw_rows(client, doc):
    """The dataset's raw rows: exported explicitly."""
    exported = client.get(f"{API}/sessions/{doc['id']}/export").json()
    return np.array(exported["data"]["inputs"]), np.array(exported["data"]["targets"])


def _split(n: int, fraction: float, seed: int):
    n_test = round(fraction * n)
    permutation = np.random.default_rng(seed).permutation(n)
    return np.sort(permutation[n_test:]), np.sort(permutation[:n_test])


def _accuracy(y_hat, y):
    if y.shape[1] == 1:
        return float(np.mean((y_hat[:, 0] > 0.5) == (y[:, 0] > 0.5)))
    return float(np.mean(y_hat.argmax(1) == y.argmax(1)))


@pytest.mark.parametrize("batch_size", [None, 16])
def test_history_test_loss_and_accuracies_match_numpy(client, batch_size):
    config = {
        "layers": [2, 5, 3], "activations": ["tanh", "softmax"], "loss": "cross_entropy", "seed": 4,
        "optimizer": {"name": "sgd", "learning_rate": 0.5}, "batch_size": batch_size,
        "data": {"dataset": "gauss", "samples": 90, "noise": 0.2, "test_fraction": 0.3},
    }
    doc = create(client, config)
    x, y = _raw_rows(client, doc)
    train_rows, test_rows = _split(90, 0.3, 4)
    assert test_rows.size == 27
    acts = config["activations"]
    for iteration in range(1, 5):
        W, b = _params(doc)  # the parameters this iteration starts from
        doc = step(client, doc["id"], {"until": "update"})
        rows = np.array(doc["batch"]["indices"])
        assert not set(rows) & set(test_rows) and set(rows) <= set(train_rows)
        entry = doc["history"][-1]
        assert set(entry) == {"iteration", "loss", "test_loss", "accuracy", "test_accuracy"} and entry["iteration"] == iteration
        y_hat = _outputs(W, b, acts, x[rows])
        y_test = _outputs(W, b, acts, x[test_rows])
        assert math.isclose(entry["loss"], reference.loss_value("cross_entropy", y_hat, y[rows]), rel_tol=1e-12)
        assert math.isclose(entry["test_loss"], reference.loss_value("cross_entropy", y_test, y[test_rows]), rel_tol=1e-12)
        assert entry["accuracy"] == _accuracy(y_hat, y[rows])
        assert entry["test_accuracy"] == _accuracy(y_test, y[test_rows])
    assert doc["epoch"] == (4 if batch_size is None else 4 // math.ceil(63 / 16))


def test_one_output_accuracy_and_regression_has_none(client):
    doc = create(client, {"layers": [2, 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
                          "data": {"dataset": "moons", "samples": 40, "test_fraction": 0.25}})
    W, b = _params(doc)
    doc = step(client, doc["id"], {"until": "update"})
    x, y = _raw_rows(client, doc)
    _train, test_rows = _split(40, 0.25, 0)
    y_test = _outputs(W, b, ["tanh", "sigmoid"], x[test_rows])
    assert doc["history"][-1]["test_accuracy"] == _accuracy(y_test, y[test_rows])
    sine = create(client, {"layers": [1, 4, 1], "activations": ["tanh", "linear"], "loss": "mse",
                           "data": {"dataset": "sine", "samples": 30, "test_fraction": 0.2}})
    sine = client.post(f"{API}/sessions/{sine['id']}/train", json={"iterations": 2}).json()
    assert set(sine["history"][-1]) == {"iteration", "loss", "test_loss"}
    plain = create(client, {"layers": [1, 4, 1], "activations": ["tanh", "linear"], "loss": "mse", "data": {"dataset": "sine", "samples": 30}})
    plain = client.post(f"{API}/sessions/{plain['id']}/train", json={"iterations": 2}).json()
    assert set(plain["history"][-1]) == {"iteration", "loss"}


def test_train_fast_path_gives_the_same_history_as_stepping(client):
    config = {"preset": "overfitting"}
    stepped, trained = create(client, config), create(client, config)
    for _ in range(70):
        stepped = step(client, stepped["id"], {"until": "update"}, view="compact")
    trained = client.post(f"{API}/sessions/{trained['id']}/train", json={"iterations": 70}, params={"view": "compact"}).json()
    assert trained["history"] == stepped["history"]
    assert trained["layers"] == stepped["layers"]


def test_features_follow_their_formulas_in_batch_layer_0_and_predict(client):
    config = {"layers": [len(FEATURES), 3, 1], "activations": ["tanh", "sigmoid"], "loss": "bce",
              "data": {"dataset": "circle", "samples": 50, "noise": 0.1, "features": FEATURES}}
    doc = create(client, config)
    assert doc["config"]["data"]["features"] == FEATURES
    x, _y = _raw_rows(client, doc)
    expected = formulas(x)
    assert np.allclose(doc["batch"]["inputs"], expected[doc["batch"]["indices"]], rtol=0, atol=1e-15)
    assert doc["layers"][0]["a"] == doc["batch"]["inputs"] and doc["layers"][0]["size"] == 7
    raw = [[0.3, -0.7], [1.5, 2.0]]
    outputs = client.post(f"{API}/sessions/{doc['id']}/predict", json={"inputs": raw}).json()["outputs"]
    W, b = _params(doc)
    assert np.allclose(outputs, _outputs(W, b, ["tanh", "sigmoid"], formulas(np.array(raw))), rtol=1e-13)
    wrong = client.post(f"{API}/sessions/{doc['id']}/predict", json={"inputs": [[0.1] * 7]})
    assert wrong.status_code == 422 and "2 numbers" in wrong.text  # predict takes the raw columns
    # the gradient check runs on the features too
    check = client.get(f"{API}/sessions/{doc['id']}/gradcheck").json()
    assert check["max_rel_error"] < 1e-6 and len(check["entries"]) == 7 * 3 + 3 + 3 + 1


def test_feature_crosses_preset_learns_circle_with_no_hidden_layer(client):
    doc = create(client, {"preset": "feature-crosses"})
    assert doc["config"]["layers"] == [5, 1]
    doc = client.post(f"{API}/sessions/{doc['id']}/train", json={"iterations": 300}, params={"view": "compact"}).json()
    assert doc["history"][-1]["accuracy"] >= 0.97 and doc["history"][-1]["test_accuracy"] >= 0.95


def test_overfitting_turns_test_loss_up_and_weight_decay_keeps_it_down(client):
    curves = {}
    for name in ("overfitting", "weight-decay"):
        doc = create(client, {"preset": name})
        doc = client.post(f"{API}/sessions/{doc['id']}/train", json={"iterations": 1000}, params={"view": "compact"}).json()
        curves[name] = (np.array([h["loss"] for h in doc["history"]]), np.array([h["test_loss"] for h in doc["history"]]))
    loss, test = curves["overfitting"]
    assert loss[-1] < 0.01 < loss[100] and test[-1] > 2 * test.min() and 50 < test.argmin() < 200
    loss_wd, test_wd = curves["weight-decay"]
    assert loss_wd[-1] > 0.1 and test_wd[-1] < 1.1 * test_wd.min() and test_wd[-1] < test[-1] / 2


@pytest.mark.parametrize(
    "data, where, words",
    [
        ({"dataset": "xor", "test_fraction": 0.95}, ["data", "test_fraction"], "0.9"),
        ({"inputs": [[1.0, 2.0]], "targets": [[1.0]], "test_fraction": 0.9}, ["data", "test_fraction"], "leaves none to train on"),
        ({"dataset": "xor", "features": ["x3"]}, ["data", "features", 0], "x1 to x2"),
        ({"dataset": "xor", "features": ["x2*x1"]}, ["data", "features", 0], "i < j"),
        ({"dataset": "xor", "features": ["tan(x1)"]}, ["data", "features", 0], "is not a feature"),
        ({"dataset": "xor", "features": ["x1", "x1"]}, ["data", "features", 1], "twice"),
        ({"dataset": "xor", "features": ["x1", "x2", "x1^2"]}, ["layers", 0], "3 features make 3 inputs"),
        ({"dataset_id": "0" * 64}, ["data", "dataset_id"], "upload it first"),
    ],
)
def test_bad_data_options_are_422_naming_the_field(client, data, where, words):
    response = client.post(f"{API}/sessions", json={"layers": [2, 1], "activations": "sigmoid", "loss": "mse", "data": data})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", *where] and words in detail["msg"], detail


def test_weight_decay_is_patched_and_echoed(client):
    doc = create(client, {"preset": "worked-example"})
    doc = client.patch(f"{API}/sessions/{doc['id']}", json={"optimizer": {"weight_decay": 0.25}}).json()
    assert doc["config"]["optimizer"] == {"name": "sgd", "learning_rate": 0.5, "momentum": 0.0, "weight_decay": 0.25}
    W, b = _params(doc)
    doc = step(client, doc["id"], {"until": "update"})
    dW = np.array(doc["layers"][1]["grad"]["W"])  # the loss gradient, without the decay
    assert np.allclose(doc["layers"][1]["W"], W[1] - 0.5 * (dW + 0.25 * W[1]), rtol=1e-14)
    bad = client.patch(f"{API}/sessions/{doc['id']}", json={"optimizer": {"weight_decay": -1}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "weight_decay"
