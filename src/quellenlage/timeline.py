"""Time: publication windows for undated articles, a timeline of events, and staleness.

- **Window**: an article without a publication date that names a weekday ("am Donnerstag") for a
  statement another, dated article gives an absolute date for ("am 8. Januar", a Thursday) was
  published on or shortly after that date. Its weekday and relative dates are then re-resolved
  against the window start.
- **Timeline**: resolved day/month dates of factual claims, one event per claim group and date;
  events on one day by the same person are merged.
- **Staleness**: an article whose events lie long before its publication date while its wording
  presents them as new ("jüngst", "aktuell", "neu" …).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .compare import ClaimGroup
from .models import Article, Claim, DateMention, EntityType, Reading, Signal, Span

# A weekday named without a date refers to the past week: the article appeared 0-6 days after it.
WINDOW_DAYS = 6
# Events this many days before publication, presented as new, make an article stale. Calibrated on
# seed 000 (31 days) against same-week reporting (0-6 days); re-run tests/test_compare.py.
STALE_MIN_GAP_DAYS = 14
NEWNESS = re.compile(
    r"\b(?:jüngst\w*|aktuell\w*|neu|neue[nmrs]?|kürzlich|soeben|derzeit|heute|gerade|nun|jetzt)\b",
    re.IGNORECASE,
)
# Date mentions that name the day themselves ("am 8. Januar 2026", "am 8. Januar"); weekday and
# relative mentions ("am Donnerstag", "gestern") depend on the publication date.
DATED_KINDS = ("absolute", "partial")
_RELATIVE_DAYS = {"heute": 0, "gestern": 1, "vorgestern": 2}


@dataclass(frozen=True, slots=True)
class PublicationWindow:
    article_id: str
    start: dt.date
    end: dt.date
    basis: str  # one German sentence saying how the window was inferred
    spans: tuple[Span, ...]  # the weekday mention and the dated mention it was matched to


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    date: dt.date
    precision: str  # day | month
    text: str
    claims: tuple[str, ...]
    spans: tuple[Span, ...]  # the date mentions
    inferred: bool = False  # resolved from a weekday or relative expression


@dataclass(frozen=True, slots=True)
class Staleness:
    article_id: str
    published: dt.date
    latest_event: dt.date
    gap_days: int
    evidence: tuple[Span, ...]  # date mentions of the events
    newness: tuple[Span, ...]  # words that present the events as new


def _persons(claim: Claim, person_ids: set[str]) -> set[str]:
    found = {e for e in claim.entities if e in person_ids}
    if claim.attributed_to in person_ids:
        found.add(claim.attributed_to)  # type: ignore[arg-type]
    return found


def infer_windows(
    articles: Sequence[Article],
    claims: Sequence[Claim],
    groups: Sequence[ClaimGroup],
    readings: Sequence[Reading],
) -> tuple[PublicationWindow, ...]:
    """Publication windows for undated articles, from weekday mentions matched to dated statements.

    A weekday mention in claim ``a`` is matched to an absolute day date in claim ``b`` of a dated
    article when ``a`` and ``b`` are in one claim group, or share a person (speaker or mention) and the
    date falls on the named weekday.
    """
    person_ids = {e.id for r in readings for e in r.entities if e.type is EntityType.PER}
    names = {e.id: e.name.lower() for r in readings for e in r.entities}
    dated = {a.id for a in articles if a.published}
    group_of = {cid: g.id for g in groups for cid in g.claims}
    windows = []
    for article in articles:
        if article.published:
            continue
        anchors: list[tuple[dt.date, DateMention, DateMention]] = []
        for a in claims:
            if a.article_id != article.id or not a.is_factual:
                continue
            for weekday_mention in (
                d for d in a.dates if d.weekday is not None and d.kind not in DATED_KINDS
            ):
                for b in claims:
                    if b.article_id not in dated or not b.is_factual:
                        continue
                    same_group = group_of.get(a.id) is not None and group_of.get(a.id) == group_of.get(b.id)
                    shared = {names.get(p, p) for p in _persons(a, person_ids)} & {
                        names.get(p, p) for p in _persons(b, person_ids)
                    }
                    if not (same_group or shared):
                        continue
                    for mention in b.dates:
                        if (
                            mention.kind in DATED_KINDS
                            and mention.value
                            and mention.precision == "day"
                            and mention.value.weekday() == weekday_mention.weekday
                        ):
                            anchors.append((mention.value, weekday_mention, mention))
        if not anchors:
            continue
        start = max(a[0] for a in anchors)
        end = min(a[0] for a in anchors) + dt.timedelta(days=WINDOW_DAYS)
        if end < start:
            end = start + dt.timedelta(days=WINDOW_DAYS)
        value, weekday_mention, mention = max(anchors, key=lambda a: a[0])
        basis = (
            f"Kein Veröffentlichungsdatum angegeben; „{weekday_mention.raw}“ bezieht sich auf dieselbe Äußerung, "
            f"die ein anderer Artikel auf den {value:%d.%m.%Y} datiert („{mention.raw}“), "
            f"daher erschienen zwischen {start:%d.%m.%Y} und {end:%d.%m.%Y}."
        )
        windows.append(PublicationWindow(article.id, start, end, basis, (weekday_mention.span, mention.span)))
    return tuple(windows)


def _resolve_locally(dates: Sequence[DateMention], reference: dt.date) -> tuple[DateMention, ...]:
    """Resolve weekday and relative-day mentions against ``reference`` (latest such day on or before it)."""
    resolved = []
    for mention in dates:
        if mention.value is None and mention.weekday is not None:
            value = reference - dt.timedelta(days=(reference.weekday() - mention.weekday) % 7)
            mention = replace(mention, value=value, precision="day", note=f"weekday on or before {reference}")
        elif mention.value is None and mention.raw.strip().lower() in _RELATIVE_DAYS:
            value = reference - dt.timedelta(days=_RELATIVE_DAYS[mention.raw.strip().lower()])
            mention = replace(mention, value=value, precision="day", note=f"relative to {reference}")
        resolved.append(mention)
    return tuple(resolved)


def resolve_with_window(reading: Reading, window: PublicationWindow) -> Reading:
    """The reading with its weekday/relative dates resolved against the window start.

    Uses :func:`quellenlage.nlp.dates.resolve_dates` when the reading layer provides it, and checks
    that the anchoring weekday mention lands on the anchor date (shifting the reference by one day if
    the resolver reads weekdays as strictly before the reference).
    """
    try:
        from .nlp.dates import resolve_dates
    except ImportError:
        resolve_dates = _resolve_locally  # type: ignore[assignment]
    anchor = window.spans[0]
    resolved: tuple[DateMention, ...] = ()
    for reference in (window.start, window.start + dt.timedelta(days=1)):
        resolved = tuple(resolve_dates(reading.dates, reference))
        if any(d.span == anchor and d.value == window.start for d in resolved):
            break
    return replace(reading, dates=resolved)


def build_timeline(
    claims: Sequence[Claim], groups: Sequence[ClaimGroup], readings: Sequence[Reading]
) -> tuple[TimelineEvent, ...]:
    """Events with resolved day/month dates, ordered by date: one per claim group and date, and
    events of one date that name the same person are merged."""
    person_ids = {e.id for r in readings for e in r.entities if e.type is EntityType.PER}
    names = {e.id: e.name.lower() for r in readings for e in r.entities}
    by_id = {c.id: c for c in claims}
    buckets: list[tuple[dt.date, set[str], set[str], list[tuple[Claim, DateMention]]]] = []
    for group in groups:
        for cid in group.claims:
            claim = by_id[cid]
            persons = {names.get(p, p) for p in _persons(claim, person_ids)}
            for mention in claim.dates:
                if mention.value is None or mention.precision not in ("day", "month"):
                    continue
                home = next(
                    (b for b in buckets if b[0] == mention.value and (group.id in b[1] or persons & b[2])),
                    None,
                )
                if home is None:
                    home = (mention.value, set(), set(), [])
                    buckets.append(home)
                home[1].add(group.id)
                home[2].update(persons)
                home[3].append((claim, mention))
    events = []
    for date, _, _, items in buckets:
        items.sort(key=lambda item: (item[1].kind not in DATED_KINDS, item[0].article_id))
        first_claim, first_mention = items[0]
        events.append(
            TimelineEvent(
                date,
                first_mention.precision,
                first_claim.text,
                tuple(dict.fromkeys(c.id for c, _ in items)),
                tuple(m.span for _, m in items),
                inferred=all(m.kind not in DATED_KINDS for _, m in items),
            )
        )
    return tuple(sorted(events, key=lambda e: (e.date, e.text)))


def find_staleness(
    articles: Sequence[Article], claims: Sequence[Claim], groups: Sequence[ClaimGroup]
) -> tuple[Staleness, ...]:
    """Dated articles whose latest event lies :data:`STALE_MIN_GAP_DAYS` or more before publication
    while their wording presents the events as new. Events include dates that aligned claims in other
    articles give for the same statements."""
    by_id = {c.id: c for c in claims}
    group_of = {cid: g for g in groups for cid in g.claims}
    found = []
    for article in articles:
        if not article.published:
            continue
        own = [c for c in claims if c.article_id == article.id and c.is_factual]
        related = {cid for c in own if c.id in group_of for cid in group_of[c.id].claims}
        events = [
            (m.value, m.span)
            for cid in related | {c.id for c in own}
            for m in by_id[cid].dates
            if m.value and m.precision == "day" and m.value <= article.published
        ]
        if not events:
            continue
        latest = max(value for value, _ in events)
        gap = (article.published - latest).days
        newness = tuple(
            Span(article.id, c.span.start + m.start(), c.span.start + m.end())
            for c in own
            for m in NEWNESS.finditer(c.text)
        )
        if gap >= STALE_MIN_GAP_DAYS and newness:
            evidence = tuple(sorted({span for _, span in events}, key=lambda s: (s.article_id, s.start)))
            found.append(Staleness(article.id, article.published, latest, gap, evidence, newness))
    return tuple(found)


def staleness_signal(article: Article, staleness: Staleness) -> Signal:
    """The ``stale`` signal for one article, worded by :func:`quellenlage.signals.stale_signal`."""
    from .signals import stale_signal

    return stale_signal(article, staleness.gap_days, staleness.evidence, staleness.newness)
