"""Check-worthy statements (claims) from one :class:`~quellenlage.models.Reading`.

A claim is a sentence, or a clause of a long coordinated sentence, with everything the reading layer
found inside it (entities, numbers, dates, quotes), the source it is attributed to, its hedges and
the role of the section it stands in. Claims from opinion pieces, info boxes, explanation boxes,
analysis outlines, disclaimers, headers, source lines and inserted teasers are kept with
``is_factual=False``: they are shown as what they are and never counted as reported facts.
Headings are not claims.

Everything here is German-first; the lexicons are small sets below and the logic does not depend on
them beyond hedge and attribution detection.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from .models import Claim, DateMention, EntityType, NumberMention, Quote, Reading, SectionRole, Span

T = TypeVar("T")

NON_FACTUAL_ROLES = frozenset(
    {
        SectionRole.OPINION,
        SectionRole.INFOBOX,
        SectionRole.DISCLAIMER,
        SectionRole.EXPLANATION,
        SectionRole.ANALYSIS,
        SectionRole.HEADER,
        SectionRole.SOURCE_LINE,
        SectionRole.TEASER,
    }
)

# Hedging words (lower-cased surface forms) and Konjunktiv I forms that mark reported speech.
HEDGE_WORDS = frozenset(
    {
        "soll",
        "sollen",
        "laut",
        "angeblich",
        "potenziell",
        "möglicherweise",
        "offenbar",
        "mutmaßlich",
        "vermutlich",
        "wohl",
        "zufolge",
        "scheinbar",
        "anscheinend",
        "könnte",
        "könnten",
    }
)
KONJUNKTIV_I = frozenset(
    {"sei", "seien", "habe", "werde", "könne", "müsse", "wolle", "solle", "dürfe", "gebe"}
)

# Reporting verbs as lower-case stems; a token counts only when written lower-case (German verbs are
# lower-case, nouns such as "Erklärung" are not) or when it starts the sentence.
REPORTING_STEMS = (
    "erklär",
    "sagt",
    "sagte",
    "betont",
    "warnt",
    "warnte",
    "mitgeteilt",
    "teilte",
    "bericht",
    "verurteilt",
    "bekräftig",
    "argumentier",
    "behaupt",
    "kündigt",
    "fordert",
    "forderte",
    "droht",
    "drohte",
    "bestätig",
    "dementier",
    "warf",
    "wirft",
    "meint",
    "schreibt",
    "schrieb",
    "erklärt",
    "unterstrich",
    "unterstreicht",
    "bezeichnet",
    "räumte",
    "räumt",
    "sprach",
    "spricht",
)
_ATTRIBUTION_PREFIX = re.compile(
    r"\b(?:laut|nach Angaben (?:von|des|der)|nach Aussage (?:von|des|der)|wie)\s+$", re.IGNORECASE
)
_ZUFOLGE = re.compile(r"^\s*(?:zufolge|nach)\b", re.IGNORECASE)
_WORD = re.compile(r"\w+(?:[-']\w+)*", re.UNICODE)
# An inserted cross-link teaser in parentheses: "(Böse Propaganda: …)", "(Lesen Sie auch: …)".
_INLINE_TEASER = re.compile(r"\((?P<label>[A-ZÄÖÜ][^():\n]{2,40}):\s[^()\n]{20,}\)")
_CLAUSE_BREAK = re.compile(r"(?:;\s+|,\s+(?=(?:aber|doch|sondern|während|und)\s))")

# Sentences longer than this are split into clauses at "; " and ", aber/doch/sondern/während/und";
# both sides must keep CLAUSE_MIN_CHARS. Calibrated by eye on the seeds (their long coordinated
# sentences run 230-330 characters); re-run tests/test_claims.py after changing.
CLAUSE_SPLIT_MIN_CHARS = 220
CLAUSE_MIN_CHARS = 70


@dataclass(frozen=True, slots=True)
class _Segment:
    start: int
    end: int
    role: SectionRole
    clause: int | None  # None when the sentence is not split


class _Ranges(Generic[T]):
    """Items with a character range, found by range without scanning them all (claims of a long
    article would otherwise test every mention, number, date and quote once per claim)."""

    def __init__(self, items: Sequence[tuple[int, int, T]]) -> None:
        self._items = items
        self._order = sorted(range(len(items)), key=lambda i: items[i][0])
        self._starts = [items[i][0] for i in self._order]
        self._longest = max((end - start for start, end, _ in items), default=0)

    def inside(self, start: int, end: int) -> list[T]:
        """Items within ``[start, end]``, in their original order."""
        lo, hi = bisect_left(self._starts, start), bisect_right(self._starts, end)
        return [self._items[i][2] for i in sorted(self._order[lo:hi]) if self._items[i][1] <= end]

    def overlapping(self, start: int, end: int) -> list[T]:
        """Items that overlap ``[start, end)``, in their original order."""
        lo, hi = bisect_left(self._starts, start - self._longest), bisect_left(self._starts, end)
        return [self._items[i][2] for i in sorted(self._order[lo:hi]) if self._items[i][1] > start]


class _Index:
    """What one reading found, indexed by position (built once per :func:`extract_claims`)."""

    def __init__(self, reading: Reading) -> None:
        self.mentions = _Ranges(
            [(m.span.start, m.span.end, i) for i, e in enumerate(reading.entities) for m in e.mentions]
        )
        self.numbers = _Ranges([(n.span.start, n.span.end, n) for n in reading.numbers])
        self.dates = _Ranges([(d.span.start, d.span.end, d) for d in reading.dates])
        self.quotes = _Ranges([(q.span.start, q.span.end, q) for q in reading.quotes])


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (used when a reading carries no tokens)."""
    return _WORD.findall(text)


