"""/docs from the swagger-ui copy installed by npm: no CDN, and no inline script (the CSP forbids it)."""
from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)

DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Backprop Lab API v1</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head><body>
<div id="swagger-ui" data-openapi-url="/openapi.json"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/js/swagger-init.js"></script>
</body></html>"""


@router.get("/docs", response_class=HTMLResponse)
def show_api_docs() -> HTMLResponse:
    return HTMLResponse(DOCS_PAGE)
