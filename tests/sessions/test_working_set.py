"""The working set: bounded by bytes whatever passes through it, refreshed by the stored version
when another process changed a session, and never needed for a right answer."""
from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from app.sessions.errors import StepRefused
from app.sessions.working_set import WorkingSet
from tests.sessions.helpers import assert_same, make_service, xor_config

CONFIG = xor_config(layers=[2, 3, 1], batch_size=4, data={"dataset": "xor", "samples": 200, "noise": 0.1, "seed": 1})


def test_twice_the_bound_through_the_working_set_never_exceeds_it(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    service.working_set = WorkingSet(2**18)  # 0.25 MiB
    bound = service.working_set.max_bytes
    sids, passed = [], 0
    while passed < 2 * bound:
        sid = service.create(CONFIG, view="compact")["id"]
        service.step(sid, count=5, view="compact")
        sids.append(sid)
        passed += service.working_set.get(sid, 1).nbytes()  # just saved: it is the newest entry
        assert service.working_set.nbytes <= bound
    assert 2 <= len(service.working_set) < len(sids)  # the oldest were let go
    assert service.working_set.get(sids[0], 1) is None
    # every session answers the same with or without its runtime in memory
    uncached = make_service(tmp_path / "s.sqlite3")
    for sid in sids[:3] + sids[-3:]:
        assert_same(service.step(sid, view="compact"), uncached.get(sid, view="compact"), ignore=())
        assert service.working_set.nbytes <= bound


def test_the_estimate_of_a_runtime_is_near_what_it_allocates(tmp_path):
    import tracemalloc

    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create({"preset": "worked-example"})["id"]
    service.step(sid, count=20)
    service.working_set.discard(sid)
    tracemalloc.start()
    service.get(sid)  # loads it into the working set
    allocated = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    estimate = service.working_set.get(sid, 1).nbytes()
    assert 0.5 * allocated <= estimate <= 2 * allocated, (estimate, allocated)


def _steps_in_own_process(db: str, sid: str, n: int) -> None:
    service = make_service(Path(db))
    for _ in range(n):
        service.step(sid)


def test_a_session_stepped_by_another_process_is_reloaded(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(CONFIG)["id"]
    service.step(sid, count=2)
    cached = service.working_set.get(sid, 1)
    assert cached is not None
    process = multiprocessing.get_context("spawn").Process(target=_steps_in_own_process, args=(str(db), sid, 3))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    seen = service.get(sid)
    assert seen["version"] == 4 and seen["last_step"] == {"phase": "backward", "layer": 1}  # 2 + 3 steps
    stepped = service.step(sid)
    reference = make_service(db)
    other = reference.create(CONFIG)["id"]
    reference.step(other, count=2)
    for _ in range(4):
        reference.step(other)
    assert_same(stepped, reference.get(other))
    assert stepped["version"] == 5 and service.working_set.get(sid, 5) is not cached


def test_a_refused_step_drops_the_runtime_it_half_changed(tmp_path):
    """4 steps of a count run in memory, the update overflows: the half-stepped runtime is dropped,
    and the next request starts from what is stored."""
    service = make_service(tmp_path / "s.sqlite3")
    config = {"layers": [1, 1], "activations": "linear", "loss": "mse", "optimizer": {"name": "sgd", "learning_rate": 1000},
              "weights": [[[1e-5]]], "biases": [[0.0]], "data": {"inputs": [[1e155]], "targets": [[0.0]]}}
    sid = service.create(config)["id"]
    before = service.get(sid)
    with pytest.raises(StepRefused):
        service.step(sid, count=10)
    assert service.working_set.get(sid, 0) is None
    assert_same(service.get(sid), before, ignore=())
    assert service.step(sid)["last_step"] == {"phase": "forward", "layer": 1}
