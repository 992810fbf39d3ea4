"""Assemble an :class:`Article` from extracted text and metadata (pure, no I/O)."""

from __future__ import annotations

import datetime as dt

from ..models import Article, DateSource
from .language import detect_language
from .normalize import article_id, normalize_text, paragraphs
from .origin import find_origins
from .outlet import outlet_from_text, outlet_from_url
from .text import find_header


def make_article(
    raw_text: str,
    *,
    url: str | None = None,
    title: str | None = None,
    author: str | None = None,
    published: dt.date | None = None,
    site_name: str | None = None,
    source_label: str | None = None,
    read_header: bool = False,
    language: str | None = None,
) -> Article:
    """Normalise ``raw_text`` and fill every field that can be derived from it.

    ``published`` comes from metadata (HTML, feed, JSONL); ``read_header`` looks for a date header
    line in plain-text files instead. The outlet is the URL's registrable domain, else the site
    name from metadata, else a name the text signs its sections with. ``language`` is a code the
    input declared (a JSONL record's field); without one the language is identified from the text.
    """
    text = normalize_text(raw_text)
    identifier = article_id(url=url, text=text)
    published_source = DateSource.METADATA if published else DateSource.UNKNOWN
    if read_header and published is None:
        header = find_header(text)
        if header.published:
            published, published_source = header.published, DateSource.HEADER
    outlet, outlet_source = None, "unknown"
    if url and (domain := outlet_from_url(url)):
        outlet, outlet_source = domain, "url"
    elif site_name:
        outlet, outlet_source = site_name.strip(), "metadata"
    elif signature := outlet_from_text(text):
        outlet, outlet_source = signature, "text"
    return Article(
        id=identifier,
        text=text,
        url=url,
        outlet=outlet,
        outlet_source=outlet_source,
        title=_clean(title),
        author=_clean(author),
        published=published,
        published_source=published_source,
        language=language or detect_language(text),
        paragraphs=paragraphs(text),
        origins=find_origins(text, identifier),
        source_label=source_label,
    )


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None
