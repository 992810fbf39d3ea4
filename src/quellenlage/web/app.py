"""The FastAPI application: ``create_app(settings)``.

Errors: under ``/api`` every error — ours, FastAPI's validation errors, unknown routes, wrong
methods, oversized bodies, rate limits and crashes — is the JSON shape of
:func:`quellenlage.web.security.error_body`; pages get an HTML error page with the same message.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import QuellenlageError
from ..settings import Settings
from . import api, pages, service
from .security import HTTPProblem, RateLimiter, SecurityMiddleware, error_body

log = logging.getLogger("quellenlage.web")


def create_app(settings: Settings, *, fetcher: Any = None) -> FastAPI:
    """Build the app. ``fetcher`` replaces the SSRF-guarded default (tests inject a mock transport)."""
    app = FastAPI(
        title="quellenlage",
        version=__version__,
        description="What is actually known about a news story: articles, stories, briefings and sources.",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.fetcher = fetcher
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.page_cache = service.PageCache()
    templates_dir = resources.files("quellenlage.web") / "templates"
    templates = Jinja2Templates(directory=str(templates_dir))
    templates.env.autoescape = True  # every template, whatever its file name
    app.state.templates = templates
    app.mount("/static", StaticFiles(directory=str(resources.files("quellenlage.web") / "static")), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_middleware(SecurityMiddleware, max_bytes=settings.max_request_bytes)

    def respond(request: Request, status: int, message: str, code: str | None = None,
                headers: dict[str, str] | None = None) -> Response:
        if request.url.path.startswith("/api") or request.url.path == "/openapi.json":
            return JSONResponse(error_body(status, message, code), status_code=status, headers=headers)
        return templates.TemplateResponse(
            request, "error.html.j2", {"status": status, "message": message, "token_required": False},
            status_code=status, headers=headers,
        )

    @app.exception_handler(HTTPProblem)
    async def _problem(request: Request, exc: HTTPProblem) -> Response:
        return respond(request, exc.status, exc.message, exc.code, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        message = {404: f"nothing at {request.url.path}", 405: f"{request.method} is not allowed here"}.get(
            exc.status_code, str(exc.detail))
        return respond(request, exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()))}: {err.get('msg', '')}" for err in exc.errors()[:5]
        )
        return respond(request, 422, f"invalid request: {problems}")

    @app.exception_handler(QuellenlageError)
    async def _user_error(request: Request, exc: QuellenlageError) -> Response:
        return respond(request, 422, str(exc))

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return respond(request, 500, "internal error; the server log has the details")

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app


__all__ = ["HTMLResponse", "create_app"]
