"""The presets: complete, consistent configs that really learn what their descriptions promise.

The training loop here is written out independently of app.engine on purpose: it checks the
presets (and the worked example's numbers) against plain NumPy, not against the code under test.
"""
import json
from pathlib import Path

import numpy as np
import pytest
from babel.messages.pofile import read_po

from app.engine import datasets
from app.sessions.presets import PRESETS, get_preset
from app.settings import PROJECT_ROOT

CONFIG_KEYS = {"layers", "activations", "loss", "optimizer", "batch_size", "seed", "init", "weights", "biases", "data"}
OPTIMIZER_KEYS = {"sgd": {"name", "learning_rate", "momentum", "weight_decay"}, "adam": {"name", "learning_rate", "beta1", "beta2", "eps", "weight_decay"}}
ACTIVATION_NAMES = {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"}
INIT_NAMES = {"xavier", "he", "normal", "uniform", "zeros"}
PO_PATH = PROJECT_ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "presets.po"


# --- a plain NumPy trainer, independent of app.engine --------------------------------------------

def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


# name -> (f(z), f'(z) written in terms of a = f(z)); softmax's derivative is fused with cross-entropy
ACTIVATIONS = {
    "linear": (lambda z: z, lambda a: np.ones_like(a)),
    "sigmoid": (_sigmoid, lambda a: a * (1.0 - a)),
    "tanh": (np.tanh, lambda a: 1.0 - a**2),
    "relu": (lambda z: np.maximum(z, 0.0), lambda a: (a > 0).astype(float)),  # 0 at z = 0
    "leaky_relu": (lambda z: np.where(z > 0, z, 0.01 * z), lambda a: np.where(a > 0, 1.0, 0.01)),
    "softmax": (_softmax, None),
}

LOSSES = {  # name -> (value, dL/dy_hat), reduction "mean" as PyTorch defines it
    "mse": (lambda y_hat, y: np.mean((y_hat - y) ** 2), lambda y_hat, y: 2.0 * (y_hat - y) / y_hat.size),
    "bce": (
        lambda y_hat, y: np.mean(-(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))),
        lambda y_hat, y: (y_hat - y) / (y_hat * (1 - y_hat)) / y_hat.size,
    ),
    "cross_entropy": (lambda y_hat, y: np.mean(-(y * np.log(y_hat)).sum(axis=1)), None),
}


def dataset_of(config):
    data = config["data"]
    if "inputs" in data:
        return np.array(data["inputs"], dtype=float), np.array(data["targets"], dtype=float)
    return datasets.generate(data["dataset"], data["samples"], data["noise"], data["seed"], config["layers"][-1])


def initial_parameters(config, init_seed):
    """The preset's explicit parameters, or torch-style xavier_uniform / kaiming_normal with zero biases."""
    if config["weights"] is not None:
        return [np.array(w, dtype=float) for w in config["weights"]], [np.array(b, dtype=float) for b in config["biases"]]
    rng = np.random.default_rng(init_seed)
    sizes = config["layers"]
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        if config["init"] == "he":
            weights.append(rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in)))
        else:
            limit = np.sqrt(6.0 / (n_in + n_out))
            weights.append(rng.uniform(-limit, limit, size=(n_out, n_in)))
    return weights, [np.zeros(n) for n in sizes[1:]]


def forward(config, weights, biases, x):
    a = [x]
    for W, b, name in zip(weights, biases, config["activations"]):
        a.append(ACTIVATIONS[name][0](a[-1] @ W.T + b))
    return a


def train(config, iterations, init_seed):
    """Trains like API.md says; returns the final weights, biases and the loss of every iteration."""
    x, y = dataset_of(config)
    weights, biases = initial_parameters(config, init_seed)
    acts, opt, lr = config["activations"], config["optimizer"], config["optimizer"]["learning_rate"]
    loss_value, loss_grad = LOSSES[config["loss"]]
    params = weights + biases
    first_moment = [np.zeros_like(p) for p in params]
    second_moment = [np.zeros_like(p) for p in params]
    shuffle = np.random.default_rng(config["seed"])
    batch_size = config["batch_size"] or len(x)
    queue = np.array([], dtype=int)
    history = []
    for step in range(1, iterations + 1):
        if queue.size == 0:
            queue = shuffle.permutation(len(x))
        rows, queue = queue[:batch_size], queue[batch_size:]
        y_batch = y[rows]
        a = forward(config, weights, biases, x[rows])
        history.append(loss_value(a[-1], y_batch))
        if acts[-1] == "softmax":
            delta = (a[-1] - y_batch) / len(rows)
        else:
            delta = loss_grad(a[-1], y_batch) * ACTIVATIONS[acts[-1]][1](a[-1])
        grads_w, grads_b = [None] * len(weights), [None] * len(weights)
        for l in reversed(range(len(weights))):
            grads_w[l], grads_b[l] = delta.T @ a[l], delta.sum(axis=0)
            if l > 0:
                delta = (delta @ weights[l]) * ACTIVATIONS[acts[l - 1]][1](a[l])
        for k, (p, g) in enumerate(zip(params, grads_w + grads_b)):
            if opt["name"] == "sgd":
                first_moment[k] = opt["momentum"] * first_moment[k] + g
                p -= lr * first_moment[k]
            else:
                first_moment[k] = opt["beta1"] * first_moment[k] + (1 - opt["beta1"]) * g
                second_moment[k] = opt["beta2"] * second_moment[k] + (1 - opt["beta2"]) * g * g
                m_hat = first_moment[k] / (1 - opt["beta1"] ** step)
                v_hat = second_moment[k] / (1 - opt["beta2"] ** step)
                p -= lr * m_hat / (np.sqrt(v_hat) + opt["eps"])
    return weights, biases, np.array(history)


