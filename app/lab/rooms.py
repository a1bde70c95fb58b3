"""The room pages: the teacher opens a room from the session page, students follow at /r/{code}.

- POST /s/{id}/room opens a room; its teacher token goes into an HttpOnly, SameSite=Strict
  cookie, which every stepping button of the session page then carries;
- /r/{code} is a student's page, /r/{code}/stream its event stream, /r/{code}/qr.svg the join QR;
- /r/{code}/teach?token=... hands the cookie to the teacher's second device.
"""
from __future__ import annotations

import hmac
import io
import json
import secrets
from urllib.parse import quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app import i18n
from app.api.rooms_stream import EventStreamResponse
from app.deps import SessionsDep
from app.i18n import _
from app.lab.rendering import SERVICE_ERRORS, error_response, message_response, render
from app.lab.rooms_render import question_view
from app.lab.stage import Message, error_message, session_panels
from app.rooms.codes import normalized, token_digest
from app.rooms.credentials import teacher_cookie
from app.rooms.errors import QuestionNotFound, RoomNotFound, TooManyAnswers
from app.rooms.questions import is_template
from app.rooms.service import RoomService
from app.ui.forms import FormDep, int_field
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)
STUDENT_COOKIE = "bplab_student"  # an anonymous id per browser: one answer per question


def _rooms(request: Request) -> RoomService:
    return request.app.state.rooms


def _no_room(request: Request, status: int = 404):
    message = Message("error", _("There is no open room with this code. Check the code with your teacher; the room may have been closed."))
    return render(request, "lab/room_join.html", {"messages": [message], "code": ""}, status)


def join_url(request: Request, code: str) -> str:
    return str(request.base_url).rstrip("/") + f"/r/{code}"


# --- the teacher ------------------------------------------------------------------------------------


@router.post("/s/{session_id}/room", name="open_room")
def open_room(request: Request, session_id: str, service: SessionsDep):
    rooms = _rooms(request)
    try:
        created = rooms.create(session_id)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    response = RedirectResponse(request.url_for("show_session", session_id=session_id).path, status_code=303)
    _set_teacher_cookie(response, created["code"], created["teacher_token"], rooms)
    return response


def _set_teacher_cookie(response: Response, code: str, token: str, rooms: RoomService) -> None:
    response.set_cookie(teacher_cookie(code), token, max_age=int(rooms.store.idle_seconds), path="/",
                        httponly=True, samesite="strict")


@router.get("/r/{code}/teach", name="teach_room")
def teach_room(request: Request, code: str, form: FormDep):
    """The teacher link: this device gets the teacher's cookie, then a same-site link to the
    session (a cookie set on a cross-site visit is not sent on the redirect that follows it)."""
    rooms = _rooms(request)
    try:
        room = rooms.room(code)
    except RoomNotFound:
        return _no_room(request)
    token = form.get("token", "")
    if not hmac.compare_digest(token_digest(token), room.token_digest):
        return render(request, "lab/room_join.html", {"messages": [Message("error", _("This teacher link is not valid for this room."))], "code": room.code}, 403)
    response = render(request, "lab/room_teach.html", {"room": room})
    _set_teacher_cookie(response, room.code, token, rooms)
    return response


@router.post("/r/{code}/close", name="close_room")
def close_room(request: Request, code: str):
    rooms = _rooms(request)
    try:
        room = rooms.room(code)
        rooms.close(code)
    except RoomNotFound:
        return _no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    response = RedirectResponse(request.url_for("show_session", session_id=room.session_id).path, status_code=303)
    response.headers["HX-Redirect"] = response.headers["location"]
    response.delete_cookie(teacher_cookie(room.code), path="/", httponly=True, samesite="strict")
    return response


@router.post("/r/{code}/questions", name="ask_room_question")
def ask_room_question(request: Request, code: str, form: FormDep):
    """A template question (its JSON from the teacher's buttons) or free text with 2-6 choices."""
    rooms = _rooms(request)
    template = None
    if form.get("template"):
        try:
            template = json.loads(form["template"])
        except ValueError:
            template = None
        if not is_template(template):
            return message_response(request, [Message("error", _("This question template is not one of ours: reload the page."))], 422)
    prompt = form.get("prompt", "").strip()
    choices = [line.strip() for line in form.get("choices", "").splitlines() if line.strip()]
    if template is None:
        problems = []
        if not 1 <= len(prompt) <= 500:
            problems.append(_("Write a question of 1 to 500 characters."))
        if not 2 <= len(choices) <= 6 or any(len(c) > 200 for c in choices):
            problems.append(_("Give 2 to 6 choices, one a line, each at most 200 characters."))
        if problems:
            return message_response(request, [Message("error", p) for p in problems], 422)
    try:
        rooms.ask(code, prompt, choices, template)
        question = rooms.store.current_question(rooms.room(code).code)
    except RoomNotFound:
        return _no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_question.html", {"question": question_view(question, teacher=True)})


