"""Link the entities of several readings of one story into story-level entities.

Per-article entity ids are ``"e:" + normalised canonical name`` (see
:func:`quellenlage.nlp.entities.entity_id`), so the same name gives the same id in every article.
Linking adds what one article alone cannot know:

- a surname-only person (``Sacharowa`` in one article) joins the full name found in another
  (``Maria Sacharowa``) when exactly one full name of the story ends with that surname;
  with two candidates (``Hans Brumbel``, ``Erika Brumbel``) it stays on its own;
- the type is the majority over articles.

Since linking depends only on names, the result maps per-article ids to story ids as one dict.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from quellenlage.models import Description, Entity, EntityType, Mention, Reading
from quellenlage.nlp.entities import entity_id


@dataclass(frozen=True, slots=True)
class StoryEntity:
    """One real-world thing across the articles of a story."""

    id: str
    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()  # spans name their article
    descriptions: tuple[Description, ...] = ()  # as found per article (their entity_id is per article)
    articles: tuple[str, ...] = ()


def _surname_key(name: str) -> str:
    return name.split()[-1].lower()


def link_entities(readings: Sequence[Reading]) -> dict[str, str]:
    """Per-article entity id -> story-level entity id for every entity of ``readings``."""
    by_id: dict[str, list[Entity]] = {}
    for reading in readings:
        for entity in reading.entities:
            by_id.setdefault(entity.id, []).append(entity)
    types = {eid: _majority(group) for eid, group in by_id.items()}
    names = {eid: max((e.name for e in group), key=len) for eid, group in by_id.items()}
    full_by_surname: dict[str, set[str]] = {}
    for eid, name in names.items():
        if types[eid] is EntityType.PER and " " in name:
            full_by_surname.setdefault(_surname_key(name), set()).add(eid)
    links: dict[str, str] = {}
    for eid, name in names.items():
        target = eid
        if types[eid] is EntityType.PER and " " not in name:
            owners = full_by_surname.get(name.lower(), set())
            if len(owners) == 1:
                target = next(iter(owners))
        links[eid] = entity_id(names[target])
    return links


def story_entities(readings: Sequence[Reading]) -> tuple[StoryEntity, ...]:
    """Story-level entities with mentions and descriptions from every article, most mentioned first."""
    links = link_entities(readings)
    grouped: dict[str, list[tuple[str, Entity]]] = {}
    for reading in readings:
        for entity in reading.entities:
            grouped.setdefault(links[entity.id], []).append((reading.article.id, entity))
    descriptions: dict[str, list[Description]] = {}
    for reading in readings:
        for d in reading.descriptions:
            if d.entity_id in links:
                descriptions.setdefault(links[d.entity_id], []).append(d)
    out = []
    for story_id, members in grouped.items():
        entities = [e for _, e in members]
        name = max((e.name for e in entities), key=lambda n: (len(n), n))
        aliases = {e.name for e in entities} | {a for e in entities for a in e.aliases}
        mentions = tuple(m for e in entities for m in e.mentions)
        out.append(
            StoryEntity(
                id=story_id,
                name=name,
                type=_majority(entities),
                aliases=tuple(sorted(aliases - {name})),
                mentions=mentions,
                descriptions=tuple(descriptions.get(story_id, ())),
                articles=tuple(dict.fromkeys(article for article, _ in members)),
            )
        )
    return tuple(sorted(out, key=lambda s: (-len(s.mentions), s.id)))


def _majority(entities: Sequence[Entity]) -> EntityType:
    votes = Counter(e.type for e in entities for _ in e.mentions or (None,))
    return votes.most_common(1)[0][0]
