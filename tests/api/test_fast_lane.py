"""The fast lane (app/api/fast_lane.py) answers exactly what the routes answer.

Two apps on their own files, one without the lane, get the same requests on twin sessions (same
config and seed, so the same numbers); every answer must match: status, body, ETag and the
security headers. A counter on what the lane hands on shows which requests it answered itself.
"""
from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from app.api.fast_lane import FastLaneMiddleware
from app.main import create_app
from app.settings import Settings
from tests.backends import database_url_for

CONFIG = {"preset": "worked-example"}
COMPARED_HEADERS = ("etag", "content-type", "content-security-policy", "x-content-type-options", "allow")


def _app(path, lane: bool):
    app = create_app(Settings(db_path=path, database_url=database_url_for(path)))
    if not lane:  # the middleware stack is built at the first request: leave the lane out of it
        app.user_middleware = [m for m in app.user_middleware if m.cls is not FastLaneMiddleware]
    return app


class _Counting:
    """Wraps what the lane hands requests on to: the routes."""

    def __init__(self, app):
        self.app, self.calls = app, 0

    async def __call__(self, scope, receive, send):
        self.calls += 1
        await self.app(scope, receive, send)


def _lane_of(app) -> FastLaneMiddleware:
    layer = app.middleware_stack
    while not isinstance(layer, FastLaneMiddleware):
        layer = layer.app
    return layer


@pytest.fixture
def twins(tmp_path):
    with TestClient(_app(tmp_path / "lane.sqlite3", True)) as with_lane, \
            TestClient(_app(tmp_path / "plain.sqlite3", False)) as without_lane:
        with_lane.get("/api/v1/presets")  # builds the middleware stack
        lane = _lane_of(with_lane.app)
        lane.app = routes = _Counting(lane.app)
        yield with_lane, without_lane, routes


def _answer(response, session_id: str) -> tuple:
    text = response.text.replace(session_id, "SESSION")
    headers = {name: response.headers.get(name) for name in COMPARED_HEADERS}
    return response.status_code, json.loads(text) if text else None, headers


# (method, path after /api/v1/sessions/{id}, keyword arguments of the request, answered by the lane?)
REQUESTS = [
    ("POST", "/step", {}, True),
    ("POST", "/step", {"json": {}}, True),
    ("POST", "/step?view=compact", {}, True),
    ("POST", "/step?view=compact&history=0", {}, True),
    ("POST", "/step?history=2", {"content": b"{}", "headers": {"content-type": "application/json"}}, True),
    ("POST", "/step", {"content": b" {} ", "headers": {"content-type": "application/json; charset=utf-8"}}, True),
    ("POST", "/step?view=compact", {"headers": {"if-match": '"{version}"'}}, True),
    ("POST", "/step", {"headers": {"if-match": "*"}}, True),
    ("POST", "/step", {"headers": {"if-match": '"0"'}}, False),  # stale: 412 from the route
    ("POST", "/step", {"headers": {"if-match": "nonsense"}}, False),  # names no version: 412
    ("POST", "/step?view=bogus", {}, False),  # 422
    ("POST", "/step?history=-1", {}, False),  # 422
    ("POST", "/step?unknown=1", {}, False),  # the route ignores it and steps
    ("POST", "/step?view=compact&view=full", {}, True),  # the last one wins, as in the route
    ("POST", "/step", {"json": {"count": 2}}, False),
    ("POST", "/step", {"json": {"until": "update"}}, False),
    ("POST", "/step", {"json": {"count": 0}}, False),  # 422
    ("POST", "/step", {"content": b"{}", "headers": {"content-type": "text/plain"}}, False),
    ("POST", "/step", {"content": b"{", "headers": {"content-type": "application/json"}}, False),  # 422 invalid_json
    ("GET", "", {}, True),
    ("GET", "?view=compact", {}, True),
    ("GET", "?history=1", {}, True),
    ("GET", "?view=nope", {}, False),
    ("HEAD", "", {}, True),
    ("POST", "/back", {}, False),
    ("GET", "/gradcheck", {}, False),
]


