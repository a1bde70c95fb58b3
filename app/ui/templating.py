"""The one Jinja2 environment: autoescaped, with gettext wired to the request's locale."""
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.templating import Jinja2Templates

from app import i18n
from app.settings import PROJECT_ROOT


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html", "svg", "xml"]),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    env.globals["current_locale"] = i18n.current_locale.get
    return env


# Starlette 1.x takes a ready environment.
templates = Jinja2Templates(env=build_environment())
