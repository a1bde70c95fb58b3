"""train equals stepping: the same parameters, history, optimizer state and batches."""
from __future__ import annotations

import pytest

from tests.sessions.helpers import assert_same, make_service, xor_config


@pytest.mark.parametrize(
    "optimizer", [{"name": "adam", "learning_rate": 0.05}, {"name": "sgd", "learning_rate": 0.5, "momentum": 0.9}]
)
def test_train_equals_stepping(tmp_path, optimizer):
    service = make_service(tmp_path / "s.sqlite3")
    config = xor_config(layers=[2, 4, 1], optimizer=optimizer, batch_size=3)  # 6 steps an iteration, 4 batches an epoch
    trained, stepped = service.create(config)["id"], service.create(config)["id"]
    service.step(trained, count=2)
    service.step(stepped, count=2)
    a = service.train(trained, 100)  # finishes iteration 1, then 99 more
    for count in (200, 200, 198):  # 2 + 598 = 600 steps = 100 iterations
        b = service.step(stepped, count=count)
    assert a["iteration"] == b["iteration"] == 100 and a["epoch"] == 25
    assert_same(a, b)
    # and they go on the same way (the optimizer's state is the same)
    assert_same(service.train(trained, 3), service.step(stepped, count=18))
