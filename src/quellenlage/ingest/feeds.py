"""RSS/Atom feeds → entries (link, title, date, content), with feedparser. No fetching here.

feedparser is only ever given bytes: given a string that looks like a URL it would fetch it
itself, past the SSRF guard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urljoin

import feedparser  # type: ignore[import-untyped]
import trafilatura

from ..errors import InputError


@dataclass(frozen=True, slots=True)
class Entry:
    index: int  # 1-based position in the feed
    link: str | None  # absolute http(s) URL of the entry's page
    title: str | None
    published: dt.date | None
    content: str  # the entry's own text (content, else summary), HTML stripped; may be ""


def parse_feed(data: bytes, name: str, base_url: str | None = None) -> list[Entry]:
    """Entries of a feed; ``InputError`` when ``data`` is not an RSS/Atom/RDF feed."""
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        why = f": {problem}" if problem else ""
        raise InputError(
            f"{name} is not an RSS/Atom feed (no feed element found{why}); "
            f"check that the file or URL points at the feed itself",
            input=name,
        )
    return [_entry(index, raw, base_url) for index, raw in enumerate(parsed.entries, start=1)]


def _entry(index: int, raw: feedparser.FeedParserDict, base_url: str | None) -> Entry:
    link = raw.get("link") or None
    if link and base_url:
        link = urljoin(base_url, link)
    if link and not link.lower().startswith(("http://", "https://")):
        link = None
    parsed_time = raw.get("published_parsed") or raw.get("updated_parsed")
    published = dt.date(*parsed_time[:3]) if parsed_time else None
    contents = [part.get("value", "") for part in raw.get("content", [])]
    html = max(contents, key=len) if contents else raw.get("summary", "")
    return Entry(index, link, raw.get("title") or None, published, _html_to_text(html))


def _html_to_text(fragment: str) -> str:
    if not fragment.strip():
        return ""
    if "<" not in fragment:
        return fragment.strip()
    text = trafilatura.html2txt(f"<html><body>{fragment}</body></html>", clean=True)
    return text.strip() if text else ""
