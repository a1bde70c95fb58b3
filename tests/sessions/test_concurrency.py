"""Requests on one session are applied one after another: from threads and from processes."""
from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from tests.sessions.helpers import assert_same, make_service, xor_config

CONFIG = xor_config(layers=[2, 3, 1], batch_size=4)  # 6 steps an iteration


def test_8_threads_stepping_one_session_apply_every_step(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(CONFIG)["id"]
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker():
        try:
            start.wait()
            for _ in range(5):
                service.step(sid)
        except BaseException as error:  # noqa: BLE001  reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    result = service.get(sid)
    assert result["iteration"] == 6 and result["last_step"] == {"phase": "backward", "layer": 2}  # 40 = 6*6 + 4
    sequential = service.create(CONFIG)["id"]
    assert_same(result, service.step(sequential, count=40))


def _steps_in_own_process(db: str, sid: str, n: int) -> None:
    service = make_service(Path(db))
    for _ in range(n):
        service.step(sid)


def test_4_processes_stepping_one_session_apply_every_step(tmp_path):
    db = tmp_path / "s.sqlite3"
    service = make_service(db)
    sid = service.create(CONFIG)["id"]
    context = multiprocessing.get_context("spawn")  # no fork of a process that runs threads
    processes = [context.Process(target=_steps_in_own_process, args=(str(db), sid, 10)) for _ in range(4)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(60)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    result = service.get(sid)
    assert result["iteration"] == 6 and result["last_step"] == {"phase": "backward", "layer": 2}  # 40 steps
    sequential = service.create(CONFIG)["id"]
    assert_same(result, service.step(sequential, count=40))
    assert result["undo_available"] == 40


def test_a_read_racing_a_delete_is_not_found_not_a_crash(tmp_path):
    """GET takes no lock: a DELETE may commit right after GET read the session row. The read
    then answers from its snapshot or says not found, never fails (the API would answer 500).
    Here the DELETE is made to land in that gap; worked-example has explicit weights, which
    the document reads from the initial checkpoint."""
    from app.sessions.errors import SessionNotFound

    service = make_service(tmp_path / "s.sqlite3")
    for read in (service.get, service.export):
        sid = service.create({"preset": "worked-example"})["id"]
        service.train(sid, 2)
        service.working_set.discard(sid)  # so that the read loads from the store
        real_load = service.store.load
        loads = []

        def load_then_deleted(session_id, wanted, real_load=real_load):
            loaded = real_load(session_id, wanted)
            with service.store.locked(session_id) as held:  # the concurrent DELETE commits here
                held.delete()
            loads.append(session_id)
            return loaded

        service.store.load = load_then_deleted
        try:
            try:
                doc = read(sid)
            except SessionNotFound:
                pass
            else:
                config = doc if read == service.export else doc["config"]  # export answers a Config
                assert config["weights"] is not None
        finally:
            service.store.load = real_load
        assert loads == [sid]
