"""A story: several articles about one event, compared claim by claim.

:func:`build_story` is the one entry point the runner calls after reading the articles::

    analysis = build_story(articles, readings, signals)
    briefing = build_briefing(analysis)          # quellenlage.briefing
    text = render(briefing, "md")                # quellenlage.render

Stages, in order: independence (copies count once) → claims → alignment → publication windows for
undated articles (their relative dates are re-resolved and their claims re-read) → conflicts →
timeline → staleness → story-level entities with their descriptions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .claims import extract_claims
from .compare import Comparison, Embedder, align, find_conflicts
from .errors import StageError
from .independence import Independence, analyse_independence
from .models import Article, Claim, EntityType, Reading, SectionRole, Signal, Span
from .timeline import (
    PublicationWindow,
    Staleness,
    TimelineEvent,
    build_timeline,
    find_staleness,
    infer_windows,
    resolve_with_window,
    staleness_signal,
)

_DEFINITION = re.compile(r"^\s*(?:Die|Der|Das)?\s*(?P<name>[^\n]{2,60}?)\s+(?:ist|sind|war|gilt als|wird)\s")


@dataclass(frozen=True, slots=True)
class Story:
    """The articles of one story with their readings, claims and copy groups."""

    articles: tuple[Article, ...]
    readings: tuple[Reading, ...]
    claims: tuple[Claim, ...]
    independence: Independence

    def article(self, article_id: str) -> Article:
        for article in self.articles:
            if article.id == article_id:
                return article
        raise KeyError(f"article {article_id!r} is not part of this story")


@dataclass(frozen=True, slots=True)
class EntityDescription:
    text: str
    spans: tuple[Span, ...]  # every place it is written, across articles


@dataclass(frozen=True, slots=True)
class StoryEntity:
    id: str
    name: str
    type: EntityType
    aliases: tuple[str, ...]
    articles: tuple[str, ...]
    mentions: int
    descriptions: tuple[EntityDescription, ...] = ()


@dataclass(frozen=True, slots=True)
class StoryAnalysis:
    """Everything the briefing and the renderers need."""

    story: Story
    comparison: Comparison
    windows: tuple[PublicationWindow, ...]
    timeline: tuple[TimelineEvent, ...]
    staleness: tuple[Staleness, ...]
    signals: tuple[Signal, ...]
    entities: tuple[StoryEntity, ...]
    title: str
    language: str

    def label(self, article_id: str) -> str:
        return self.story.independence.of(article_id).label

    def window(self, article_id: str) -> PublicationWindow | None:
        return next((w for w in self.windows if w.article_id == article_id), None)


def _claims(readings: Sequence[Reading]) -> tuple[Claim, ...]:
    return tuple(claim for reading in readings for claim in extract_claims(reading))


def build_story(
    articles: Sequence[Article],
    readings: Sequence[Reading],
    signals: Sequence[Signal] = (),
    *,
    embedder: Embedder | None = None,
) -> StoryAnalysis:
    """Compare the articles of one story.

    ``readings[i]`` must be the reading of ``articles[i]``. ``signals`` are source and content signals
    computed elsewhere; staleness and inserted-teaser signals found here are added to them.
    ``embedder`` replaces the default sentence encoder (tests, benchmarks).
    """
    articles = tuple(articles)
    readings = tuple(readings)
    if len(articles) != len(readings) or any(a.id != r.article.id for a, r in zip(articles, readings)):
        raise StageError("build_story needs one reading per article, in the same order", stage="story")
    if not articles:
        raise StageError("build_story needs at least one article", stage="story")
    independence = analyse_independence(articles)
    claims = _claims(readings)
    groups, _ = align(claims, readings, independence, embedder)
    windows = infer_windows(articles, claims, groups, readings)
    if windows:
        by_article = {w.article_id: w for w in windows}
        readings = tuple(
            resolve_with_window(r, by_article[r.article.id]) if r.article.id in by_article else r
            for r in readings
        )
        reread = _claims(readings)
        if [c.id for c in reread] != [c.id for c in claims]:
            raise StageError("re-resolving dates changed the claims of the story", stage="story")
        claims = reread
    labels = {s.article_id: s.label for s in independence.sources}
    conflicts, groups = find_conflicts(groups, claims, readings, labels)
    timeline = build_timeline(claims, groups, readings)
    staleness = find_staleness(articles, claims, groups)
    story = Story(articles, readings, claims, independence)
    all_signals = list(signals)
    for item in staleness:
        if not any(s.kind == "stale" and s.target == item.article_id for s in all_signals):
            all_signals.append(staleness_signal(story.article(item.article_id), item))
    all_signals.extend(_teaser_signals(claims, all_signals))
    return StoryAnalysis(
        story=story,
        comparison=Comparison(groups, conflicts),
        windows=windows,
        timeline=timeline,
        staleness=staleness,
        signals=tuple(all_signals),
        entities=story_entities(readings, claims),
        title=_title(articles, claims),
        language=Counter(a.language or "de" for a in articles).most_common(1)[0][0],
    )


def _teaser_signals(claims: Sequence[Claim], existing: Sequence[Signal]) -> list[Signal]:
    out = []
    for article_id in dict.fromkeys(c.article_id for c in claims):
        if any(s.kind == "inserted_teaser" and s.target == article_id for s in existing):
            continue
        teasers = [c for c in claims if c.article_id == article_id and c.section_role is SectionRole.TEASER]
        if teasers:
            out.append(
                Signal(
                    kind="inserted_teaser",
                    severity="low",
                    explanation=(
                        "Der Text enthält einen eingeschobenen Verweis auf einen anderen Beitrag; dessen "
                        "Angaben werden nicht als Teil der Meldung gewertet."
                    ),
                    spans=tuple(c.span for c in teasers),
                    target=article_id,
                )
            )
    return out


def _title(articles: Sequence[Article], claims: Sequence[Claim]) -> str:
    for article in articles:
        if article.title:
            return article.title
    factual = [c for c in claims if c.is_factual]
    if not factual:
        return "Ohne Titel"
    text = max(factual[:3], key=lambda c: c.checkworthy).text
    return text if len(text) <= 120 else text[:117].rsplit(" ", 1)[0] + " …"


def story_entities(readings: Sequence[Reading], claims: Sequence[Claim] = ()) -> tuple[StoryEntity, ...]:
    """Entities merged across articles by name or alias, with descriptions (appositions and the
    definitions of explanation boxes such as "Maria Sacharowa ist Sprecherin …")."""
    merged: dict[str, dict] = {}
    alias_of: dict[str, str] = {}
    for reading in readings:
        for entity in reading.entities:
            forms = [entity.name.lower(), *(a.lower() for a in entity.aliases)]
            key = next((alias_of[f] for f in forms if f in alias_of), entity.name.lower())
            item = merged.setdefault(
                key,
                {
                    "id": entity.id,
                    "name": entity.name,
                    "type": entity.type,
                    "aliases": {},
                    "articles": {},
                    "mentions": 0,
                    "descriptions": {},
                    "ids": set(),
                },
            )
            if len(entity.name) > len(item["name"]):
                item["name"] = entity.name
            item["aliases"].update(dict.fromkeys(a for a in (entity.name, *entity.aliases)))
            item["articles"][reading.article.id] = None
            item["mentions"] += len(entity.mentions)
            item["ids"].add(entity.id)
            for form in forms:
                alias_of.setdefault(form, key)
    by_id = {i: key for key, item in merged.items() for i in item["ids"]}

    def add(entity_id: str, text: str, span: Span) -> None:
        key = by_id.get(entity_id)
        if key is None:
            return
        norm = " ".join(text.split()).strip(" ,.;").lower()
        entry = merged[key]["descriptions"].setdefault(
            norm, {"text": " ".join(text.split()).strip(" ,;"), "spans": []}
        )
        if span not in entry["spans"]:
            entry["spans"].append(span)

    for reading in readings:
        for description in reading.descriptions:
            add(description.entity_id, description.text, description.span)
    for claim in claims:
        if claim.section_role is not SectionRole.EXPLANATION or not claim.entities:
            continue
        match = _DEFINITION.match(claim.text)
        if not match:
            continue
        for entity_id in claim.entities:
            home = by_id.get(entity_id)
            if home and match.group("name").lower() in {a.lower() for a in merged[home]["aliases"]}:
                add(entity_id, claim.text, claim.span)
    entities = []
    for key, item in merged.items():
        aliases = tuple(a for a in item["aliases"] if a != item["name"])
        descriptions = tuple(
            EntityDescription(d["text"], tuple(d["spans"])) for d in item["descriptions"].values()
        )
        entities.append(
            StoryEntity(
                item["id"],
                item["name"],
                item["type"],
                aliases,
                tuple(item["articles"]),
                item["mentions"],
                descriptions,
            )
        )
    entities.sort(key=lambda e: (-len(e.articles), -e.mentions, e.name))
    return tuple(entities)
