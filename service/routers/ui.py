"""``GET /ui``: the playground page, shipped as static files in the package (no CDN, no build step).

The page talks to the public REST routes only (``POST /v1/prune/<kind>``, ``GET /openapi.json``)
and sends the API key the user types as ``Authorization: Bearer``. The page and its assets are
served without a key; everything they call needs one when keys are configured.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
UI_PREFIX = "/ui"

# the page loads nothing from elsewhere; inline scripts and styles are not used either
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["playground"], include_in_schema=False)


def is_ui_path(path: str) -> bool:
    """True for the page and its assets: the paths API-key auth leaves open."""
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


@router.get(UI_PREFIX)
def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html", headers=HEADERS)


@router.get(UI_PREFIX + "/")
def page_slash() -> RedirectResponse:
    return RedirectResponse(UI_PREFIX, status_code=308)


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.mount(UI_PREFIX + "/static", StaticFiles(directory=STATIC_DIR), name="ui-static")
