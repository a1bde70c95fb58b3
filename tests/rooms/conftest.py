"""Room fixtures on both backends: SQLite (always) and PostgreSQL (when a server answers).

The PostgreSQL URL is BPLAB_TEST_DATABASE_URL, by default Debian's local server over its socket
(postgresql:///bplab_test?host=/var/run/postgresql, as scripts/postgres.sh makes it); BPLAB_TEST_BACKEND=sqlite or
=postgres runs one of them only (default: both). Without a reachable server the PostgreSQL cases skip
and say why.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.servers import start_uvicorn, stop

DEFAULT_PG = "postgresql:///bplab_test?host=/var/run/postgresql"  # what scripts/postgres.sh prints


def postgres_url() -> str:
    return os.environ.get("BPLAB_TEST_DATABASE_URL") or DEFAULT_PG


_reachable: dict[str, str | None] = {}


def postgres_problem() -> str | None:
    """None when the test server answers, else why not (the skip reason)."""
    url = postgres_url()
    if url not in _reachable:
        try:
            import psycopg

            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _reachable[url] = None
        except Exception as error:  # noqa: BLE001 - any failure means: skip, and say it
            _reachable[url] = (
                f"PostgreSQL not reachable at {url} ({str(error).strip().splitlines()[0]}): "
                "start it (pg_ctlcluster 15 main start; createdb bplab_test) or set BPLAB_TEST_DATABASE_URL"
            )
    return _reachable[url]


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        chosen = os.environ.get("BPLAB_TEST_BACKEND", "both")
        backends = ["sqlite", "postgres"] if chosen == "both" else [chosen]
        metafunc.parametrize("backend", backends, indirect=True)


@pytest.fixture
def backend(request):
    if request.param == "postgres":
        problem = postgres_problem()
        if problem:
            pytest.skip(problem)
    return request.param


@pytest.fixture
def database_url(backend) -> str | None:
    return postgres_url() if backend == "postgres" else None


@pytest.fixture
def room_settings(tmp_path, database_url) -> Settings:
    return Settings(db_path=tmp_path / "sessions.sqlite3", database_url=database_url)


@pytest.fixture
def room_client(room_settings):
    app = create_app(room_settings)
    with TestClient(app) as client:
        yield client
    app.state.rooms.db.close()


def teacher(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def new_room(client, preset: str = "worked-example") -> tuple[dict, dict]:
    session = client.post("/api/v1/sessions", json={"preset": preset}).json()
    room = client.post("/api/v1/rooms", json={"session_id": session["id"]})
    assert room.status_code == 201, room.text
    return session, room.json()


class Server:
    """A uvicorn subprocess (its own port, workers, database) for streams over real sockets."""

    def __init__(self, db_path: Path, database_url: str | None, workers: int = 1, port: int | None = None):
        env = {**os.environ, "BPLAB_DB": str(db_path)}
        env.pop("BPLAB_DATABASE_URL", None)
        if database_url:
            env["BPLAB_DATABASE_URL"] = database_url
        self.process, self.url = start_uvicorn(
            ["--workers", str(workers), "--loop", "asyncio", "--timeout-graceful-shutdown", "1"], env, port=port)
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self) -> None:
        stop(self.process, timeout=15)


@pytest.fixture
def start_server(tmp_path, database_url):
    servers = []

    def start(workers: int = 1, db_path: Path | None = None) -> Server:
        server = Server(db_path or tmp_path / "sessions.sqlite3", database_url, workers)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def _shared_servers(tmp_path_factory):
    started: dict = {}
    yield started
    for server in started.values():
        server.stop()


@pytest.fixture
def shared_server(_shared_servers, tmp_path_factory, database_url, backend):
    """One server per backend and worker count for a whole module: starting uvicorn is the slow part."""

    def get(workers: int = 1) -> Server:
        key = (backend, workers)
        if key not in _shared_servers:
            db_path = tmp_path_factory.mktemp(f"rooms-{backend}-{workers}") / "sessions.sqlite3"
            _shared_servers[key] = Server(db_path, database_url, workers)
        return _shared_servers[key]

    return get
