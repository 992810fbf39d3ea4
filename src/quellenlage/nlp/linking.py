"""Canonical entities: within one article (propagate, canonicalise) and across a story (link).

Within an article (called by :func:`quellenlage.nlp.entities.find_entities`)
- :func:`propagate`: a name recognised once is found everywhere, also as surname or genitive
  (``Maria Sacharowa`` -> ``Sacharowa``, ``Sacharowas``), and inside hyphen compounds
  (``NATO-Präsenz``), as ``source="propagated"`` mentions;
- :func:`canonicalise`: one Entity per real-world thing; ``name`` is the longest full form,
  ``id`` is ``"e:" + normalised name``; a surname joins a full name only when exactly one full
  name of the article ends with it.

Across the readings of one story (:func:`link_entities`, :func:`story_entities`): per-article
ids are name-based (:func:`entity_id`), so the same name gives the same id in every article.
Linking adds what one article alone cannot know:

- a surname-only person (``Sacharowa`` in one article) joins the full name found in another
  (``Maria Sacharowa``) when exactly one full name of the story ends with that surname;
  with two candidates (``Hans Brumbel``, ``Erika Brumbel``) it stays on its own;
- the type is the majority over articles.

Since story linking depends only on names, the result maps per-article ids to story ids as one dict.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from quellenlage.models import Description, Entity, EntityType, Mention, Reading, Span
from quellenlage.nlp.gazetteer import gazetteer


def _base(text: str, known: set[str]) -> str:
    """The name without a genitive ending ("Moskaus" -> "Moskau") when the bare form is known.

    Inflected forms the gazetteer lists map to their canonical name ("Europäischen Union").
    """
    canonical = gazetteer().canonical
    if text in canonical:
        return canonical[text]
    for ending in ("'s", "’s", "s", "es"):
        if text.endswith(ending) and text[: -len(ending)] in known:
            return text[: -len(ending)]
    if text.endswith(("iums", "ums")) and text[:1].isupper():
        return text[:-1]  # "Außenministeriums" -> "Außenministerium", also when only the genitive occurs
    return text


def propagate(text: str, article_id: str, mentions: list[Mention]) -> list[Mention]:
    """Find every further occurrence of recognised names, their surnames and genitives."""
    forms: dict[str, EntityType] = {}
    known = {m.text for m in mentions} | set(gazetteer().names)
    for m in mentions:
        base = _base(m.text, known)
        forms.setdefault(base, m.type)
        parts = base.split()
        if m.type is EntityType.PER and len(parts) > 1 and len(parts[-1]) > 2:
            forms.setdefault(parts[-1], EntityType.PER)
    taken = bytearray(len(text))  # 1 = a character inside a mention already
    for m in mentions:
        taken[m.span.start : m.span.end] = b"\x01" * (m.span.end - m.span.start)
    extra: list[Mention] = []
    for form in sorted(forms, key=len, reverse=True):
        pattern = re.compile(rf"(?<![\w-]){re.escape(form)}(?:s|es|'s|’s)?(?!\w)")
        for hit in pattern.finditer(text):
            a, b = hit.span()
            if taken.find(1, a, b) >= 0:
                continue
            taken[a:b] = b"\x01" * (b - a)
            extra.append(Mention(Span(article_id, a, b), text[a:b], forms[form], "propagated"))
    return sorted(mentions + extra, key=lambda m: m.span.start)


def entity_id(name: str) -> str:
    """``"e:"`` + the lower-cased name with runs of non-word characters as ``_``."""
    return "e:" + re.sub(r"\W+", "_", name.lower()).strip("_")


def canonicalise(mentions: Sequence[Mention]) -> tuple[Entity, ...]:
    """Group mentions into entities: same base form, or a surname of exactly one full name."""
    known = {m.text for m in mentions} | set(gazetteer().names)
    known |= {m.text.split()[-1] for m in mentions if m.type is EntityType.PER and " " in m.text}
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(_base(m.text, known).lower(), []).append(m)
    full = [k for k in groups if " " in k]
    for key in [k for k in groups if " " not in k]:
        owners = [f for f in full if f.split()[-1] == key and _type(groups[f]) is EntityType.PER]
        if len(owners) == 1:
            groups[owners[0]].extend(groups.pop(key))
    entities = []
    for group in groups.values():
        bases = [_base(m.text, known) for m in group]
        name = max(bases, key=lambda b: (len(b), b[:1].isupper(), b))
        aliases = tuple(sorted({m.text for m in group} - {name}))
        ordered = tuple(sorted(group, key=lambda m: m.span.start))
        entities.append(Entity(entity_id(name), name, _type(group), aliases, ordered))
    return tuple(sorted(entities, key=lambda e: e.mentions[0].span.start))


def _type(group: Sequence[Mention]) -> EntityType:
    """Majority type of the recognised mentions; MISC (a name of unknown kind) only when alone.

    A tie between LOC and ORG goes to LOC: a place named where an institution acts
    ("Atomkraftwerk Saporischschja", "Großbritannien erklärte") is the usual metonymy."""
    own = [m.type for m in group if m.source != "propagated"] or [m.type for m in group]
    known = [t for t in own if t is not EntityType.MISC] or own
    counts = Counter(known).most_common()
    best = counts[0][1]
    tied = {t for t, n in counts if n == best}
    if tied == {EntityType.LOC, EntityType.ORG}:
        return EntityType.LOC
    return counts[0][0]


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
