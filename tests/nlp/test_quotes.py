"""Direct and indirect quotes with resolved speakers."""

from __future__ import annotations

from pathlib import Path

import pytest

from quellenlage.models import Article
from quellenlage.nlp.entities import find_entities
from quellenlage.nlp.quotes import find_quotes


def seed(path: Path, article_id: str) -> Article:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return Article(id=article_id, text="\n".join(line.rstrip() for line in text.split("\n")))


def quotes(text: str) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, quoted text, speaker name, verb lemma) for every quote; spans checked on the way."""
    article = Article(id="q", text=text)
    entities = find_entities(article, ())
    names = {e.id: e.name for e in entities}
    out = []
    for q in find_quotes(article, (), entities):
        assert text[q.span.start : q.span.end] == q.text
        if q.attribution_span is not None:
            assert q.verb is not None
        out.append((q.kind, q.text, names.get(q.speaker_entity_id or ""), q.verb))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "„Wir bleiben hart“, sagte Präsident Hans Trabok am Montag.",
            ("direct", "Wir bleiben hart", "Hans Trabok", "sagen"),
        ),
        ("Hans Trabok sagte: »Wir bleiben hart.«", ("direct", "Wir bleiben hart.", "Hans Trabok", "sagen")),
        (
            'Die Lage sei "sehr ernst", warnte Anna Kowalczyk.',
            ("direct", "sehr ernst", "Anna Kowalczyk", "warnen"),
        ),
        (
            "Die Ministerin Anna Kowalczyk erklärte, sie habe keine Kenntnis davon.",
            ("indirect", "sie habe keine Kenntnis davon", "Anna Kowalczyk", "erklären"),
        ),
        (
            "Moskau warnte, dass jede Stationierung eine Provokation sei.",
            ("indirect", "dass jede Stationierung eine Provokation sei", "Moskau", "warnen"),
        ),
        (
            "Präsident Hans Trabok kam spät. Die Lage sei „ernst“, sagte er.",
            ("direct", "ernst", "Hans Trabok", "sagen"),
        ),
        (
            "Die Sprecherin des Innenministeriums, Anna Kowalczyk, trat auf. Die Lage sei „ernst“, sagte die Sprecherin.",
            ("direct", "ernst", "Anna Kowalczyk", "sagen"),
        ),
        (
            "Das Ergebnis sei „ein Erfolg“, so Hans Trabok.",
            ("direct", "ein Erfolg", "Hans Trabok", "so"),
        ),
        (
            "Laut Anna Kowalczyk ist die Lage ernst.",
            ("indirect", "ist die Lage ernst", "Anna Kowalczyk", "laut"),
        ),
        (
            "Die Truppen seien abgezogen, hieß es aus dem Kreml.",
            ("indirect", "Die Truppen seien abgezogen", "Kreml", "heißen"),
        ),
        (
            "Die Truppen seien abgezogen, hieß es am Abend.",
            ("indirect", "Die Truppen seien abgezogen", None, "heißen"),
        ),
        (
            "Anna Kowalczyk kündigte eine „harte Antwort“ an.",
            ("direct", "harte Antwort", "Anna Kowalczyk", "ankündigen"),
        ),
    ],
)
def test_quotes_and_speakers(text: str, expected: tuple) -> None:
    assert expected in quotes(text)


def test_konjunktiv_sentence_continues_reported_speech() -> None:
    text = (
        "Die Regeln gälten weiter, betonte Anna Kowalczyk. Die Pläne seien „gefährlich“. "
        "Die Vorschläge seien unklar."
    )
    found = quotes(text)
    assert ("direct", "gefährlich", "Anna Kowalczyk", "betonen") in found
    assert ("indirect", "Die Vorschläge seien unklar", "Anna Kowalczyk", "betonen") in found


@pytest.mark.parametrize(
    "text",
    [
        "Ein Treffen der sogenannten „Koalition der Willigen“ fand in Paris statt.",
        "Der Begriff „Internationalisierung“ taucht oft auf.",
        "Hans Trabok kam. Das Wort „Zeitenwende“ ist bekannt.",  # no Konjunktiv, no verb: not speech
    ],
)
def test_scare_quotes_and_terms_get_no_speaker(text: str) -> None:
    found = quotes(text)
    assert found and all(kind == "term" and speaker is None for kind, _, speaker, _ in found)


@pytest.mark.parametrize(
    "text",
    [
        "Je lauter Moskau warnt, desto klarer wird die Lage.",  # comparative clause, not reported
        "Die Firma teilte die Kosten auf.",  # 'teilen' without 'mit' is no reporting verb
        "Er sagte nichts.",  # no clause, no marks
        "Das heißt, wir warten.",  # 'heißen' without 'es' is no reporting verb
        "Laut Plan beginnt es morgen.",  # 'laut' without a speaker
    ],
)
def test_no_quote_without_reported_clause(text: str) -> None:
    assert [q for q in quotes(text) if q[0] != "term"] == []


def test_speech_act_noun_names_the_author_of_a_countrys_warning() -> None:
    text = (
        "Russland warnt, dass fremde Truppen „legitime Ziele“ seien.\n\n"
        "Die Warnung, die die Sprecherin des Ministeriums, Anna Kowalczyk, am Montag aussprach, gilt weiter."
    )
    assert ("direct", "legitime Ziele", "Anna Kowalczyk", "warnen") in quotes(text)


def _seed_quotes(path: Path, article_id: str) -> list[tuple[str, str | None]]:
    article = seed(path, article_id)
    entities = find_entities(article, ())
    names = {e.id: e.name for e in entities}
    return [(q.text, names.get(q.speaker_entity_id or "")) for q in find_quotes(article, (), entities)]


def test_seed_000_quotes(seed_paths: tuple[Path, Path]) -> None:
    found = _seed_quotes(seed_paths[0], "000")
    assert any("legitim" in t and "Kampfziel" in t and s == "Maria Sacharowa" for t, s in found)
    assert ("wahre Kriegsachse", "Maria Sacharowa") in found
    assert ("Koalition der Willigen", None) in found


def test_seed_001_quotes(seed_paths: tuple[Path, Path]) -> None:
    found = _seed_quotes(seed_paths[1], "001")
    assert ("legitime militärische Ziele", "Maria Sacharowa") in found
    assert ("Kriegsachse", "Maria Sacharowa") in found
    assert ("Koalition der Willigen", None) in found


def test_quotation_over_several_sentences_is_one_quote() -> None:
    text = "„Wir bleiben hart. Das ist klar“, sagte Präsident Hans Trabok. Danach ging er."
    assert ("direct", "Wir bleiben hart. Das ist klar", "Hans Trabok", "sagen") in quotes(text)


def test_mispaired_marks_are_not_quotes() -> None:
    text = "Er nannte es „Unsinn“ und „Lüge“, sagte Hans Trabok. Das ist „ kein Zitat “."
    assert {q[1] for q in quotes(text)} == {"Unsinn", "Lüge"}


@pytest.mark.parametrize("text", ["", "   ", "„", "Er sagte: „Ohne Ende", "„“ – ."])
def test_degenerate_texts_do_not_fail(text: str) -> None:
    quotes(text)


def test_seed_quotes_with_the_pipeline_sentences(seed_paths: tuple[Path, Path]) -> None:
    from quellenlage.nlp.sections import segment

    for index, expected in [(0, "wahre Kriegsachse"), (1, "legitime militärische Ziele")]:
        article = seed(seed_paths[index], f"00{index}")
        _, sentences = segment(article)
        entities = find_entities(article, sentences)
        names = {e.id: e.name for e in entities}
        found = find_quotes(article, sentences, entities)
        assert any(
            q.text == expected and names.get(q.speaker_entity_id or "") == "Maria Sacharowa" for q in found
        )
        assert all(q.sentence is not None and sentences[q.sentence].span.start <= q.span.start for q in found)
