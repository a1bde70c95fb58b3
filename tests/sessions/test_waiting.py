"""Waiting for a session: arrival order, no head-of-line blocking across sessions, 409 "busy"
past the timeout, and every step applied once and in order from 4 processes x 8 threads."""
from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from app.sessions.errors import StepRefused
from app.sessions.locks import SessionQueues
from tests.sessions.helpers import assert_same, make_service, xor_config

CONFIG = xor_config(layers=[2, 3, 1], batch_size=4)  # 6 steps an iteration


def test_waiters_are_served_in_arrival_order():
    queues = SessionQueues()
    assert queues.acquire("s", 1.0)
    served: list[int] = []
    threads = []
    for index in range(6):
        def wait(index=index):
            assert queues.acquire("s", 10.0)
            served.append(index)
            queues.release("s")

        thread = threading.Thread(target=wait)
        thread.start()
        threads.append(thread)
        while queues.waiting("s") < index + 2:  # this one is queued before the next arrives
            time.sleep(0.001)
    assert queues.acquire("other", 0.0)  # another session does not wait for this one
    queues.release("other")
    queues.release("s")
    for thread in threads:
        thread.join(10)
    assert served == [0, 1, 2, 3, 4, 5]
    assert queues.waiting("s") == 0


def test_a_waiter_that_times_out_leaves_the_queue_and_the_others_are_served():
    queues = SessionQueues()
    assert queues.acquire("s", 1.0)
    assert not queues.acquire("s", 0.05)  # gave up
    assert queues.waiting("s") == 1
    queues.release("s")
    assert queues.try_acquire("s")


def _hold_in_own_process(db: str, sid: str, held: multiprocessing.Event, release: multiprocessing.Event) -> None:
    service = make_service(Path(db))
    with service._held(sid):
        held.set()
        release.wait(30)


@pytest.mark.parametrize("where", ["thread", "process"])
def test_a_session_held_past_the_timeout_answers_busy_and_changes_nothing(tmp_path, where):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    service.lock_timeout = 0.3
    sid = service.create(CONFIG)["id"]
    before = service.get(sid)
    if where == "thread":
        held, release = threading.Event(), threading.Event()
        holder = threading.Thread(target=lambda: _hold_with(service, sid, held, release))
    else:
        context = multiprocessing.get_context("spawn")
        held, release = context.Event(), context.Event()
        holder = context.Process(target=_hold_in_own_process, args=(str(db), sid, held, release))
    holder.start()
    try:
        assert held.wait(30)
        with pytest.raises(StepRefused, match="busy"):
            service.step(sid)
        assert_same(service.get(sid), before, ignore=())  # reads never wait
    finally:
        release.set()
        holder.join(30)
    assert service.step(sid)["version"] == 1  # released: served again


def _hold_with(service, sid, held, release):
    with service._held(sid):
        held.set()
        release.wait(30)


def test_a_long_train_does_not_hold_up_steps_on_another_session(tmp_path):
    """Steps on session B all finish while a long train on session A is still running."""
    service = make_service(tmp_path / "s.sqlite3")
    slow = service.create(xor_config(layers=[2, 64, 64, 1], activations=["tanh", "tanh", "sigmoid"], batch_size=None, data={"dataset": "circle", "samples": 500}))["id"]
    fast = service.create(CONFIG)["id"]
    trained = threading.Event()
    train = threading.Thread(target=lambda: (service.train(slow, 200, view="compact"), trained.set()))
    train.start()
    while service.queues.waiting(slow) == 0:  # the train holds its session
        time.sleep(0.001)
    for _ in range(20):
        service.step(fast, view="compact")
    finished_during_train = not trained.is_set()
    train.join()
    assert finished_during_train, "the steps on another session waited for the train"
    assert service.get(fast)["version"] == 20 and service.get(slow)["iteration"] == 200


def _steps_in_threads(db: str, sid: str, threads: int, steps: int, answers) -> None:
    service = make_service(Path(db))
    start = threading.Barrier(threads)
    seen = []

    def worker():
        start.wait()
        for _ in range(steps):
            doc = service.step(sid, view="compact")
            seen.append((doc["version"], doc["iteration"], doc["last_step"]))

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(120)
    answers.put(seen)


def test_4_processes_of_8_threads_stepping_one_session_apply_every_step_once_in_order(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(CONFIG)["id"]
    context = multiprocessing.get_context("spawn")
    answers = context.Queue()
    processes = [context.Process(target=_steps_in_threads, args=(str(db), sid, 8, 3, answers)) for _ in range(4)]
    for p in processes:
        p.start()
    seen = [entry for _ in processes for entry in answers.get(timeout=120)]
    for p in processes:
        p.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    # 96 answers, versions 1..96 once each; the answer of version v is the v-th step of the cycle
    assert sorted(v for v, _i, _s in seen) == list(range(1, 97))
    reference = make_service(db)
    other = reference.create(CONFIG)["id"]
    expected = {}
    for v in range(1, 97):
        doc = reference.step(other, view="compact")
        expected[v] = (doc["iteration"], doc["last_step"])
    assert all(expected[v] == (i, s) for v, i, s in seen)
    assert_same(service.get(sid), reference.get(other))
