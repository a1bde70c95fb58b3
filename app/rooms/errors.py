"""What can go wrong with a room request; app/rooms/http.py maps each to one HTTP status."""
from __future__ import annotations

from app.sessions.errors import StepRefused


class RoomNotFound(LookupError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


class QuestionNotFound(LookupError):
    def __init__(self, question_id: str):
        super().__init__(question_id)
        self.question_id = question_id


class TeacherOnly(StepRefused):
    """403: the session is in an open room and the request has not the room's teacher token.
    A StepRefused, so that every page route that shows a refused step shows this one too."""

    code = "teacher_only"


class RoomConflict(StepRefused):
    """409: a closed question, a session already in a room."""

    code = "room_conflict"


class TooManyStreams(RuntimeError):
    """503: this worker holds as many event streams as it may."""


class TooManyAnswers(RuntimeError):
    """429: one student changed an answer more often than a class needs."""
