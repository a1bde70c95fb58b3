"""A feedforward network: layers 0..L, W[l] of shape (n[l], n[l-1]) and b[l] of shape (n[l],).

Index 0 of W, b and activations is unused (layer 0 is the input), so the code, the JSON and
the math panel all number layers the same way.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from app.engine.activations import Activation, get_activation

INIT_SCHEMES = ("xavier", "he", "normal", "uniform", "zeros")


def parameter_shapes(sizes) -> list[tuple[int, ...]]:
    """Shapes of [W1, b1, W2, b2, ...], the order of the flat parameter vector."""
    return [shape for l in range(1, len(sizes)) for shape in ((sizes[l], sizes[l - 1]), (sizes[l],))]


@functools.lru_cache(maxsize=256)
def _flat_layout(sizes: tuple[int, ...]) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
    """(start, stop, shape) of each of [W1, b1, W2, b2, ...] in the flat vector."""
    layout, offset = [], 0
    for shape in parameter_shapes(sizes):
        count = math.prod(shape)
        layout.append((offset, offset + count, shape))
        offset += count
    return tuple(layout)


def split_flat(flat: np.ndarray, sizes) -> list[np.ndarray]:
    """Views of a flat vector as [W1, b1, W2, b2, ...]; writing to a view writes the vector.
    (This runs for every answer: the layout is computed once per network shape.)"""
    return [flat[start:stop].reshape(shape) for start, stop, shape in _flat_layout(tuple(sizes))]


def flat_index(sizes, layer: int, to: int, from_: int | None) -> int:
    """Where W[layer][to, from_] (or b[layer][to] when from_ is None) sits in the flat vector."""
    offset = sum(sizes[l] * (sizes[l - 1] + 1) for l in range(1, layer))
    if from_ is None:
        return offset + sizes[layer] * sizes[layer - 1] + to
    return offset + to * sizes[layer - 1] + from_


@dataclass
class Network:
    """W[l] and b[l] are views of one flat vector, so an optimizer updates every parameter
    with a few whole-vector operations and a checkpoint is one copy."""

    sizes: tuple[int, ...]
    activations: list[Activation | None]  # activations[l] for l = 1..L
    flat: np.ndarray  # every parameter, in the order of parameter_shapes

    def __post_init__(self):
        views = split_flat(self.flat, self.sizes)
        # tuples: W[l] = ... would silently detach a layer from `flat`; write W[l][...] = ... instead
        self.W: tuple[np.ndarray | None, ...] = (None, *views[0::2])
        self.b: tuple[np.ndarray | None, ...] = (None, *views[1::2])

    @property
    def L(self) -> int:
        return len(self.sizes) - 1

    def parameters(self) -> list[np.ndarray]:
        """[W1, b1, W2, b2, ...]: views of `flat`."""
        return [p for l in range(1, self.L + 1) for p in (self.W[l], self.b[l])]

    def parameter_count(self) -> int:
        return self.flat.size

    def forward(self, x: np.ndarray) -> list[np.ndarray]:
        """a[0..L] for any inputs, with no trace: predictions and heatmaps."""
        a = [x]
        for l in range(1, self.L + 1):
            z = a[-1] @ self.W[l].T + self.b[l]  # (B, n_out)
            a.append(self.activations[l].fn(z))
        return a

    def forward_with_z(self, x: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """(z[1..L], a[0..L]) for any inputs: a caller can check z, which a saturating
        activation hides (sigmoid(inf) is 1.0)."""
        a, z = [x], []
        for l in range(1, self.L + 1):
            z.append(a[-1] @ self.W[l].T + self.b[l])  # (B, n_out)
            a.append(self.activations[l].fn(z[-1]))
        return z, a

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)[-1]

    def copy(self) -> Network:
        return Network(self.sizes, self.activations, self.flat.copy())


def _init_weights(scheme: str, n_out: int, n_in: int, rng: np.random.Generator) -> np.ndarray:
    if scheme == "xavier":  # torch.nn.init.xavier_uniform_
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_out, n_in))
    if scheme == "he":  # torch.nn.init.kaiming_normal_ (fan_in, relu gain)
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    if scheme == "normal":
        return rng.normal(0.0, 1.0, size=(n_out, n_in))
    if scheme == "uniform":
        return rng.uniform(-1.0, 1.0, size=(n_out, n_in))
    if scheme == "zeros":
        return np.zeros((n_out, n_in))
    raise ValueError(f"unknown init {scheme!r}")


def init_network(
    sizes,
    activations,
    init: str = "xavier",
    seed: int = 0,
    weights=None,
    biases=None,
) -> Network:
    """A network from a config: explicit weights/biases (lists per weight layer) override init.

    Seeded by `seed`, so one config always gives one network. Biases start at 0 unless given.
    """
    sizes = tuple(int(n) for n in sizes)
    L = len(sizes) - 1
    names = [activations] * L if isinstance(activations, str) else list(activations)
    rng = np.random.default_rng(seed)
    parts = []
    for l in range(1, L + 1):
        if weights is not None:
            parts.append(np.asarray(weights[l - 1], dtype=np.float64).ravel())
        else:
            parts.append(_init_weights(init, sizes[l], sizes[l - 1], rng).ravel())
        parts.append(np.asarray(biases[l - 1], dtype=np.float64) if biases is not None else np.zeros(sizes[l]))
    return Network(sizes, [None] + [get_activation(name) for name in names], np.concatenate(parts))
