"""Every error answer has one shape, {"detail": [{"loc", "msg", "type"}], "code"}, whatever its
status and language; limits are named; no message echoes more than 100 characters of the input,
and every answer encodes whatever the input held (issue 13, findings 1, 3, 4, 6 and 7)."""
from __future__ import annotations

import json

import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient

from app.api.errors import ApiError
from app.main import create_app
from app.settings import ClientQuota, Settings
from tests.api.helpers import API, post_raw, worked_example
from tests.backends import database_url_for

ZH = {"Accept-Language": "zh-CN"}
SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def _shaped(answer, code: str) -> dict:
    """The answer is the one error shape with this code; answers its body."""
    body = json.loads(answer.content.decode("utf-8"))  # strict UTF-8: no lone surrogate got through
    assert body["code"] == code, body
    assert isinstance(body["detail"], list) and body["detail"], body
    for item in body["detail"]:
        assert set(item) >= {"loc", "msg", "type"} and isinstance(item["loc"], list) and item["msg"], item
    return body


# --- finding 1: the lone surrogate, and echoes of any length ------------------------------------


def test_a_lone_surrogate_in_a_preset_name_is_a_422_and_the_connection_lives(raw_client):
    answer = post_raw(raw_client, "/sessions", b'{"preset": "\\ud800"}')
    body = _shaped(answer, "invalid_input")
    assert body["detail"][0]["loc"] == ["body", "preset"] and "\\ud800" in body["detail"][0]["msg"]
    assert raw_client.get(f"{API}/presets").status_code == 200


@pytest.mark.parametrize("raw", [
    b'{"preset": "xor", "\\udfff": 1}',  # a surrogate in an unknown field's name (the loc)
    b'{"preset": "xor", "optimizer": {"name": "\\ud83d"}}',
    b'{"layers": "\\ud800", "activations": "tanh", "loss": "mse", "data": {"dataset": "xor"}}',
])
def test_lone_surrogates_anywhere_are_answered_422(raw_client, raw):
    _shaped(post_raw(raw_client, "/sessions", raw), "invalid_input")


def test_no_message_echoes_more_than_100_characters_of_the_input(raw_client):
    name = "x" * 5_000_000
    answer = raw_client.post(f"{API}/sessions", json={"preset": name})
    body = _shaped(answer, "invalid_input")
    assert len(answer.content) < 2000 and "x" * 100 in body["detail"][0]["msg"] and "x" * 101 not in answer.text
    long_key = raw_client.post(f"{API}/sessions", json={"preset": "xor", "k" * 100_000: 1})
    assert long_key.status_code == 422 and len(long_key.content) < 2000 and "k" * 101 not in long_key.text
    long_id = raw_client.get(f"{API}/sessions/" + "i" * 20_000)
    assert _shaped(long_id, "session_not_found") and "i" * 101 not in long_id.text
    sid = worked_example(raw_client)["id"]
    long_name = raw_client.patch(f"{API}/sessions/{sid}", json={"optimizer": {"name": "n" * 10_000}})
    assert long_name.status_code == 422 and "n" * 101 not in long_name.text


def test_a_refused_target_row_is_quoted_at_most_100_characters(raw_client):
    rows = [[0.5] * 1024]
    body = {"layers": [1024, 900], "activations": "sigmoid", "loss": "bce", "batch_size": 1,
            "data": {"inputs": rows, "targets": [[2.0] * 900]}}
    answer = raw_client.post(f"{API}/sessions", json=body)
    assert _shaped(answer, "invalid_input")["detail"][0]["loc"] == ["body", "data", "targets", 0]
    assert len(answer.json()["detail"][0]["msg"]) < 300


# --- finding 3: 405's Allow; HEAD; trailing slashes ------------------------------------------------


def test_405_allow_lists_every_method_of_the_path(client):
    sid = worked_example(client)["id"]
    answer = client.put(f"{API}/sessions/{sid}")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "DELETE, GET, HEAD, PATCH"
    assert _shaped(answer, "method_not_allowed")["detail"][0]["msg"].endswith("DELETE, GET, HEAD, PATCH.")
    assert client.get(f"{API}/sessions/{sid}/step").headers["allow"] == "POST"


def test_head_is_answered_wherever_get_is(client):
    session = worked_example(client)
    for path in (f"{API}/sessions/{session['id']}", f"{API}/presets", "/openapi.json", "/"):
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-type"] == got.headers["content-type"], path
    assert client.head(f"{API}/sessions/nope").status_code == 404


def test_a_trailing_slash_is_answered_like_the_path_without_it(client):
    assert client.get(f"{API}/presets/", follow_redirects=False).json() == client.get(f"{API}/presets").json()
    created = client.post(f"{API}/sessions/", json={"preset": "xor"}, follow_redirects=False)
    assert created.status_code == 201
    sid = created.json()["id"]
    assert client.post(f"{API}/sessions/{sid}/step/", follow_redirects=False).json()["last_step"] == {"phase": "forward", "layer": 1}


