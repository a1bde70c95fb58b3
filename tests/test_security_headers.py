"""Every answer carries the security headers: pages, fragments, the API, errors, static files
and the docs. The Content-Security-Policy is parsed, so a policy that allows inline script or
style, or lets the page be framed, fails here even if the header is present."""
from __future__ import annotations

import pytest


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            parsed[name] = sources
    return parsed


def assert_secure(response):
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    for name in ("script-src", "style-src"):  # no 'unsafe-inline', no other origin: nothing inline runs
        assert policy[name] == ["'self'"], (name, policy[name])
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
    assert len(response.headers.get_list("content-security-policy")) == 1  # never two policies


@pytest.fixture
def session_id(client):
    return client.post("/api/v1/sessions", json={"preset": "worked-example"}).json()["id"]


def test_pages_and_fragments(client, session_id):
    for response in (
        client.get("/"),
        client.get(f"/s/{session_id}"),
        client.post(f"/s/{session_id}/step"),
        client.get(f"/s/{session_id}/inspect?kind=edge&layer=2&to=0&from=0"),
        client.get("/learn"),
        client.get("/learn/derivative"),
    ):
        assert response.status_code == 200, response.request.url
        assert_secure(response)


def test_api_answers_and_errors(client, session_id):
    answers = [
        (client.get(f"/api/v1/sessions/{session_id}"), 200),
        (client.post(f"/api/v1/sessions/{session_id}/step", json={"count": 0}), 422),
        (client.get("/api/v1/sessions/no-such-session"), 404),
        (client.get("/s/no-such-session"), 404),
        (client.get("/no-such-page"), 404),
    ]
    for response, status in answers:
        assert response.status_code == status, response.request.url
        assert_secure(response)


def test_static_files_and_the_docs(client):
    for path in ("/static/css/app.css", "/static/js/app.js", "/docs", "/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_secure(response)
