"""API.md, Rooms: every row of the table and every rule below it, on SQLite and on PostgreSQL."""
from __future__ import annotations

import re

import pytest

from app.rooms.codes import ALPHABET
from app.rooms.store import MAX_ANSWER_CHANGES
from tests.rooms.conftest import new_room, teacher

CODE = re.compile(f"[{ALPHABET}]{{6}}")


def test_create_answers_code_token_and_join_path(room_client, backend):
    session, room = new_room(room_client)
    assert set(room) == {"code", "session_id", "teacher_token", "join_path", "students"}
    assert CODE.fullmatch(room["code"]) and not set("01OIL") & set(room["code"])
    assert room["session_id"] == session["id"]
    assert room["join_path"] == f"/r/{room['code']}"
    assert room["students"] == 0
    assert len(room["teacher_token"]) >= 22  # at least 128 bits in URL-safe base64


def test_create_refuses_unknown_session_second_room_and_bad_bodies(room_client, backend):
    assert room_client.post("/api/v1/rooms", json={"session_id": "nope"}).status_code == 404
    session, room = new_room(room_client)
    again = room_client.post("/api/v1/rooms", json={"session_id": session["id"]})
    assert again.status_code == 409 and "open room" in again.json()["detail"][0]["msg"]
    for body in ({}, {"session_id": 3}, {"session_id": "x", "extra": 1}, [], "text"):
        answer = room_client.post("/api/v1/rooms", json=body)
        assert answer.status_code == 422, body
        assert answer.json()["detail"][0]["loc"][0] == "body"


def test_read_room_case_insensitive_with_open_question(room_client, backend):
    session, room = new_room(room_client)
    read = room_client.get(f"/api/v1/rooms/{room['code'].lower()}").json()
    assert read == {"code": room["code"], "session_id": session["id"], "students": 0, "question": None}
    asked = room_client.post(f"/api/v1/rooms/{room['code']}/questions", json={"prompt": "Sign?", "choices": ["+", "-"]},
                             headers=teacher(room["teacher_token"])).json()
    read = room_client.get(f"/api/v1/rooms/{room['code']}").json()
    assert read["question"] == {**asked, "counts": None}
    for missing in ("ZZZZZZ", "short", "0OIL11", "ab/cd"):
        assert room_client.get(f"/api/v1/rooms/{missing}").status_code == 404


CHANGES = [
    ("post", "/step", None),
    ("post", "/step", {"count": 3}),
    ("post", "/back", None),
    ("post", "/train", {"iterations": 2}),
    ("post", "/reset", None),
    ("patch", "", {"optimizer": {"learning_rate": 0.1}}),
    ("patch", "", {"edits": [{"layer": 1, "to": 0, "from": 0, "value": 9.0}]}),
    ("delete", "", None),
]


@pytest.mark.parametrize("method,path,body", CHANGES)
def test_every_change_of_a_room_session_needs_the_teacher_token(room_client, backend, method, path, body):
    session, room = new_room(room_client)
    sid = session["id"]
    room_client.post(f"/api/v1/sessions/{sid}/step", json={"count": 2}, headers=teacher(room["teacher_token"]))
    before = room_client.get(f"/api/v1/sessions/{sid}").json()
    for headers in ({}, teacher("wrong-token"), {"Authorization": room["teacher_token"]}):
        kwargs = {"headers": headers} | ({"json": body} if body is not None else {})
        refused = getattr(room_client, method)(f"/api/v1/sessions/{sid}{path}", **kwargs)
        assert refused.status_code == 403, (headers, refused.text)
        assert refused.json()["code"] == "teacher_only"
        assert "teacher" in refused.json()["detail"][0]["msg"] and f"/rooms/{room['code']}/fork" in refused.json()["detail"][0]["msg"]
        assert room_client.get(f"/api/v1/sessions/{sid}").json() == before  # nothing changed
    kwargs = {"headers": teacher(room["teacher_token"])} | ({"json": body} if body is not None else {})
    allowed = getattr(room_client, method)(f"/api/v1/sessions/{sid}{path}", **kwargs)
    assert allowed.status_code in (200, 204), allowed.text