@router.post("/r/{code}/questions/{question_id}/reveal", name="reveal_room_question")
def reveal_room_question(request: Request, code: str, question_id: str, service: SessionsDep, form: FormDep):
    """Closes the question, so students see the bars; with step=1 the session steps too."""
    rooms = _rooms(request)
    try:
        room = rooms.room(code)
        rooms.close_question(code, question_id)
        if form.get("step") == "1":
            service.step(room.session_id, view="compact", history=0)
        question = rooms.question(code, question_id)
    except (RoomNotFound, QuestionNotFound):
        return _no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_question.html", {"question": question_view(question, teacher=True)})


@router.get("/r/{code}/ask", name="show_room_templates")
def show_room_templates(request: Request, code: str):
    """The template questions again, after a step changed what comes next."""
    rooms = _rooms(request)
    try:
        bar = {"code": rooms.room(code).code, "templates": rooms.template_choices(code), "template_json": json.dumps}
    except RoomNotFound:
        return _no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_ask.html", {"bar": bar})


def room_bar(request: Request, session_id: str) -> dict:
    """What the session page shows about rooms: the teacher's panel, a student's way back to the
    class, or the button that opens a room. A template global (see below), so that the session
    page needs one include and nothing more from its route."""
    rooms = _rooms(request)
    room = rooms.store.open_room_of_session(session_id)
    if room is None:
        back = normalized(request.query_params.get("room", ""))
        return {"kind": "fork" if back and rooms.store.find(back) else "none", "code": back, "session_id": session_id}
    if not rooms.is_teacher(room):
        return {"kind": "student", "code": room.code, "session_id": session_id}
    question = rooms.store.latest_question(room.code)
    token_link = None  # the teacher link carries the token: only the teacher's own page shows it
    for token in _presented(request, room):
        token_link = join_url(request, room.code) + "/teach?token=" + quote(token)
    return {
        "kind": "teacher",
        "code": room.code,
        "session_id": session_id,
        "join_url": join_url(request, room.code),
        "teacher_link": token_link,
        "students": rooms.students(room.code),
        "templates": rooms.template_choices(room.code),
        "template_json": json.dumps,
        "question": question_view(question, teacher=True) if question else None,
    }


def _presented(request: Request, room) -> list[str]:
    value = request.cookies.get(teacher_cookie(room.code), "")
    return [value] if value and token_digest(value) == room.token_digest else []


templates.env.globals["room_bar"] = room_bar


# --- students ---------------------------------------------------------------------------------------


@router.get("/r", name="join_room")
def join_room(request: Request, form: FormDep):
    code = normalized(form.get("code", ""))
    if code is None:
        message = Message("error", _("A room code has 6 letters and digits, as the teacher's screen shows it."))
        return render(request, "lab/room_join.html", {"messages": [message], "code": form.get("code", "")[:20]}, 422)
    return RedirectResponse(request.url_for("show_room", code=code).path, status_code=303)


@router.get("/r/{code}", name="show_room")
def show_room(request: Request, code: str, service: SessionsDep):
    rooms = _rooms(request)
    try:
        room = rooms.room(code)
        state = service.show(room.session_id)
    except RoomNotFound:
        return _no_room(request)
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
    rooms, hub = _rooms(request), request.app.state.room_hub
    room = rooms.room(code)  # 404 handled by the API's handler
    stream, first = await hub.connect(room.code, "page", i18n.current_locale.get(), teacher=rooms.is_teacher(room))
    return EventStreamResponse(hub.events(stream, first))


@router.post("/r/{code}/fork", name="fork_room")
def fork_room(request: Request, code: str):
    """Explore on my own: the student's own copy, and a way back to the class."""
    rooms = _rooms(request)
    try:
        doc = rooms.fork(code, view="compact", history=0)
    except RoomNotFound:
        return _no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    target = request.url_for("show_session", session_id=doc["id"]).path + f"?room={normalized(code)}"
    return RedirectResponse(target, status_code=303)


@router.post("/r/{code}/answer", name="answer_room_question")
def answer_room_question(request: Request, code: str, form: FormDep):
    rooms = _rooms(request)
    student = request.cookies.get(STUDENT_COOKIE)
    question_id = form.get("question", "")
    choice = int_field(form, "choice", -1, -1, 5)
    if not student:
        return message_response(request, [Message("error", _("Reload the page to answer (your browser did not keep the room's cookie)."))], 409)
    try:
        rooms.answer(code, question_id, student, choice)
        question = rooms.question(code, question_id)
    except (RoomNotFound, QuestionNotFound):
        return _no_room(request)
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
