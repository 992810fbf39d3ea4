"""What kind of input a blob is: HTML, a feed, JSONL, gzip, plain text or binary.

Decided from the first bytes (and the file name when there is one), so that large inputs can be
routed before they are read.
"""

from __future__ import annotations

import json
import re

from .text import decode, looks_binary

HTML = "text/html"
TEXT = "text/plain"
JSONL = "application/jsonl"
FEED = "application/rss+xml"
GZIP = "application/gzip"
BINARY = "application/octet-stream"

SNIFF_BYTES = 65536

_SUFFIX_TYPES = {
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".rss": FEED,
    ".atom": FEED,
    ".xml": FEED,
    ".gz": GZIP,
}
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)[\s>]", re.IGNORECASE | re.DOTALL
)
_HTML_TAGS = re.compile(rb"<(?:p|div|article|br|h1|h2|title|meta|a\s)[\s>/]", re.IGNORECASE)


def sniff(head: bytes, name: str = "") -> str:
    """The type of an input from its first bytes; ``name`` (a path or URL) breaks ties."""
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if looks_binary(head):
        return BINARY
    lowered = name.lower()
    for suffix, kind in _SUFFIX_TYPES.items():
        if lowered.endswith(suffix) and kind != GZIP:
            return kind
    return sniff_content(head)


def sniff_content(head: bytes) -> str:
    """The type from content alone (standard input, HTTP bodies without a useful content type)."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or _FEED_ROOT.match(stripped):
        return FEED if _FEED_ROOT.search(stripped[:4096]) else HTML
    if _HTML_START.match(stripped) or len(_HTML_TAGS.findall(stripped[:4096])) >= 3:
        return HTML
    if stripped.startswith(b"{") and _first_line_is_json_object(stripped):
        return JSONL
    return TEXT


def sniff_response(media_type: str, body: bytes) -> str:
    """The type of an HTTP body from its media type, checked against the body where servers lie."""
    head = body[:SNIFF_BYTES]
    if media_type in ("text/html", "application/xhtml+xml"):
        return HTML
    if "xml" in media_type:  # feeds, but also HTML served as application/xml
        return HTML if sniff_content(head) == HTML else FEED
    if media_type in ("application/x-ndjson", "application/jsonl", "application/json"):
        return JSONL
    return BINARY if looks_binary(head) else sniff_content(head)


def _first_line_is_json_object(head: bytes) -> bool:
    line = head.split(b"\n", 1)[0]
    if b"\n" not in head and len(head) >= SNIFF_BYTES:
        return True  # a first line longer than the sniffed prefix: trust the opening brace
    try:
        return isinstance(json.loads(decode(line)), dict)
    except ValueError:
        return False
