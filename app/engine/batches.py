"""Which rows each iteration trains on: the full batch, or mini-batches without replacement.

Iteration k (counting from 0) of epoch e = k // batches_per_epoch takes the next slice of the
permutation that `seed` and e determine, so any iteration's batch can be recomputed without
stored random state; the last batch of an epoch is smaller when batch_size does not divide n.
"""
from __future__ import annotations

import math

import numpy as np


class BatchSchedule:
    def __init__(self, n_samples: int, batch_size: int | None, seed: int):
        self.n_samples = n_samples
        self.batch_size = batch_size if batch_size is not None else n_samples
        self.seed = seed
        self.batches_per_epoch = math.ceil(n_samples / self.batch_size)
        self.full_batch = self.batch_size >= n_samples
        self._permutation_epoch = -1
        self._permutation: np.ndarray | None = None
        self._all_rows = np.arange(n_samples) if self.full_batch else None

    def epochs_finished(self, iterations_finished: int) -> int:
        return iterations_finished // self.batches_per_epoch

    def indices(self, iteration: int) -> np.ndarray:
        """Row indices of the batch that iteration `iteration` (0-based) trains on."""
        if self.full_batch:
            return self._all_rows
        epoch, slot = divmod(iteration, self.batches_per_epoch)
        if epoch != self._permutation_epoch:
            self._permutation = np.random.default_rng([self.seed, epoch]).permutation(self.n_samples)
            self._permutation_epoch = epoch
        start = slot * self.batch_size
        return self._permutation[start : start + self.batch_size]

    def batch(self, iteration: int, inputs: np.ndarray, targets: np.ndarray):
        """(indices, x, y); the full batch is the data itself, not a copy."""
        if self.full_batch:
            return self.indices(iteration), inputs, targets
        rows = self.indices(iteration)
        return rows, inputs[rows], targets[rows]