def test_reading_a_room_session_stays_open(room_client, backend):
    session, _room = new_room(room_client)
    sid = session["id"]
    assert room_client.get(f"/api/v1/sessions/{sid}").json()["id"] == sid
    assert room_client.get(f"/api/v1/sessions/{sid}/gradcheck").json()["max_rel_error"] < 1e-6
    assert len(room_client.post(f"/api/v1/sessions/{sid}/predict", json={"inputs": [[0.05, 0.1]]}).json()["outputs"]) == 1
    assert room_client.get(f"/api/v1/sessions/{sid}/export").json()["layers"] == [2, 2, 2]


def test_the_chinese_refusal_is_translated(room_client, backend):
    session, _room = new_room(room_client)
    refused = room_client.post(f"/api/v1/sessions/{session['id']}/step", headers={"Accept-Language": "zh-CN"})
    assert refused.status_code == 403 and "老师" in refused.json()["detail"][0]["msg"]


def test_fork_is_an_exact_copy_without_undo(room_client, backend):
    session, room = new_room(room_client, "xor")
    token = teacher(room["teacher_token"])
    sid = session["id"]
    room_client.post(f"/api/v1/sessions/{sid}/train", json={"iterations": 3}, headers=token)
    room_client.post(f"/api/v1/sessions/{sid}/step", json={"count": 3}, headers=token)  # mid-iteration
    room_client.patch(f"/api/v1/sessions/{sid}", json={"optimizer": {"learning_rate": 0.7}}, headers=token)
    original = room_client.get(f"/api/v1/sessions/{sid}").json()
    forked = room_client.post(f"/api/v1/rooms/{room['code'].lower()}/fork")
    assert forked.status_code == 201
    copy = forked.json()
    assert copy["id"] != sid
    for field in ("config", "iteration", "epoch", "last_step", "next_step", "batch", "layers", "loss", "history"):
        assert copy[field] == original[field], field
    assert copy["undo_available"] == 0 and original["undo_available"] > 0
    store = room_client.app.state.sessions.store
    for session_id, watched in ((sid, True), (copy["id"], False)):  # the copy is in no room: its steps never look for one
        with store.locked(session_id) as held:
            assert held.watched is watched
    assert room_client.post(f"/api/v1/sessions/{copy['id']}/back").status_code == 409  # no undo history
    # the copy is the caller's own, and steps exactly as the room's session does
    mine = room_client.post(f"/api/v1/sessions/{copy['id']}/step", json={"until": "update"}).json()
    theirs = room_client.post(f"/api/v1/sessions/{sid}/step", json={"until": "update"}, headers=token).json()
    assert mine["layers"] == theirs["layers"] and mine["history"] == theirs["history"]
    assert room_client.post("/api/v1/rooms/ZZZZZZ/fork").status_code == 404


def ask(client, room, prompt="Which sign?", choices=("positive", "negative")):
    return client.post(f"/api/v1/rooms/{room['code']}/questions", json={"prompt": prompt, "choices": list(choices)},
                       headers=teacher(room["teacher_token"]))


def test_questions_pool_answers_and_hide_counts_until_closed(room_client, backend):
    _session, room = new_room(room_client)
    code, token = room["code"], teacher(room["teacher_token"])
    assert ask(room_client, {**room, "teacher_token": "wrong"}).status_code == 403
    created = ask(room_client, room, choices=("a", "b", "c"))
    assert created.status_code == 201
    question = created.json()
    assert question == {"id": question["id"], "prompt": "Which sign?", "choices": ["a", "b", "c"], "open": True,
                        "counts": [0, 0, 0], "answers": 0}
    url = f"/api/v1/rooms/{code}/questions/{question['id']}"
    for student, choice in (("s1", 0), ("s2", 2), ("s3", 2), ("s1", 1)):  # s1 changes its mind
        answered = room_client.post(url + "/answers", json={"choice": choice, "student": student})
        assert answered.status_code == 204 and answered.content == b""
    anyone = room_client.get(url).json()
    assert anyone["counts"] is None and anyone["answers"] == 3 and anyone["open"] is True
    assert room_client.get(url, headers=token).json()["counts"] == [0, 1, 2]
    assert room_client.post(url + "/close").status_code == 403
    closed = room_client.post(url + "/close", headers=token)
    assert closed.status_code == 200 and closed.json() == {**question, "open": False, "counts": [0, 1, 2], "answers": 3}
    assert room_client.get(url).json()["counts"] == [0, 1, 2]  # revealed to everyone
    late = room_client.post(url + "/answers", json={"choice": 0, "student": "s4"})
    assert late.status_code == 409 and "closed" in late.json()["detail"][0]["msg"]


