"""Hand-made Session documents for Matt Mazur's worked example (2-2-2 sigmoid, MSE, SGD lr 0.5).

Computed here with a few lines of NumPy, independent of app/engine, so layout, narration and
MathML can be tested without the service. Mazur's E_total is the mean over the 2 outputs,
which is our mse, so his numbers hold exactly.
"""
from __future__ import annotations

import copy

import numpy as np

INPUTS = np.array([[0.05, 0.10]])
TARGETS = np.array([[0.01, 0.99]])
W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
B1 = np.array([0.35, 0.35])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
B2 = np.array([0.60, 0.60])
LR = 0.5

CYCLE = [
    {"phase": "forward", "layer": 1},
    {"phase": "forward", "layer": 2},
    {"phase": "loss"},
    {"phase": "backward", "layer": 2},
    {"phase": "backward", "layer": 1},
    {"phase": "update"},
]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _empty_grad():
    return {"a": None, "z": None, "W": None, "b": None}


def initial_doc(inputs=INPUTS, targets=TARGETS, weights=(W1, W2), biases=(B1, B2)) -> dict:
    sizes = [inputs.shape[1]] + [w.shape[0] for w in weights]
    layers = [{"index": 0, "size": sizes[0], "a": inputs.copy()}]
    for l, (w, b) in enumerate(zip(weights, biases), start=1):
        layers.append(
            {"index": l, "size": sizes[l], "activation": "sigmoid", "W": w.copy(), "b": b.copy(),
             "z": None, "a": None, "grad": _empty_grad()}
        )
    L = len(sizes) - 1
    return {
        "id": "worked-example",
        "config": {
            "layers": sizes, "activations": ["sigmoid"] * L, "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": LR, "momentum": 0.0},
            "batch_size": None, "seed": 0, "init": "xavier", "weights": None, "biases": None,
            "data": {"inputs": inputs.tolist(), "targets": targets.tolist()},
        },
        "iteration": 0, "epoch": 0, "last_step": None, "next_step": {"phase": "forward", "layer": 1},
        "batch": {"indices": list(range(len(inputs))), "inputs": inputs.copy(), "targets": targets.copy()},
        "layers": layers,
        "loss": {"name": "mse", "value": None},
        "history": [],
        "undo_available": 0,
        "steps_per_iteration": 2 * L + 2,
    }


def _cycle(L):
    return ([{"phase": "forward", "layer": l} for l in range(1, L + 1)] + [{"phase": "loss"}]
            + [{"phase": "backward", "layer": l} for l in range(L, 0, -1)] + [{"phase": "update"}])


def apply_step(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    layers = doc["layers"]
    L = len(layers) - 1
    step = doc["next_step"]
    y = doc["batch"]["targets"]
    if step["phase"] == "forward":
        l = step["layer"]
        if l == 1:
            for layer in layers[1:]:
                layer["z"] = layer["a"] = None
                layer["grad"] = _empty_grad()
            doc["loss"]["value"] = None
        layer = layers[l]
        layer["z"] = layers[l - 1]["a"] @ layer["W"].T + layer["b"]  # (B, n_out)
        layer["a"] = _sigmoid(layer["z"])
    elif step["phase"] == "loss":
        doc["loss"]["value"] = float(np.mean((layers[L]["a"] - y) ** 2))
    elif step["phase"] == "backward":
        l = step["layer"]
        layer = layers[l]
        if l == L:
            dA = 2.0 * (layer["a"] - y) / y.size
        else:
            dA = layers[l + 1]["grad"]["z"] @ layers[l + 1]["W"]
        delta = dA * layer["a"] * (1 - layer["a"])
        layer["grad"] = {"a": dA, "z": delta, "W": delta.T @ layers[l - 1]["a"], "b": delta.sum(0)}
    else:
        for layer in layers[1:]:
            layer["W"] = layer["W"] - LR * layer["grad"]["W"]
            layer["b"] = layer["b"] - LR * layer["grad"]["b"]
        doc["iteration"] += 1
        doc["epoch"] += 1
        doc["history"].append({"iteration": doc["iteration"], "loss": doc["loss"]["value"]})
    cycle = _cycle(L)
    doc["last_step"] = step
    doc["next_step"] = cycle[(cycle.index(step) + 1) % len(cycle)]
    doc["undo_available"] += 1
    return doc


def doc_after(steps: int, doc: dict | None = None) -> dict:
    doc = doc or initial_doc()
    for _ in range(steps):
        doc = apply_step(doc)
    return doc
