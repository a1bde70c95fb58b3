"""A client that leaves before its body arrives: nothing runs, and no server error."""
from __future__ import annotations

import asyncio
import threading

import pytest


def _leaving_request(app, method: str, path: str, headers: list[tuple[bytes, bytes]]) -> list[dict]:
    """Sends the request's head, then a disconnect instead of its body; answers what was sent back."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver"), *headers], "client": ("127.0.0.1", 50000), "server": ("testserver", 80)}
    sent = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # in a thread of its own: the browser tests' Playwright keeps an event loop in this one
    failures = []
    thread = threading.Thread(target=lambda: _run(app(scope, receive, send), failures))
    thread.start()
    thread.join()
    assert not failures, failures
    return sent


def _run(coroutine, failures: list) -> None:
    try:
        asyncio.run(coroutine)
    except Exception as error:  # noqa: BLE001 - reported to the test's thread
        failures.append(error)


@pytest.mark.parametrize("path, content_type", [
    ("/s/{id}/step", b"application/x-www-form-urlencoded"),  # the Step button's form
    ("/api/v1/sessions/{id}/step", b"application/json"),  # a step with a body (the fast lane hands it on)
    ("/api/v1/sessions/{id}/train", b"application/json"),
])
def test_a_client_leaving_before_its_body_changes_nothing(client, app, path, content_type):
    session = client.post("/api/v1/sessions", json={"preset": "worked-example"}).json()
    sent = _leaving_request(app, "POST", path.format(id=session["id"]),
                            [(b"content-type", content_type), (b"content-length", b"20")])
    # the form answers 400; FastAPI reads a JSON body itself and calls it unparseable (422)
    assert sent[0]["status"] in (400, 422)
    assert client.get(f"/api/v1/sessions/{session['id']}").json()["version"] == session["version"]
