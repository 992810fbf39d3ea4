"""The shipped NER model as a recogniser, and the rule/model merge."""

from __future__ import annotations

from itertools import pairwise

import pytest

from quellenlage.models import EntityType, Mention, Sentence, Span
from quellenlage.nlp.ner_model import ModelRecognizer, combine, load_model
from quellenlage.nlp.tokens import tokenize

PER, LOC, ORG = EntityType.PER, EntityType.LOC, EntityType.ORG


def _sentences(text: str, article_id: str = "a1") -> tuple[Sentence, ...]:
    """One sentence per line, tokenised by the reading layer's tokenizer."""
    out, offset = [], 0
    for index, line in enumerate(text.split("\n")):
        tokens = tokenize(line, offset)
        out.append(Sentence(index, Span(article_id, offset, offset + len(line)), 0, tokens=tokens))
        offset += len(line) + 1
    return tuple(out)


def _found(text: str, sentences=None) -> set[tuple[str, EntityType]]:
    sentences = _sentences(text) if sentences is None else sentences
    return {(m.text, m.type) for m in ModelRecognizer().recognize(text, sentences)}


@pytest.mark.slow
def test_model_finds_people_and_places_in_news_sentence():
    text = "Angela Merkel traf in Paris den französischen Präsidenten Emmanuel Macron."
    assert {("Angela Merkel", PER), ("Paris", LOC), ("Emmanuel Macron", PER)} <= _found(text)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Bundesregierung in Berlin lehnte den Vorschlag ab.", ("Berlin", LOC)),
        ("Der Vorstand der Deutschen Bank tagte am Montag in Frankfurt.", ("Deutschen Bank", ORG)),
        ("Wolodymyr Selenskyj sprach am Abend mit Olaf Scholz.", ("Olaf Scholz", PER)),
    ],
)
def test_model_recognises_common_entities(text, expected):
    assert expected in _found(text)


@pytest.mark.slow
def test_mentions_point_back_into_the_article_text():
    text = "Kurzmeldung.\nIn München demonstrierten Tausende gegen die Pläne von Siemens."
    sentences = _sentences(text, "art-7")
    mentions = ModelRecognizer().recognize(text, sentences)
    assert mentions
    for m in mentions:
        assert m.span.article_id == "art-7"
        assert text[m.span.start : m.span.end] == m.text
        assert m.source == "model"


@pytest.mark.slow
def test_recognize_without_tokens_uses_sentence_text():
    text = "Angela Merkel besuchte Hamburg."
    bare = (Sentence(0, Span("a2", 0, len(text)), 0),)
    found = _found(text, bare)
    assert ("Angela Merkel", PER) in found
    assert ("Hamburg", LOC) in found


@pytest.mark.slow
def test_model_loads_once_per_process():
    assert load_model() is load_model()


def _m(start: int, end: int, kind: EntityType, source: str, text: str = "x") -> Mention:
    return Mention(Span("a", start, end), text, kind, source)


def test_combine_keeps_model_spans_over_shorter_rule_guesses():
    rules = [_m(0, 6, PER, "rules")]
    model = [_m(0, 13, PER, "model"), _m(22, 27, LOC, "model")]
    assert combine(rules, model) == model


def test_combine_prefers_rule_org_and_gazetteer_on_overlap():
    rules = [_m(0, 9, ORG, "rules"), _m(20, 26, LOC, "gazetteer")]
    model = [_m(0, 4, LOC, "model"), _m(20, 30, ORG, "model")]
    assert combine(rules, model) == rules


def test_combine_prefers_longer_rule_name_of_same_type():
    rules = [_m(10, 25, PER, "rules")]
    model = [_m(16, 25, PER, "model")]
    assert combine(rules, model) == rules


def test_combine_adds_names_only_one_side_found_without_overlaps():
    rules = [_m(0, 5, PER, "rules"), _m(40, 45, LOC, "rules")]
    model = [_m(3, 9, LOC, "model"), _m(20, 25, EntityType.MISC, "model")]
    merged = combine(rules, model)
    assert merged == [model[0], model[1], rules[1]]
    spans = [(m.span.start, m.span.end) for m in merged]
    assert all(a[1] <= b[0] for a, b in pairwise(spans))
