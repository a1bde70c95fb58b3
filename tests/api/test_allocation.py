"""Configs over a limit are refused before anything large is allocated."""
from __future__ import annotations

import tracemalloc

import pytest

from tests.api.helpers import API

OVER = [
    ({"layers": [1024] * 12, "activations": "tanh", "loss": "mse", "data": {"inputs": [[0.0] * 1024], "targets": [[0.0] * 1024]}}, "layers"),
    ({"layers": [2, 1024, 1024, 1024, 1], "activations": "relu", "loss": "mse", "data": {"dataset": "xor", "samples": 10_000}}, "layers"),
    ({"layers": [2, 1000, 1], "activations": "relu", "loss": "mse", "data": {"dataset": "spiral", "samples": 10_000}}, "batch_size"),
]


@pytest.mark.parametrize("body,field", OVER, ids=["12x1024", "3x1024-hidden", "batch-values"])
def test_refused_before_allocating(raw_client, body, field):
    raw_client.post(f"{API}/sessions", json={"preset": "xor"})  # warm up imports and caches
    tracemalloc.start()
    try:
        response = raw_client.post(f"{API}/sessions", json=body)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 422
    assert any(field in item["loc"] for item in response.json()["detail"])
    assert peak < 4 * 2**20, f"peak {peak / 2**20:.1f} MiB while refusing"
