"""Where an article says its content comes from: source lines, translations, ``via``, agencies.

``find_origins(text, article_id)`` is a pure function over normalised text; every Origin carries
the line as written (``raw``) and its span. Origins are ordered most specific first:
republished > translated > source > via > agency, then by position.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

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
_DATE = re.compile(
    r"(?<![\d.])(\d[\doO]?\.\s?[\doO]{1,2}\.\s?[12][\doO]{3}|[12][\doO]{3}-[\doO]{2}-[\doO]{2})(?![\d])"
)

# Each rule searches for a literal keyword first (fast on long texts) and then checks the line.
_SOURCE_KEY = re.compile(r"Quell(?:en|e|-Links?)[ \t]*:")
_TRANSLATED_KEY = re.compile(
    r"(?:[Üü]bersetzt[ \t]+(?:von|aus|durch)|Übersetzung(?:[ \t]+(?:von|aus))?[ \t]*:?|"
    r"Original(?:artikel|quelle|text)?[ \t]*:|Im[ \t]+Original[ \t]+erschienen[ \t]+(?:bei|auf))"
)
_VIA = re.compile(r"[Vv]ia[ \t]+(?P<target>https?://[^\s<>\"')\]]+|(?:[\w-]+\.)+[a-z]{2,24}\b)")

# Agencies, case-sensitive as they write themselves, so that "Ap" or "APA" do not match "AP".
AGENCIES = {
    "dpa": "dpa",
    "dpa-AFX": "dpa",
    "AFP": "AFP",
    "Reuters": "Reuters",
    "AP": "AP",
    "epd": "epd",
    "KNA": "KNA",
}
_AGENCY_NAMES = "dpa-AFX|dpa|AFP|Reuters|AP|epd|KNA"  # longest first: "dpa-AFX" before "dpa"
_AGENCY = rf"(?:{_AGENCY_NAMES})"
_AGENCY_TAG = rf"(?:[a-z]{{1,5}}/)*(?P<agency>{_AGENCY})(?:/(?:[a-zA-Z]{{1,8}}))*"
_AGENCY_PATTERNS = (  # (substrings one of which must occur, pattern)
    (("(",), re.compile(rf"\({_AGENCY_TAG}\)")),  # "(dpa)", "Berlin (AFP/dpa) -", "(mm/dpa)"
    (
        ("©", "(c)", "Copyright"),
        re.compile(rf"(?:©|\(c\)|Copyright)[ \t]*(?:\d{{4}}[ \t]+)?(?P<agency>{_AGENCY})\b"),
    ),
    (
        ("Material",),
        re.compile(
            rf"Material[ \t]+(?:von|der|des)[ \t]+(?:Nachrichtenagentur(?:en)?[ \t]+)?(?P<agency>{_AGENCY})\b"
        ),
    ),
)
_AGENCY_WORD = re.compile(rf"(?<![\w-])(?P<agency>{_AGENCY_NAMES})(?![\w-])")  # as a word of its own
# A byline or credit line that is only the agency tag: "dpa", "Von Anna Muster, AFP", "mm/dpa".
_AGENCY_LINE = re.compile(rf"[ \t]*(?:Von[ \t]+[^\n,]{{2,60}},[ \t]*)?{_AGENCY_TAG}[ \t]*")
_AGENCY_LINE_MAX = 80
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
_REFERENCE_LINES = 10  # lines read after a "Quellen:" heading


def find_origins(text: str, article_id: str) -> tuple[Origin, ...]:
    # Plain substring tests first: they are far cheaper than a regex scan of a long text.
    found = _source_lines(text, article_id) if "Quell" in text else []
    if "bersetz" in text or "Original" in text:
        found += _translated_lines(text, article_id)
    if "via " in text or "Via " in text or "via\t" in text:
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


def _date(fragment: str) -> dt.date | None:
    match = _DATE.search(fragment)
    return parse_numeric_date(match.group(1).replace(" ", "")) if match else None


def _line_of(text: str, start: int, end: int) -> tuple[int, int, str]:
    """The line around ``text[start:end]``: its start, its end and the part before ``start``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return line_start, len(text) if line_end == -1 else line_end, text[line_start:start]


