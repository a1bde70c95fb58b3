"""The students' side of a room: the join form, /r/{code}, its event stream, fork, one-tap
answers, and the join QR code (see rooms.py)."""
from __future__ import annotations

import io
import secrets

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app import i18n
from app.api.rooms_stream import EventStreamResponse
from app.deps import SessionsDep
from app.i18n import _
from app.lab.rendering import SERVICE_ERRORS, error_response, message_response, render
from app.lab.rooms import STUDENT_COOKIE, join_url, no_room, rooms_of
from app.lab.rooms_render import question_view
from app.lab.stage import Message, error_message, session_panels
from app.rooms.codes import normalized
from app.rooms.errors import QuestionNotFound, RoomNotFound, TooManyAnswers
from app.ui.forms import FormDep, int_field

router = APIRouter(include_in_schema=False)


@router.get("/r", name="join_room")
def join_room(request: Request, form: FormDep):
    code = normalized(form.get("code", ""))
    if code is None:
        message = Message("error", _("A room code has 6 letters and digits, as the teacher's screen shows it."))
        return render(request, "lab/room_join.html", {"messages": [message], "code": form.get("code", "")[:20]}, 422)
    return RedirectResponse(request.url_for("show_room", code=code).path, status_code=303)


@router.get("/r/{code}", name="show_room")
def show_room(request: Request, code: str, service: SessionsDep):
    rooms = rooms_of(request)
    try:
        room = rooms.room(code)
        state = service.show(room.session_id)
    except RoomNotFound:
        return no_room(request)
    except SERVICE_ERRORS as error:
        return render(request, "lab/missing.html", {"messages": [error_message(error)]}, 404)
    student = request.cookies.get(STUDENT_COOKIE) or secrets.token_urlsafe(12)
    question = rooms.store.latest_question(room.code)
    mine = rooms.store.answer_of(question.id, student) if question else None
    context = session_panels(state.reader, state.doc, 0)
    context.update(params_changed=True, room=room, question=question_view(question, False, mine) if question else None)
    response = render(request, "lab/room_student.html", context)
    if STUDENT_COOKIE not in request.cookies:
        response.set_cookie(STUDENT_COOKIE, student, max_age=30 * 86400, path="/", httponly=True, samesite="lax")
    return response


@router.get("/r/{code}/stream", name="follow_room_page")
async def follow_room_page(request: Request, code: str):
    """The pages' event stream: the teacher's page (with the cookie) gets the live bars and count."""
    rooms, hub = rooms_of(request), request.app.state.room_hub
    room = rooms.room(code)  # 404 handled by the API's handler
    stream, first = await hub.connect(room.code, "page", i18n.current_locale.get(), teacher=rooms.is_teacher(room))
    return EventStreamResponse(hub.events(stream, first))


@router.post("/r/{code}/fork", name="fork_room")
def fork_room(request: Request, code: str):
    """Explore on my own: the student's own copy, and a way back to the class."""
    rooms = rooms_of(request)
    try:
        doc = rooms.fork(code, view="compact", history=0)
    except RoomNotFound:
        return no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    target = request.url_for("show_session", session_id=doc["id"]).path + f"?room={normalized(code)}"
    return RedirectResponse(target, status_code=303)


@router.post("/r/{code}/answer", name="answer_room_question")
def answer_room_question(request: Request, code: str, form: FormDep):
    rooms = rooms_of(request)
    student = request.cookies.get(STUDENT_COOKIE)
    question_id = form.get("question", "")
    choice = int_field(form, "choice", -1, -1, 5)
    if not student:
        return message_response(request, [Message("error", _("Reload the page to answer (your browser did not keep the room's cookie)."))], 409)
    try:
        rooms.answer(code, question_id, student, choice)
        question = rooms.question(code, question_id)
    except (RoomNotFound, QuestionNotFound):
        return no_room(request)
    except TooManyAnswers as error:
        return message_response(request, [Message("error", str(error))], 429)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_question.html", {"question": question_view(question, False, choice)})


@router.get("/r/{code}/qr.svg", name="room_qr")
def room_qr(request: Request, code: str):
    found = normalized(code)
    if found is None:
        return Response(status_code=404)
    svg = io.BytesIO()
    segno.make(join_url(request, found), error="m").save(svg, kind="svg", scale=8, border=2, xmldecl=False, svgclass="qr")
    return Response(svg.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})
