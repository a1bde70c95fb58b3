"""This process's open event streams, and the fan-out of room events to them.

The broadcaster pattern: each process keeps its own streams; a change is published once, on
commit (bus.py); each process that serves the room reads the change once, renders it once per
kind of stream (the JSON of the API, the HTML of the pages in each language, the teacher's
panel) and puts the same bytes object in every stream's queue. Nothing is computed per student.

The first event of every stream is the room's current state, so a reconnect needs no history.
A stream whose client reads too slowly to keep its queue short is ended: the browser
reconnects and gets the state as it is then.
"""
from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from app import i18n
from app.rooms.errors import TooManyStreams

log = logging.getLogger(__name__)

KEEPALIVE_SECONDS = 10.0  # a comment at least this often (the contract: every 15 s at most)
CHECK_SECONDS = 10.0  # the heartbeat: presence rows, and each followed room's version and state
PRESENCE_DELAY = 0.2  # connects and disconnects within this time are reported together
QUEUE_EVENTS = 16  # a stream this far behind is ended (it reconnects to the current state)
MAX_STREAMS = 1000
END = b""  # the queue item that ends a stream


@dataclass(eq=False)
class Stream:
    code: str
    view: str  # the renderer: "api" or "page"
    locale: str
    teacher: bool
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(QUEUE_EVENTS))

    @property
    def key(self) -> tuple[str, str, bool]:
        return self.view, self.locale, self.teacher

    def put(self, data: bytes) -> None:
        try:
            self.queue.put_nowait(data)
        except asyncio.QueueFull:  # too slow: drop what it has and end it, it reconnects
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(END)


