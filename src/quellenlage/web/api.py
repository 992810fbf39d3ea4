"""The JSON API under ``/api``: everything the pages show, plus ``POST /api/analyze``.

Reads are open; anything that writes or fetches needs the API token (``Authorization: Bearer``).
Lists are paginated with ``limit`` (1–100) and ``offset``. Errors use the one shape of
:func:`quellenlage.web.security.error_body`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel, Field

from ..serialize import to_dict
from . import service
from .security import HTTPProblem, bearer, check_token

router = APIRouter(prefix="/api", tags=["api"])

Limit = Annotated[int, Query(ge=1, le=100, description="Items per page (1–100).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]


class ErrorDetail(BaseModel):
    status: int
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse} for code in (401, 403, 404, 413, 422, 429)
}


class AnalyzeRequest(BaseModel):
    texts: list[Annotated[str, Field(max_length=2_000_000)]] = Field(
        default_factory=list, max_length=60, description="Article texts (one article each).")
    urls: list[Annotated[str, Field(max_length=2048)]] = Field(
        default_factory=list, max_length=60, description="http(s) URLs to fetch (SSRF-guarded).")


def _settings(request: Request) -> Any:
    return request.app.state.settings


def require_token(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    """Writes and fetches need the token; checked before the body is even parsed."""
    check_token(_settings(request).api_token, bearer(authorization))
    request.app.state.rate_limiter.check(request.client.host if request.client else "unknown")


def _page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": limit, "offset": offset}


@router.get("/articles", responses=ERRORS, summary="List or search stored articles")
def list_articles(request: Request, limit: Limit = 20, offset: Offset = 0,
                  q: Annotated[str | None, Query(max_length=500)] = None,
                  outlet: Annotated[str | None, Query(max_length=253)] = None) -> dict[str, Any]:
    with service.open_store(_settings(request)) as store:
        if q:
            hits = store.search(q, limit=limit, offset=offset, outlet=outlet)
            items = [{**service.article_summary(a), "snippet": snippet} for a, snippet in hits]
            return _page(items, offset + len(items), limit, offset)
        items = [service.article_summary(a) for a in store.iter_articles(limit=limit, offset=offset, outlet=outlet)]
        return _page(items, store.count_articles(outlet=outlet), limit, offset)


@router.get("/articles/{article_id}", responses=ERRORS, summary="One article with metadata, origin and outcomes")
def article_detail(request: Request, article_id: str) -> dict[str, Any]:
    with service.open_store(_settings(request)) as store:
        article = service.get_article(store, article_id)
        outcomes = [
            {"run_id": run_id, "at": at, **to_dict(outcome)} for run_id, at, outcome in store.outcomes_for(article.id)
        ]
    return {"article": to_dict(article), "outcomes": outcomes}


@router.get("/articles/{article_id}/reading", responses=ERRORS,
            summary="Entities, quotes, appositions, dates, numbers and signals of one article")
def article_reading(request: Request, article_id: str) -> dict[str, Any]:
    with service.open_store(_settings(request)) as store:
        article = service.get_article(store, article_id)
    data, _ = service.reading_view(article, _settings(request))
    return {"article_id": article.id, **data}


@router.get("/stories", responses=ERRORS, summary="Stored stories, newest first")
def list_stories(request: Request, limit: Limit = 20, offset: Offset = 0) -> dict[str, Any]:
    with service.open_store(_settings(request)) as store:
        stories = store.list_stories(limit=limit, offset=offset)
        total = offset + len(stories) + (1 if len(stories) == limit else 0)
    items = [
        {"id": s.id, "title": s.title, "articles": list(s.article_ids),
         "first_published": s.first_published.isoformat() if s.first_published else None,
         "last_published": s.last_published.isoformat() if s.last_published else None,
         "updated_at": s.updated_at}
        for s in stories
    ]
    return _page(items, total, limit, offset)


@router.get("/stories/{key}", responses=ERRORS, summary="A story's briefing in the JSON contract")
def story(request: Request, key: str) -> dict[str, Any]:
    with service.open_store(_settings(request)) as store:
        return service.load_story(store, key)


@router.get("/stories/{key}/briefing.{fmt}", responses=ERRORS, summary="The briefing as json, md or html",
            response_class=PlainTextResponse)
def story_download(request: Request, key: str, fmt: str) -> Response:
    if fmt not in ("json", "md", "html"):
        raise HTTPProblem(404, f"unknown format {fmt!r}: use json, md or html")
    with service.open_store(_settings(request)) as store:
        text = service.load_rendering(store, key, fmt)
    media = {"json": "application/json", "md": "text/markdown", "html": "text/html"}[fmt]
    headers = {"content-disposition": f'attachment; filename="quellenlage-{key}.{fmt}"'}
    return Response(text, media_type=f"{media}; charset=utf-8", headers=headers)


@router.get("/sources/{domain}", responses=ERRORS, summary="Outlet profile: ratings, EUvsDisinfo, articles")
def source(request: Request, domain: str) -> dict[str, Any]:
    with service.open_store(_settings(request)) as store:
        return service.source_profile(store, domain)


@router.post("/analyze", responses=ERRORS, status_code=201, dependencies=[Depends(require_token)],
             summary="Analyse texts and URLs as one story (needs the API token)")
def analyze(request: Request, body: AnalyzeRequest) -> dict[str, Any]:
    settings = _settings(request)
    result = service.analyse_inputs(settings, texts=body.texts, urls=body.urls,
                                    fetcher=request.app.state.fetcher)
    request.app.state.page_cache.drop(result.key)
    return {"key": result.key, "url": f"/stories/{result.key}", "story": result.payload}
