"""Appositions and role phrases tied to persons and organisations."""

from __future__ import annotations

from pathlib import Path

import pytest

from quellenlage.models import Article
from quellenlage.nlp.descriptions import find_descriptions
from quellenlage.nlp.entities import find_entities


def seed(path: Path, article_id: str) -> Article:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return Article(id=article_id, text="\n".join(line.rstrip() for line in text.split("\n")))


def describe(text: str) -> set[tuple[str, str]]:
    article = Article(id="d", text=text)
    entities = find_entities(article, ())
    names = {e.id: e.name for e in entities}
    found = find_descriptions(article, (), entities)
    for d in found:
        assert d.anchor.start <= d.span.start and d.span.end <= d.anchor.end
    return {(names[d.entity_id], d.text) for d in found}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Der britische Premierminister Olaf Brumbel reiste ab.",
            ("Olaf Brumbel", "britische Premierminister"),
        ),
        ("Gestern sagte Präsident Hans Trabok nichts.", ("Hans Trabok", "Präsident")),
        (
            "Das sagte die Sprecherin des polnischen Innenministeriums, Anna Kowalczyk, am Montag.",
            ("Anna Kowalczyk", "Sprecherin des polnischen Innenministeriums"),
        ),
        (
            "Das sagte die Sprecherin des polnischen Innenministeriums Anna Kowalczyk am Montag.",
            ("Anna Kowalczyk", "Sprecherin des polnischen Innenministeriums"),
        ),
        (
            "Am Montag sagte Anna Kowalczyk, Sprecherin des polnischen Innenministeriums, nichts.",
            ("Anna Kowalczyk", "Sprecherin des polnischen Innenministeriums"),
        ),
        (
            "Anna Kowalczyk ist Sprecherin des polnischen Innenministeriums und gilt als streng.",
            ("Anna Kowalczyk", "Sprecherin des polnischen Innenministeriums"),
        ),
        (
            "Ein Treffen der Koalition der Willigen in Paris, einer Gruppe westlicher Staaten, fand statt.",
            ("Koalition der Willigen", "Gruppe westlicher Staaten"),
        ),
        (
            "Als Koalition der Willigen wird eine Gruppe westlicher Staaten bezeichnet, die helfen wollen.",
            ("Koalition der Willigen", "Gruppe westlicher Staaten […], die helfen wollen"),
        ),
    ],
)
def test_descriptions_found(sentence: str, expected: tuple[str, str]) -> None:
    assert expected in describe(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Der Präsident sagte am Dienstag nichts.",  # no name
        "Obwohl Präsident Hans Trabok zögerte, kam es zur Einigung.",  # conjunction is no adjective
        "In Paris, der Hauptstadt Frankreichs, regnet es.",  # place apposition, no PER/ORG
        "Hans Trabok ist gestern abgereist.",  # copula without a noun phrase
        "Die Gäste trafen Hans Trabok, Anna Kowalczyk und andere.",  # a list, not an apposition
        "Gestern kam Herr Hans Trabok an.",  # an honorific is no role
        "Hans Trabok ist ein großer Freund der Musik.",  # copula without a role noun
    ],
)
def test_descriptions_do_not_fire(sentence: str) -> None:
    found = describe(sentence)
    assert all(text not in {"", "obwohl Präsident"} for _, text in found)
    if "Obwohl" in sentence:
        assert found == {("Hans Trabok", "Präsident")}
    else:
        assert found == set()


def test_seed_descriptions(seed_paths: tuple[Path, Path]) -> None:
    role = "Sprecherin des russischen Außenministeriums"
    first = describe(seed(seed_paths[0], "000").text)
    assert {
        ("Maria Sacharowa", role),
        ("Keir Starmer", "britische Premierminister"),
        ("Emmanuel Macron", "französische Präsident"),
        ("Steve Witkoff", "US-Sondergesandte"),
        ("Wolodymyr Selenskyj", "ukrainische Präsident"),
        ("Donald Trump", "Präsident"),
        ("Koalition der Willigen", "Gruppe der entschiedensten westlichen Unterstützer der Ukraine"),
    } <= first
    assert not [d for d in first if d[0] == "Paris"]
    second = describe(seed(seed_paths[1], "001").text)
    assert ("Maria Sacharowa", role) in second
    assert any(
        name == "Koalition der Willigen" and text.startswith("Gruppe westlicher Staaten […], die")
        for name, text in second
    )


@pytest.mark.parametrize("text", ["", "Als", "Präsident", "Maria Sacharowa ist", "Paris, einer"])
def test_degenerate_texts_do_not_fail(text: str) -> None:
    describe(text)
