"""Seeded toy datasets: xor, circle, gauss, spiral, moons (2 inputs, class labels), sine (1 input).

Every classification generator gets the (already balanced and shuffled) class labels and draws
one point per label, so balance and interleaving live in one place, not in each shape.
Points lie within [-1.2, 1.2] x [-1.2, 1.2] before noise (gauss's tails: 5 sigma is 1.5), so
the browser can draw the input plane over one fixed range; sine's x spans [-pi, pi] as its
formula reads.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

MAX_SAMPLES = 10_000
MAX_NOISE = 10.0


class DatasetError(ValueError):
    """A dataset request that cannot be met; `field` names the config field to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


# --- the shapes: (rng, labels, n_classes) -> inputs (N, 2) --------------------------------------

def _xor(rng: np.random.Generator, labels: np.ndarray, n_classes: int) -> np.ndarray:
    # Uniform quadrants with a small margin around the axes; label 1 where sign(x1) != sign(x2).
    magnitude = rng.uniform(0.05, 1.0, size=(labels.size, 2))
    sign_1 = rng.choice(np.array([-1.0, 1.0]), size=labels.size)
    sign_2 = np.where(labels == 1, -sign_1, sign_1)
    return magnitude * np.column_stack([sign_1, sign_2])  # (N, 2)


def _circle(rng: np.random.Generator, labels: np.ndarray, n_classes: int) -> np.ndarray:
    # Class 0: disc of radius 0.5; class 1: ring 0.7..1.0; both uniform over their area.
    inner = 0.5 * np.sqrt(rng.uniform(0.0, 1.0, size=labels.size))
    ring = np.sqrt(rng.uniform(0.7**2, 1.0**2, size=labels.size))
    radius = np.where(labels == 0, inner, ring)
    angle = rng.uniform(0.0, 2.0 * math.pi, size=labels.size)
    return radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])  # (N, 2)


def _gauss(rng: np.random.Generator, labels: np.ndarray, n_classes: int) -> np.ndarray:
    # Class centres evenly spaced on a circle; the spread shrinks with the gap between neighbours.
    centre_radius = 0.7
    angle = math.pi / 4 + 2.0 * math.pi * labels / n_classes
    gap = 2.0 * centre_radius * math.sin(math.pi / n_classes)
    spread = min(0.16, 0.2 * gap)
    centres = centre_radius * np.column_stack([np.cos(angle), np.sin(angle)])
    return centres + rng.normal(0.0, spread, size=(labels.size, 2))  # (N, 2)


def _spiral(rng: np.random.Generator, labels: np.ndarray, n_classes: int) -> np.ndarray:
    # k arms, one turn each, rotated 1/k of a turn apart; t runs from the centre outwards.
    t = rng.uniform(0.0, 1.0, size=labels.size)
    radius = 0.1 + 0.9 * t
    angle = 2.0 * math.pi * (t + labels / n_classes)
    return radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])  # (N, 2)


def _moons(rng: np.random.Generator, labels: np.ndarray, n_classes: int) -> np.ndarray:
    # scikit-learn's two half-moons, centred on the origin and scaled into about [-1.1, 1.1].
    theta = rng.uniform(0.0, math.pi, size=labels.size)
    upper = np.column_stack([np.cos(theta), np.sin(theta)])
    lower = np.column_stack([1.0 - np.cos(theta), 0.5 - np.sin(theta)])
    points = np.where((labels == 0)[:, None], upper, lower)
    return 0.75 * (points - np.array([0.5, 0.25]))  # (N, 2)


# --- the registry ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Classification:
    draw: Callable[[np.random.Generator, np.ndarray, int], np.ndarray]
    fixed_classes: int | None  # None: as many classes as the output has units (at least 2)
    n_in: int = 2


@dataclass(frozen=True)
class _Regression:
    n_in: int = 1


_DATASETS: dict[str, _Classification | _Regression] = {
    "xor": _Classification(_xor, fixed_classes=2),
    "circle": _Classification(_circle, fixed_classes=2),
    "gauss": _Classification(_gauss, fixed_classes=None),
    "spiral": _Classification(_spiral, fixed_classes=None),
    "moons": _Classification(_moons, fixed_classes=2),
    "sine": _Regression(),
}

