"""Held-out rows and accuracy (API.md, Held-out data, metrics).

A split is a pure function of (rows, fraction, seed), like the batches, so nothing random is
stored; accuracy applies only where every target row is a class: one-hot, or one 0/1 column.
"""
from __future__ import annotations

import numpy as np


def held_out_count(n_rows: int, test_fraction: float) -> int:
    """round(f * rows), as API.md says (Python's round: halves to even)."""
    return int(round(test_fraction * n_rows))


def split_rows(n_rows: int, test_fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, held-out rows), each in ascending order; the held-out rows are the first
    round(f * rows) of a permutation seeded by the config's seed."""
    n_test = held_out_count(n_rows, test_fraction)
    if n_test == 0:
        return np.arange(n_rows), np.arange(0)
    permutation = np.random.default_rng(seed).permutation(n_rows)
    return np.sort(permutation[n_test:]), np.sort(permutation[:n_test])


def is_classification(targets: np.ndarray) -> bool:
    """Every row one-hot (k > 1 outputs) or 0/1 (one output)."""
    if targets.shape[1] == 1:
        return bool(np.isin(targets, (0.0, 1.0)).all())
    ones = targets == 1.0
    return bool(((targets == 0.0) | ones).all() and (ones.sum(axis=1) == 1).all())


def accuracy(y_hat: np.ndarray, y: np.ndarray) -> float:
    """The share of rows whose argmax (k > 1) or output > 0.5 (one output) matches the target."""
    if y.shape[1] == 1:
        hits = np.equal(np.greater(y_hat, 0.5), y)  # y is 0 or 1, and True == 1.0: half the calls of y > 0.5
    else:
        hits = y_hat.argmax(axis=1) == y.argmax(axis=1)
    return float(np.count_nonzero(hits)) / y.shape[0]