@dataclass(eq=False)
class Channel:
    """One room as this process serves it."""

    code: str
    session_id: str
    streams: set[Stream] = field(default_factory=set)
    version: int = -1  # of the state last rendered
    state_bytes: dict = field(default_factory=dict)  # stream key -> the state event at `version`
    pending: dict = field(default_factory=dict)  # kind -> set of question ids (or {None})
    worker: asyncio.Task | None = None
    closed: bool = False
    # one render at a time: a connect and a change rendering at once could cache an older
    # state under the newer version
    render_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Hub:
    def __init__(self, rooms, renderers: dict, max_streams: int = MAX_STREAMS):
        self.rooms = rooms  # RoomService
        self.renderers = renderers  # view name -> renderer (app/rooms/rendering.py's interface)
        self.max_streams = max_streams
        self.channels: dict[str, Channel] = {}
        self.process = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self._started = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        self._presence_changed: set[str] = set()
        self._presence_flush: asyncio.TimerHandle | None = None

    @property
    def stream_count(self) -> int:
        return sum(len(c.streams) for c in self.channels.values())

    # --- start and stop ------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._started:
            return
        self._loop = asyncio.get_running_loop()
        self.rooms.db.bus.start(self._loop, self.on_message, self.catch_up)
        self._tasks.append(self._loop.create_task(self._heartbeat()))
        self._started = True

    async def aclose(self) -> None:
        for channel in list(self.channels.values()):
            for stream in channel.streams:
                stream.put(END)
        for task in self._tasks:
            task.cancel()
        self.rooms.db.bus.close()
        self._started = False

    # --- streams -------------------------------------------------------------------------------------

    async def connect(self, code: str, view: str, locale: str, teacher: bool) -> tuple[Stream, list[bytes]]:
        """A new stream and its first events (the current state, the question)."""
        self._start()
        if self.stream_count >= self.max_streams:
            raise TooManyStreams()
        room = await asyncio.to_thread(self.rooms.room, code)
        channel = self.channels.get(room.code)
        if channel is None:
            channel = self.channels[room.code] = Channel(room.code, room.session_id)
        stream = Stream(room.code, view, locale, teacher)
        channel.streams.add(stream)
        try:
            first = [await self._current_state(channel, stream, room.version)]
            question = await asyncio.to_thread(self._question_on_connect, room.code, view)
            if question is not None:
                first.append(await self._render(lambda: self.renderers[view].question(question, teacher), locale))
            if teacher:
                students = await asyncio.to_thread(self.rooms.students, room.code)
                rendered = await self._render(lambda: self.renderers[view].students(students), locale)
                if rendered:
                    first.append(rendered)
        except BaseException:
            self.disconnect(stream)
            raise
        if not teacher:
            self._presence_changed_in(room.code)
        return stream, [event for event in first if event]

    def _question_on_connect(self, code: str, view: str):
        # the API shows the open question; a page also the last one revealed
        store = self.rooms.store
        return store.current_question(code) if view == "api" else store.latest_question(code)

    async def events(self, stream: Stream, first: list[bytes]) -> AsyncIterator[bytes]:
        try:
            for event in first:
                yield event
            while True:
                try:
                    data = await asyncio.wait_for(stream.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield b": keepalive\n\n"
                    continue
                if data is END:
                    return
                yield data
        finally:
            self.disconnect(stream)

    def disconnect(self, stream: Stream) -> None:
        channel = self.channels.get(stream.code)
        if channel is None or stream not in channel.streams:
            return
        channel.streams.discard(stream)
        if not stream.teacher:
            self._presence_changed_in(stream.code)
        if not channel.streams and channel.worker is None:
            self.channels.pop(stream.code, None)

    # --- events --------------------------------------------------------------------------------------

    def on_message(self, message: dict) -> None:
        """A room event from the bus (any process's commit, this one's included)."""
        channel = self.channels.get(message.get("room"))
        if channel is None:
            return  # nobody here follows that room
        kind = message.get("kind")
        if kind not in ("state", "question", "answers", "students", "closed"):
            return
        channel.pending.setdefault(kind, set()).add(message.get("question"))
        if channel.worker is None:
            channel.worker = asyncio.get_running_loop().create_task(self._work(channel))

    def catch_up(self) -> None:
        """After messages may have been lost: every followed room gets its state again."""
        for code in list(self.channels):
            self.on_message({"room": code, "kind": "state"})

    async def _work(self, channel: Channel) -> None:
        """Handles a room's pending events in order; events that arrive meanwhile are coalesced."""
        try:
            while channel.pending and not channel.closed:
                pending, channel.pending = channel.pending, {}
                if "closed" in pending:
                    await self._closed(channel)
                    return
                if "state" in pending:
                    await self._state(channel)
                for question_id in pending.get("question", ()):
                    await self._question(channel, question_id, everyone=True)
                for question_id in pending.get("answers", set()) - pending.get("question", set()):
                    await self._question(channel, question_id, everyone=False)
                if "students" in pending:
                    await self._students(channel)
        except Exception:  # noqa: BLE001 - one room's failure must not stop the others
            log.exception("room %s: an event could not be sent", channel.code)
        finally:
            channel.worker = None
            if not channel.streams:
                self.channels.pop(channel.code, None)

    async def _state(self, channel: Channel) -> None:
        room = await asyncio.to_thread(self.rooms.store.find, channel.code)
        if room is None:
            await self._closed(channel)
            return
        async with channel.render_lock:
            if room.version == channel.version:
                return
            await self._render_state(channel, room.version, {s.key for s in channel.streams})
            for stream in list(channel.streams):
                data = channel.state_bytes.get(stream.key)
                if data is not None:  # else it connected meanwhile: its connect sends the state
                    stream.put(data)

    async def _current_state(self, channel: Channel, stream: Stream, version: int) -> bytes:
        async with channel.render_lock:
            if version > channel.version or stream.key not in channel.state_bytes:
                await self._render_state(channel, version, {stream.key})
            return channel.state_bytes[stream.key]

    async def _render_state(self, channel: Channel, version: int, keys: set) -> None:
        """Loads the session once and renders it once per kind of stream."""
        state = await asyncio.to_thread(self.rooms.sessions.show, channel.session_id)  # the Session and a reader
        version = state.doc.get("version", version)
        if version != channel.version:
            channel.state_bytes = {}
            channel.version = version
        for view, locale, teacher in keys - set(channel.state_bytes):
            renderer = self.renderers[view]
            channel.state_bytes[(view, locale, teacher)] = await self._render(
                lambda: renderer.state(state, version, teacher), locale
            )

    async def _question(self, channel: Channel, question_id: str | None, everyone: bool) -> None:
        question = await asyncio.to_thread(self.rooms.store.question, channel.code, question_id)
        if question is None:
            return
        rendered = {}
        for stream in list(channel.streams):
            if not (everyone or stream.teacher):
                continue
            if stream.key not in rendered:
                renderer = self.renderers[stream.view]
                rendered[stream.key] = await self._render(lambda: renderer.question(question, stream.teacher), stream.locale)
            if rendered[stream.key]:
                stream.put(rendered[stream.key])

    async def _students(self, channel: Channel) -> None:
        teachers = [s for s in channel.streams if s.teacher]
        if not teachers:
            return
        count = await asyncio.to_thread(self.rooms.students, channel.code)
        rendered = {}
        for stream in teachers:
            if stream.key not in rendered:
                rendered[stream.key] = await self._render(lambda: self.renderers[stream.view].students(count), stream.locale)
            if rendered[stream.key]:
                stream.put(rendered[stream.key])

    async def _closed(self, channel: Channel) -> None:
        channel.closed = True
        rendered = {}
        for stream in list(channel.streams):
            if stream.key not in rendered:
                rendered[stream.key] = await self._render(lambda: self.renderers[stream.view].closed(), stream.locale)
            stream.put(rendered[stream.key])
            stream.put(END)

    @staticmethod
    async def _render(produce, locale: str) -> bytes:
        def in_locale():
            i18n.current_locale.set(locale)  # this thread's copy of the context only
            return produce()

        return await asyncio.to_thread(in_locale)

    # --- presence and the heartbeat ------------------------------------------------------------------

    def _presence_changed_in(self, code: str) -> None:
        self._presence_changed.add(code)
        if self._presence_flush is None and self._loop is not None:
            self._presence_flush = self._loop.call_later(PRESENCE_DELAY, lambda: self._loop.create_task(self._report_presence()))

    def _counts(self) -> dict[str, int]:
        return {code: sum(not s.teacher for s in c.streams) for code, c in self.channels.items()}

    async def _report_presence(self, every_room: bool = False) -> None:
        self._presence_flush = None
        changed, self._presence_changed = self._presence_changed, set()
        counts = self._counts()
        if not every_room:
            counts = {code: counts.get(code, 0) for code in changed}
        else:
            counts.update({code: counts.get(code, 0) for code in changed})
        try:
            await asyncio.to_thread(self.rooms.store.report_streams, self.process, counts, changed)
        except Exception:  # noqa: BLE001 - the next heartbeat reports again
            log.exception("room presence not reported")

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            try:
                await self._report_presence(every_room=True)
                states = await asyncio.to_thread(self.rooms.store.states, list(self.channels))
                for code, version in states.items():
                    channel = self.channels.get(code)
                    if channel is None:
                        continue
                    if version is None:  # closed elsewhere, or expired
                        self.on_message({"room": code, "kind": "closed"})
                    elif version != channel.version:  # a message was lost: catch up
                        self.on_message({"room": code, "kind": "state"})
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                log.exception("room heartbeat failed")
