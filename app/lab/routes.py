"""The browser app's routes (issue 3), one small router per concern, gathered here for app/main.py."""
from fastapi import APIRouter

from app.lab import inspecting, pages, stepping, uploads
from app.ui import language

router = APIRouter(include_in_schema=False)
router.include_router(pages.router)
router.include_router(stepping.router)
router.include_router(inspecting.router)
router.include_router(uploads.router)
router.include_router(language.router)