def test_201_has_the_new_sessions_location(client):
    created = client.post(f"{API}/sessions", json={"preset": "xor"})
    assert created.headers["location"] == f"{API}/sessions/{created.json()['id']}"
    assert client.get(created.headers["location"]).json()["id"] == created.json()["id"]


# --- finding 4: security headers on 413 and 500 ----------------------------------------------------


def _failing_app(tmp_path):
    app = create_app(Settings(db_path=tmp_path / "s.sqlite3", max_body_bytes=1000))

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    @app.get("/forbidden")
    def forbidden():
        raise HTTPException(403, "not yours")

    @app.get("/teapot")
    def teapot():
        raise ApiError(418, "teapot", "short and stout", loc=["query", "pot"], limit="max_tea", limit_value=1)

    return app


def test_413_and_500_answers_carry_the_security_headers_and_the_shape(tmp_path):
    with TestClient(_failing_app(tmp_path), raise_server_exceptions=False) as client:
        too_large = client.post(f"{API}/sessions", content=b"[" + b"0," * 600 + b"0]", headers={"content-type": "application/json"})
        failed = client.get("/boom")
    assert too_large.status_code == 413 and failed.status_code == 500
    for answer in (too_large, failed):
        for header in SECURITY_HEADERS:
            assert header in answer.headers, (answer.status_code, header)
    body = _shaped(too_large, "limit_exceeded")
    assert body["limit"] == "max_body_bytes" and body["limit_value"] == 1000
    assert _shaped(failed, "internal_error")["detail"][0]["loc"] == []


def test_errors_raised_by_any_route_get_the_shape(tmp_path):
    with TestClient(_failing_app(tmp_path)) as client:
        forbidden, teapot, missing = client.get("/forbidden"), client.get("/teapot"), client.get("/no/such/page")
    assert forbidden.status_code == 403 and _shaped(forbidden, "forbidden")["detail"][0]["msg"] == "not yours"
    body = _shaped(teapot, "teapot")
    assert teapot.status_code == 418 and body["detail"][0]["loc"] == ["query", "pot"] and body["limit"] == "max_tea"
    assert missing.status_code == 404 and _shaped(missing, "not_found")


# --- findings 6 and 7: one shape and stable codes for every status, in every language ------------


def _error_answers(client) -> dict:
    """One answer of every error the sessions API gives, by the name of the case."""
    sid = worked_example(client)["id"]
    overflowing = client.post(f"{API}/sessions", json={
        "layers": [1, 1], "activations": "linear", "loss": "mse", "weights": [[[1e200]]], "biases": [[0]],
        "data": {"inputs": [[1e200]], "targets": [[0.0]]}}).json()["id"]
    return {
        "404": client.get(f"{API}/sessions/nope"),
        "404-path": client.get(f"{API}/nowhere"),
        "405": client.delete(f"{API}/presets"),
        "409-step": client.post(f"{API}/sessions/{overflowing}/step"),
        "409-undo": client.post(f"{API}/sessions/{sid}/back"),
        "409-read": client.get(f"{API}/sessions/{overflowing}/gradcheck"),
        "422-field": client.post(f"{API}/sessions", json={"preset": "xor", "loss": "hinge"}),
        "422-json": post_raw(client, "/sessions", b'{"preset": '),
        "422-limit": client.post(f"{API}/sessions", json={"layers": [2, 1024, 1024, 1024, 1], "activations": "relu", "loss": "mse", "data": {"dataset": "xor"}}),
        "422-query": client.get(f"{API}/sessions/{sid}", params={"view": "tiny"}),
    }


CODES = {
    "404": "session_not_found", "404-path": "not_found", "405": "method_not_allowed",
    "409-step": "step_refused", "409-undo": "nothing_to_undo", "409-read": "not_finite",
    "422-field": "invalid_input", "422-json": "invalid_json", "422-limit": "limit_exceeded", "422-query": "invalid_input",
}


def test_every_error_has_one_shape_and_a_code_that_does_not_depend_on_the_language(client):
    english = _error_answers(client)
    chinese = {case: answer for case, answer in _error_answers(TestClient(client.app, headers=ZH)).items()}
    for case, code in CODES.items():
        assert english[case].status_code == int(case[:3]) == chinese[case].status_code, case
        en, zh = _shaped(english[case], code), _shaped(chinese[case], code)
        assert [i["type"] for i in en["detail"]] == [i["type"] for i in zh["detail"]], case
        assert [i["loc"] for i in en["detail"]] == [i["loc"] for i in zh["detail"]], case
    assert english["409-step"].json()["step"] == {"phase": "forward", "layer": 1}
    assert english["422-field"].json()["detail"][0]["loc"] == ["body", "loss"]
    assert english["422-field"].json()["detail"][0]["type"] == "literal_error"


