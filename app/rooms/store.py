"""Rooms, their questions and answers, and who is connected: the tables and every query on them.

A room is open while `closed_at` is null and it changed within the expiry time; an expired
room counts as closed everywhere (its session is free again), without a sweep having to run.
Every change publishes its event in the same transaction (see database.py).
"""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass

from app.rooms.codes import new_code, new_token, token_digest

MAX_ANSWER_CHANGES = 20  # per student and question: enough to change one's mind, not to flood
MAX_ANSWERS = 5000  # students per question: ten times a large class; a script inventing ids stops here


@dataclass(frozen=True, slots=True)
class Room:
    code: str
    session_id: str
    token_digest: str
    version: int


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    code: str
    prompt: str
    choices: list[str]
    template: dict | None
    open: bool
    counts: list[int]
    answers: int


class RoomStore:
    def __init__(self, db, room_hours: float = 12.0):
        self.db = db
        self.idle_seconds = room_hours * 3600

    def _alive_since(self) -> float:
        return time.time() - self.idle_seconds

    # --- rooms -------------------------------------------------------------------------------------

    def create(self, session_id: str) -> tuple[Room, str] | None:
        """A new room for the session and its teacher token; None when the session is in an open room."""
        token = new_token()
        with self.db.transaction() as tx:
            if self._open_room_of(tx, session_id) is not None:
                return None
            for _attempt in range(20):
                code = new_code()
                if not tx.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)):
                    break
            else:  # pragma: no cover - 887 million codes
                raise RuntimeError("no free room code")
            now = time.time()
            tx.execute(
                "INSERT INTO rooms (code, session_id, token_digest, version, created_at, updated_at) VALUES (?, ?, ?, 0, ?, ?)",
                (code, session_id, token_digest(token), now, now),
            )
        return Room(code, session_id, token_digest(token), 0), token

    def find(self, code: str) -> Room | None:
        with self.db.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT code, session_id, token_digest, version FROM rooms WHERE code = ? AND closed_at IS NULL AND updated_at > ?",
                (code, self._alive_since()),
            )
        return Room(*rows[0]) if rows else None

    def open_room_of_session(self, session_id: str) -> Room | None:
        with self.db.transaction(write=False) as tx:
            return self._open_room_of(tx, session_id)

    def _open_room_of(self, tx, session_id: str) -> Room | None:
        rows = tx.execute(
            "SELECT code, session_id, token_digest, version FROM rooms WHERE session_id = ? AND closed_at IS NULL AND updated_at > ?",
            (session_id, self._alive_since()),
        )
        return Room(*rows[0]) if rows else None

    def session_changed(self, session_id: str, version: int | None = None) -> Room | None:
        """The room's session changed: one more version (or the session's own), and the event."""
        if self.open_room_of_session(session_id) is None:  # most sessions: a read, no write
            return None
        with self.db.transaction() as tx:
            rows = tx.execute(
                "UPDATE rooms SET version = COALESCE(?, version + 1), updated_at = ? "
                "WHERE session_id = ? AND closed_at IS NULL AND updated_at > ? "
                "RETURNING code, session_id, token_digest, version",
                (version, time.time(), session_id, self._alive_since()),
            )
            if not rows:
                return None
            room = Room(*rows[0])
            tx.notify({"room": room.code, "kind": "state", "version": room.version})
        return room

    def close(self, code: str) -> bool:
        with self.db.transaction() as tx:
            now = time.time()
            rows = tx.execute(
                "UPDATE rooms SET closed_at = ? WHERE code = ? AND closed_at IS NULL AND updated_at > ? RETURNING code",
                (now, code, self._alive_since()),
            )
            if not rows:
                return False
            tx.execute("UPDATE room_questions SET is_open = 0, closed_at = ? WHERE code = ? AND is_open = 1", (now, code))
            tx.execute("DELETE FROM room_presence WHERE code = ?", (code,))
            tx.notify({"room": code, "kind": "closed"})
        return True

    def states(self, codes: list[str]) -> dict[str, int | None]:
        """code -> version of each open room among `codes`, None for a closed or expired one."""
        if not codes:
            return {}
        marks = ", ".join("?" for _ in codes)
        with self.db.transaction(write=False) as tx:
            rows = tx.execute(
                f"SELECT code, version FROM rooms WHERE code IN ({marks}) AND closed_at IS NULL AND updated_at > ?",
                (*codes, self._alive_since()),
            )
        found = dict(rows)
        return {code: found.get(code) for code in codes}

    # --- questions ---------------------------------------------------------------------------------

    def open_question(self, code: str, prompt: str, choices: list[str], template: dict | None) -> Question | None:
        """Opens a question (closing the one before); None when the room is not open."""
        question_id = secrets.token_urlsafe(9)
        with self.db.transaction() as tx:
            now = time.time()
            if not tx.execute("UPDATE rooms SET updated_at = ? WHERE code = ? AND closed_at IS NULL AND updated_at > ? RETURNING code",
                              (now, code, self._alive_since())):
                return None
            for (before,) in tx.execute("UPDATE room_questions SET is_open = 0, closed_at = ? WHERE code = ? AND is_open = 1 RETURNING id", (now, code)):
                tx.notify({"room": code, "kind": "question", "question": before})
            tx.execute(
                "INSERT INTO room_questions (id, code, prompt, choices, template, is_open, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
                (question_id, code, prompt, json.dumps(choices), json.dumps(template) if template else None, now),
            )
            tx.notify({"room": code, "kind": "question", "question": question_id})
        return Question(question_id, code, prompt, list(choices), template, True, [0] * len(choices), 0)

    def question(self, code: str, question_id: str) -> Question | None:
        with self.db.transaction(write=False) as tx:
            return self._question(tx, code, question_id)

    def current_question(self, code: str) -> Question | None:
        """The open question of the room, if any."""
        with self.db.transaction(write=False) as tx:
            rows = tx.execute("SELECT id FROM room_questions WHERE code = ? AND is_open = 1 ORDER BY created_at DESC LIMIT 1", (code,))
            return self._question(tx, code, rows[0][0]) if rows else None

    def latest_question(self, code: str) -> Question | None:
        """The question asked last, open or closed (a student's page shows a revealed one)."""
        with self.db.transaction(write=False) as tx:
            rows = tx.execute("SELECT id FROM room_questions WHERE code = ? ORDER BY created_at DESC LIMIT 1", (code,))
            return self._question(tx, code, rows[0][0]) if rows else None

    @staticmethod
    def _question(tx, code: str, question_id: str) -> Question | None:
        rows = tx.execute(
            "SELECT id, code, prompt, choices, template, is_open FROM room_questions WHERE id = ? AND code = ?", (question_id, code)
        )
        if not rows:
            return None
        qid, code, prompt, choices, template, is_open = rows[0]
        choices = json.loads(choices)
        counts = [0] * len(choices)
        for choice, n in tx.execute("SELECT choice, COUNT(*) FROM room_answers WHERE question_id = ? GROUP BY choice", (qid,)):
            counts[choice] = n
        return Question(qid, code, prompt, choices, json.loads(template) if template else None, bool(is_open), counts, sum(counts))

    def close_question(self, code: str, question_id: str) -> Question | None:
        with self.db.transaction() as tx:
            rows = tx.execute(
                "UPDATE room_questions SET is_open = 0, closed_at = ? WHERE id = ? AND code = ? AND is_open = 1 RETURNING id",
                (time.time(), question_id, code),
            )
            if rows:
                tx.execute("UPDATE rooms SET updated_at = ? WHERE code = ?", (time.time(), code))
                tx.notify({"room": code, "kind": "question", "question": question_id})
            return self._question(tx, code, question_id)

    def answer(self, code: str, question_id: str, student: str, choice: int) -> str:
        """'ok', 'closed' (the question is not open), 'missing', 'choice' (no such choice),
        'too-many' (this student changed it too often) or 'full' (MAX_ANSWERS students answered)."""
        with self.db.transaction() as tx:
            rows = tx.execute("SELECT is_open, choices FROM room_questions WHERE id = ? AND code = ?", (question_id, code))
            if not rows:
                return "missing"
            if not rows[0][0]:
                return "closed"
            if not 0 <= choice < len(json.loads(rows[0][1])):
                return "choice"
            known = tx.execute("SELECT 1 FROM room_answers WHERE question_id = ? AND student = ?", (question_id, student))
            if not known and tx.execute("SELECT COUNT(*) FROM room_answers WHERE question_id = ?", (question_id,))[0][0] >= MAX_ANSWERS:
                return "full"
            changed = tx.execute(
                "INSERT INTO room_answers (question_id, student, choice, changes, answered_at) VALUES (?, ?, ?, 0, ?) "
                "ON CONFLICT (question_id, student) DO UPDATE SET choice = excluded.choice, "
                "changes = room_answers.changes + 1, answered_at = excluded.answered_at "
                "WHERE room_answers.changes < ? RETURNING changes",
                (question_id, student, choice, time.time(), MAX_ANSWER_CHANGES),
            )
            if not changed:
                return "too-many"
            tx.notify({"room": code, "kind": "answers", "question": question_id})
        return "ok"

    def answer_of(self, question_id: str, student: str) -> int | None:
        """The choice a student made, for their page after a reload."""
        with self.db.transaction(write=False) as tx:
            rows = tx.execute("SELECT choice FROM room_answers WHERE question_id = ? AND student = ?", (question_id, student))
        return rows[0][0] if rows else None

    # --- who is connected --------------------------------------------------------------------------

    def report_streams(self, process: str, counts: dict[str, int], changed: set[str]) -> None:
        """This process's stream count per room (a heartbeat for every room it serves); the
        rooms in `changed` get a `students` event."""
        now = time.time()
        with self.db.transaction() as tx:
            for code, streams in counts.items():
                if streams:
                    tx.execute(
                        "INSERT INTO room_presence (process, code, streams, seen_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (process, code) DO UPDATE SET streams = excluded.streams, seen_at = excluded.seen_at",
                        (process, code, streams, now),
                    )
                else:
                    tx.execute("DELETE FROM room_presence WHERE process = ? AND code = ?", (process, code))
            for code in changed:
                tx.notify({"room": code, "kind": "students"})

    def students(self, code: str, fresh_seconds: float) -> int:
        """The streams connected to the room now, over every process that reported lately."""
        with self.db.transaction(write=False) as tx:
            rows = tx.execute(
                "SELECT COALESCE(SUM(streams), 0) FROM room_presence WHERE code = ? AND seen_at > ?",
                (code, time.time() - fresh_seconds),
            )
        return int(rows[0][0])