def accuracy(config, weights, biases):
    x, y = dataset_of(config)
    y_hat = forward(config, weights, biases, x)[-1]
    if y.shape[1] == 1:
        return np.mean((y_hat > 0.5) == (y > 0.5))
    return np.mean(y_hat.argmax(axis=1) == y.argmax(axis=1))


# --- shape of the list -----------------------------------------------------------------------------

def test_the_required_presets_exist():
    names = [preset["name"] for preset in PRESETS]
    assert len(names) == len(set(names))
    assert {"xor", "worked-example", "circle", "three-classes", "sine"} <= set(names)
    assert all(name.replace("-", "").isalnum() and name == name.lower() for name in names)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset["name"])
def test_preset_has_name_title_description_and_a_complete_config(preset):
    assert set(preset) == {"name", "title", "description", "config"}
    assert preset["title"].strip() and len(preset["title"]) <= 60
    assert 40 <= len(preset["description"]) <= 320 and preset["description"].rstrip().endswith(".")
    config = preset["config"]
    assert set(config) == CONFIG_KEYS
    assert set(config["optimizer"]) == OPTIMIZER_KEYS[config["optimizer"]["name"]]
    json.dumps(preset, allow_nan=False)  # plain JSON, every number finite


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset["name"])
def test_preset_config_is_consistent(preset):
    config = preset["config"]
    sizes = config["layers"]
    L = len(sizes) - 1
    assert 2 <= len(sizes) <= 12 and all(isinstance(n, int) and 1 <= n <= 1024 for n in sizes)
    assert isinstance(config["activations"], list) and len(config["activations"]) == L
    assert set(config["activations"]) <= ACTIVATION_NAMES
    assert "softmax" not in config["activations"][:-1], "softmax is for the output layer only"
    output = config["activations"][-1]
    assert (config["loss"] == "cross_entropy") == (output == "softmax")
    if config["loss"] == "bce":
        assert output == "sigmoid"
    assert config["init"] in INIT_NAMES
    assert isinstance(config["seed"], int) and config["seed"] >= 0
    assert config["optimizer"]["learning_rate"] > 0
    if config["weights"] is not None or config["biases"] is not None:
        assert [np.shape(w) for w in config["weights"]] == [(sizes[l], sizes[l - 1]) for l in range(1, L + 1)]
        assert [np.shape(b) for b in config["biases"]] == [(sizes[l],) for l in range(1, L + 1)]
    data = config["data"]
    if "dataset" in data:
        assert set(data) == {"dataset", "samples", "noise", "seed", "test_fraction", "features"}
        columns = sizes[0] if data["features"] is None else None  # features: layers[0] counts them
        datasets.validate(data["dataset"], data["samples"], data["noise"], data["seed"], sizes[-1], n_inputs=columns)
        assert data["features"] is None or len(data["features"]) == sizes[0]
        rows = data["samples"] - round(data["test_fraction"] * data["samples"])
    else:
        assert set(data) == {"inputs", "targets", "test_fraction", "features"}
        assert {len(row) for row in data["inputs"]} == {sizes[0]}
        assert {len(row) for row in data["targets"]} == {sizes[-1]}
        rows = len(data["inputs"])
    batch_size = config["batch_size"]
    assert batch_size is None or 1 <= batch_size <= rows


@pytest.mark.parametrize("preset", PRESETS, ids=lambda preset: preset["name"])
def test_preset_config_is_already_the_config_as_applied(preset):
    """The session validator accepts it and fills in nothing: the list shows what a session applies."""
    config_module = pytest.importorskip("app.sessions.config")
    assert config_module.applied_config(preset["config"]) == preset["config"]


def test_get_preset_returns_a_copy_or_none():
    preset = get_preset("worked-example")
    assert preset["config"]["weights"][0] == [[0.15, 0.20], [0.25, 0.30]]
    preset["config"]["weights"][0][0][0] = 99.0
    assert get_preset("worked-example")["config"]["weights"][0][0][0] == 0.15
    assert get_preset("no-such-preset") is None


# --- the numbers and the learning ------------------------------------------------------------------

