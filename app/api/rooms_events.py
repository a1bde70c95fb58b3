"""What the API's event stream sends: the compact Session, the question without counts."""
from __future__ import annotations

import orjson

from app.rooms.service import RoomService
from app.rooms.sse import compact_view, sse_event


def _json(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY).decode()


class ApiRenderer:
    """Renders each room event once for every API stream of a process (app/rooms/hub.py)."""

    def state(self, state, version: int, teacher: bool) -> bytes:
        """`state`: the service's PageState (the Session and a reader on it)."""
        return sse_event("state", _json(compact_view(state.doc)), version)

    def question(self, question, teacher: bool) -> bytes:
        return sse_event("question", _json(RoomService.question_document(question, with_counts=False)))

    def students(self, count: int) -> bytes | None:
        return None

    def closed(self) -> bytes:
        return sse_event("closed", _json({"closed": True}))
