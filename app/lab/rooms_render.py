"""What a room's pages receive on their event stream: HTML fragments, rendered once per change
and language and sent as the same bytes to every student of that language (app/rooms/hub.py).

- `stage` (students): the drawing, narration, status and plots, each swapped out of band by its
  id, exactly as a step's answer swaps them on the teacher's page;
- `moved` (the teacher's own pages): only the version; the page fetches its stage with its own
  sample in focus (the teacher may drive from a second device, the projector follows);
- `question`, `students` and `closed`: the question panel (the teacher's with live bars), the
  student count, the end of the room.
"""
from __future__ import annotations

from app.lab.stage import session_panels
from app.rooms.sse import sse_event
from app.rooms.service import RoomService
from app.ui.templating import templates


def render_fragment(name: str, context: dict) -> str:
    return templates.env.get_template(name).render(context)


def question_view(question, teacher: bool, mine: int | None = None) -> dict:
    """What the question panel shows: bars for the teacher always, for students after the reveal."""
    document = RoomService.question_document(question, with_counts=teacher or not question.open)
    counts = document["counts"]
    total = sum(counts) if counts else 0
    bars = None
    if counts is not None:
        bars = [
            {"choice": text, "count": n, "share": round(100 * n / total) if total else 0, "index": k}
            for k, (text, n) in enumerate(zip(document["choices"], counts))
        ]
    return {**document, "bars": bars, "mine": mine, "teacher": teacher, "code": question.code}


class PageRenderer:
    def __init__(self, sessions):
        self.sessions = sessions

    def state(self, state, version: int, teacher: bool) -> bytes:
        """`state`: the service's PageState (the Session and a reader on the same state)."""
        if teacher:
            return sse_event("moved", str(version), version)
        context = session_panels(state.reader, state.doc, 0)
        context.update(params_changed=True)
        return sse_event("stage", render_fragment("lab/room_stage_event.html", context), version)

    def question(self, question, teacher: bool) -> bytes:
        html = render_fragment("lab/room_question.html", {"question": question_view(question, teacher)})
        return sse_event("question", html)

    def students(self, count: int) -> bytes:
        return sse_event("students", render_fragment("lab/room_students.html", {"students": count}))

    def closed(self) -> bytes:
        return sse_event("closed", render_fragment("lab/room_closed.html", {}))
