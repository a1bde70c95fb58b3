"""Translations: every string a user reads goes through gettext.

The locale of the request in flight lives in a context variable that a middleware sets, so
Python code (narration) and templates translate the same way without passing it around.
Catalogs are the .po files under locales/<locale>/LC_MESSAGES/ (one per area), compiled in
memory at start-up: no build step.
"""
from __future__ import annotations

import gettext as _gettext
import io
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app.settings import PROJECT_ROOT

LOCALES_DIR = PROJECT_ROOT / "locales"
DEFAULT_LOCALE = "en"
# code -> the name the language switch shows, written in that language
LOCALE_NAMES = {"en": "English", "zh_CN": "简体中文"}
LOCALE_COOKIE = "bplab_lang"

current_locale: ContextVar[str] = ContextVar("current_locale", default=DEFAULT_LOCALE)


@cache
def translations(locale: str) -> _gettext.NullTranslations:
    """All catalogs of a locale (one .po file per area of the app: api, web, lesson), merged."""
    po_paths = sorted(Path(LOCALES_DIR, locale, "LC_MESSAGES").glob("*.po"))
    if locale == DEFAULT_LOCALE or not po_paths:
        return _gettext.NullTranslations()
    merged: _gettext.NullTranslations | None = None
    for po_path in po_paths:
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        mo_buffer = io.BytesIO()
        write_mo(mo_buffer, catalog)
        mo_buffer.seek(0)
        area = _gettext.GNUTranslations(mo_buffer)
        if merged is None:
            merged = area
        else:
            merged.add_fallback(area)
    return merged


def gettext(message: str) -> str:
    return translations(current_locale.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale.get()).ngettext(singular, plural, n)


_ = gettext


def lazy(message: str) -> str:
    """Marks a string for extraction where it is defined; translate it with _() where it is shown."""
    return message


def normalize_locale(tag: str | None) -> str | None:
    """'zh-CN', 'zh_cn', 'zh-Hans', 'zh' -> 'zh_CN'; 'en-GB' -> 'en'; unknown -> None."""
    if not tag:
        return None
    tag = tag.strip().replace("-", "_").lower()
    if tag.startswith("zh"):
        return "zh_CN"
    if tag.startswith("en"):
        return "en"
    return None


def negotiate_locale(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """The ?lang= switch wins, then the remembered cookie, then the browser's Accept-Language."""
    for explicit in (query_lang, cookie_lang):
        locale = normalize_locale(explicit)
        if locale:
            return locale
    weighted = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _sep, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if not quality > 0:  # q=0 means "not this language" (RFC 9110, 12.4.2)
            continue
        weighted.append((-quality, position, tag))
    for _q, _pos, tag in sorted(weighted):
        locale = normalize_locale(tag)
        if locale:
            return locale
    return DEFAULT_LOCALE
