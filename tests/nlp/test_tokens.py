"""Tokens: offsets into the text, a lemma for every token, sentence-final periods after numbers."""

from __future__ import annotations

import pytest

from quellenlage.nlp.tokens import lemma_of, tokenize


def test_tokens_carry_absolute_offsets() -> None:
    text = "Moskau warnt Paris."
    tokens = tokenize(text, start=100)
    assert [t.text for t in tokens] == ["Moskau", "warnt", "Paris", "."]
    for tok in tokens:
        assert text[tok.start - 100 : tok.end - 100] == tok.text


def test_every_token_has_a_lemma() -> None:
    tokens = tokenize("Die Sprecherin erklärte am 8. Januar: „Wir warnen.“ (z.B. 55.000 Soldaten)")
    assert all(t.lemma for t in tokens)


@pytest.mark.parametrize(
    ("word", "lemma"),
    [
        ("Moskaus", "Moskau"),  # lookup table
        ("Streitkräfte", "Streitkraft"),  # compound head rule
        ("erklärte", "erklären"),
        ("Soldaten", "Soldat"),
        ("getötet", "töten"),
        ("Waffenstillstandsabkommens", "Waffenstillstandsabkommen"),
        ("Vorgesehen", "vorsehen"),  # sentence-initial participle
        ("US-Bodentruppen", "US-Bodentruppe"),  # hyphenated compound
    ],
)
def test_lemma_of_word_forms(word: str, lemma: str) -> None:
    assert lemma_of(word) == lemma


def test_genitive_name_lemmatised_when_bare_name_occurs() -> None:
    tokens = tokenize("Selenskyj sprach. Selenskyjs Büro bestätigte das.")
    assert [t.lemma for t in tokens if t.text == "Selenskyjs"] == ["Selenskyj"]


@pytest.mark.parametrize("word", ["Paris", "Texas", "Mars", "Jones"])
def test_genitive_rule_does_not_strip_names_without_bare_form(word: str) -> None:
    tokens = tokenize(f"Sie fuhren nach {word} weiter.")
    assert [t.lemma for t in tokens if t.text == word] == [word]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das war 2022. Dann kam er.", ["Das", "war", "2022", ".", "Dann", "kam", "er", "."]),
        ("Es waren 1.200.000. Die Zahl", ["Es", "waren", "1.200.000", ".", "Die", "Zahl"]),
        ("Sie kam am 8. Januar.", ["Sie", "kam", "am", "8.", "Januar", "."]),
        ("Er wurde der 3. Sieger.", ["Er", "wurde", "der", "3.", "Sieger", "."]),
        ("vom 8. bis 9. März", ["vom", "8.", "bis", "9.", "März"]),
    ],
)
def test_number_periods_split_only_at_sentence_ends(text: str, expected: list[str]) -> None:
    assert [t.text for t in tokenize(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("am 20.07. in Köln", ["am", "20.07.", "in", "Köln"]),
        ("bis zum 20.07. Dann", ["bis", "zum", "20.07", ".", "Dann"]),
    ],
)
def test_day_month_dates_keep_their_period_inside_a_sentence(text: str, expected: list[str]) -> None:
    assert [t.text for t in tokenize(text)] == expected


@pytest.mark.parametrize(
    ("text", "abbreviation"),
    [("nach Abs. 3 gilt", "Abs."), ("Häuser u.ä. Bauten", "u.ä."), ("im 19. Jh. erbaut", "Jh.")],
)
def test_abbreviations_keep_their_period(text: str, abbreviation: str) -> None:
    assert abbreviation in [t.text for t in tokenize(text)]
