"""Server-rendered pages (German UI). Templates autoescape everything; no inline scripts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from . import service
from .markup import safe_url
from .security import check_token

router = APIRouter(include_in_schema=False)

STATUS_LABELS = {
    "corroborated": "belegt (mehrere unabhängige Quellen)",
    "single_source": "nur eine Quelle",
    "conflicting": "widersprüchlich",
}
SEVERITY_LABELS = {"high": "hoch", "medium": "mittel", "low": "gering", "info": "Hinweis"}


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    templates = request.app.state.templates
    context.setdefault("token_required", bool(request.app.state.settings.api_token))
    return templates.TemplateResponse(request, template, context, status_code=status)


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    return _render(request, "analyse.html.j2")


@router.post("/analyse")
async def analyse_form(
    request: Request,
    text: Annotated[str, Form(max_length=5_000_000)] = "",
    urls: Annotated[str, Form(max_length=100_000)] = "",
    token: Annotated[str, Form(max_length=500)] = "",
    files: list[UploadFile] | None = None,
) -> Response:
    settings = request.app.state.settings
    check_token(settings.api_token, token)
    request.app.state.rate_limiter.check(request.client.host if request.client else "unknown")
    uploads = []
    for upload in files or []:
        if upload.filename:
            data = await upload.read(settings.max_input_bytes + 1)
            uploads.append((upload.filename, data))
    url_list = [line.strip() for line in urls.splitlines() if line.strip()]
    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(
        service.analyse_inputs, settings, service.split_pasted(text), uploads, url_list,
        fetcher=request.app.state.fetcher,
    )
    request.app.state.page_cache.drop(result.key)
    return RedirectResponse(f"/stories/{result.key}", status_code=303)


@router.get("/stories", response_class=HTMLResponse)
def stories(request: Request, offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    with service.open_store(request.app.state.settings) as store:
        items = store.list_stories(limit=50, offset=offset)
    return _render(request, "stories.html.j2", stories=items, offset=offset)


@router.get("/stories/{key}", response_class=HTMLResponse)
def story(request: Request, key: str) -> HTMLResponse:
    cache = request.app.state.page_cache
    page = cache.get(key)
    if page is None:
        with service.open_store(request.app.state.settings) as store:
            payload = service.load_story(store, key)
            articles = service.story_articles(store, payload)
        labels = {a["id"]: a["label"] for a in payload["story"]["articles"]}
        response = _render(request, "story.html.j2", key=key, data=payload, articles=articles, labels=labels,
                           status_labels=STATUS_LABELS, severity_labels=SEVERITY_LABELS, safe_url=safe_url)
        cache.put(key, bytes(response.body).decode("utf-8"))
        return response
    return HTMLResponse(page)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article(request: Request, article_id: str) -> HTMLResponse:
    with service.open_store(request.app.state.settings) as store:
        item = service.get_article(store, article_id)
        outcomes = store.outcomes_for(item.id)
    data, pieces = service.reading_view(item, request.app.state.settings)
    return _render(request, "article.html.j2", article=item, data=data, pieces=pieces, outcomes=outcomes,
                   safe_url=safe_url, severity_labels=SEVERITY_LABELS)


@router.get("/sources/{domain}", response_class=HTMLResponse)
def source(request: Request, domain: str) -> HTMLResponse:
    with service.open_store(request.app.state.settings) as store:
        profile = service.source_profile(store, domain)
    return _render(request, "source.html.j2", domain=domain, data=profile, safe_url=safe_url)


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, q: Annotated[str, Query(max_length=500)] = "",
           offset: Annotated[int, Query(ge=0)] = 0) -> HTMLResponse:
    hits: list[tuple[Any, list[tuple[str, bool]]]] = []
    if q.strip():
        with service.open_store(request.app.state.settings) as store:
            for article, snippet in store.search(q, limit=20, offset=offset):
                hits.append((article, _snippet_parts(snippet)))
    return _render(request, "search.html.j2", q=q, hits=hits, offset=offset)


def _snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """The store marks matches with ``**``; split into (text, is_match) parts for escaped rendering."""
    parts = snippet.split("**")
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]

