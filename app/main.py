"""The ASGI app: create_app() wires the API, the pages and the static files together."""
import gc

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api.errors import install_error_handlers
from app.api.fast_lane import FastLaneMiddleware
from app.api.examples import keep_nulls_in_examples
from app.api.presets import router as presets_router
from app.api.datasets import router as datasets_router
from app.api.routes import router as api_router
from app.api.docs import router as docs_router
from app.api.rooms import install_room_error_handlers, router as rooms_router
from app.api.rooms_events import ApiRenderer
from app.lab.rooms import router as room_pages_router
from app.lab.rooms_render import PageRenderer
from app.rooms.credentials import TeacherTokenMiddleware
from app.rooms.database import open_rooms_database
from app.rooms.hub import Hub
from app.rooms.service import RoomService
from app.middleware import (
    BodySizeLimitMiddleware,
    ClientMiddleware,
    HeadAsGetMiddleware,
    LocaleMiddleware,
    NoDelayMiddleware,
    SecurityHeadersMiddleware,
    ServerErrorAnswerMiddleware,
    TrailingSlashMiddleware,
)
from app.sessions.service import SessionService
from app.sessions.store import open_store
from app.settings import Settings, load_settings
from app.lesson.routes import router as lesson_router
from app.lab.routes import router as web_router


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="Backprop Lab",
        version="1.0.0",
        summary="Step through a neural network's training one layer at a time.",
        description="The JSON API v1 of Backprop Lab: sessions that train a small feedforward "
        "network step by step (forward l, loss, backward l, update).",
        docs_url=None,  # served from our own copy of swagger-ui (offline classrooms), see app/api/docs.py
        redoc_url=None,
        redirect_slashes=False,  # TrailingSlashMiddleware answers /x/ as /x instead of a 307
    )
    app.state.settings = settings
    app.state.sessions = SessionService(
        open_store(settings), settings.session_days, settings.cache_mb, quota=settings.client_quota
    )
    app.state.rooms = RoomService(app.state.sessions, open_rooms_database(settings.database_url, settings.db_path), settings.room_hours)
    renderers = {"api": ApiRenderer(), "page": PageRenderer(app.state.sessions)}
    app.state.room_hub = Hub(app.state.rooms, renderers, settings.max_room_streams)
    install_error_handlers(app)
    install_room_error_handlers(app)
    keep_nulls_in_examples(app)
    # the last added runs first: security headers wrap every answer (413 and 500 too), and the
    # locale is known before anything answers
    app.add_middleware(FastLaneMiddleware)  # innermost: every other middleware applies to its answers
    app.add_middleware(ServerErrorAnswerMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(ClientMiddleware)
    app.add_middleware(HeadAsGetMiddleware)
    app.add_middleware(TrailingSlashMiddleware)
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(TeacherTokenMiddleware)  # it needs the server's own receive
    app.add_middleware(NoDelayMiddleware)  # first of all, for the same reason
    app.mount("/static/vendor/htmx", StaticFiles(directory=settings.htmx_dir, check_dir=False), name="htmx")
    app.mount("/static/vendor/htmx-ext-sse", StaticFiles(directory=settings.htmx_sse_dir, check_dir=False), name="htmx-ext-sse")
    app.mount(
        "/static/vendor/swagger-ui",
        StaticFiles(directory=settings.swagger_ui_dir, check_dir=False),
        name="swagger-ui",
    )
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(presets_router)
    app.include_router(api_router)
    app.include_router(datasets_router)
    app.include_router(rooms_router)
    app.include_router(docs_router)
    app.include_router(web_router)
    app.include_router(lesson_router)
    app.include_router(room_pages_router)
    return app


app = create_app()

# What is alive now (modules, schemas, routes, templates: about 80,000 objects) lives as long as
# the process. Frozen, the collector stops walking it: a full collection then walks the working
# set only, a few milliseconds, instead of 40-65 ms on the event loop every few thousand steps
# (which was most of a JSON step's p99). Once per process, at import, before any request.
gc.freeze()
