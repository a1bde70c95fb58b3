"""Ready-made lessons: a name, a title and a description for the class, and a complete Config.

Each config is written out in full (every Config field of API.md, defaults included), so that
what the API lists is exactly what a session built from it applies. Titles and descriptions are
English here, marked with lazy() for extraction; whoever shows them translates them with _().
The tests train every preset with a plain NumPy loop to check that it learns as described.
"""
from __future__ import annotations

import copy

from app.i18n import lazy


def _sgd(lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> dict:
    return {"name": "sgd", "learning_rate": lr, "momentum": momentum, "weight_decay": weight_decay}


def _adam(lr: float, weight_decay: float = 0.0) -> dict:
    return {"name": "adam", "learning_rate": lr, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": weight_decay}


def _generated(dataset: str, samples: int, noise: float = 0.0, seed: int = 0, test_fraction: float = 0.0, features=None) -> dict:
    return {"dataset": dataset, "samples": samples, "noise": noise, "seed": seed, "test_fraction": test_fraction, "features": features}


PRESETS: list[dict] = [
    {
        "name": "xor",
        "title": lazy("XOR with two hidden units"),
        "description": lazy(
            "XOR is not linearly separable: no single line splits its four points. "
            "Watch the two hidden units each draw one line, and the output unit combine them."
        ),
        "config": {
            "layers": [2, 2, 1],
            "activations": ["sigmoid", "sigmoid"],
            "loss": "mse",
            "optimizer": _sgd(2.0),
            "batch_size": None,
            "seed": 0,
            "init": "xavier",
            # Explicit start: 2-2-1 XOR has local minima, and these weights reach a near-perfect
            # classifier (every output within 0.1 of its target) in about 750 iterations.
            "weights": [[[0.3, 1.0], [0.7, -0.7]], [[-0.6, 1.1]]],
            "biases": [[0.0, 0.0], [0.0]],
            "data": {
                "inputs": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
                "targets": [[0.0], [1.0], [1.0], [0.0]],
                "test_fraction": 0.0,
                "features": None,
            },
        },
    },
    {
        "name": "worked-example",
        "title": lazy("Worked example: one iteration by hand"),
        "description": lazy(
            "Matt Mazur's classic 2-2-2 network with round weights and a single sample: work out "
            "each forward, loss and backward step on the board and check it against the screen. "
            "The first loss is 0.298371109."
        ),
        "config": {
            "layers": [2, 2, 2],
            "activations": ["sigmoid", "sigmoid"],
            "loss": "mse",
            "optimizer": _sgd(0.5),
            "batch_size": None,
            "seed": 0,
            "init": "xavier",
            "weights": [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]],
            "biases": [[0.35, 0.35], [0.60, 0.60]],
            "data": {"inputs": [[0.05, 0.10]], "targets": [[0.01, 0.99]], "test_fraction": 0.0, "features": None},
        },
    },
    {
        "name": "circle",
        "title": lazy("Circle: a deeper network on mini-batches"),
        "description": lazy(
            "A disc inside a ring needs a curved boundary: two hidden layers of tanh units bend "
            "it into a circle. Mini-batches of 20 make the loss curve jagged but fast; momentum "
            "smooths the steps."
        ),
        "config": {
            "layers": [2, 8, 8, 1],
            "activations": ["tanh", "tanh", "sigmoid"],
            "loss": "bce",
            "optimizer": _sgd(0.1, momentum=0.9),
            "batch_size": 20,
            "seed": 0,
            "init": "xavier",
            "weights": None,
            "biases": None,
            "data": _generated("circle", 200, noise=0.05),
        },
    },
    {
        "name": "three-classes",
        "title": lazy("Three classes with softmax"),
        "description": lazy(
            "Three Gaussian clusters, three output units: softmax turns the scores into "
            "probabilities that add up to 1, and with cross-entropy the output error is simply "
            "the predicted minus the true probabilities."
        ),
        "config": {
            "layers": [2, 6, 3],
            "activations": ["tanh", "softmax"],
            "loss": "cross_entropy",
            "optimizer": _sgd(0.5),
            "batch_size": None,
            "seed": 0,
            "init": "xavier",
            "weights": None,
            "biases": None,
            "data": _generated("gauss", 150, noise=0.1),
        },
    },
    {
        "name": "sine",
        "title": lazy("Sine curve: regression"),
        "description": lazy(
            "One input, one output and no classes: sixteen tanh units, each a smooth step, add up "
            "to the curve y = sin(x). A linear output with mean squared error makes it regression; "
            "Adam takes the steps."
        ),
        "config": {
            "layers": [1, 16, 1],
            "activations": ["tanh", "linear"],
            "loss": "mse",
            "optimizer": _adam(0.01),
            "batch_size": None,
            "seed": 0,
            "init": "xavier",
            "weights": None,
            "biases": None,
            "data": _generated("sine", 100),
        },
    },
    {
        "name": "spiral",
        "title": lazy("Three-arm spiral with ReLU"),
        "description": lazy(
            "Three interleaved spiral arms are hard to separate: two hidden layers of 16 ReLU "
            "units, trained by Adam on mini-batches, cut the plane into many straight-edged pieces "
            "until each arm has its own region."
        ),
        "config": {
            "layers": [2, 16, 16, 3],
            "activations": ["relu", "relu", "softmax"],
            "loss": "cross_entropy",
            "optimizer": _adam(0.01),
            "batch_size": 30,
            "seed": 0,
            "init": "he",
            "weights": None,
            "biases": None,
            "data": _generated("spiral", 300),
        },
    },
    {
        "name": "vanishing-gradients",
        "title": lazy("Vanishing gradients in a deep sigmoid network"),
        "description": lazy(
            "Four hidden layers of sigmoid units: on the way back each one multiplies the "
            "gradient by at most 0.25, so the first layers' weight gradients are tiny and the loss "
            "sits on a plateau for a few hundred iterations before it falls."
        ),
        "config": {
            "layers": [2, 6, 6, 6, 6, 1],
            "activations": ["sigmoid", "sigmoid", "sigmoid", "sigmoid", "sigmoid"],
            "loss": "mse",
            "optimizer": _sgd(2.0),
            "batch_size": None,
            "seed": 0,
            "init": "xavier",
            "weights": None,
            "biases": None,
            "data": _generated("gauss", 100),
        },
    },
]

def _overfitting(weight_decay: float) -> dict:
    """40 training rows of noisy moons, 40 held out, and a network of 1,185 parameters."""
    return {
        "layers": [2, 32, 32, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "loss": "bce",
        "optimizer": _adam(0.01, weight_decay=weight_decay),
        "batch_size": None,
        "seed": 0,
        "init": "xavier",
        "weights": None,
        "biases": None,
        "data": _generated("moons", 80, noise=0.3, test_fraction=0.5),
    }


PRESETS += [
    {
        "name": "feature-crosses",
        "title": lazy("Feature crosses: a circle with no hidden layer"),
        "description": lazy(
            "Give the network x1^2 and x2^2 as inputs and the circle becomes a straight cut: "
            "one sigmoid unit, no hidden layer, learns the disc inside the ring. The input units "
            "are labelled with their features; a fifth of the points are held out as a test."
        ),
        "config": {
            "layers": [5, 1],
            "activations": ["sigmoid"],
            "loss": "bce",
            "optimizer": _sgd(1.0),
            "batch_size": None,
            "seed": 0,
            "init": "xavier",
            "weights": None,
            "biases": None,
            "data": _generated("circle", 200, noise=0.05, test_fraction=0.2, features=["x1", "x2", "x1^2", "x2^2", "x1*x2"]),
        },
    },
    {
        "name": "overfitting",
        "title": lazy("Overfitting: a big network on a small training set"),
        "description": lazy(
            "Forty noisy points to train on, forty held out, and over a thousand parameters: the "
            "training loss falls towards zero while the test loss turns up after about 80 "
            "iterations. The network learns the noise of its training points by heart."
        ),
        "config": _overfitting(0.0),
    },
    {
        "name": "weight-decay",
        "title": lazy("Weight decay keeps the test loss down"),
        "description": lazy(
            "The overfitting network again, with weight decay 0.01: every update also pulls each "
            "weight towards zero (g + lambda p), so the boundary stays smooth, the training loss "
            "stays above zero and the test loss stays near its best."
        ),
        "config": _overfitting(0.01),
    },
]

_BY_NAME = {preset["name"]: preset for preset in PRESETS}


def get_preset(name: str) -> dict | None:
    """A copy of the preset called `name` (callers may merge overrides into it), or None."""
    preset = _BY_NAME.get(name)
    return copy.deepcopy(preset) if preset is not None else None
