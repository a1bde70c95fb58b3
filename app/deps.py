"""Typed dependencies shared by the API and the pages."""
from typing import Annotated

from fastapi import Depends, Request

from app.sessions.service import SessionService


# Dependencies are `async def`: FastAPI runs a plain `def` dependency in the threadpool, a thread
# hop per request for an attribute read.
async def get_sessions(request: Request) -> SessionService:
    return request.app.state.sessions


SessionsDep = Annotated[SessionService, Depends(get_sessions)]
