"""The room pages: the teacher opens a room from the session page, students follow at /r/{code}.

- rooms_teacher.py: POST /s/{id}/room opens a room (its teacher token in an HttpOnly,
  SameSite=Strict cookie that every button of the session page then carries), the teacher link
  for a second device, questions, reveal, close, and the session page's room strip;
- rooms_student.py: /r/{code} (a student's page), its event stream, the join form, fork, answers,
  the join QR code;
- rooms_render.py: what the pages' event stream sends.
"""
from __future__ import annotations

from fastapi import APIRouter, Request

from app.i18n import _
from app.lab.rendering import render
from app.lab.stage import Message
from app.rooms.service import RoomService

STUDENT_COOKIE = "bplab_student"  # an anonymous id per browser: one answer per question


def rooms_of(request: Request) -> RoomService:
    return request.app.state.rooms


def no_room(request: Request, status: int = 404):
    message = Message("error", _("There is no open room with this code. Check the code with your teacher; the room may have been closed."))
    return render(request, "lab/room_join.html", {"messages": [message], "code": ""}, status)


def join_url(request: Request, code: str) -> str:
    return str(request.base_url).rstrip("/") + f"/r/{code}"


def _routers() -> APIRouter:
    from app.lab import rooms_student, rooms_teacher

    router = APIRouter(include_in_schema=False)
    router.include_router(rooms_teacher.router)
    router.include_router(rooms_student.router)
    return router


router = _routers()
