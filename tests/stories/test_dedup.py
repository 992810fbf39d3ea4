"""Near-duplicates: MinHash/LSH finds republished copies among distinct articles."""

from __future__ import annotations

import random

from quellenlage.dedup import DuplicateIndex, jaccard, near_duplicates, shingles, signature
from quellenlage.models import Article

_WORDS = [
    "Regierung",
    "Bundestag",
    "Minister",
    "Impfung",
    "Stadt",
    "Polizei",
    "Gericht",
    "Klima",
    "Energie",
    "Preis",
    "Schule",
    "Bahn",
    "Streik",
    "Hafen",
    "Wahl",
    "Partei",
    "Bericht",
    "Studie",
    "Virus",
    "Krankenhaus",
    "Land",
    "Gemeinde",
    "Brücke",
    "Feuer",
    "Wasser",
    "Markt",
    "Bank",
]


def _text(seed: int, n: int = 220) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_WORDS) + str(rng.randint(0, 40)) for _ in range(n)) + "."


def _copy_of(text: str) -> str:
    """An agency copy: new teaser line, one sentence changed, footer added."""
    words = text.split()
    words[100:104] = ["Das", "meldete", "die", "Agentur"]
    return "Eilmeldung aus Berlin. " + " ".join(words) + " (dpa) Mehr zum Thema lesen Sie hier."


def test_shingles_are_lowercased_word_five_grams() -> None:
    assert shingles("A b c d e F") == {b"a b c d e", b"b c d e f"}
    assert shingles("zu kurz") == {b"zu kurz"}
    assert shingles("") == set()


def test_signature_estimates_jaccard_of_a_copy() -> None:
    original, copy = _text(1), _copy_of(_text(1))
    exact = jaccard(shingles(original), shingles(copy))
    assert exact > 0.8
    assert abs(signature(original).jaccard(signature(copy)) - exact) < 0.2
    assert signature(original).jaccard(signature(_text(2))) < 0.2


def test_near_duplicates_finds_a_copy_among_distinct_articles_exact_path() -> None:
    articles = [Article(id=f"a{i}", text=_text(i)) for i in range(8)]
    articles.append(Article(id="copy", text=_copy_of(articles[3].text)))
    assert near_duplicates(articles) == [{"a3", "copy"}]


def test_near_duplicates_lsh_path_on_many_articles() -> None:
    articles = [Article(id=f"a{i}", text=_text(i)) for i in range(120)]
    articles += [
        Article(id="copy7", text=_copy_of(articles[7].text)),
        Article(id="copy7b", text=_copy_of(_copy_of(articles[7].text))),
    ]
    articles.append(Article(id="copy50", text=_copy_of(articles[50].text)))
    groups = near_duplicates(articles)
    assert {"a7", "copy7", "copy7b"} in groups
    assert {"a50", "copy50"} in groups
    assert len(groups) == 2


def test_index_is_incremental_and_idempotent() -> None:
    index = DuplicateIndex()
    assert index.add("x", _text(5)) == []
    assert index.add("y", _text(6)) == []
    found = index.add("z", _copy_of(_text(5)))
    assert [key for key, _ in found] == ["x"] and found[0][1] >= 0.5
    assert [key for key, _ in index.add("z", "ignored: already indexed")] == ["x"]
    assert len(index) == 3 and "z" in index
    assert [key for key, _ in index.query(_text(6))] == ["y"]


def test_shingle_hashes_are_one_per_distinct_shingle_and_shared_exactly_when_shingles_are() -> None:
    from quellenlage.dedup import shingle_hashes

    original, copy, other = _text(3), _copy_of(_text(3)), _text(4)
    for text in (original, copy, other, "zu kurz", "Ein Satz mit genau fünf Wörtern"):
        assert len(shingle_hashes(text)) == len(shingles(text))
    shared = len(set(shingle_hashes(original).tolist()) & set(shingle_hashes(copy).tolist()))
    assert shared == len(shingles(original) & shingles(copy))
    assert len(shingle_hashes("")) == 0
    assert shingle_hashes("A b C d E").tolist() == shingle_hashes("a B c D e").tolist()


def test_signature_with_a_precomputed_signature_is_the_same_as_from_text() -> None:
    index, again = DuplicateIndex(), DuplicateIndex()
    index.add("x", _text(5))
    again.add("x", "", signature(_text(5)))
    assert index.query(_copy_of(_text(5))) == again.query(_copy_of(_text(5)))
