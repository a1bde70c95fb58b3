"""The event stream over real sockets: its first event, one event per change, questions, the end,
across uvicorn workers on SQLite and across app processes on PostgreSQL."""
from __future__ import annotations

import time

import httpx
import pytest

from tests.rooms.conftest import Server, teacher
from tests.rooms.sse_client import SSEClient


def open_room(base_url: str, preset: str = "worked-example") -> tuple[dict, dict]:
    session = httpx.post(base_url + "/api/v1/sessions", json={"preset": preset}).json()
    room = httpx.post(base_url + "/api/v1/rooms", json={"session_id": session["id"]}).json()
    return session, room


def step(base_url: str, session: dict, room: dict, **body) -> dict:
    answer = httpx.post(f"{base_url}/api/v1/sessions/{session['id']}/step", json=body or None, headers=teacher(room["teacher_token"]))
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for(condition, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_first_event_is_the_state_then_one_per_change(shared_server, backend):
    server = shared_server()
    session, room = open_room(server.url)
    stream = SSEClient(server.url, f"/api/v1/rooms/{room['code'].lower()}/events")
    try:
        assert stream.status == 200 and stream.headers["content-type"].startswith("text/event-stream")
        first = stream.next_event()
        assert (first.event, first.id) == ("state", "0")
        state = first.json()
        assert state["id"] == session["id"] and state["next_step"] == {"phase": "forward", "layer": 1}
        assert state["batch"] is None and state["layers"][1]["z"] is None  # the compact view
        after = step(server.url, session, room)
        event = stream.next_event()
        assert (event.event, event.id) == ("state", "1")
        assert event.json()["last_step"] == after["last_step"] == {"phase": "forward", "layer": 1}
        assert event.json()["layers"][1]["W"] == after["layers"][1]["W"]
        step(server.url, session, room, count=3)  # one change, one event
        event = stream.next_event()
        assert (event.event, event.id) == ("state", "2") and event.json()["last_step"] == {"phase": "backward", "layer": 2}
        # a refused change sends nothing
        assert httpx.post(f"{server.url}/api/v1/sessions/{session['id']}/step").status_code == 403
        with pytest.raises(TimeoutError):
            stream.next_event(timeout=0.5)
    finally:
        stream.close()


def test_questions_and_the_end_of_the_room(shared_server, backend):
    server = shared_server()
    session, room = open_room(server.url)
    stream = SSEClient(server.url, f"/api/v1/rooms/{room['code']}/events")
    try:
        stream.next_event()
        token = teacher(room["teacher_token"])
        asked = httpx.post(f"{server.url}/api/v1/rooms/{room['code']}/questions", json={"prompt": "<b>Sign?</b>", "choices": ["+", "-"]},
                           headers=token).json()
        event = stream.next_event()
        assert event.event == "question"
        assert event.json() == {**asked, "counts": None}
        httpx.post(f"{server.url}/api/v1/rooms/{room['code']}/questions/{asked['id']}/answers", json={"choice": 1, "student": "s"})
        httpx.post(f"{server.url}/api/v1/rooms/{room['code']}/questions/{asked['id']}/close", headers=token)
        event = stream.next_event()
        assert event.event == "question" and event.json()["open"] is False and event.json()["counts"] is None
        assert httpx.delete(f"{server.url}/api/v1/rooms/{room['code']}", headers=token).status_code == 204
        event = stream.next_event()
        assert event.event == "closed"
        assert stream.next_event() is None  # and the stream ends
    finally:
        stream.close()


def test_a_reconnect_with_last_event_id_gets_the_current_state_once(shared_server, backend):
    server = shared_server()
    session, room = open_room(server.url)
    for _ in range(3):
        step(server.url, session, room)
    stream = SSEClient(server.url, f"/api/v1/rooms/{room['code']}/events", headers={"Last-Event-ID": "0"})
    try:
        first = stream.next_event()
        assert (first.event, first.id) == ("state", "3") and first.json()["last_step"] == {"phase": "loss"}
        with pytest.raises(TimeoutError):
            stream.next_event(timeout=0.5)  # no replay of the missed history
    finally:
        stream.close()


def test_the_student_count_follows_connects_and_disconnects(shared_server, backend):
    server = shared_server(workers=2)
    _session, room = open_room(server.url)
    url = f"{server.url}/api/v1/rooms/{room['code']}"
    streams = [SSEClient(server.url, f"/api/v1/rooms/{room['code']}/events") for _ in range(6)]
    try:
        for s in streams:
            s.next_event()
        assert wait_for(lambda: httpx.get(url).json()["students"] == 6), httpx.get(url).json()
        for s in streams[:4]:
            s.close()
        assert wait_for(lambda: httpx.get(url).json()["students"] == 2), httpx.get(url).json()
    finally:
        for s in streams:
            s.close()


def test_every_worker_sends_every_step_to_its_streams(shared_server, backend):
    """uvicorn --workers 2: the step is answered by one worker, students sit on both. Changes
    that reach a worker while it renders the one before are sent as one (the newest state)."""
    server = shared_server(workers=2)
    session, room = open_room(server.url)
    streams = [SSEClient(server.url, f"/api/v1/rooms/{room['code']}/events") for _ in range(8)]
    try:
        for s in streams:
            assert s.next_event().id == "0"
        for _ in range(4):
            step(server.url, session, room)
            time.sleep(0.1)  # apart: coalescing would rightly merge changes that arrive together
        for s in streams:
            ids = [int(e.id) for e in s.events_until(lambda e: e.id == "4")]
            assert ids == sorted(set(ids)) and ids[-1] == 4 and len(ids) >= 2, ids
    finally:
        for s in streams:
            s.close()


def test_two_app_processes_share_one_postgresql_room(tmp_path, database_url, backend):
    """The teacher on one process, the students on another: only NOTIFY links them."""
    if backend != "postgres":
        pytest.skip("two app processes without a shared database server: PostgreSQL only")
    # two SQLite paths that nothing uses: sessions, rooms and events all go through PostgreSQL,
    # as on two hosts
    teacher_side = Server(tmp_path / "a.sqlite3", database_url)
    student_side = Server(tmp_path / "b.sqlite3", database_url)
    streams = []
    try:
        session, room = open_room(teacher_side.url)
        streams = [SSEClient(student_side.url, f"/api/v1/rooms/{room['code']}/events") for _ in range(4)]
        for s in streams:
            assert s.next_event().id == "0"
        assert wait_for(lambda: httpx.get(f"{teacher_side.url}/api/v1/rooms/{room['code']}").json()["students"] == 4)
        step(teacher_side.url, session, room)
        for s in streams:
            event = s.next_event()
            assert (event.event, event.id) == ("state", "1") and event.json()["last_step"] == {"phase": "forward", "layer": 1}
        token = teacher(room["teacher_token"])
        httpx.post(f"{teacher_side.url}/api/v1/rooms/{room['code']}/questions", json={"prompt": "?", "choices": ["a", "b"]}, headers=token)
        assert all(s.next_event().event == "question" for s in streams)
        httpx.delete(f"{teacher_side.url}/api/v1/rooms/{room['code']}", headers=token)
        assert all(s.next_event().event == "closed" for s in streams)
    finally:
        for s in streams:
            s.close()
        teacher_side.stop()
        student_side.stop()