def hedges_in(text: str) -> tuple[str, ...]:
    """Hedge markers in ``text``: hedging words as written, plus ``"Konjunktiv I"`` once."""
    found: list[str] = []
    for word in words(text):
        low = word.lower()
        if low in HEDGE_WORDS and low not in found:
            found.append(low)
        elif low in KONJUNKTIV_I and word == low and "Konjunktiv I" not in found:
            found.append("Konjunktiv I")
    return tuple(found)


def has_reporting_verb(text: str) -> bool:
    for index, word in enumerate(words(text)):
        low = word.lower()
        if (word == low or index == 0) and low.startswith(REPORTING_STEMS):
            return True
    return False


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in " \t\n\r–-,;:":
        start += 1
    while end > start and text[end - 1] in " \t\n\r,;":
        end -= 1
    return start, end


def _segments(
    reading: Reading, index: _Index, start: int, end: int, base_role: SectionRole
) -> list[_Segment]:
    """Split a sentence range at section boundaries and inline teasers, then at clause breaks."""
    text = reading.article.text
    cuts: list[tuple[int, int, SectionRole]] = []
    for section in reading.sections:
        s, e = max(start, section.span.start), min(end, section.span.end)
        if s < e and (s > start or e < end):
            cuts.append((s, e, section.role))
    if not cuts:
        for match in _INLINE_TEASER.finditer(text, start, end):
            cuts.append((match.start(), match.end(), SectionRole.TEASER))
    pieces: list[tuple[int, int, SectionRole]] = []
    cursor = start
    for s, e, role in sorted(cuts):
        if s > cursor:
            pieces.append((cursor, s, base_role))
        pieces.append((max(s, cursor), e, role))
        cursor = max(cursor, e)
    if cursor < end:
        pieces.append((cursor, end, base_role))
    segments: list[_Segment] = []
    split = len(pieces) > 1
    for s, e, role in pieces:
        s, e = _trim(text, s, e)
        if s >= e or not _WORD.search(text, s, e):
            continue
        for clause_start, clause_end in _clauses(reading, index, s, e):
            segments.append(_Segment(clause_start, clause_end, role, None))
    if split or len(segments) > 1:
        segments = [_Segment(seg.start, seg.end, seg.role, i) for i, seg in enumerate(segments)]
    return segments


