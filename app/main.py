"""The ASGI app: create_app() wires the API, the pages and the static files together."""
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.api.errors import install_error_handlers
from app.api.presets import router as presets_router
from app.api.datasets import router as datasets_router
from app.api.routes import router as api_router
from app.api.docs import router as docs_router
from app.middleware import BodySizeLimitMiddleware, LocaleMiddleware, SecurityHeadersMiddleware
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
    )
    app.state.settings = settings
    app.state.sessions = SessionService(open_store(settings), settings.session_days, settings.cache_mb)
    install_error_handlers(app)
    # the last added runs first: the locale is known before anything answers
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, limit=settings.max_body_bytes)
    app.add_middleware(LocaleMiddleware)
    app.mount("/static/vendor/htmx", StaticFiles(directory=settings.htmx_dir, check_dir=False), name="htmx")
    app.mount(
        "/static/vendor/swagger-ui",
        StaticFiles(directory=settings.swagger_ui_dir, check_dir=False),
        name="swagger-ui",
    )
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(presets_router)
    app.include_router(api_router)
    app.include_router(datasets_router)
    app.include_router(docs_router)
    app.include_router(web_router)
    app.include_router(lesson_router)
    return app


app = create_app()