def _keyword_lines(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int, str, bool]]:
    """Lines that begin with ``pattern``, or a bracket opening with it: start, end, the rest, and
    whether it is a line of its own (not a bracket inside a sentence)."""
    for match in pattern.finditer(text):
        line_start, line_end, before = _line_of(text, match.start(), match.end())
        if before.endswith("("):  # "(Quelle: bild.de)" inside a line: up to the closing bracket
            close = text.find(")", match.end(), line_end)
            if close != -1:
                yield match.start() - 1, close + 1, text[match.end() : close], False
        elif before.strip(" \t") == "":
            yield line_start, line_end, text[match.end() : line_end], True


def _origin(
    kind: OriginKind, outlet: str, date: dt.date | None, text: str, start: int, end: int, article_id: str
) -> Origin:
    while start < end and text[start] in " \t":
        start += 1
    return Origin(kind, outlet, date, text[start:end], Span(article_id, start, end))


def _source_lines(text: str, article_id: str) -> list[Origin]:
    origins = []
    for start, end, rest, own_line in _keyword_lines(_SOURCE_KEY, text):
        if not rest.strip():  # "Quellen:" alone on a line, the references on the lines below
            origins += _reference_list(text, end, article_id)
            continue
        outlets = _outlets(rest)
        # The closing line naming one outlet, or one provenance chain ("PublicDomain/rt.com/
        # corona-transition.org am 25.11.2020"), says where the whole article comes from; a list
        # of several references ("zeit.de, spiegel.de") or a line higher up names sources.
        chain = [token for token in re.split(r"[\s,;]+", rest) if _outlets(token)]
        at_end = len(text[end:].strip()) <= _TAIL_CHARS
        whole = own_line and at_end and len(chain) == 1
        kind = OriginKind.REPUBLISHED if whole else OriginKind.SOURCE
        date = _date(rest)
        origins += [_origin(kind, outlet, date, text, start, end, article_id) for outlet in outlets]
        for match in _AGENCY_WORD.finditer(rest):  # "Quelle: dpa", "(Quellen: AFP, Reuters)"
            outlet = AGENCIES[match["agency"]]
            origins.append(_origin(OriginKind.AGENCY, outlet, date, text, start, end, article_id))
    return origins


def _reference_list(text: str, position: int, article_id: str) -> list[Origin]:
    """SOURCE origins for the URLs/domains on the (up to 10) lines after a "Quellen:" heading."""
    origins: list[Origin] = []
    for _ in range(_REFERENCE_LINES):
        start = position + 1
        if start >= len(text):
            break
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        line = text[start:end]
        position = end
        if not line.strip():
            if origins:
                break  # a blank line after the references ends the list
            continue
        date = _date(line)
        origins += [_origin(OriginKind.SOURCE, o, date, text, start, end, article_id) for o in _outlets(line)]
    return origins


def _translated_lines(text: str, article_id: str) -> list[Origin]:
    origins = []
    for start, end, rest, _own_line in _keyword_lines(_TRANSLATED_KEY, text):
        date = _date(rest)
        origins += [
            _origin(OriginKind.TRANSLATED, outlet, date, text, start, end, article_id)
            for outlet in _outlets(rest)
        ]
    return origins


def _via(text: str, article_id: str) -> list[Origin]:
    origins = []
    for match in _VIA.finditer(text):
        if match.start() and (text[match.start() - 1].isalnum() or text[match.start() - 1] in "-_"):
            continue  # "Trivia", "Ovia-…"
        outlet = _outlets(match["target"])
        if outlet:
            origins.append(
                _origin(OriginKind.VIA, outlet[0], None, text, match.start(), match.end(), article_id)
            )
    return origins


def _agencies(text: str, article_id: str) -> list[Origin]:
    origins = []
    for keys, pattern in _AGENCY_PATTERNS:
        if not any(key in text for key in keys):
            continue
        for match in pattern.finditer(text):
            _start, _end, before = _line_of(text, match.start(), match.end())
            if _PHOTO_CREDIT.search(before):
                continue
            origins.append(
                _origin(
                    OriginKind.AGENCY,
                    AGENCIES[match["agency"]],
                    None,
                    text,
                    match.start(),
                    match.end(),
                    article_id,
                )
            )
    lines_seen: set[int] = set()
    for hint in _AGENCY_HINTS:
        at = text.find(hint)
        while at != -1:
            start, end, _before = _line_of(text, at, at)
            at = text.find(hint, end)
            if start in lines_seen or end - start > _AGENCY_LINE_MAX:
                continue
            lines_seen.add(start)
            if line_match := _AGENCY_LINE.fullmatch(text, start, end):
                outlet = AGENCIES[line_match["agency"]]
                origins.append(_origin(OriginKind.AGENCY, outlet, None, text, start, end, article_id))
    return origins
