"""Text and URL normalisation, paragraph offsets and article ids.

``normalize_text`` defines the reference string every later offset points into, so it changes
as little as possible: no unwrapping of lines, no quote or dash rewriting.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..models import Paragraph

# Characters that look like a space but are not one: no-break, narrow no-break, figure space.
_SPACE_LIKE = ("\u00a0", "\u202f", "\u2007")
_MANY_BLANK_LINES = re.compile(r"\n{4,}")  # 3+ blank lines = 4+ newlines in a row

_TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid"})


def normalize_text(text: str) -> str:
    """NFC, ``\\r\\n``/``\\r`` → ``\\n``, no-break spaces → spaces, no trailing whitespace per
    line, no leading/trailing blank lines, at most two blank lines in a row."""
    # Each step is guarded by a cheap substring test: bulk ingest runs this on every article.
    if not text.isascii():
        if not unicodedata.is_normalized("NFC", text):
            text = unicodedata.normalize("NFC", text)
        for space in _SPACE_LIKE:
            if space in text:
                text = text.replace(space, " ")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(f"{ws}\n" in text for ws in " \t\f\v"):
        text = "\n".join(line.rstrip(" \t\f\v") for line in text.split("\n"))
    if "\n\n\n\n" in text:
        text = _MANY_BLANK_LINES.sub("\n\n\n", text)
    # Leading blank lines go, but the first line keeps its indentation (seed 000 starts with " date").
    text = text.lstrip("\n")
    return text.rstrip()


def paragraphs(text: str) -> tuple[Paragraph, ...]:
    """Offsets of blocks separated by blank lines; of single lines when there is no blank line.

    ``text`` must already be normalised (blank lines are then exactly empty).
    """
    separator = "\n\n" if "\n\n" in text else "\n"
    result: list[Paragraph] = []
    start = 0
    length = len(text)
    while start < length:
        end = text.find(separator, start)
        if end == -1:
            end = length
        block_start, block_end = start, end
        while block_start < block_end and text[block_start] == "\n":
            block_start += 1
        if block_start < block_end:
            result.append(Paragraph(block_start, block_end))
        start = end + len(separator)
    return tuple(result)


def normalize_url(url: str) -> str:
    """Lowercase scheme and host, drop fragment, tracking parameters and a trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower()
    if (scheme == "http" and netloc.endswith(":80")) or (scheme == "https" and netloc.endswith(":443")):
        netloc = netloc.rsplit(":", 1)[0]
    query = ""
    if parts.query:
        kept = [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if not key.lower().startswith("utm_") and key.lower() not in _TRACKING_PARAMS
        ]
        query = urlencode(kept)
    path = parts.path.rstrip("/")
    return urlunsplit((scheme, netloc, path, query, ""))


def article_id(*, url: str | None, text: str) -> str:
    """First 16 hex digits of sha256 of the normalised URL, or of the normalised text without URL."""
    key = normalize_url(url) if url else normalize_text(text)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