def test_worked_example_is_mazurs_and_its_first_loss_is_0_298371109():
    config = get_preset("worked-example")["config"]
    assert config["layers"] == [2, 2, 2] and config["activations"] == ["sigmoid", "sigmoid"]
    assert config["loss"] == "mse" and config["optimizer"] == {"name": "sgd", "learning_rate": 0.5, "momentum": 0.0, "weight_decay": 0.0}
    assert config["data"] == {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]], "test_fraction": 0.0, "features": None}
    assert config["weights"] == [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
    assert config["biases"] == [[0.35, 0.35], [0.60, 0.60]]

    weights, biases, history = train(config, 1, init_seed=0)
    assert history[0] == pytest.approx(0.298371109, abs=1e-9)
    # Mazur's updated weights (his w5..w8 and w1..w4): mse's mean over 2 outputs equals his 1/2 sum.
    np.testing.assert_allclose(weights[1], [[0.35891648, 0.408666186], [0.511301270, 0.561370121]], atol=1e-8)
    np.testing.assert_allclose(weights[0], [[0.149780716, 0.19956143], [0.24975114, 0.29950229]], atol=1e-8)


def test_worked_example_hidden_and_output_values_by_hand():
    config = get_preset("worked-example")["config"]
    weights, biases = initial_parameters(config, 0)
    a = forward(config, weights, biases, np.array([[0.05, 0.10]]))
    np.testing.assert_allclose(a[1], [[0.593269992, 0.596884378]], atol=1e-9)
    np.testing.assert_allclose(a[2], [[0.75136507, 0.772928465]], atol=1e-8)


def test_xor_becomes_a_near_perfect_classifier_within_2000_iterations():
    config = get_preset("xor")["config"]
    assert config["layers"] == [2, 2, 1] and config["activations"] == ["sigmoid", "sigmoid"]
    assert config["optimizer"]["name"] == "sgd" and config["batch_size"] is None
    weights, biases, history = train(config, 2000, init_seed=0)
    x, y = dataset_of(config)
    y_hat = forward(config, weights, biases, x)[-1]
    assert np.abs(y_hat - y).max() < 0.1, y_hat
    assert history[-1] < 0.01 < 0.2 < history[0]


# (preset, iterations, init seeds, at most this share of the first loss at the end, least accuracy)
LEARNING = [
    ("circle", 300, (0, 1, 2), 0.15, 0.97),
    ("three-classes", 200, (0, 1, 2), 0.10, 0.97),
    ("sine", 500, (0, 1, 2), 0.02, None),
    ("spiral", 1000, (0, 1), 0.05, 0.97),
    ("vanishing-gradients", 700, (0, 1), 0.10, 0.97),
]


@pytest.mark.parametrize(("name", "iterations", "init_seeds", "share", "least_accuracy"), LEARNING, ids=[row[0] for row in LEARNING])
def test_preset_learns_clearly(name, iterations, init_seeds, share, least_accuracy):
    """With the preset's own init seed and others (an engine may draw in another order)."""
    config = get_preset(name)["config"]
    for init_seed in {config["seed"], *init_seeds}:
        weights, biases, history = train(config, iterations, init_seed)
        start, end = history[:10].mean(), history[-20:].mean()
        assert end < share * start, (init_seed, start, end)
        if least_accuracy is not None:
            assert accuracy(config, weights, biases) >= least_accuracy, init_seed


def test_vanishing_gradients_preset_starts_on_a_plateau():
    config = get_preset("vanishing-gradients")["config"]
    _weights, _biases, history = train(config, 150, init_seed=config["seed"])
    assert abs(history[149] - history[10]) < 0.01  # the description promises a flat start


def test_every_preset_covers_every_supported_dataset_family():
    """Between them the presets show classification (0/1 and one-hot) and regression."""
    data = [preset["config"]["data"] for preset in PRESETS]
    assert any(d.get("dataset") == "sine" for d in data)
    assert any(preset["config"]["layers"][-1] == 1 and preset["config"]["loss"] != "mse" for preset in PRESETS)
    assert any(preset["config"]["layers"][-1] >= 3 for preset in PRESETS)


# --- translations ----------------------------------------------------------------------------------

def _catalog():
    with Path(PO_PATH).open("rb") as po_file:
        return read_po(po_file, locale="zh_CN")


def test_every_title_and_description_has_a_chinese_translation():
    catalog = _catalog()
    for preset in PRESETS:
        for field in ("title", "description"):
            message = catalog.get(preset[field])
            assert message is not None, f"presets.po lacks {preset['name']} {field}"
            assert message.string and not message.fuzzy, f"{preset['name']} {field} is untranslated"
            assert any("\u4e00" <= ch <= "\u9fff" for ch in message.string), message.string


def test_translations_keep_the_numbers_and_the_catalog_has_no_leftovers():
    catalog = _catalog()
    shown = {preset[field] for preset in PRESETS for field in ("title", "description")}
    ids = {message.id for message in catalog if message.id}
    assert ids == shown, "presets.po should hold exactly the preset titles and descriptions"
    for message in catalog:
        if message.id:
            for number in ("0.298371109", "2-2-2", "0.25", "16", "20", "sin(x)", "XOR", "ReLU", "softmax"):
                if number in message.id:
                    assert number in message.string, (number, message.string)
