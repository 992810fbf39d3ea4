"""HTML page → main text and metadata, with trafilatura (which dates pages with htmldate)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

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


# Pages whose main text from trafilatura's own extractor (``fast``: no readability/jusText
# comparison) is at least this long keep it; shorter ones are extracted again with the comparison.
# 2,500 characters is trafilatura's own "good enough" bound (``min_extracted_size`` 250 x 10, where its
# recall mode skips the comparison too). The comparison costs ~40 % of extraction time; on the 600
# generated news pages of bench/ingest.py both paths give identical text, and news articles are
# mostly longer than the bound, while short, odd pages — where the fallbacks matter — get them.
FAST_MIN_CHARS = 2_500


def _extract(html: str, url: str | None, *, fast: bool) -> Any:
    return trafilatura.bare_extraction(
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=_DATE_PARAMS,
        fast=fast,
    )


def _usable(document: Any) -> bool:
    return document is not None and not isinstance(document, dict)


def extract_page(html: str, url: str | None = None) -> Page:
    """Main text and metadata of one page. Malformed or truncated HTML gives what can be read."""
    document = _extract(html, url, fast=True)
    if not _usable(document) or len(document.text or "") < FAST_MIN_CHARS:
        full = _extract(html, url, fast=False)
        if _usable(full) and (full.text or not _usable(document)):  # else keep what fast found
            document = full
    if not _usable(document):
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
