"""Article text with highlighted spans, safe by construction.

Untrusted article text is never turned into HTML by string concatenation: :func:`segments` cuts the
text at every mark boundary into pieces that carry the set of marks covering them, and the
templates print each piece with jinja2's autoescape. Overlapping marks are fine.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    cls: str  # CSS class, e.g. "claim-corroborated", "conflict", "signal"
    attrs: tuple[tuple[str, str], ...] = ()  # data-* attributes (values are escaped by the template)
    title: str = ""  # tooltip


@dataclass(frozen=True)
class Piece:
    text: str
    start: int
    end: int
    classes: tuple[str, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    title: str = ""


def segments(text: str, marks: Iterable[Mark]) -> list[Piece]:
    """Cut ``text`` at every mark boundary; each piece knows which marks cover it."""
    valid = [m for m in marks if 0 <= m.start < m.end <= len(text)]
    cuts = sorted({0, len(text), *(m.start for m in valid), *(m.end for m in valid)})
    pieces = []
    for start, end in itertools.pairwise(cuts):
        covering: Sequence[Mark] = [m for m in valid if m.start <= start and end <= m.end]
        attrs: dict[str, str] = {}
        for mark in covering:
            for key, value in mark.attrs:
                attrs[key] = f"{attrs[key]} {value}" if key in attrs and value not in attrs[key].split() else value
        pieces.append(
            Piece(
                text=text[start:end],
                start=start,
                end=end,
                classes=tuple(dict.fromkeys(m.cls for m in covering)),
                attrs=attrs,
                title=" · ".join(dict.fromkeys(m.title for m in covering if m.title)),
            )
        )
    return pieces


def safe_url(url: str | None) -> str | None:
    """Only http(s) URLs become links; anything else (``javascript:``, ``data:``) is shown as text."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None
