"""A step answered on the event loop (inline) never waits for another writer: when SQLite's
writer lock is taken (by another process, or a worker thread of this one) the step is made,
the session stays held, and CommitPending.finish() commits it from a worker thread. On a store
that is not local (PostgreSQL) nothing is answered inline."""
from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from app.main import create_app
from app.sessions.locks import RangeLocks
from app.sessions.errors import SessionNotFound
from app.sessions.service import CommitPending, WouldWait
from app.settings import Settings
from tests.backends import BACKEND
from tests.sessions.helpers import assert_same, make_service, xor_config

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the writer's lock is SQLite's; PostgreSQL never commits inline")

CONFIG = xor_config(layers=[2, 3, 1], batch_size=4)


def other_process_writer(service) -> RangeLocks:
    """The writer's byte of the same lock file through another open file description: to the
    kernel, a lock of another process."""
    return RangeLocks(service.store.locks.path)


def test_an_inline_step_whose_commit_would_wait_is_finished_by_pending_and_equals_a_plain_step(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid, twin = (service.create(CONFIG, view="compact")["id"] for _ in range(2))
    service.step(sid, view="compact"), service.step(twin, view="compact")  # both live in the working set
    with other_process_writer(service).writer():
        with pytest.raises(CommitPending) as caught:
            service.step(sid, view="compact", inline=True)
        assert service.store.version(sid) == 1  # nothing written yet
        assert service.queues.waiting(sid) == 1  # still held: another request waits behind it
        with pytest.raises(WouldWait):
            service.step(sid, view="compact", inline=True)
    doc = caught.value.finish()
    assert doc["version"] == 2 and service.store.version(sid) == 2
    assert service.queues.waiting(sid) == 0  # released by finish
    assert_same(doc, service.step(twin, view="compact"), ignore=("id",))
    assert_same(service.get(sid), service.get(twin), ignore=("id",))
    service.working_set.discard(sid)  # what is stored is what was answered
    assert_same(service.get(sid), service.get(twin), ignore=("id",))


def test_a_writer_thread_of_this_process_also_makes_the_commit_pending(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(CONFIG, view="compact")["id"]
    service.step(sid, view="compact")
    taken, release = threading.Event(), threading.Event()

    def hold_writer():
        with service.store.locks.writer():
            taken.set()
            release.wait(10)

    holder = threading.Thread(target=hold_writer)
    holder.start()
    assert taken.wait(10)
    try:
        with pytest.raises(CommitPending) as caught:
            service.step(sid, view="compact", inline=True)
    finally:
        release.set()
        holder.join(10)
    assert caught.value.finish()["version"] == 2


def test_a_pending_commit_waits_in_a_worker_thread_while_the_event_loop_answers_others(tmp_path):
    """Over the app: the Step is held up by another process's writer; a read of another session
    is answered meanwhile, and the Step then answers 200 with its new version."""
    db = tmp_path / "app.sqlite3"
    app = create_app(Settings(db_path=db))
    other_writer = RangeLocks(db.with_name(db.name + ".lock"))

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            sid, other = [(await client.post("/api/v1/sessions", json=CONFIG)).json()["id"] for _ in range(2)]
            for session in (sid, other):  # live in the working set: answered inline
                assert (await client.post(f"/api/v1/sessions/{session}/step?view=compact")).status_code == 200
            taken, release = threading.Event(), threading.Event()

            def hold():
                with other_writer.writer():
                    taken.set()
                    release.wait(10)

            holder = threading.Thread(target=hold)
            holder.start()
            assert taken.wait(10)
            step = asyncio.create_task(client.post(f"/api/v1/sessions/{sid}/step?view=compact"))
            read = await asyncio.wait_for(client.get(f"/api/v1/sessions/{other}?view=compact"), 5)
            assert read.status_code == 200 and read.json()["version"] == 1
            assert not step.done()  # its commit is still waiting for the writer
            release.set()
            answer = await asyncio.wait_for(step, 10)
            holder.join(10)
            assert answer.status_code == 200 and answer.json()["version"] == 2
            assert answer.headers["etag"] == '"2"'
            page = (await client.post(f"/s/{sid}/step", headers={"HX-Request": "true"})).status_code
            assert page == 200

    asyncio.run(scenario())


def test_a_store_that_is_not_local_is_never_answered_inline(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(CONFIG, view="compact")["id"]
    service.step(sid, view="compact")
    service.store.local = False  # as PostgreSQL's: every statement is a round trip
    with pytest.raises(WouldWait):
        service.step(sid, view="compact", inline=True)
    with pytest.raises(WouldWait):
        service.get(sid, view="compact", inline=True)
    assert service.store.version(sid) == 1
    assert service.step(sid, view="compact")["version"] == 2


def test_a_pending_commit_of_a_session_swept_meanwhile_answers_not_found_and_releases_it(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(CONFIG, view="compact")["id"]
    service.step(sid, view="compact")
    with other_process_writer(service).writer():
        with pytest.raises(CommitPending) as caught:
            service.step(sid, view="compact", inline=True)
    assert service.store.delete_idle(-60) == 1  # the idle sweep holds no session
    with pytest.raises(SessionNotFound):
        caught.value.finish()
    assert service.queues.waiting(sid) == 0 and sid not in service.working_set


def test_a_small_session_another_process_changed_is_reloaded_inline_and_one_never_live_here_is_not(tmp_path):
    db = tmp_path / "s.sqlite3"
    here, there = make_service(db), make_service(db)  # two processes' services: own caches, own locks
    sid, twin = (here.create(CONFIG, view="compact")["id"] for _ in range(2))
    here.step(sid, view="compact")
    there.step(sid, view="compact")  # here's runtime is now one version behind
    doc = here.step(sid, view="compact", inline=True)  # reloaded on the spot, not WouldWait
    assert doc["version"] == 3
    assert_same(doc, here.step(twin, count=3, view="compact"), ignore=("id", "version"))
    with pytest.raises(WouldWait):  # never live in there's process
        there.step(twin, view="compact", inline=True)
    assert there.store.version(twin) == 1
