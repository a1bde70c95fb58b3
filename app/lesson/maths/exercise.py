"""Page 6: the same gradient by central differences (2 forward passes per parameter) and by backprop.

Times are measured on the machine that serves the page (time.perf_counter, best of a few repeats).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from app.engine.gradients import backprop_gradients, numeric_gradients
from app.engine.losses import get_loss
from app.engine.network import init_network

# growing networks, all tanh hidden layers and a linear output, from ~10 to a few thousand parameters
PAGE_SIZES: tuple[tuple[int, ...], ...] = (
    (2, 2, 1),
    (2, 4, 1),
    (4, 8, 2),
    (8, 16, 4),
    (16, 24, 8),
    (16, 48, 16),
    (32, 64, 16),
)
BATCH = 8


@dataclass(frozen=True)
class GradientTiming:
    sizes: tuple[int, ...]
    parameters: int
    backprop_seconds: float
    numeric_seconds: float
    max_rel_error: float

    @property
    def ratio(self) -> float:
        return self.numeric_seconds / self.backprop_seconds

    @property
    def ratio_per_parameter(self) -> float:
        return self.ratio / self.parameters


def make_problem(sizes: tuple[int, ...], seed: int = 0):
    """A seeded network and a batch of inputs and targets for it."""
    network = init_network(list(sizes), ["tanh"] * (len(sizes) - 2) + ["linear"], init="xavier", seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(BATCH, sizes[0]))
    y = rng.normal(size=(BATCH, sizes[-1]))
    return network, get_loss("mse"), x, y


def best_time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def max_relative_error(dW_a, db_a, dW_n, db_n) -> float:
    """The API's rel_error, worst over every weight and bias."""
    worst = 0.0
    for analytic, numeric in zip(dW_a[1:] + db_a[1:], dW_n[1:] + db_n[1:]):
        a, n = np.ravel(analytic), np.ravel(numeric)
        errors = np.abs(a - n) / np.maximum(np.abs(a) + np.abs(n), 1e-8)
        worst = max(worst, float(errors.max()))
    return worst


def time_gradients(sizes: tuple[int, ...], repeats: int = 3, numeric_repeats: int | None = None) -> GradientTiming:
    network, loss, x, y = make_problem(sizes)
    _value, dW_a, db_a = backprop_gradients(network, loss, x, y)
    dW_n, db_n = numeric_gradients(network, loss, x, y)
    backprop_seconds = best_time(lambda: backprop_gradients(network, loss, x, y), max(repeats * 10, 20))  # cheap: many repeats tame noise
    numeric_seconds = best_time(lambda: numeric_gradients(network, loss, x, y), numeric_repeats or repeats)
    return GradientTiming(
        sizes=tuple(sizes),
        parameters=network.parameter_count(),
        backprop_seconds=backprop_seconds,
        numeric_seconds=numeric_seconds,
        max_rel_error=max_relative_error(dW_a, db_a, dW_n, db_n),
    )


def measure(sizes_list=PAGE_SIZES, repeats: int = 3) -> list[GradientTiming]:
    return [time_gradients(sizes, repeats=repeats) for sizes in sizes_list]


def growth_fit(timings: list[GradientTiming]) -> float:
    """Slope of log(ratio) against log(parameters): about 1 when the ratio grows linearly."""
    params = np.log([t.parameters for t in timings])
    ratios = np.log([t.ratio for t in timings])
    return float(np.polyfit(params, ratios, 1)[0])

