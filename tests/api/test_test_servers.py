"""tests/servers.py: a server whose port another took first is started again on another port,
and never mistaken for the one that holds the port."""
from __future__ import annotations

import os
import socket

import httpx

from tests import servers


def test_a_taken_port_is_never_mistaken_for_ours(tmp_path, monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        assert servers._listens(os.getpid(), taken_port)  # this test process holds it, not the server
        ports = iter([taken_port, servers.free_port()])
        monkeypatch.setattr(servers, "free_port", lambda: next(ports))
        process, base = servers.start_uvicorn([], {**os.environ, "BPLAB_DB": str(tmp_path / "s.sqlite3")})
        try:
            assert not base.endswith(f":{taken_port}")
            assert servers._listens(process.pid, int(base.rsplit(":", 1)[1]))
            assert not servers._listens(process.pid, taken_port)
            assert httpx.get(base + "/api/v1/presets").status_code == 200
        finally:
            servers.stop(process)
