"""HTML page → main text and metadata, with trafilatura (which dates pages with htmldate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import trafilatura

# htmldate: dates from markup and metadata only ("original_date": the publication, not the last
# update). Its extensive search would also take a date out of the running text, which is not
# metadata and is left to the reading stage.
_DATE_PARAMS = {"original_date": True, "extensive_search": False, "outputformat": "%Y-%m-%d"}


@dataclass(frozen=True, slots=True)
class Page:
    """What an HTML page yields; ``text`` is None when no main text was found."""

    text: str | None
    title: str | None = None
    author: str | None = None
    published: dt.date | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    language: str | None = None  # as declared by the page (<html lang>), not identified


def _parse_date(raw: str | None) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return None


def extract_page(html: str, url: str | None = None) -> Page:
    """Main text and metadata of one page. Malformed or truncated HTML gives what can be read."""
    document = trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=_DATE_PARAMS,
    )
    if document is None or isinstance(document, dict):
        return Page(text=None)  # no parseable tree or no main text
    published = _parse_date(document.date)  # trafilatura ran htmldate with _DATE_PARAMS
    canonical = document.url if document.url and document.url.startswith(("http://", "https://")) else None
    return Page(
        text=document.text or None,
        title=document.title or None,
        author=document.author or None,
        published=published,
        site_name=document.sitename or None,
        canonical_url=canonical,
        language=document.language or None,
    )
