"""Small helpers for the API tests."""
from __future__ import annotations

import json

API = "/api/v1"


def create(client, body: dict, **params) -> dict:
    response = client.post(f"{API}/sessions", json=body, params=params)
    assert response.status_code == 201, response.text
    return response.json()


def step(client, sid: str, body: dict | None = None, **params) -> dict:
    response = client.post(f"{API}/sessions/{sid}/step", json=body, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def post_raw(client, path: str, content: bytes, method: str = "POST"):
    return client.request(method, API + path, content=content, headers={"content-type": "application/json"})


def worked_example(client, **overrides) -> dict:
    return create(client, {"preset": "worked-example", **overrides})


def explicit(rows: int, n_in: int = 2, n_out: int = 1) -> dict:
    """Deterministic explicit data: row r is (r/10, -r/10, ...) with a 0/1 target."""
    inputs = [[((r + 1) * (k + 1) % 7) / 7 - 0.4 for k in range(n_in)] for r in range(rows)]
    targets = [[float((r + k) % 2) for k in range(n_out)] for r in range(rows)]
    return {"inputs": inputs, "targets": targets}


def dumps(value) -> bytes:
    return json.dumps(value).encode()


def message(response) -> str:
    """The message of a one-item error answer ({"detail": [{"loc", "msg", "type"}], "code"})."""
    return response.json()["detail"][0]["msg"]
