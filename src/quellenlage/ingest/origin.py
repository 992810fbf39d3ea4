"""Where an article says its content comes from: source lines, translations, ``via``, agencies.

``find_origins(text, article_id)`` is a pure function over normalised text; every Origin carries
the line as written (``raw``) and its span. Origins are ordered most specific first:
republished > translated > source > via > agency, then by position.
"""

from __future__ import annotations

import re

from ..models import Origin, OriginKind, Span
from .outlet import outlet_from_domain_text, outlet_from_url
from .text import parse_numeric_date

_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_DOMAIN = re.compile(
    r"(?<![\w@.\-/:])(?:www\.)?((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24})(?![\w-])",
    re.IGNORECASE,
)
_DOMAIN_AFTER_SLASH = re.compile(r"(?<=/)((?:[a-z0-9-]+\.)+[a-z]{2,24})(?![\w-])", re.IGNORECASE)
# 07.02.2026, 7.2.2026, 2026-02-07; letters o/O tolerated for zeros ("07.02.2o26").
_DATE = re.compile(r"(?<![\d.])(\d[\doO]?\.\s?[\doO]{1,2}\.\s?[12][\doO]{3}|[12][\doO]{3}-[\doO]{2}-[\doO]{2})(?![\d])")

_SOURCE_LINE = re.compile(r"^[ \t]*\(?(?:Quellen?|Quell-Links?)[ \t]*:[ \t]*(?P<rest>[^\n]*)$", re.MULTILINE)
_TRANSLATED_LINE = re.compile(
    r"^[ \t]*(?:Übersetzt[ \t]+(?:von|aus|durch)|Übersetzung(?:[ \t]+(?:von|aus))?[ \t]*:?|"
    r"Original(?:artikel|quelle|text)?[ \t]*:|Im[ \t]+Original[ \t]+erschienen[ \t]+(?:bei|auf))"
    r"(?P<rest>[^\n]*)$",
    re.MULTILINE | re.IGNORECASE,
)
_VIA = re.compile(r"\bvia[ \t]+(?P<target>https?://[^\s<>\"')\]]+|(?:[\w-]+\.)+[a-z]{2,24}\b)", re.IGNORECASE)

# Agencies, case-sensitive as they write themselves, so that "Ap" or "APA" do not match "AP".
AGENCIES = {"dpa": "dpa", "dpa-AFX": "dpa", "AFP": "AFP", "Reuters": "Reuters", "AP": "AP", "epd": "epd", "KNA": "KNA"}
_AGENCY = r"(?:dpa-AFX|dpa|AFP|Reuters|AP|epd|KNA)"
_AGENCY_TAG = rf"(?:[a-z]{{1,5}}/)*(?P<agency>{_AGENCY})(?:/(?:[a-zA-Z]{{1,8}}))*"
_AGENCY_PATTERNS = (
    re.compile(rf"\({_AGENCY_TAG}\)"),  # "(dpa)", "Berlin (AFP/dpa) -", "(mm/dpa)"
    re.compile(rf"(?:©|\(c\)|Copyright)[ \t]*(?:\d{{4}}[ \t]+)?(?P<agency>{_AGENCY})\b"),
    re.compile(rf"\b[Mm]it[ \t]+Material[ \t]+(?:von|der|des)[ \t]+(?:Nachrichtenagentur(?:en)?[ \t]+)?(?P<agency>{_AGENCY})\b"),
    re.compile(rf"^[ \t]*(?:Von[ \t]+[^\n,]{{2,60}},[ \t]*)?{_AGENCY_TAG}[ \t]*$", re.MULTILINE),  # byline
)
# Photo credits name agencies too, but say nothing about where the text comes from.
_PHOTO_CREDIT = re.compile(
    r"(?:Titelbild|Bild|Foto|Fotos|Symbolbild|Bildquelle|Grafik|Illustration|Video|Aufmacherbild)"
    r"[^\n.]{0,40}$",
    re.IGNORECASE,
)
_AGENCY_HINTS = ("dpa", "AFP", "Reuters", "AP", "epd", "KNA")

