"""The one Jinja2 environment: autoescaped, with gettext wired to the request's locale.

Templates are read once per process: with auto_reload Jinja stats every template file an answer
includes on every render (about a tenth of a page step). BPLAB_RELOAD_TEMPLATES=1 turns reloading
on for development (edit a template, reload the page).
"""
import os

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.templating import Jinja2Templates

from app import i18n
from app.settings import PROJECT_ROOT


def reload_templates() -> bool:
    """Whether templates are read again when their files change (development only)."""
    return os.environ.get("BPLAB_RELOAD_TEMPLATES", "") not in ("", "0")


def build_environment(auto_reload: bool | None = None) -> Environment:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html", "svg", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=reload_templates() if auto_reload is None else auto_reload,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    env.globals["current_locale"] = i18n.current_locale.get
    return env


# Starlette 1.x takes a ready environment.
templates = Jinja2Templates(env=build_environment())
