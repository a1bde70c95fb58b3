"""Mini-batches: without replacement within an epoch, reshuffled each epoch, deterministic."""
from __future__ import annotations

import numpy as np

from app.engine.batches import BatchSchedule


def test_every_row_once_per_epoch_last_batch_smaller():
    schedule = BatchSchedule(10, 3, seed=4)
    assert schedule.batches_per_epoch == 4
    for epoch in range(3):
        batches = [schedule.indices(epoch * 4 + k).tolist() for k in range(4)]
        assert [len(b) for b in batches] == [3, 3, 3, 1]
        rows = [r for b in batches for r in b]
        assert sorted(rows) == list(range(10))  # without replacement, every row once


def test_a_new_shuffle_each_epoch():
    schedule = BatchSchedule(50, 10, seed=1)
    epoch0 = np.concatenate([schedule.indices(k) for k in range(5)])
    epoch1 = np.concatenate([schedule.indices(k) for k in range(5, 10)])
    assert sorted(epoch0.tolist()) == sorted(epoch1.tolist()) == list(range(50))
    assert not np.array_equal(epoch0, epoch1)
    assert not np.array_equal(epoch0, np.arange(50))  # shuffled, not in order


def test_deterministic_by_seed_and_independent_of_call_order():
    a, b = BatchSchedule(17, 4, seed=9), BatchSchedule(17, 4, seed=9)
    forward = [a.indices(k).tolist() for k in range(15)]
    backward = [b.indices(k).tolist() for k in reversed(range(15))][::-1]
    assert forward == backward
    assert [BatchSchedule(17, 4, seed=10).indices(k).tolist() for k in range(5)] != forward[:5]


def test_epochs_finished():
    schedule = BatchSchedule(10, 3, seed=0)
    assert [schedule.epochs_finished(i) for i in (0, 3, 4, 7, 8, 9)] == [0, 0, 1, 1, 2, 2]
    full = BatchSchedule(10, None, seed=0)
    assert [full.epochs_finished(i) for i in (0, 1, 5)] == [0, 1, 5]
    assert full.indices(3).tolist() == list(range(10))


def test_batch_slices_the_data():
    x = np.arange(20.0).reshape(10, 2)
    y = np.arange(10.0).reshape(10, 1)
    schedule = BatchSchedule(10, 4, seed=2)
    rows, bx, by = schedule.batch(1, x, y)
    assert np.array_equal(bx, x[rows]) and np.array_equal(by, y[rows])
    assert rows.tolist() == schedule.indices(1).tolist()
