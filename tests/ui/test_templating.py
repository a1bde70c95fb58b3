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
