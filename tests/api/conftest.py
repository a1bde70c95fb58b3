"""API test fixtures: a client that answers a server error with 500 instead of raising it."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def raw_client(app):
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
