"""Templates are compiled once per process, unless development asks for reloading."""
from __future__ import annotations

from app.ui import templating


def test_templates_are_not_reloaded_by_default(monkeypatch):
    monkeypatch.delenv("BPLAB_RELOAD_TEMPLATES", raising=False)
    assert templating.build_environment().auto_reload is False


def test_development_reloads_them(monkeypatch):
    monkeypatch.setenv("BPLAB_RELOAD_TEMPLATES", "1")
    assert templating.build_environment().auto_reload is True
    monkeypatch.setenv("BPLAB_RELOAD_TEMPLATES", "0")
    assert templating.build_environment().auto_reload is False


def test_gettext_in_templates_translates_formats_and_escapes():
    from app import i18n

    env = templating.build_environment()
    template = env.from_string('{{ _("Loss") }} {{ _("%(x)s of 100%%", x=value) }} {{ ngettext("%(num)d row", "%(num)d rows", n) }}')
    assert template.render(value="<b>", n=2) == "Loss &lt;b&gt; of 100% 2 rows"
    token = i18n.current_locale.set("zh_CN")
    try:
        assert template.render(value="1", n=1).split()[0] == i18n.gettext("Loss") != "Loss"
    finally:
        i18n.current_locale.reset(token)
