"""A student's own copy of the room's session: "Explore on my own".

An adapter over the session store's load and insert (issue 8 rewrites the store; this is the one
place that would follow it): the copy keeps the config, the checkpoint the current iteration
started from, the cursor (the step in progress, the optimizer in force), the history and the
data; it drops the undo stack, and keeps checkpoint 0 so that reset goes where it always went.
"""
from __future__ import annotations

import secrets

from app.sessions.errors import SessionNotFound
from app.sessions.runtime import INITIAL_CHECKPOINT
from app.sessions.store import StoredSession


def fork_session(sessions, session_id: str) -> str:
    """The id of a new session, an exact copy of session_id as it is now, without undo history."""
    store = sessions.store
    with store.locked(session_id):  # a consistent copy, not one taken halfway through a save
        loaded = store.load(session_id, lambda stored: [stored.cursor["current"]["checkpoint"], INITIAL_CHECKPOINT])
    if loaded is None:
        raise SessionNotFound(session_id)
    stored, checkpoints = loaded
    cursor = {**stored.cursor, "undo": []}
    copy = StoredSession(secrets.token_urlsafe(16), stored.config, cursor, stored.history.copy(), stored.inputs, stored.targets)
    store.insert(copy, checkpoints)
    return copy.id