DATASET_NAMES: tuple[str, ...] = tuple(_DATASETS)


def _spec(name: str) -> _Classification | _Regression:
    try:
        return _DATASETS[name]
    except (KeyError, TypeError):
        raise DatasetError(
            "data.dataset", f"unknown data.dataset {name!r}: choose one of {', '.join(DATASET_NAMES)}"
        ) from None


def input_width(name: str) -> int:
    """How many inputs the dataset has: the size layers[0] must have."""
    return _spec(name).n_in


def class_count(name: str, n_outputs: int) -> int | None:
    """How many classes the dataset has for an output layer of n_outputs units; None for sine."""
    spec = _spec(name)
    if isinstance(spec, _Regression):
        return None
    return spec.fixed_classes or max(2, n_outputs)


def validate(name: str, samples: int, noise: float, seed: int, n_outputs: int, n_inputs: int | None = None) -> None:
    """Raises DatasetError for a request generate() cannot meet, before anything is allocated."""
    spec = _spec(name)
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or not 1 <= samples <= MAX_SAMPLES:
        raise DatasetError("data.samples", f"data.samples must be a whole number from 1 to {MAX_SAMPLES}, not {samples!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not 0.0 <= noise <= MAX_NOISE:
        raise DatasetError("data.noise", f"data.noise must be a number from 0 to {MAX_NOISE:g}, not {noise!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatasetError("data.seed", f"data.seed must be a whole number 0 or above, not {seed!r}")
    if n_inputs is not None and n_inputs != spec.n_in:
        plural = "" if spec.n_in == 1 else "s"
        raise DatasetError(
            "layers",
            f"data.dataset {name!r} has {spec.n_in} input{plural}: the input layer (layers[0]) needs "
            f"{spec.n_in} unit{plural}, not {n_inputs}",
        )
    if isinstance(spec, _Regression):
        if n_outputs != 1:
            raise DatasetError(
                "layers",
                f"data.dataset {name!r} is a regression with one target: the output layer needs 1 unit, not {n_outputs}",
            )
        return
    if n_outputs < 1:
        raise DatasetError("layers", f"the output layer needs at least 1 unit, not {n_outputs}")
    n_classes = class_count(name, n_outputs)
    if n_outputs not in (1, n_classes):
        raise DatasetError(
            "layers",
            f"data.dataset {name!r} has {n_classes} classes: the output layer needs 1 unit (0/1 column) "
            f"or {n_classes} (one-hot), not {n_outputs}",
        )


def _balanced_labels(rng: np.random.Generator, samples: int, n_classes: int) -> np.ndarray:
    """Class sizes differ by at most one; a seeded shuffle interleaves them for mini-batches."""
    return rng.permutation(np.arange(samples) % n_classes)


def _encode(labels: np.ndarray, n_outputs: int) -> np.ndarray:
    """One 0/1 column for a 1-unit output, else one-hot rows."""
    if n_outputs == 1:
        return labels[:, None].astype(np.float64)  # (N, 1)
    one_hot = np.zeros((labels.size, n_outputs))  # (N, n_outputs)
    one_hot[np.arange(labels.size), labels] = 1.0
    return one_hot


def generate(name: str, samples: int, noise: float, seed: int, n_outputs: int) -> tuple[np.ndarray, np.ndarray]:
    """inputs (samples, n_in) and targets (samples, n_outputs), both float64; same arguments, same arrays.

    Noise is drawn last, so a noisy dataset is its clean twin (same seed) plus Gaussian noise.
    """
    validate(name, samples, noise, seed, n_outputs)
    spec = _spec(name)
    rng = np.random.default_rng(seed)
    if isinstance(spec, _Regression):
        inputs = rng.permutation(np.linspace(-math.pi, math.pi, samples))[:, None]  # (N, 1)
        targets = np.sin(inputs)  # (N, 1)
        if noise > 0:
            targets = targets + rng.normal(0.0, noise, size=targets.shape)
        return inputs, targets
    n_classes = class_count(name, n_outputs)
    labels = _balanced_labels(rng, samples, n_classes)
    inputs = spec.draw(rng, labels, n_classes)
    if noise > 0:
        inputs = inputs + rng.normal(0.0, noise, size=inputs.shape)
    return inputs, _encode(labels, n_outputs)