_KIND_ORDER = {
    OriginKind.REPUBLISHED: 0,
    OriginKind.TRANSLATED: 1,
    OriginKind.SOURCE: 2,
    OriginKind.VIA: 3,
    OriginKind.AGENCY: 4,
}
_TAIL_CHARS = 200  # a source line followed by at most this much text is the article's closing line


def find_origins(text: str, article_id: str) -> tuple[Origin, ...]:
    found: list[Origin] = []
    if "uelle" in text:
        found += _source_lines(text, article_id)
    if "bersetz" in text or "riginal" in text:
        found += _translated_lines(text, article_id)
    if "via" in text.lower():
        found += _via(text, article_id)
    if any(hint in text for hint in _AGENCY_HINTS):
        found += _agencies(text, article_id)
    unique: dict[tuple[OriginKind, str], Origin] = {}
    for origin in sorted(found, key=lambda o: (_KIND_ORDER[o.kind], o.span.start if o.span else 0)):
        unique.setdefault((origin.kind, origin.outlet), origin)
    return tuple(unique.values())


def _outlets(fragment: str) -> list[str]:
    """Registrable domains named in a fragment, URLs first, in order, without repeats."""
    names = [outlet_from_url(m.group(0)) for m in _URL.finditer(fragment)]
    without_urls = _URL.sub(" ", fragment)
    for pattern in (_DOMAIN, _DOMAIN_AFTER_SLASH):
        names += [outlet_from_domain_text(m.group(1)) for m in pattern.finditer(without_urls)]
    return list(dict.fromkeys(name for name in names if name))


def _date(fragment: str):  # type: ignore[no-untyped-def]
    match = _DATE.search(fragment)
    return parse_numeric_date(match.group(1).replace(" ", "")) if match else None


def _line_span(text: str, match: re.Match[str], article_id: str) -> tuple[str, Span]:
    start, end = match.start(), match.end()
    while start < end and text[start] in " \t":
        start += 1
    return text[start:end], Span(article_id, start, end)


def _source_lines(text: str, article_id: str) -> list[Origin]:
    origins = []
    for match in _SOURCE_LINE.finditer(text):
        raw, span = _line_span(text, match, article_id)
        rest = match["rest"]
        if rest.strip():
            outlets = _outlets(rest)
        else:  # "Quellen:" alone on a line, the references on the lines below
            following = text[match.end() :].lstrip("\n").split("\n")[:10]
            outlets = [name for line in following if line.strip() for name in _outlets(line)]
        at_end = len(text[match.end() :].strip()) <= _TAIL_CHARS
        kind = OriginKind.REPUBLISHED if at_end and len(outlets) == 1 and rest.strip() else OriginKind.SOURCE
        date = _date(rest)
        origins += [Origin(kind, outlet, date, raw, span) for outlet in outlets]
    return origins


def _translated_lines(text: str, article_id: str) -> list[Origin]:
    origins = []
    for match in _TRANSLATED_LINE.finditer(text):
        raw, span = _line_span(text, match, article_id)
        outlets = _outlets(match["rest"])
        origins += [Origin(OriginKind.TRANSLATED, outlet, _date(match["rest"]), raw, span) for outlet in outlets]
    return origins


def _via(text: str, article_id: str) -> list[Origin]:
    origins = []
    for match in _VIA.finditer(text):
        outlet = _outlets(match["target"])
        if outlet:
            span = Span(article_id, match.start(), match.end())
            origins.append(Origin(OriginKind.VIA, outlet[0], None, match.group(0), span))
    return origins


def _agencies(text: str, article_id: str) -> list[Origin]:
    origins = []
    for pattern in _AGENCY_PATTERNS:
        for match in pattern.finditer(text):
            line_start = text.rfind("\n", 0, match.start()) + 1
            if _PHOTO_CREDIT.search(text, line_start, match.start()):
                continue
            raw, span = _line_span(text, match, article_id)
            origins.append(Origin(OriginKind.AGENCY, AGENCIES[match["agency"]], None, raw.strip(), span))
    return origins