def test_every_answer_is_the_routes_own(twins):
    with_lane, without_lane, routes = twins
    first = with_lane.post("/api/v1/sessions", json=CONFIG).json()["id"]
    second = without_lane.post("/api/v1/sessions", json=CONFIG).json()["id"]
    local = with_lane.app.state.sessions.store.local  # PostgreSQL: nothing on the event loop, so the routes answer
    for method, suffix, kwargs, answered_by_lane in REQUESTS:
        answered_by_lane = answered_by_lane and local
        version = with_lane.get(f"/api/v1/sessions/{first}").json()["version"]
        if "headers" in kwargs:
            kwargs = {**kwargs, "headers": {k: v.replace("{version}", str(version)) for k, v in kwargs["headers"].items()}}
        calls = routes.calls
        got = with_lane.request(method, f"/api/v1/sessions/{first}{suffix}", **kwargs)
        lane_answered = routes.calls == calls
        expected = without_lane.request(method, f"/api/v1/sessions/{second}{suffix}", **kwargs)
        assert _answer(got, first) == _answer(expected, second), (method, suffix, kwargs)
        assert lane_answered == answered_by_lane, (method, suffix, kwargs)
    # and the twins stepped in lockstep: the same state, number for number
    assert _answer(with_lane.get(f"/api/v1/sessions/{first}"), first) == _answer(without_lane.get(f"/api/v1/sessions/{second}"), second)


def test_refusals_are_the_routes(twins):
    with_lane, without_lane, routes = twins
    for client in (with_lane, without_lane):
        missing = client.post("/api/v1/sessions/no-such-session/step")
        assert missing.status_code == 404 and missing.json()["code"] == "session_not_found"
        assert client.get("/api/v1/sessions/no-such-session").json()["code"] == "session_not_found"
    assert routes.calls == 2  # the lane tried, and left both to the route


def test_a_room_session_refuses_a_step_without_the_teacher_token(twins):
    with_lane, _without_lane, routes = twins
    session = with_lane.post("/api/v1/sessions", json=CONFIG).json()
    room = with_lane.post("/api/v1/rooms", json={"session_id": session["id"]}).json()
    refused = with_lane.post(f"/api/v1/sessions/{session['id']}/step")
    assert refused.status_code == 403 and refused.json()["code"] == "teacher_only"
    assert with_lane.get(f"/api/v1/sessions/{session['id']}").json()["version"] == session["version"]  # nothing changed
    calls = routes.calls
    stepped = with_lane.post(f"/api/v1/sessions/{session['id']}/step", headers={"authorization": f"Bearer {room['teacher_token']}"})
    assert stepped.status_code == 200 and stepped.json()["version"] == session["version"] + 1
    # the teacher's step went through the lane (on PostgreSQL, nothing is answered on the event loop)
    assert (routes.calls == calls) == with_lane.app.state.sessions.store.local


def test_the_step_button_answers_as_its_route(twins):
    """The page's Step button through the lane (on the event loop) and through the route: the
    same fragments, step after step, up to date or not, in English and Chinese, on the projector."""
    with_lane, without_lane, routes = twins
    first = with_lane.post("/api/v1/sessions", json=CONFIG).json()["id"]
    second = without_lane.post("/api/v1/sessions", json=CONFIG).json()["id"]
    seen = {first: "", second: ""}
    variants = [{}, {"accept-language": "zh-CN"}, {"x-projector": "1"}, {}, {}, {"accept-language": "zh-CN"}, {}, {}, {}]
    calls = routes.calls
    for number, extra in enumerate(variants):
        answers = []
        for client, session in ((with_lane, first), (without_lane, second)):
            token = seen[session] if number % 3 else "stale"  # every third: another tab's state, the whole panel
            response = client.post(f"/s/{session}/step", data={"focus": "0", "seen": token}, headers={"HX-Request": "true", **extra})
            text = response.text.replace(session, "SESSION")
            found = re.search(r'id="seen" name="seen" value="([^"]+)"', response.text)
            seen[session] = found.group(1) if found else seen[session]
            answers.append((response.status_code, text, {k: response.headers.get(k) for k in ("hx-trigger", "hx-reswap", "content-type")}))
        assert answers[0] == answers[1], (number, extra)
    missing = [client.post("/s/no-such-session/step", headers={"HX-Request": "true"}) for client in (with_lane, without_lane)]
    assert (missing[0].status_code, missing[0].text) == (missing[1].status_code, missing[1].text)
    assert "no-such-session" not in missing[0].text or missing[0].headers.get("x-refused-status") == "404"
    assert routes.calls == calls  # every Step went through the lane