def test_a_refused_limit_is_named_with_its_value(client):
    body = _shaped(client.post(f"{API}/sessions", json={"layers": [2, 1024, 1024, 1024, 1], "activations": "relu", "loss": "mse", "data": {"dataset": "xor"}}), "limit_exceeded")
    assert (body["limit"], body["limit_value"]) == ("max_parameters", 1_000_000)
    assert body["detail"][0]["limit"] == "max_parameters" and body["detail"][0]["loc"] == ["body", "layers"]
    sid = client.post(f"{API}/sessions", json={"layers": [2, 900, 900, 1], "activations": "tanh", "loss": "mse", "data": {"dataset": "circle", "samples": 500}}, params={"view": "compact"}).json()["id"]
    budget = _shaped(client.post(f"{API}/sessions/{sid}/train", json={"iterations": 10_000}), "limit_exceeded")
    assert budget["limit"] == "max_iterations_per_request" and 1 <= budget["limit_value"] < 10_000
    too_many = client.post(f"{API}/sessions", json={"preset": "xor", "layers": [2] * 13})
    item = _shaped(too_many, "invalid_input")["detail"][0]
    assert (item["type"], item["limit"], item["limit_value"]) == ("too_long", "max_length", 12)


# --- finding 2: the per-client quota ----------------------------------------------------------------


def test_past_the_sessions_quota_a_client_gets_429_with_what_to_do(tmp_path):
    app = create_app(Settings(db_path=tmp_path / "s.sqlite3", database_url=database_url_for(tmp_path / "s.sqlite3"), client_quota=ClientQuota(max_sessions=3)))
    with TestClient(app, client=("10.0.0.7", 5000)) as client, TestClient(app, client=("10.0.0.8", 5000)) as neighbour:
        ids = [client.post(f"{API}/sessions", json={"preset": "xor"}).json()["id"] for _ in range(3)]
        refused = client.post(f"{API}/sessions", json={"preset": "xor"})
        assert refused.status_code == 429
        body = _shaped(refused, "limit_exceeded")
        assert (body["limit"], body["limit_value"]) == ("max_sessions_per_client", 3)
        assert "DELETE /api/v1/sessions/" in body["detail"][0]["msg"] and "10.0.0.7" in body["detail"][0]["msg"]
        assert neighbour.post(f"{API}/sessions", json={"preset": "xor"}).status_code == 201  # a quota per address
        assert client.delete(f"{API}/sessions/{ids[0]}").status_code == 204
        assert client.post(f"{API}/sessions", json={"preset": "xor"}).status_code == 201


def test_past_the_stored_bytes_quota_a_client_gets_429(tmp_path):
    app = create_app(Settings(db_path=tmp_path / "s.sqlite3", database_url=database_url_for(tmp_path / "s.sqlite3"), client_quota=ClientQuota(max_stored_bytes=400_000)))
    big = {"preset": "circle", "data": {"dataset": "circle", "samples": 10_000}, "batch_size": 100}
    with TestClient(app, client=("10.0.0.9", 5000)) as client:
        assert client.post(f"{API}/sessions", json=big, params={"view": "compact"}).status_code == 201
        body = _shaped(client.post(f"{API}/sessions", json=big, params={"view": "compact"}), "limit_exceeded")
        assert (body["limit"], body["limit_value"]) == ("max_stored_bytes_per_client", 400_000)
        assert client.post(f"{API}/sessions", json={"preset": "xor"}).status_code == 201  # a small one still fits


def test_the_quota_is_read_from_the_environment(monkeypatch, tmp_path):
    from app.settings import load_settings

    monkeypatch.setenv("BPLAB_MAX_SESSIONS_PER_CLIENT", "7")
    monkeypatch.setenv("BPLAB_MAX_STORED_MB_PER_CLIENT", "10")
    quota = load_settings().client_quota
    assert (quota.max_sessions, quota.max_stored_bytes) == (7, 10 * 2**20)


# --- an upgrade in progress (PostgreSQL's first start of a new version) ---------------------------


def test_a_store_still_upgrading_is_a_503_with_retry_after_in_the_readers_language(raw_client, monkeypatch):
    from app.i18n import _
    from app.sessions.errors import StoreUpgrading
    from app.sessions.postgres_store import UPGRADE_BLOCKED

    sid = worked_example(raw_client)["id"]

    def upgrading(*args, **kwargs):
        raise StoreUpgrading(_(UPGRADE_BLOCKED))

    service = raw_client.app.state.sessions
    monkeypatch.setattr(service.store, "load", upgrading)
    monkeypatch.setattr(service.store, "locked", upgrading)
    service.working_set.discard(sid)
    for answer in (raw_client.get(f"{API}/sessions/{sid}", headers=ZH), raw_client.post(f"{API}/sessions/{sid}/step", headers=ZH)):
        body = _shaped(answer, "unavailable")
        assert answer.status_code == 503 and answer.headers["retry-after"] == "2"
        assert body["detail"][0]["msg"] == "服务器正在完成数据库升级：请稍后再试。"
    page = raw_client.post(f"/s/{sid}/step", headers={"HX-Request": "true"})
    assert page.headers["x-refused-status"] == "503" and "upgrade of its database" in page.text
