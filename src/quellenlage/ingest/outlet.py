"""Which outlet published an article: from its URL, else from a name the text signs with."""

from __future__ import annotations

import functools
import re
from collections import Counter

import tldextract


@functools.cache
def _extractor() -> tldextract.TLDExtract:
    # The bundled public-suffix snapshot only: no HTTP fetch of the list, no cache directory.
    # Private suffixes count (blogspot.com, github.io): each blog there is an outlet of its own.
    return tldextract.TLDExtract(
        suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True, include_psl_private_domains=True
    )


def outlet_from_url(url: str) -> str | None:
    """Registrable domain of ``url`` (``https://www.zeit.de/x`` → ``zeit.de``), None for IPs/garbage."""
    parts = _extractor()(url)
    if not parts.domain or not parts.suffix:
        return None
    return f"{parts.domain}.{parts.suffix}".lower()


def outlet_from_domain_text(value: str) -> str | None:
    """A bare domain or URL as written in a source line (``PublicDomain/naturalnews.com``)."""
    candidate = value.strip().strip(".,;:()[]<>\"'")
    if not candidate:
        return None
    if "://" not in candidate:
        candidate = "http://" + candidate
    return outlet_from_url(candidate)


# An outlet that signs its own sections: a short all-caps name alone on a line ("OZD") or starting
# a heading line ("OZD-Kommentar – Drohung als Strategie", "OZD-Analyse").
_SIGNATURE_LINE = re.compile(
    r"(?P<name>[A-ZÄÖÜ][A-ZÄÖÜ0-9]{1,5})(?:-[A-ZÄÖÜ][\w-]*(?:[ \t]+[–—-][ \t]+[^.!?]*)?)?[ \t]*"
)
_HEADING_MAX_CHARS = 80
# All-caps words that begin headings without being an outlet: countries, alliances, parties,
# agencies (those are origins, see origin.py), and common abbreviations.
_NOT_OUTLETS = frozenset(
    [
        "USA",
        "US",
        "UK",
        "EU",
        "UN",
        "UNO",
        "NATO",
        "OSZE",
        "WHO",
        "IWF",
        "EZB",
        "BRD",
        "DDR",
        "GB",
        "RKI",
        "BND",
        "BKA",
        "BGH",
        "CDU",
        "CSU",
        "SPD",
        "FDP",
        "AFD",
        "BSW",
        "FAQ",
        "PDF",
        "DPA",
        "AFP",
        "AP",
        "KNA",
        "EPD",
        "SID",
        "APA",
        "DDP",
        "KI",
        "IT",
        "TV",
        "ARD",
        "ZDF",
        "ORF",
        "SRF",
        "ID",
        "PS",
        "NB",
        "INFO",
        "TIPP",
        "FAZIT",
        "UPDATE",
        "EILMELDUNG",
        "LIVE",
        "NEU",
        "VIDEO",
        "FOTO",
    ]
)
MIN_SIGNATURES = 2  # one line alone could be an acronym heading; two make it a house style


def outlet_from_text(text: str) -> str | None:
    """The name an article signs its sections with, when it does so at least twice."""
    counts: Counter[str] = Counter()
    for line in text.split("\n"):
        if len(line) > _HEADING_MAX_CHARS or not line[:2].isupper():
            continue
        match = _SIGNATURE_LINE.fullmatch(line)
        if match is None:
            continue
        name = match["name"]
        if name.upper() in _NOT_OUTLETS or name.isdigit():
            continue
        counts[name] += 1
    if not counts:
        return None
    name, count = counts.most_common(1)[0]
    return name if count >= MIN_SIGNATURES else None