def test_opening_a_question_closes_the_one_before(room_client, backend):
    _session, room = new_room(room_client)
    first = ask(room_client, room).json()
    second = ask(room_client, room, "Loss down?", ("yes", "no")).json()
    token = teacher(room["teacher_token"])
    assert room_client.get(f"/api/v1/rooms/{room['code']}/questions/{first['id']}", headers=token).json()["open"] is False
    assert room_client.get(f"/api/v1/rooms/{room['code']}").json()["question"]["id"] == second["id"]


@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "x", "choices": ["only one"]},
        {"prompt": "x", "choices": ["1", "2", "3", "4", "5", "6", "7"]},
        {"prompt": "", "choices": ["a", "b"]},
        {"prompt": "x" * 501, "choices": ["a", "b"]},
        {"prompt": "x", "choices": ["a", ""]},
        {"prompt": "x", "choices": ["a", 2]},
        {"prompt": "x", "choices": ["a", "b"], "answer": 0},
        {"choices": ["a", "b"]},
    ],
)
def test_bad_questions_are_422_naming_the_field(room_client, backend, body):
    _session, room = new_room(room_client)
    answer = room_client.post(f"/api/v1/rooms/{room['code']}/questions", json=body, headers=teacher(room["teacher_token"]))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    "body",
    [{"choice": 2, "student": "s"}, {"choice": -1, "student": "s"}, {"choice": "0", "student": "s"}, {"choice": 0, "student": ""},
     {"choice": 0, "student": "x" * 65}, {"choice": 0}, {"choice": True, "student": "s"}],
)
def test_bad_answers_are_422(room_client, backend, body):
    _session, room = new_room(room_client)
    question = ask(room_client, room).json()
    answer = room_client.post(f"/api/v1/rooms/{room['code']}/questions/{question['id']}/answers", json=body)
    assert answer.status_code == 422, answer.text
    assert room_client.get(f"/api/v1/rooms/{room['code']}/questions/{question['id']}",
                           headers=teacher(room["teacher_token"])).json()["answers"] == 0


def test_answers_are_limited_per_student(room_client, backend):
    _session, room = new_room(room_client)
    question = ask(room_client, room).json()
    url = f"/api/v1/rooms/{room['code']}/questions/{question['id']}/answers"
    for n in range(MAX_ANSWER_CHANGES + 1):
        assert room_client.post(url, json={"choice": n % 2, "student": "keen"}).status_code == 204
    too_many = room_client.post(url, json={"choice": 0, "student": "keen"})
    assert too_many.status_code == 429 and "too often" in too_many.json()["detail"][0]["msg"]


def test_unknown_questions_are_404(room_client, backend):
    _session, room = new_room(room_client)
    url = f"/api/v1/rooms/{room['code']}/questions/nope"
    assert room_client.get(url).status_code == 404
    assert room_client.post(url + "/answers", json={"choice": 0, "student": "s"}).status_code == 404
    assert room_client.post(url + "/close", headers=teacher(room["teacher_token"])).status_code == 404


def test_closing_the_room_frees_the_session(room_client, backend):
    session, room = new_room(room_client)
    url = f"/api/v1/rooms/{room['code']}"
    assert room_client.delete(url).status_code == 403
    assert room_client.delete(url, headers=teacher("wrong")).status_code == 403
    assert room_client.get(url).status_code == 200
    closed = room_client.delete(url, headers=teacher(room["teacher_token"]))
    assert closed.status_code == 204
    assert room_client.get(url).status_code == 404
    assert room_client.post(f"/api/v1/sessions/{session['id']}/step").status_code == 200  # anyone's again
    assert room_client.post("/api/v1/rooms", json={"session_id": session["id"]}).status_code == 201


