"""Story-level entity linking across articles."""

from __future__ import annotations

from pathlib import Path

from quellenlage.models import Article, EntityType, Mention, Reading, Span
from quellenlage.nlp.descriptions import find_descriptions
from quellenlage.nlp.entities import find_entities
from quellenlage.nlp.linking import link_entities, propagate, story_entities


def reading(article_id: str, text: str) -> Reading:
    article = Article(id=article_id, text=text)
    entities = find_entities(article, ())
    return Reading(article, (), (), entities, descriptions=find_descriptions(article, (), entities))


def seed(path: Path, article_id: str) -> Reading:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return reading(article_id, "\n".join(line.rstrip() for line in text.split("\n")))


def test_surname_in_one_article_joins_full_name_in_another() -> None:
    a = reading("a", "Die Ministerin Kowalczyk sagte nichts. Kowalczyk schwieg.")
    b = reading("b", "Die Sprecherin Anna Kowalczyk reiste nach Paris.")
    links = link_entities([a, b])
    assert links["e:kowalczyk"] == "e:anna_kowalczyk"
    (person,) = [s for s in story_entities([a, b]) if s.type is EntityType.PER]
    assert person.name == "Anna Kowalczyk" and set(person.articles) == {"a", "b"}
    assert {m.span.article_id for m in person.mentions} == {"a", "b"}
    assert {d.text for d in person.descriptions} == {"Ministerin", "Sprecherin"}


def test_ambiguous_surname_stays_separate() -> None:
    a = reading("a", "Die Ministerin Brumbel sagte nichts.")
    b = reading("b", "Präsident Hans Brumbel und Ministerin Erika Brumbel trafen sich.")
    links = link_entities([a, b])
    assert links["e:brumbel"] == "e:brumbel"
    assert links["e:hans_brumbel"] == "e:hans_brumbel" and links["e:erika_brumbel"] == "e:erika_brumbel"


def test_places_are_not_merged_by_last_word() -> None:
    a = reading("a", "Die Delegation reiste nach Moskau und in die Vereinigten Staaten.")
    b = reading("b", "Die Minister trafen sich in Staaten.")  # no entity: common noun
    links = link_entities([a, b])
    assert links["e:moskau"] == "e:moskau"


def test_seed_story_entities(seed_paths: tuple[Path, Path]) -> None:
    readings = [seed(seed_paths[0], "000"), seed(seed_paths[1], "001")]
    story = {s.name: s for s in story_entities(readings)}
    for name in ["Maria Sacharowa", "Wolodymyr Selenskyj", "Koalition der Willigen", "Moskau", "Paris"]:
        assert set(story[name].articles) == {"000", "001"}, name
    assert "Sacharowa" not in story and "Selenskyj" not in story
    roles = {d.text for d in story["Maria Sacharowa"].descriptions}
    assert roles == {"Sprecherin des russischen Außenministeriums"}
    for s in story.values():
        texts = {r.article.id: r.article.text for r in readings}
        assert all(texts[m.span.article_id][m.span.start : m.span.end] == m.text for m in s.mentions)


def test_inflected_multiword_names_share_one_entity() -> None:
    text = "Die Europäische Union berät. Ein Sprecher der Europäischen Union schwieg."
    (entity,) = reading("a", text).entities
    assert entity.name == "Europäische Union" and entity.aliases == ("Europäischen Union",)
    assert len(entity.mentions) == 2


def test_propagate_finds_surnames_and_genitives_without_overlapping_known_mentions() -> None:
    text = "Anna Kowalczyk sprach. Kowalczyks Plan: Kowalczyk bleibt. Anna Kowalczyk ging."
    first = Mention(Span("a", 0, 14), "Anna Kowalczyk", EntityType.PER, "rules")
    found = propagate(text, "a", [first])
    assert [(m.text, m.source) for m in found] == [
        ("Anna Kowalczyk", "rules"),
        ("Kowalczyks", "propagated"),
        ("Kowalczyk", "propagated"),
        ("Anna Kowalczyk", "propagated"),  # the full name first, so no extra "Kowalczyk" inside it
    ]
    assert all(text[m.span.start : m.span.end] == m.text for m in found)
    assert all(m.type is EntityType.PER for m in found)
