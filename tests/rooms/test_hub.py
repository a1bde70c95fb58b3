"""The fan-out inside one process: one render per change and language, the same bytes to every
student of that language, keepalive comments, slow streams ended, streams forgotten on close."""
from __future__ import annotations

import asyncio
import threading

import pytest

from app.main import create_app
from app.rooms import hub as hub_module
from app.rooms.credentials import presented_tokens
from app.settings import Settings


def run(scenario) -> None:
    """asyncio.run in a thread of its own: the browser tests' Playwright keeps an event loop
    running in the main thread."""
    failure = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if failure:
        raise failure[0]


@pytest.fixture
def rooms_app(tmp_path):
    app = create_app(Settings(db_path=tmp_path / "sessions.sqlite3"))
    yield app
    app.state.rooms.db.close()


def open_room(app) -> tuple[str, str, str]:
    session = app.state.sessions.create({"preset": "worked-example"}, view="compact")
    room = app.state.rooms.create(session["id"])
    return session["id"], room["code"], room["teacher_token"]


class Counting:
    """Wraps a renderer and counts its state renders."""

    def __init__(self, inner):
        self.inner = inner
        self.states = 0

    def state(self, *args):
        self.states += 1
        return self.inner.state(*args)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_one_render_per_change_and_language_the_same_bytes_for_all(rooms_app):
    session_id, code, token = open_room(rooms_app)
    hub = rooms_app.state.room_hub
    counting = hub.renderers["page"] = Counting(hub.renderers["page"])

    async def scenario():
        connected = [await hub.connect(code, "page", "zh_CN" if i % 3 == 0 else "en", False) for i in range(12)]
        assert counting.states == 2  # the state on connecting: once per language, not per student
        presented_tokens.set(frozenset({token}))
        await asyncio.to_thread(rooms_app.state.sessions.step, session_id)
        received = [await asyncio.wait_for(stream.queue.get(), 5) for stream, _first in connected]
        assert counting.states == 4  # one change: one render per language
        english = [data for (stream, _f), data in zip(connected, received) if stream.locale == "en"]
        chinese = [data for (stream, _f), data in zip(connected, received) if stream.locale == "zh_CN"]
        assert all(data is english[0] for data in english) and all(data is chinese[0] for data in chinese)
        assert b"id: 1" in english[0] and "前向".encode() in chinese[0] and "前向".encode() not in english[0]
        for stream, _first in connected:
            hub.disconnect(stream)
        assert code not in hub.channels
        await hub.aclose()

    run(scenario)


def test_a_comment_keeps_the_stream_alive(rooms_app, monkeypatch):
    monkeypatch.setattr(hub_module, "KEEPALIVE_SECONDS", 0.05)
    _session_id, code, _token = open_room(rooms_app)
    hub = rooms_app.state.room_hub

    async def scenario():
        stream, first = await hub.connect(code, "api", "en", False)
        events = hub.events(stream, first)
        assert (await anext(events)).startswith(b"event: state\nid: 0\n")
        assert await anext(events) == b": keepalive\n\n"
        await events.aclose()
        assert hub.stream_count == 0
        await hub.aclose()

    run(scenario)


def test_a_stream_too_far_behind_is_ended():
    async def scenario():
        stream = hub_module.Stream("ABCDEF", "api", "en", False)
        for n in range(hub_module.QUEUE_EVENTS + 1):
            stream.put(b"event %d" % n)
        assert stream.queue.qsize() == 1 and stream.queue.get_nowait() is hub_module.END

    run(scenario)


def test_the_limit_of_streams_per_worker(rooms_app):
    _session_id, code, _token = open_room(rooms_app)
    hub = rooms_app.state.room_hub
    hub.max_streams = 3

    async def scenario():
        from app.rooms.errors import TooManyStreams

        streams = [await hub.connect(code, "api", "en", False) for _ in range(3)]
        with pytest.raises(TooManyStreams):
            await hub.connect(code, "api", "en", False)
        hub.disconnect(streams[0][0])
        await hub.connect(code, "api", "en", False)  # room again
        await hub.aclose()

    run(scenario)
