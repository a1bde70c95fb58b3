"""A change of a session live in this process takes its version and watched mark on trust and
lets the save check them (store.Held.assumed): one statement less per step. These tests are
the cases where the trust is wrong: another process stepped, watched, deleted the session, or
a client knows a newer version than this process's copy. Each time the change must run on
what is stored, exactly once, as if nothing had been cached."""
from __future__ import annotations

import threading

import pytest

from app.sessions.errors import SessionNotFound, StepRefused, VersionMismatch
from app.sessions.runtime import Runtime
from tests.sessions.helpers import assert_same, make_service, xor_config


class Refused(StepRefused):
    pass


def refuse(session_id: str) -> None:
    raise Refused("a room's session: the teacher steps it")


def two_processes(tmp_path):
    """Two services on one file: each has its own working set and locks, as two workers do."""
    db = tmp_path / "s.sqlite3"
    return make_service(db), make_service(db)


def counting_reads(service) -> list | None:
    """The sessions whose version the store reads under the lock; None where it always does
    (PostgreSQL: that read takes the row lock, so nothing is assumed there)."""
    if not hasattr(service.store, "_state"):
        return None
    reads = []
    state = service.store._state
    service.store._state = lambda session_id: reads.append(session_id) or state(session_id)
    return reads


def counting_loads(service) -> list:
    loads = []
    load = service._load
    service._load = lambda session_id: loads.append(session_id) or load(session_id)
    return loads


