"""A step that would make a non-finite number is refused; the stored session stays exactly as it was."""
from __future__ import annotations

import json

import pytest

from app.sessions.errors import StepRefused
from tests.sessions.helpers import assert_same, make_service


def linear(weight: float, x: float, lr: float = 0.1) -> dict:
    return {
        "layers": [1, 1],
        "activations": "linear",
        "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": lr},
        "weights": [[[weight]]],
        "biases": [[0.0]],
        "data": {"inputs": [[x]], "targets": [[0.0]]},
    }


def raw(service, sid):
    """Everything stored for the session: its rows and its checkpoints."""
    return service.store.dump(sid)


@pytest.fixture
def service(tmp_path):
    return make_service(tmp_path / "s.sqlite3")


def refused(service, sid, call):
    before_doc, before_raw = service.get(sid), raw(service, sid)
    with pytest.raises(StepRefused) as error:
        call()
    assert raw(service, sid) == before_raw
    assert_same(service.get(sid), before_doc, ignore=())
    return error.value


def test_forward_overflow(service):
    sid = service.create(linear(1e200, 1e200))["id"]
    error = refused(service, sid, lambda: service.step(sid))
    assert error.step == {"phase": "forward", "layer": 1}
    assert "forward 1" in error.message
    for way_out in ("learning rate", "back", "reset"):
        assert way_out in error.message


def test_loss_overflow(service):
    sid = service.create(linear(1e200, 1.0))["id"]
    service.step(sid)
    error = refused(service, sid, lambda: service.step(sid))
    assert error.step == {"phase": "loss"}
    assert error.message.startswith("loss")


def test_update_overflow_with_a_count_is_refused_whole(service):
    # dW = 2e305 and lr 1000: the update of the first iteration overflows
    sid = service.create(linear(1e-5, 1e155, lr=1000))["id"]
    error = refused(service, sid, lambda: service.step(sid, count=10))
    assert error.step == {"phase": "update"}
    assert "update" in error.message
    # until also applies whole or not at all
    refused(service, sid, lambda: service.step(sid, until="update"))
    service.step(sid, count=3)  # up to the update is fine
    refused(service, sid, lambda: service.step(sid))
    assert service.get(sid)["last_step"] == {"phase": "backward", "layer": 1}


def test_train_that_diverges_is_refused_whole(service):
    # W -> W (1 - 2 lr) = -1999 W each iteration: the loss W^2 overflows after about 46 iterations
    sid = service.create(linear(1.0, 1.0, lr=1000))["id"]
    service.train(sid, 5)
    service.step(sid, count=2)
    error = refused(service, sid, lambda: service.train(sid, 100))
    assert error.step["phase"] in ("forward", "loss", "backward", "update")
    doc = service.get(sid)
    assert doc["iteration"] == 5 and len(doc["history"]) == 5 and doc["last_step"] == {"phase": "loss"}
    assert doc["undo_available"] == 22


def test_huge_learning_rate_on_big_weights(service):
    """sgd lr 1000 on a 2-3-1 tanh network with big explicit weights and inputs of 1e150."""
    config = {
        "layers": [2, 3, 1],
        "activations": ["tanh", "linear"],
        "loss": "mse",
        "optimizer": {"name": "sgd", "learning_rate": 1000},
        "weights": [[[1e3, -1e3], [2e3, 1e3], [-1e3, 5e2]], [[1e150, -1e150, 1e150]]],
        "biases": [[0, 0, 0], [0]],
        "data": {"inputs": [[1e150, 2e150], [1.0, -1.0]], "targets": [[0.0], [1.0]]},
    }
    sid = service.create(config)["id"]
    error = refused(service, sid, lambda: service.train(sid, 3))
    assert error.step is not None and str(error.step.get("layer", "")) in error.message
    assert json.loads(json.dumps(error.step)) == error.step


def test_train_refuses_what_stepping_refuses(service):
    """A tanh unit whose z overflows to inf still outputs 1, so nothing downstream turns
    non-finite; forward 1 is refused when stepped, and must be refused inside train too
    (API.md: a step that would produce a non-finite number is not applied), not only when it
    falls in train's last, step-by-step iterations."""
    n = 20  # one row of 1e200 among 19 of 0.5, batches of one: seed 0 takes row 0 at iterations 10 and 21
    config = {
        "layers": [1, 1, 1],
        "activations": ["tanh", "linear"],
        "loss": "mse",
        "batch_size": 1,
        "seed": 0,
        "weights": [[[1e200]], [[0.5]]],
        "biases": [[0.0], [0.0]],
        "data": {"inputs": [[1e200]] + [[0.5]] * (n - 1), "targets": [[0.0]] * n},
    }
    from app.engine.batches import BatchSchedule

    assert [k for k in range(44) if BatchSchedule(n, 1, 0).indices(k)[0] == 0] == [10, 21]
    stepped = service.create(config)["id"]
    trained = service.create(config)["id"]
    service.step(stepped, until="update")
    service.step(trained, until="update")
    with pytest.raises(StepRefused):  # iterations 1..35 one step at a time: forward 1 of iteration 10
        service.step(stepped, count=6 * 35)
    refused(service, trained, lambda: service.train(trained, 35))


def test_train_refuses_an_infinite_output_grad_that_stepping_refuses(service):
    """A saturated softmax (a = 0 exactly on the target class) has grad.a = -y/a = -inf at
    backward 1 while the fused delta stays finite: stepping refuses it, so train must too."""
    n = 20  # row 0 saturates; seed 0 takes it at iterations 10, 21 and 44
    config = {
        "layers": [1, 2],
        "activations": "softmax",
        "loss": "cross_entropy",
        "batch_size": 1,
        "seed": 0,
        "weights": [[[800.0], [0.0]]],
        "biases": [[0.0, 0.0]],
        "data": {"inputs": [[-1.0]] + [[0.0]] * (n - 1), "targets": [[1.0, 0.0]] + [[0.5, 0.5]] * (n - 1)},
    }
    stepped = service.create(config)["id"]
    trained = service.create(config)["id"]
    service.step(stepped, until="update")
    service.step(trained, until="update")
    with pytest.raises(StepRefused) as error:  # 4 steps an iteration: iterations 1..40
        service.step(stepped, count=4 * 40)
    assert error.value.step == {"phase": "backward", "layer": 1}
    refused(service, trained, lambda: service.train(trained, 40))
