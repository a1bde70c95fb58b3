"""Every msgid the lesson's templates and Python use has a Simplified Chinese msgstr in lesson.po."""
from pathlib import Path

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from app.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy": None}
LESSON_FILES = [
    *PROJECT_ROOT.glob("templates/lesson/**/*.html"),
    *PROJECT_ROOT.glob("app/lesson/**/*.py"),
]


def lesson_msgids() -> dict[str, str]:
    found = {}
    for path in sorted(LESSON_FILES):
        method = "jinja2" if path.suffix == ".html" else "python"
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS, options=options):
            found.setdefault(message if isinstance(message, str) else message[0], f"{Path(path).name}:{lineno}")
    return found


def test_lesson_catalog_is_complete_and_chinese():
    with (PROJECT_ROOT / "locales/zh_CN/LC_MESSAGES/lesson.po").open("rb") as po_file:
        catalog = read_po(po_file, locale="zh_CN")
    msgids = lesson_msgids()
    assert len(msgids) > 100
    missing = [f"{where}: {m}" for m, where in msgids.items() if m not in catalog or not catalog[m].string]
    assert not missing, "\n".join(missing)
    fuzzy = [m for m in msgids if catalog[m].fuzzy]
    assert not fuzzy
    for message in msgids:
        translated = catalog[message].string
        # every placeholder survives translation, and real sentences are in Chinese
        for name in ("{x}", "{y}", "{slope}", "{error}", "{limit}", "{axes}", "{label}", "{raw}"):
            assert (name in message) == (name in translated), (message, translated)
        if len(message) > 25:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in translated), message


def test_no_lesson_file_uses_an_inline_style_or_script():
    for path in PROJECT_ROOT.glob("templates/lesson/**/*.html"):
        text = path.read_text()
        assert "style=" not in text and "<script>" not in text and " on" + "click" not in text, path
