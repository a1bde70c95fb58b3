"""The language switch: remember the choice in a cookie and go back to the page (local paths only)."""
from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse

from app.i18n import LOCALE_COOKIE, normalize_locale
from app.settings import PROJECT_ROOT

router = APIRouter(include_in_schema=False)

ONE_YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Only a path on this server: '/x' yes; '//evil', '/\\evil', 'http://evil' and the like go to '/'."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(ch) < 32 for ch in target):
        return "/"
    return target


@router.get("/lang", name="switch_language")
def switch_language(lang: str = "en", next: str = "/") -> RedirectResponse:  # noqa: A002 (the query's name)
    response = RedirectResponse(safe_next(next), status_code=303)
    locale = normalize_locale(lang)
    if locale:
        response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, samesite="lax", path="/")
    return response


@router.get("/favicon.ico", name="show_favicon")
def show_favicon() -> FileResponse:
    return FileResponse(PROJECT_ROOT / "static" / "favicon.svg", media_type="image/svg+xml")
