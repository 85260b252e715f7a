"""The FastAPI app the plugin mounts at ``/automl``: two pages, their static files, the JSON API.

Pages are one HTML shell (``static/page.html``) that the script fills from the API; they hold no
data, so they need no authorisation of their own. Everything is served from the package, so the
view works offline (Chart.js is vendored under ``static/vendor``).
"""

from __future__ import annotations

import hashlib
import html
from functools import cache
from pathlib import Path
from string import Template

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from airflow_provider_automl.links.automl import VIEW_URL_PREFIX
from airflow_provider_automl.ui.api import create_router

STATIC = Path(__file__).resolve().parent / "static"
# The page runs only its own scripts and talks only to its own server.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
PAGES = {"jobs": "AutoML jobs", "task": "AutoML"}


@cache
def _shell() -> Template:
    return Template((STATIC / "page.html").read_text(encoding="utf-8"))


@cache
def asset_version() -> str:
    """A digest of the page's script and style: their URLs change when they do (no stale cache)."""
    digest = hashlib.sha256()
    for name in ("automl.js", "automl.css"):
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


def render_page(page: str, *, root: str, airflow_root: str) -> str:
    """The HTML shell of ``page`` ("jobs" or "task"); ``root`` is where the app is mounted and
    ``airflow_root`` where the Airflow UI is (both paths, no trailing slash)."""
    return _shell().substitute(
        root=html.escape(root, quote=True),
        airflow_root=html.escape(airflow_root, quote=True),
        page=page,
        version=asset_version(),
        title=html.escape(PAGES[page], quote=True),
    )


def _page(page: str, request: Request) -> HTMLResponse:
    # Starlette's Mount appends its prefix to the root path: "<airflow root>/automl".
    root = str(request.scope.get("root_path", "")).rstrip("/")
    airflow_root = root.removesuffix(VIEW_URL_PREFIX) if root.endswith(VIEW_URL_PREFIX) else ""
    return HTMLResponse(
        render_page(page, root=root, airflow_root=airflow_root),
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-store"},
    )


def create_app() -> FastAPI:
    app = FastAPI(
        title="AutoML view (airflow-provider-automl)",
        description="SageMaker Autopilot jobs: timeline, candidate leaderboard, charts and artifacts.",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.include_router(create_router())
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def jobs_page(request: Request) -> HTMLResponse:
        return _page("jobs", request)

    @app.get("/task", include_in_schema=False)
    def task_page(request: Request) -> HTMLResponse:
        return _page("task", request)

    return app
