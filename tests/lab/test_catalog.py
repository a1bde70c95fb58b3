"""Every string of the browser app (app/lab, app/ui and their templates) has a Simplified Chinese translation
in locales/zh_CN/LC_MESSAGES/web.po, and that catalog has no stale entries."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from app.settings import PROJECT_ROOT

WEB_PO = PROJECT_ROOT / "locales" / "zh_CN" / "LC_MESSAGES" / "web.po"


def web_sources() -> list[Path]:
    python = [*sorted((PROJECT_ROOT / "app" / "lab").glob("*.py")), *sorted((PROJECT_ROOT / "app" / "ui").glob("*.py"))]
    templates = [*sorted((PROJECT_ROOT / "templates" / "ui").glob("**/*.html")), *sorted((PROJECT_ROOT / "templates" / "lab").glob("**/*.html"))]
    return python + templates


def web_msgids() -> set[str]:
    found: set[str] = set()
    options = {"extensions": "jinja2.ext.i18n"}
    for path in web_sources():
        method = "python" if path.suffix == ".py" else "jinja2"
        keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy": None}
        for _lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=keywords, options=options):
            found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def test_every_web_string_has_a_chinese_translation():
    with WEB_PO.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    translated = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            translated[msgid] = all(s.strip() for s in strings)
    missing = sorted(m for m in web_msgids() if not translated.get(m))
    assert not missing, "untranslated in web.po:\n" + "\n".join(missing)


def test_web_catalog_has_no_stale_entries():
    with WEB_PO.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    ids = set()
    for message in catalog:
        if message.id:
            ids.update(message.id if isinstance(message.id, tuple) else (message.id,))
    stale = sorted(ids - web_msgids())
    assert not stale, "in web.po but no longer used:\n" + "\n".join(stale)


def test_placeholders_survive_translation():
    with WEB_PO.open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    import re

    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else message.id[-1]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            assert sorted(re.findall(r"%\(\w+\)[sd]", source)) == sorted(re.findall(r"%\(\w+\)[sd]", text)), source
