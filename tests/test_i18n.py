"""Every string a user reads is translated: the whole app's messages against the merged zh_CN
catalogs, and the locale negotiation that picks a language."""
from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from app import i18n
from app.settings import PROJECT_ROOT

KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy": None}
METHODS = [("app/**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%\([a-z_]+\)[sd]")


def app_messages() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PROJECT_ROOT, method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.add(text)
    return found


@pytest.fixture(scope="module")
def chinese():
    i18n.translations.cache_clear()
    return i18n.translations("zh_CN")


def catalog_entries() -> dict[str, str]:
    """msgid -> msgstr over every zh_CN catalog (a msgstr may equal its msgid: "API", "F(x)")."""
    entries = {}
    for po_path in sorted((PROJECT_ROOT / "locales" / "zh_CN" / "LC_MESSAGES").glob("*.po")):
        with po_path.open("rb") as po_file:
            for message in read_po(po_file):
                if message.id and message.string and not message.fuzzy:
                    ids = message.id if isinstance(message.id, tuple) else (message.id,)
                    strings = message.string if isinstance(message.string, tuple) else (message.string,)
                    for msgid in ids:  # singular and plural both point at the translation
                        entries[msgid] = strings[0]
    return entries


def test_every_message_of_the_app_has_a_chinese_translation():
    messages = app_messages()
    assert len(messages) > 100  # the extraction really ran over the app and the templates
    entries = catalog_entries()
    untranslated = sorted(m for m in messages if m not in entries)
    assert not untranslated, f"{len(untranslated)} messages have no zh_CN translation: {untranslated[:20]}"


def test_translations_keep_their_placeholders(chinese):
    for message in app_messages():
        translated = chinese.gettext(message)
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(message)), message


@pytest.mark.parametrize(
    "query,cookie,accept,expected",
    [
        (None, None, None, "en"),
        (None, None, "zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"),
        (None, None, "en-US,en;q=0.9,zh;q=0.8", "en"),
        (None, None, "fr;q=1.0, zh-Hans;q=0.5", "zh_CN"),
        (None, None, "de", "en"),
        (None, "zh_CN", "en", "zh_CN"),
        ("en", "zh_CN", "zh", "en"),
        ("xx", None, "zh-TW", "zh_CN"),
        (None, None, "zh;q=bogus, en", "en"),
    ],
)
def test_locale_negotiation(query, cookie, accept, expected):
    assert i18n.negotiate_locale(query, cookie, accept) == expected


def test_api_messages_follow_accept_language(client):
    answer = client.get("/api/v1/sessions/nope", headers={"Accept-Language": "zh-CN"})
    assert answer.status_code == 404 and "没有会话" in answer.json()["detail"][0]["msg"]
    answer = client.get("/api/v1/sessions/nope", headers={"Accept-Language": "en"})
    assert answer.json()["detail"][0]["msg"].startswith("No session")
    presets = client.get("/api/v1/presets", headers={"Accept-Language": "zh-CN"}).json()
    assert any(re.search(r"[\u4e00-\u9fff]", p["title"]) for p in presets)


def test_validation_messages_follow_accept_language(client):
    bad = {"layers": [2, 2000, 1], "activations": "tanh", "loss": "mse", "data": {"dataset": "xor"}}
    english = client.post("/api/v1/sessions", json=bad, headers={"Accept-Language": "en"}).json()["detail"][0]
    chinese = client.post("/api/v1/sessions", json=bad, headers={"Accept-Language": "zh-CN"}).json()["detail"][0]
    assert english["loc"] == chinese["loc"] == ["body", "layers", 1]
    assert "1024" in english["msg"] and chinese["msg"] == "必须至多为 1024"
    unknown = client.post("/api/v1/sessions", json={**bad, "layers": [2, 3, 1], "colour": 1}, headers={"Accept-Language": "zh-CN"})
    assert unknown.json()["detail"][0]["msg"].startswith("API 中没有这个字段")
