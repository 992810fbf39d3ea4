"""Helpers for the ingest tests: hand-built articles and pages, a fake web behind MockTransport."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from quellenlage.ingest import Fetcher

PUBLIC_IP = "93.184.216.34"  # any globally routable address; nothing ever connects to it

PARAGRAPHS = (
    (
        "Der Stadtrat von Neustadt hat am Dienstag nach langer Debatte den Haushalt für das kommende Jahr "
        "beschlossen. Vorgesehen sind Investitionen in Schulen, Radwege und die Sanierung des Hallenbads."
    ),
    (
        "Die Opposition kritisierte die geplante Neuverschuldung als zu hoch. Der Kämmerer verwies dagegen "
        "auf gestiegene Baukosten und Zuschüsse des Landes, die nur bei einer Eigenbeteiligung fließen würden."
    ),
    (
        "Bürgerinnen und Bürger können den Entwurf in den kommenden Wochen im Rathaus einsehen. Eine "
        "Informationsveranstaltung ist für den Beginn des nächsten Monats angekündigt."
    ),
)


def german_text(tag: str = "") -> str:
    """A plain German news text of ~550 characters; ``tag`` makes it unique."""
    text = "\n\n".join(PARAGRAPHS)
    return f"{text}\n\n{tag}" if tag else text


def html_page(
    body_paragraphs: tuple[str, ...] = PARAGRAPHS,
    *,
    title: str = "Neustadt beschließt Haushalt",
    date: str | None = "2026-01-13",
    canonical: str | None = None,
    site_name: str | None = "Neustädter Bote",
) -> str:
    meta = [f"<title>{title} | Neustädter Bote</title>"]
    if date:
        meta.append(f'<meta property="article:published_time" content="{date}T09:30:00+01:00">')
    if canonical:
        meta.append(f'<link rel="canonical" href="{canonical}">')
    if site_name:
        meta.append(f'<meta property="og:site_name" content="{site_name}">')
    paragraphs = "\n".join(f"<p>{p}</p>" for p in body_paragraphs)
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8">{"".join(meta)}</head><body>'
        f'<nav><a href="/">Start</a> | <a href="/politik">Politik</a></nav>'
        f"<article><h1>{title}</h1>{paragraphs}</article><footer>Impressum · Datenschutz</footer></body></html>"
    )


Response = tuple[int, dict[str, str], bytes] | Exception


class FakeWeb:
    """A MockTransport handler serving ``pages[host + path]`` (query ignored); records every request."""

    def __init__(self, pages: dict[str, Response]) -> None:
        self.pages = pages
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = request.headers["host"] + request.url.path
        answer = self.pages.get(key, (404, {"content-type": "text/plain"}, b"not found"))
        if isinstance(answer, Exception):
            raise answer
        status, headers, body = answer
        return httpx.Response(status, headers=headers, content=body, request=request)


def html_response(html: str) -> Response:
    return (200, {"content-type": "text/html; charset=utf-8"}, html.encode("utf-8"))


@pytest.fixture()
def settings(tmp_settings):  # type: ignore[no-untyped-def]
    return tmp_settings


@pytest.fixture()
def make_fetcher(settings) -> Callable[..., Fetcher]:  # type: ignore[no-untyped-def]
    """A Fetcher over a FakeWeb; hosts resolve to a public address unless ``resolve`` says otherwise."""
    made: list[Fetcher] = []

    def make(web: FakeWeb, resolve: Callable[[str], list[str]] | None = None, **changes: object) -> Fetcher:
        fetcher = Fetcher(
            settings.replace(**changes),
            transport=httpx.MockTransport(web),
            resolve=resolve or (lambda host: [PUBLIC_IP]),
        )
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()
