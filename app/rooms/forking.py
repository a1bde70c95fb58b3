"""A student's own copy of the room's session: "Explore on my own".

An adapter over the session store's load and insert (issue 8 rewrites the store; this is the one
place that would follow it): the copy keeps the config, the checkpoint the current iteration
started from, the cursor (the step in progress, the optimizer in force), the history and the
data; it drops the undo stack, and keeps checkpoint 0 so that reset goes where it always went.
"""
from __future__ import annotations

import secrets
from dataclasses import replace

from app.sessions.errors import SessionNotFound
from app.sessions.runtime import INITIAL_CHECKPOINT


def fork_session(sessions, session_id: str) -> str:
    """The id of a new session, an exact copy of session_id as it is now, without undo history."""
    loaded = sessions.store.load(session_id, lambda stored: [stored.current["checkpoint"], INITIAL_CHECKPOINT])  # one snapshot
    if loaded is None:
        raise SessionNotFound(session_id)
    stored, checkpoints = loaded
    copy = replace(stored, id=secrets.token_urlsafe(16), undo=[], packed_undo=None, version=0, history=stored.history.copy())
    sessions.store.insert(copy, checkpoints)
    return copy.id
