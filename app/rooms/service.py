"""The room service: what the API and the pages can do with a room.

It hooks into the session service twice: a guard that refuses any change of a room's session
without the room's teacher token (403, nothing changes), and a listener that publishes each
saved change of a room's session to every process that serves the room. Both see only the
sessions the store watches (a room's session is watched from its room's creation on), so the
other sessions' steps never look for a room.
"""
from __future__ import annotations

import hmac
import logging
import threading

from app.i18n import _, lazy
from app.rooms import questions as templates
from app.rooms.codes import normalized, token_digest
from app.rooms.credentials import presented_tokens
from app.rooms.errors import QuestionNotFound, RoomConflict, RoomNotFound, TeacherOnly, TooManyAnswers
from app.rooms.forking import fork_session
from app.rooms.store import Question, Room, RoomStore
from app.sessions.errors import InvalidInput

TEACHER_DRIVES = lazy(
    "This session belongs to a classroom room: only the teacher can change it (step, back, train, "
    "reset, edit or delete). To try things yourself, fork it: POST /api/v1/rooms/{code}/fork, or "
    "\"Explore on my own\" on the room's page."
)
TEACHER_ONLY = lazy("Only the room's teacher can do this: send Authorization: Bearer with the teacher token of room {code}.")
PRESENCE_FRESH_SECONDS = 30.0
log = logging.getLogger(__name__)  # a process that has not reported for this long no longer counts


class RoomService:
    def __init__(self, sessions, db, room_hours: float = 12.0):
        self.sessions = sessions
        self.db = db
        self.store = RoomStore(db, room_hours)
        # the guard's finding for the change this thread is making, so that publishing it needs
        # no second look (a step is one guard, then one commit, in one thread)
        self._guarded = threading.local()
        sessions.change_guards.append(self.guard)
        sessions.store.add_listener(self.session_changed)

    # --- the hooks in the session service ----------------------------------------------------------

    def guard(self, session_id: str) -> None:
        room = self.store.open_room_of_session(session_id)
        self._guarded.finding = (session_id, room)
        if room is not None and not self.is_teacher(room):
            raise TeacherOnly(_(TEACHER_DRIVES).format(code=room.code))

    def session_changed(self, session_id: str, version: int | None) -> None:
        """The session store's listener, right after each commit (version None: deleted). The
        change is saved already: a failure here must not turn its answer into an error."""
        try:
            self._publish_change(session_id, version)
        except Exception:  # noqa: BLE001 - the hub's periodic check sends the state within 10 s
            log.exception("room event of session %s not published", session_id)

    def _publish_change(self, session_id: str, version: int | None) -> None:
        finding, self._guarded.finding = getattr(self._guarded, "finding", None), None
        if finding == (session_id, None) and version is not None:
            # no room when this change began (a closed room's session): nothing to publish. A room opened
            # in the milliseconds since gets this state from the hub's 10 s re-check.
            return
        if version is None:  # the teacher deleted the session: the room ends with it
            room = self.store.open_room_of_session(session_id)
            if room is not None:
                self.store.close(room.code)
            return
        self.store.session_changed(session_id, version)

    @staticmethod
    def is_teacher(room: Room) -> bool:
        return any(hmac.compare_digest(token_digest(t), room.token_digest) for t in presented_tokens.get())

    def _teacher(self, room: Room) -> None:
        if not self.is_teacher(room):
            raise TeacherOnly(_(TEACHER_ONLY).format(code=room.code))

    # --- rooms -------------------------------------------------------------------------------------

    def create(self, session_id: str) -> dict:
        # before the room exists (404 for a session that does not): from now on every change of
        # the session is guarded and published
        self.sessions.watch(session_id)
        created = self.store.create(session_id)
        if created is None:
            raise RoomConflict(_("This session is in an open room already: close that room first (DELETE /api/v1/rooms/CODE with its teacher token)."))
        room, token = created
        return {"code": room.code, "session_id": session_id, "teacher_token": token, "join_path": f"/r/{room.code}", "students": 0}

    def room(self, code: str) -> Room:
        found = normalized(code) if isinstance(code, str) else None
        room = self.store.find(found) if found else None
        if room is None:
            raise RoomNotFound(code)
        return room

    def describe(self, code: str) -> dict:
        room = self.room(code)
        question = self.store.current_question(room.code)
        return {
            "code": room.code,
            "session_id": room.session_id,
            "students": self.students(room.code),
            "question": self.question_document(question, with_counts=False) if question else None,
        }

    def students(self, code: str) -> int:
        return self.store.students(code, PRESENCE_FRESH_SECONDS)

    def fork(self, code: str, **view) -> dict:
        room = self.room(code)
        return self.sessions.get(fork_session(self.sessions, room.session_id), **view)

    def close(self, code: str) -> None:
        room = self.room(code)
        self._teacher(room)
        if not self.store.close(room.code):
            raise RoomNotFound(code)

    # --- questions ---------------------------------------------------------------------------------

    def ask(self, code: str, prompt: str | None, choices: list[str] | None, template: dict | None = None) -> dict:
        room = self.room(code)
        self._teacher(room)
        if template is not None:
            prompt, choices = templates.worded(template)
        question = self.store.open_question(room.code, prompt, choices, template)
        if question is None:
            raise RoomNotFound(code)
        return self.question_document(question, with_counts=True)

    def template_choices(self, code: str) -> list[dict]:
        """The template questions that fit the next step, worded for the teacher's page."""
        room = self.room(code)
        doc = self.sessions.get(room.session_id, view="compact", history=0)
        return [{"template": t, "prompt": templates.worded(t)[0]} for t in templates.templates_for(doc)]

    def question(self, code: str, question_id: str) -> Question:
        room = self.room(code)
        question = self.store.question(room.code, question_id) if isinstance(question_id, str) else None
        if question is None:
            raise QuestionNotFound(question_id)
        return question

    def read_question(self, code: str, question_id: str) -> dict:
        """Counts for the teacher always, for everyone else once the question is closed."""
        question = self.question(code, question_id)
        teacher = self.is_teacher(self.room(code))
        return self.question_document(question, with_counts=teacher or not question.open)

    def close_question(self, code: str, question_id: str) -> dict:
        room = self.room(code)
        self._teacher(room)
        self.question(code, question_id)  # 404 first
        closed = self.store.close_question(room.code, question_id)
        return self.question_document(closed, with_counts=True)

    def answer(self, code: str, question_id: str, student: str, choice: int) -> None:
        room = self.room(code)
        outcome = self.store.answer(room.code, question_id, student, choice)
        if outcome == "missing":
            raise QuestionNotFound(question_id)
        if outcome == "closed":
            raise RoomConflict(_("This question is closed: answers are no longer taken."))
        if outcome == "choice":
            question = self.question(code, question_id)
            raise InvalidInput.at(["choice"], _("choice must be 0 to {m} (the index of one of the question's choices)").format(m=len(question.choices) - 1))
        if outcome == "too-many":
            raise TooManyAnswers(_("You changed your answer too often: your last answer counts."))
        if outcome == "full":
            raise TooManyAnswers(_("This question has as many answers as it takes: no more are counted."))

    @staticmethod
    def question_document(question: Question, with_counts: bool) -> dict:
        prompt, choices = templates.worded(question.template) if question.template else (question.prompt, question.choices)
        return {
            "id": question.id,
            "prompt": prompt,
            "choices": choices,
            "open": question.open,
            "counts": list(question.counts) if with_counts else None,
            "answers": question.answers,
        }
