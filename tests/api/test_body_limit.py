"""A body over the size limit is refused before it is read whole."""
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.api.helpers import message


def test_an_oversized_body_is_413_with_a_message(tmp_path):
    with TestClient(create_app(Settings(db_path=tmp_path / "s.sqlite3", max_body_bytes=1000))) as client:
        answer = client.post("/api/v1/sessions", content=b"[" + b"0," * 600 + b"0]", headers={"content-type": "application/json"})
        assert answer.status_code == 413
        assert "MiB" in message(answer)
        small = client.post("/api/v1/sessions", json={"preset": "xor"})
        assert small.status_code == 201


def test_a_streamed_oversized_body_is_413_too(tmp_path):
    def chunks():
        yield b'{"preset": "xor", "seed": '
        for _ in range(200):
            yield b"0"
        yield b"}"

    with TestClient(create_app(Settings(db_path=tmp_path / "s.sqlite3", max_body_bytes=100))) as client:
        answer = client.post("/api/v1/sessions", content=chunks(), headers={"content-type": "application/json", "accept-language": "zh-CN"})
        assert answer.status_code == 413
        assert "MiB" in message(answer) and "请求体" in message(answer)