def test_a_room_expires_after_room_hours_without_a_change(tmp_path, database_url, backend):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(db_path=tmp_path / "s.sqlite3", database_url=database_url, room_hours=1 / 3600))  # 1 s
    with TestClient(app) as client:
        session, room = new_room(client)
        import time

        time.sleep(1.2)
        assert client.get(f"/api/v1/rooms/{room['code']}").status_code == 404
        assert client.post(f"/api/v1/sessions/{session['id']}/step").status_code == 200
    app.state.rooms.db.close()


def test_deleting_the_session_closes_its_room(room_client, backend):
    session, room = new_room(room_client)
    assert room_client.delete(f"/api/v1/sessions/{session['id']}", headers=teacher(room["teacher_token"])).status_code == 204
    assert room_client.get(f"/api/v1/rooms/{room['code']}").status_code == 404


def test_past_the_stream_limit_the_answer_is_503(tmp_path, database_url, backend):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    app = create_app(Settings(db_path=tmp_path / "s.sqlite3", database_url=database_url, max_room_streams=0))
    with TestClient(app) as client:
        _session, room = new_room(client)
        refused = client.get(f"/api/v1/rooms/{room['code']}/events")
        assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
        assert "try again" in refused.json()["detail"][0]["msg"]
    app.state.rooms.db.close()


def test_a_restart_keeps_rooms_questions_and_answers(room_settings, backend):
    from fastapi.testclient import TestClient

    from app.main import create_app

    first = create_app(room_settings)
    with TestClient(first) as client:
        session, room = new_room(client)
        question = ask(client, room).json()
        for student, choice in (("a", 0), ("b", 1), ("c", 1)):
            client.post(f"/api/v1/rooms/{room['code']}/questions/{question['id']}/answers", json={"choice": choice, "student": student})
    first.state.rooms.db.close()
    second = create_app(room_settings)
    with TestClient(second) as client:
        read = client.get(f"/api/v1/rooms/{room['code']}").json()
        assert read["session_id"] == session["id"] and read["question"]["id"] == question["id"]
        token = teacher(room["teacher_token"])
        assert client.get(f"/api/v1/rooms/{room['code']}/questions/{question['id']}", headers=token).json()["counts"] == [1, 2]
        assert client.post(f"/api/v1/sessions/{session['id']}/step").status_code == 403  # still the teacher's
        assert client.post(f"/api/v1/sessions/{session['id']}/step", headers=token).status_code == 200
    second.state.rooms.db.close()


def test_openapi_describes_every_room_endpoint(room_client, backend):
    paths = room_client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/rooms", "/api/v1/rooms/{code}", "/api/v1/rooms/{code}/events", "/api/v1/rooms/{code}/fork",
            "/api/v1/rooms/{code}/questions", "/api/v1/rooms/{code}/questions/{question_id}",
            "/api/v1/rooms/{code}/questions/{question_id}/answers", "/api/v1/rooms/{code}/questions/{question_id}/close"} <= set(paths)
    assert "text/event-stream" in paths["/api/v1/rooms/{code}/events"]["get"]["responses"]["200"]["content"]


def test_a_question_takes_at_most_max_answers_students(room_client, backend, monkeypatch):
    from app.rooms import store

    monkeypatch.setattr(store, "MAX_ANSWERS", 3)
    _session, room = new_room(room_client)
    question = ask(room_client, room).json()
    url = f"/api/v1/rooms/{room['code']}/questions/{question['id']}/answers"
    for student in ("a", "b", "c"):
        assert room_client.post(url, json={"choice": 0, "student": student}).status_code == 204
    assert room_client.post(url, json={"choice": 0, "student": "d"}).status_code == 429
    assert room_client.post(url, json={"choice": 1, "student": "a"}).status_code == 204  # a known student may still change
