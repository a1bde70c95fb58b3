"""Which rows each iteration trains on: the full batch, or mini-batches without replacement.

Iteration k (counting from 0) of epoch e = k // batches_per_epoch takes the next slice of the
permutation that `seed` and e determine, so any iteration's batch can be recomputed without
stored random state; the last batch of an epoch is smaller when batch_size does not divide n.
With held-out rows, n counts the training rows only and `rows` maps them to the dataset's row
numbers, which the batch indices keep.
"""
from __future__ import annotations

import math

import numpy as np


class BatchSchedule:
    def __init__(self, n_samples: int, batch_size: int | None, seed: int, rows: np.ndarray | None = None):
        self.n_samples = n_samples
        self.rows = rows  # the training rows' numbers in the dataset; None: every row, in order
        self.batch_size = batch_size if batch_size is not None else n_samples
        self.seed = seed
        self.batches_per_epoch = math.ceil(n_samples / self.batch_size)
        self.full_batch = self.batch_size >= n_samples
        self._permutation_epoch = -1
        self._permutation: np.ndarray | None = None
        self._all_rows = (np.arange(n_samples) if rows is None else rows) if self.full_batch else None
        self._full_batch_of: tuple | None = None  # (inputs, x, y): the training rows, gathered once

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
        chosen = self._permutation[start : start + self.batch_size]
        return chosen if self.rows is None else self.rows[chosen]

    def batch(self, iteration: int, inputs: np.ndarray, targets: np.ndarray):
        """(indices, x, y); the full batch is the data itself (or its training rows, gathered once)."""
        if self.full_batch and self.rows is None:
            return self.indices(iteration), inputs, targets
        if self.full_batch:
            if self._full_batch_of is None or self._full_batch_of[0] is not inputs:
                self._full_batch_of = (inputs, inputs[self.rows], targets[self.rows])
            return self._all_rows, self._full_batch_of[1], self._full_batch_of[2]
        rows = self.indices(iteration)
        return rows, inputs.take(rows, axis=0), targets.take(rows, axis=0)  # take: a third of [rows]'s time