def test_a_live_session_is_stepped_without_reading_its_version_first(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(xor_config(), view="compact")["id"]
    service.step(sid, view="compact")
    reads = counting_reads(service)
    if reads is None:
        pytest.skip("PostgreSQL reads the version with the row lock: nothing to assume")
    docs = [service.step(sid, view="compact") for _ in range(20)]
    assert reads == []
    assert [doc["version"] for doc in docs] == list(range(2, 22))
    assert service.store.version(sid) == 21


def test_a_step_after_another_process_stepped_runs_once_on_the_stored_session(tmp_path):
    here, there = two_processes(tmp_path)
    sid = here.create(xor_config(), view="compact")["id"]
    here.step(sid, count=3, view="compact")  # live here at version 1
    there.step(sid, count=2, view="compact")  # version 2: here's copy is one behind
    reads = counting_reads(here)
    doc = here.step(sid, view="compact")
    assert reads in (None, [sid])  # SQLite: the save found it stale, and the change ran again on what is stored
    assert doc["version"] == 3 and here.store.version(sid) == 3
    reference = make_service(tmp_path / "reference.sqlite3")
    expected = reference.create(xor_config(), view="compact")["id"]
    reference.step(expected, count=3, view="compact")
    reference.step(expected, count=2, view="compact")
    assert_same(doc, reference.step(expected, view="compact"), ignore=("id",))
    assert_same(here.get(sid), there.get(sid))  # both processes show the same stored state


def test_a_session_watched_by_another_process_is_guarded_before_anything_is_written(tmp_path):
    here, there = two_processes(tmp_path)
    here.change_guards.append(refuse)
    sid = here.create(xor_config(), view="compact")["id"]
    here.step(sid, view="compact")  # live here, known unwatched
    there.watch(sid)  # a room opened by the other worker: the version stays, the mark changes
    before = here.store.dump(sid)
    with pytest.raises(Refused):
        here.step(sid, view="compact")
    assert here.store.dump(sid) == before  # nothing written
    assert here.get(sid, view="compact")["version"] == 1


def test_an_if_match_newer_than_this_process_copy_is_the_stored_version_and_matches(tmp_path):
    here, there = two_processes(tmp_path)
    sid = here.create(xor_config(), view="compact")["id"]
    here.step(sid, view="compact")
    newest = there.step(sid, view="compact")["version"]
    assert here.step(sid, view="compact", if_match=newest)["version"] == newest + 1
    with pytest.raises(VersionMismatch) as refused:  # and a truly stale one is still refused
        here.step(sid, view="compact", if_match=newest)
    assert refused.value.args[0] == newest + 1


def test_a_session_deleted_by_another_process_is_not_found_and_nothing_is_written(tmp_path):
    here, there = two_processes(tmp_path)
    sid = here.create(xor_config(), view="compact")["id"]
    here.step(sid, view="compact")
    there.delete(sid)
    with pytest.raises(SessionNotFound):
        here.step(sid, view="compact")
    assert here.store.version(sid) is None and sid not in here.working_set


def test_a_stale_copy_half_changed_by_the_first_try_is_never_shown(tmp_path):
    """The first try changed the copy before its save found it stale: a read afterwards shows
    what is stored, not that change."""
    here, there = two_processes(tmp_path)
    sid = here.create(xor_config(), view="compact")["id"]
    here.step(sid, view="compact")
    there.watch(sid)  # stale by the mark alone: the version is what here's copy has
    here.change_guards.append(refuse)  # the second try is refused after the first changed the copy
    with pytest.raises(Refused):
        here.step(sid, view="compact")
    assert_same(here.get(sid), there.get(sid))
    assert here.get(sid, view="compact")["next_step"] == there.get(sid, view="compact")["next_step"]


def test_a_refusal_on_a_stale_copy_is_judged_again_on_the_stored_session(tmp_path):
    """Here's copy of a new session has nothing to undo; the stored one, stepped by the other
    process, has: back must undo that step, not answer "nothing to undo"."""
    here, there = two_processes(tmp_path)
    sid = here.create(xor_config(), view="compact")["id"]  # live here at version 0, no undo
    there.step(sid, view="compact")
    doc = here.back(sid, view="compact")
    assert doc["version"] == 2 and doc["last_step"] is None and doc["undo_available"] == 0
    with pytest.raises(StepRefused):  # and now, with a current copy, the refusal stands
        here.back(sid, view="compact")
    assert here.store.version(sid) == 2


def test_a_request_queued_behind_another_of_this_process_trusts_what_that_one_saved(tmp_path):
    """The version is taken once the requests before it in this process are done: taken
    earlier, it would be stale, and the step would load the session twice and run twice."""
    service = make_service(tmp_path / "s.sqlite3")
    sid = service.create(xor_config(), view="compact")["id"]
    service.step(sid, view="compact")
    started, release, answers = threading.Event(), threading.Event(), []

    def slow_step(runtime: Runtime) -> None:
        started.set()
        assert release.wait(10)
        runtime.run_steps(1)

    first = threading.Thread(target=lambda: answers.append(service._change(sid, slow_step, view="compact", trust=True)))
    first.start()
    assert started.wait(10)
    loads, reads = counting_loads(service), counting_reads(service)
    second = threading.Thread(target=lambda: answers.append(service.step(sid, view="compact")))
    second.start()
    while service.queues.waiting(sid) < 2:
        threading.Event().wait(0.001)
    release.set()
    first.join(10)
    second.join(10)
    assert [doc["version"] for doc in answers] == [2, 3]
    assert loads == [] and reads in (None, [])


def test_a_session_watched_in_this_process_is_guarded_on_its_next_step_without_a_reload(tmp_path):
    service = make_service(tmp_path / "s.sqlite3")
    guarded = []
    service.change_guards.append(guarded.append)
    sid = service.create(xor_config(), view="compact")["id"]
    service.step(sid, view="compact")
    service.watch(sid)
    loads = counting_loads(service)
    assert service.step(sid, view="compact")["version"] == 2
    assert guarded == [sid] and loads == []


def test_a_train_reads_the_version_first_and_never_runs_twice(tmp_path, monkeypatch):
    """A stale copy found only at the save would have trained for nothing: a train is not
    taken on trust."""
    here, there = two_processes(tmp_path)
    sid = here.create(xor_config(), view="compact")["id"]
    here.step(sid, view="compact")
    there.step(sid, view="compact")
    runs = []
    train = Runtime.train
    monkeypatch.setattr(Runtime, "train", lambda runtime, iterations: runs.append(iterations) or train(runtime, iterations))
    assert here.train(sid, 30, view="compact")["version"] == 3
    assert runs == [30]
