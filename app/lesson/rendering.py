"""One URL, two answers: the full page, or (for htmx) the figure partial that the page includes."""
from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.i18n import _
from app.lesson.pages import BY_SLUG, PAGES, neighbours
from app.lesson.params import parse_query
from app.ui.templating import templates


def wants_fragment(request: Request) -> bool:
    """htmx asks for the fragment, except when it restores history (then it needs the page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def canonical_query(values: dict, fields) -> str:
    return urlencode({field.name: values[field.name] for field in fields})


def render_lesson(request: Request, slug: str, fields, build, extra_context: dict | None = None) -> Response:
    """Validate the query against `fields`, build the figure with `build(values)`, and answer the
    page (or its partial) with a note naming each bad field and its range when the query is wrong."""
    values, errors = parse_query(request.query_params, fields)
    page = BY_SLUG[slug]
    previous, following = neighbours(slug)
    context = {
        "page": page,
        "pages": PAGES,
        "previous": previous,
        "following": following,
        "page_title": _(page.title),
        "fields": {field.name: field for field in fields},
        "values": values,
        "errors": [error.message() for error in errors],
        "figure": build(values),
        **(extra_context or {}),
    }
    fragment = wants_fragment(request)
    name = slug.replace("-", "_")
    template = f"lesson/partials/{name}_figure.html" if fragment else f"lesson/{name}.html"
    # A wrong query is a 422 page; the htmx fragment carries the same note with 200, so the
    # browser does not log a failed request while a learner is typing into a number field.
    status = 422 if errors and not fragment else 200
    response = templates.TemplateResponse(request, template, context, status_code=status)
    response.headers["Vary"] = "HX-Request"
    return response


def redirect_to(path: str, values: dict, fields, lang: str | None = None) -> Response:
    """303 to the canonical URL of a state (the no-JavaScript Step and Run buttons)."""
    query = canonical_query(values, fields) + (f"&{urlencode({'lang': lang})}" if lang else "")
    return RedirectResponse(f"{path}?{query}", status_code=303)
