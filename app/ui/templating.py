"""The one Jinja2 environment: autoescaped, with gettext wired to the request's locale.

Templates are read once per process: with auto_reload Jinja stats every template file an answer
includes on every render (about a tenth of a page step). BPLAB_RELOAD_TEMPLATES=1 turns reloading
on for development (edit a template, reload the page).
"""
import os

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_eval_context, select_autoescape
from markupsafe import Markup
from starlette.templating import Jinja2Templates

from app import i18n
from app.settings import PROJECT_ROOT


@pass_eval_context
def _gettext(eval_ctx, string: str, /, **variables) -> str:
    """Jinja's newstyle gettext (translated, Markup when autoescaping, always %-formatted with
    its variables escaped) called directly: Jinja's own goes through three Context.call hops,
    a few percent of a step's answer with its dozen strings."""
    text = i18n.gettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def _ngettext(eval_ctx, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = i18n.ngettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


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
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # newstyle {% trans %} blocks
    env.globals.update(gettext=_gettext, ngettext=_ngettext, _=_gettext)
    env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    env.globals["current_locale"] = i18n.current_locale.get
    return env


# Starlette 1.x takes a ready environment.
templates = Jinja2Templates(env=build_environment())