def _clauses(reading: Reading, index: _Index, start: int, end: int) -> list[tuple[int, int]]:
    text = reading.article.text
    if end - start < CLAUSE_SPLIT_MIN_CHARS:
        return [(start, end)]
    quoted = [(q.span.start, q.span.end) for q in index.quotes.overlapping(start, end)]
    bounds = [start]
    for match in _CLAUSE_BREAK.finditer(text, start, end):
        cut = match.start()
        if any(s <= cut < e for s, e in quoted) or cut - bounds[-1] < CLAUSE_MIN_CHARS:
            continue
        if end - match.end() < CLAUSE_MIN_CHARS:
            break
        bounds.append(cut)
    bounds.append(end)
    return [_trim(text, bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _attribution(
    reading: Reading, index: _Index, start: int, end: int, quotes: tuple[Quote, ...]
) -> str | None:
    """Who a statement is attributed to: quote speaker, ``laut X``, or a subject with a reporting verb."""
    for quote in quotes:
        if quote.speaker_entity_id:
            return quote.speaker_entity_id
    for quote in quotes:
        if quote.speaker_text:
            return quote.speaker_text
    text = reading.article.text
    mentions = [
        (m.span.start, m.span.end, entity)
        for entity in (reading.entities[i] for i in sorted(set(index.mentions.inside(start, end))))
        for m in entity.mentions
        if start <= m.span.start and m.span.end <= end
    ]
    mentions.sort(key=lambda item: item[0])
    for m_start, m_end, entity in mentions:
        if _ATTRIBUTION_PREFIX.search(text[max(start, m_start - 30) : m_start]):
            return entity.id
        if _ZUFOLGE.match(text[m_end : m_end + 12]):
            return entity.id
    if mentions and has_reporting_verb(text[start:end]):
        persons = [item for item in mentions if item[2].type is EntityType.PER]
        if persons:
            return persons[0][2].id
        return mentions[0][2].id
    return None


def checkworthiness(text: str, n_entities: int, n_numbers: int, n_dates: int, attributed: bool) -> float:
    """A 0-1 score from simple features: entities, numbers, dates, attribution and length.

    Weights were set by hand so that a sentence with an entity, a date and an attributed statement
    scores above 0.7 and a short entity-free remark below 0.3 (checked in tests/test_claims.py).
    """
    n_words = len(words(text))
    score = 0.1
    score += 0.25 if n_entities else 0.0
    score += 0.1 if n_entities > 1 else 0.0
    score += 0.2 if n_numbers else 0.0
    score += 0.15 if n_dates else 0.0
    score += 0.15 if attributed else 0.0
    score += 0.1 if 6 <= n_words <= 60 else 0.0
    if n_words < 4:
        score *= 0.5
    return round(min(score, 1.0), 3)


def extract_claims(reading: Reading) -> tuple[Claim, ...]:
    """All claims of one reading, in text order; ids are ``"<article_id>:<sentence>[.<clause>]"``."""
    claims: list[Claim] = []
    index = _Index(reading)
    for sentence in reading.sentences:
        if sentence.is_heading:
            continue
        section = reading.sections[sentence.section] if sentence.section < len(reading.sections) else None
        base_role = section.role if section else SectionRole.REPORT
        if (
            section
            and section.heading_span
            and section.heading_span.start <= sentence.span.start < (section.heading_span.end)
        ):
            continue
        segments = _segments(reading, index, sentence.span.start, sentence.span.end, base_role)
        # Attribution written once for a whole sentence ("…, erklärte X") applies to all its clauses,
        # but never to or from an inserted teaser.
        sentence_attribution = next(
            (
                found
                for seg in segments
                if seg.role is not SectionRole.TEASER
                and (found := _attribution(reading, index, seg.start, seg.end, _quotes_in(index, seg)))
            ),
            None,
        )
        for seg in segments:
            claim = _claim(reading, index, sentence.index, seg, sentence_attribution)
            previous = claims[-1] if claims else None
            if (
                claim.attributed_to is None
                and "Konjunktiv I" in claim.hedges
                and previous is not None
                and previous.attributed_to
                and previous.section_role is claim.section_role
                and claim.sentence - previous.sentence <= 1
            ):
                # Reported speech continued in Konjunktiv I belongs to the previous sentence's speaker.
                claim = replace(claim, attributed_to=previous.attributed_to)
            claims.append(claim)
    return tuple(claims)


def _quotes_in(index: _Index, seg: _Segment) -> tuple[Quote, ...]:
    return tuple(index.quotes.overlapping(seg.start, seg.end))


def _claim(
    reading: Reading, index: _Index, sentence_index: int, seg: _Segment, sentence_attribution: str | None
) -> Claim:
    article_id = reading.article.id
    text = reading.article.text
    start, end = seg.start, seg.end
    entities = tuple(reading.entities[i].id for i in sorted(set(index.mentions.inside(start, end))))
    numbers: tuple[NumberMention, ...] = tuple(index.numbers.inside(start, end))
    dates: tuple[DateMention, ...] = tuple(index.dates.inside(start, end))
    quotes = _quotes_in(index, seg)
    is_factual = seg.role not in NON_FACTUAL_ROLES
    attributed = _attribution(reading, index, start, end, quotes) or (
        sentence_attribution if seg.role is not SectionRole.TEASER else None
    )
    claim_text = text[start:end]
    hedges = hedges_in(claim_text)
    suffix = f".{seg.clause}" if seg.clause is not None else ""
    return Claim(
        id=f"{article_id}:{sentence_index}{suffix}",
        article_id=article_id,
        text=claim_text,
        span=Span(article_id, start, end),
        sentence=sentence_index,
        section_role=seg.role,
        is_factual=is_factual,
        entities=entities,
        numbers=numbers,
        dates=dates,
        quotes=quotes,
        attributed_to=attributed,
        hedges=hedges,
        checkworthy=checkworthiness(
            claim_text, len(entities), len(numbers), len(dates), attributed is not None
        ),
    )
