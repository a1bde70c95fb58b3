"""The teacher's side of a room: open, the teacher link, questions and reveal, close, and the
room strip of the session page (see rooms.py)."""
from __future__ import annotations

import hmac
import json
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.deps import SessionsDep
from app.i18n import _
from app.lab.rendering import SERVICE_ERRORS, error_response, message_response, render
from app.lab.rooms import join_url, no_room, rooms_of
from app.lab.rooms_render import question_view
from app.lab.stage import Message
from app.rooms.codes import normalized, token_digest
from app.rooms.credentials import teacher_cookie
from app.rooms.errors import QuestionNotFound, RoomNotFound
from app.rooms.questions import is_template
from app.rooms.service import RoomService
from app.ui.forms import FormDep
from app.ui.templating import templates

router = APIRouter(include_in_schema=False)


@router.post("/s/{session_id}/room", name="open_room")
def open_room(request: Request, session_id: str, service: SessionsDep):
    rooms = rooms_of(request)
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
    rooms = rooms_of(request)
    try:
        room = rooms.room(code)
    except RoomNotFound:
        return no_room(request)
    token = form.get("token", "")
    if not hmac.compare_digest(token_digest(token), room.token_digest):
        return render(request, "lab/room_join.html", {"messages": [Message("error", _("This teacher link is not valid for this room."))], "code": room.code}, 403)
    response = render(request, "lab/room_teach.html", {"room": room})
    _set_teacher_cookie(response, room.code, token, rooms)
    return response


@router.post("/r/{code}/close", name="close_room")
def close_room(request: Request, code: str):
    rooms = rooms_of(request)
    try:
        room = rooms.room(code)
        rooms.close(code)
    except RoomNotFound:
        return no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    response = RedirectResponse(request.url_for("show_session", session_id=room.session_id).path, status_code=303)
    response.headers["HX-Redirect"] = response.headers["location"]
    response.delete_cookie(teacher_cookie(room.code), path="/", httponly=True, samesite="strict")
    return response


@router.post("/r/{code}/questions", name="ask_room_question")
def ask_room_question(request: Request, code: str, form: FormDep):
    """A template question (its JSON from the teacher's buttons) or free text with 2-6 choices."""
    rooms = rooms_of(request)
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
        return no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_question.html", {"question": question_view(question, teacher=True)})


@router.post("/r/{code}/questions/{question_id}/reveal", name="reveal_room_question")
def reveal_room_question(request: Request, code: str, question_id: str, service: SessionsDep, form: FormDep):
    """Closes the question, so students see the bars; with step=1 the session steps too."""
    rooms = rooms_of(request)
    try:
        room = rooms.room(code)
        rooms.close_question(code, question_id)
        if form.get("step") == "1":
            service.step(room.session_id, view="compact", history=0)
        question = rooms.question(code, question_id)
    except (RoomNotFound, QuestionNotFound):
        return no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_question.html", {"question": question_view(question, teacher=True)})


@router.get("/r/{code}/ask", name="show_room_templates")
def show_room_templates(request: Request, code: str):
    """The template questions again, after a step changed what comes next."""
    rooms = rooms_of(request)
    try:
        bar = {"code": rooms.room(code).code, "templates": rooms.template_choices(code), "template_json": json.dumps}
    except RoomNotFound:
        return no_room(request)
    except SERVICE_ERRORS as error:
        return error_response(request, error)
    return render(request, "lab/room_ask.html", {"bar": bar})


def room_bar(request: Request, session_id: str) -> dict:
    """What the session page shows about rooms: the teacher's panel, a student's way back to the
    class, or the button that opens a room. A template global (see below), so that the session
    page needs one include and nothing more from its route."""
    rooms = rooms_of(request)
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


