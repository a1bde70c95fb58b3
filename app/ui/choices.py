"""What the menus show for the engine's names: a label a class reads (translated), never the
identifier the API takes (mse, bce, xavier), which stays the option's value."""
from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _, lazy

LABELS = {
    # activations
    "sigmoid": lazy("sigmoid σ (0 to 1)"),
    "tanh": lazy("tanh (−1 to 1)"),
    "relu": lazy("ReLU (0 or more)"),
    "leaky_relu": lazy("leaky ReLU"),
    "linear": lazy("linear (identity)"),
    "softmax": lazy("softmax (probabilities)"),
    # losses
    "mse": lazy("mean squared error"),
    "bce": lazy("binary cross-entropy"),
    "cross_entropy": lazy("cross-entropy (with softmax)"),
    # optimizers
    "sgd": lazy("gradient descent (SGD)"),
    "adam": lazy("Adam"),
    # initial weights
    "xavier": lazy("Xavier (uniform, for tanh and sigmoid)"),
    "he": lazy("He (normal, for ReLU)"),
    "normal": lazy("normal N(0, 1)"),
    "uniform": lazy("uniform (−1 to 1)"),
    "zeros": lazy("all zero (to see why not)"),
    # data sets
    "xor": lazy("XOR (4 corners)"),
    "circle": lazy("circle (a disc in a ring)"),
    "gauss": lazy("Gaussian clusters"),
    "spiral": lazy("spiral arms"),
    "moons": lazy("two moons"),
    "sine": lazy("sine curve (1 input)"),
}


@dataclass(frozen=True)
class Choice:
    value: str  # the API's name
    label: str  # what the menu shows


def label(name: str) -> str:
    """The translated label of an engine name; an unknown one (a new dataset) shows as it is."""
    text = LABELS.get(name)
    return _(text) if text is not None else name


def choices(names) -> list[Choice]:
    return [Choice(name, label(name)) for name in names]


SHORT = {"relu": "ReLU", "leaky_relu": "leaky ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "linear": "linear",
         "softmax": "softmax"}  # how the drawing's column subtitles name an activation (as printed)


def short_label(name: str) -> str:
    return SHORT.get(name, name)
