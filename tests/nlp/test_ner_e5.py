"""The fine-tuned e5 NER tagger: decoding, windows, storage, the two runtimes, the shipped model."""

from __future__ import annotations

import numpy as np
import pytest

from quellenlage import encoder
from quellenlage.errors import ModelError
from quellenlage.models import EntityType, Mention, Span
from quellenlage.nlp import ner_e5
from quellenlage.nlp.entities import default_recognizers, find_entities
from quellenlage.nlp.ner_e5 import TAGS, E5Recognizer, E5Tagger, PieceCache, tags_to_spans, viterbi, windows

PER, LOC, ORG = EntityType.PER, EntityType.LOC, EntityType.ORG
T = {t: i for i, t in enumerate(TAGS)}


def _log_probs(rows: list[dict[str, float]]) -> np.ndarray:
    """Log-probabilities with the given tags' probabilities and the rest spread evenly."""
    out = np.full((len(rows), len(TAGS)), 1e-3)
    for i, row in enumerate(rows):
        for tag, p in row.items():
            out[i, T[tag]] = p
    return np.log(out / out.sum(axis=1, keepdims=True))


def test_viterbi_never_starts_or_continues_an_entity_with_a_foreign_i_tag():
    # Greedy argmax would give O, I-PER (invalid) and B-LOC, I-ORG (invalid).
    lp = _log_probs(
        [
            {"O": 0.9},
            {"I-PER": 0.6, "B-PER": 0.35},
            {"B-LOC": 0.9},
            {"I-ORG": 0.5, "I-LOC": 0.45},
        ]
    )
    tags = [TAGS[t] for t in viterbi(lp)]
    assert tags == ["O", "B-PER", "B-LOC", "I-LOC"]


def test_viterbi_keeps_a_valid_greedy_path_and_handles_empty_input():
    lp = _log_probs([{"B-PER": 0.9}, {"I-PER": 0.9}, {"O": 0.9}, {"B-ORG": 0.9}])
    assert [TAGS[t] for t in viterbi(lp)] == ["B-PER", "I-PER", "O", "B-ORG"]
    assert viterbi(np.zeros((0, len(TAGS)))) == []
    first = _log_probs([{"I-LOC": 0.9}])
    assert TAGS[viterbi(first)[0]] != "I-LOC"


def test_tags_to_spans_splits_adjacent_entities_and_types():
    tags = ["B-PER", "I-PER", "B-PER", "O", "B-LOC", "I-ORG", "I-ORG"]
    assert tags_to_spans(tags) == [(0, 2, "PER"), (2, 3, "PER"), (4, 5, "LOC"), (5, 7, "ORG")]
    assert tags_to_spans([]) == []


@pytest.mark.slow
def test_windows_cut_long_sentences_at_word_boundaries():
    pieces = PieceCache(encoder.load_model())
    words = ["Bundesgesundheitsministerium"] * 200
    out = windows(words, pieces)
    assert len(out) > 1
    assert out[0][0] == 0
    covered = sum(len(heads) for _, _, heads in out)
    assert covered == len(words)
    for first, ids, heads in out:
        assert len(ids) - 2 <= ner_e5.MAX_PIECES
        assert ids[0] == pieces.model.vocab.bos and ids[-1] == pieces.model.vocab.eos
        assert heads[0] == 1 and heads == sorted(heads)
        assert first >= 0
    assert windows([], pieces) == [(0, [pieces.model.vocab.bos, pieces.model.vocab.eos], [])]


@pytest.mark.slow
def test_first_piece_of_each_word_carries_the_word_start_marker():
    model = encoder.load_model()
    pieces = PieceCache(model)
    ids = pieces("Sacharowa")
    inverse = {v: k for k, v in model.vocab.pieces.items()}
    assert inverse[ids[0]].startswith(encoder.META)
    assert "".join(inverse[i] for i in ids).replace(encoder.META, "") == "Sacharowa"


def _tiny_tagger(seed: int = 0, head_scale: float = 0.5) -> E5Tagger:
    """Two base layers with a random head: a real (if untrained) tagger to test storage and runtimes."""
    rng = np.random.default_rng(seed)
    layers = encoder.dense_layers()[:2]
    moved = tuple(
        encoder.Layer(**{f: getattr(layer, f) + rng.normal(0, 1e-3, getattr(layer, f).shape).astype(np.float32)
                         for f in encoder.LAYER_FIELDS})
        for layer in layers
    )  # fmt: skip
    head = rng.normal(0, head_scale, (encoder.load_model().hidden, len(TAGS))).astype(np.float32)
    return E5Tagger(moved, head, rng.normal(0, 0.1, len(TAGS)).astype(np.float32), {})


@pytest.mark.slow
def test_saved_tagger_loads_back_with_the_same_tags(tmp_path):
    tagger = _tiny_tagger()
    tagger.save(tmp_path, {"note": "test"})
    loaded = E5Tagger.load(tmp_path)
    assert len(loaded.layers) == 2 and loaded.info["note"] == "test"
    np.testing.assert_allclose(loaded.head_weight, tagger.head_weight)
    for a, b in zip(loaded.layers, tagger.layers, strict=True):
        # int8 differences from the base weights: off by at most half a quantisation step
        assert float(np.abs(a.fi_w - b.fi_w).max()) < 1e-4
    sentences = [["Angela", "Merkel", "besuchte", "Paris", "."], ["Die", "UN", "tagt", "."]]
    assert loaded.tag(sentences) == tagger.tag(sentences)


@pytest.mark.slow
def test_onnx_runtime_agrees_with_numpy_layers(tmp_path):
    pytest.importorskip("onnxruntime")
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from quellenlage.train.ner_e5 import export_onnx

    tagger = _tiny_tagger(1, head_scale=0.05)
    tagger.save(tmp_path, {})
    export_onnx(tagger, tmp_path / "model.onnx")
    onnx_tagger = ner_e5.load(str(tmp_path), "onnx")
    assert isinstance(onnx_tagger, ner_e5.OnnxTagger)
    sentences = [["Olaf", "Scholz", "sprach", "in", "Berlin", "mit", "der", "Presse", "."]]
    a = tagger.log_probs(sentences)[0]
    b = onnx_tagger.log_probs(sentences)[0]
    assert a.shape == b.shape == (9, len(TAGS))
    # int8 weights: close, not identical
    assert float(np.abs(np.exp(a) - np.exp(b)).max()) < 0.1
    assert (a.argmax(axis=1) == b.argmax(axis=1)).mean() >= 8 / 9


def test_missing_model_directory_is_a_model_error_saying_how_to_train(tmp_path):
    with pytest.raises(ModelError, match="train ner-e5"):
        E5Tagger.load(tmp_path / "nothing")
    with pytest.raises(ModelError, match="train ner-e5"):
        ner_e5.load(str(tmp_path / "nothing"), "onnx")


def _found(text: str) -> set[tuple[str, EntityType]]:
    mentions = E5Recognizer("a1").recognize(text, ner_e5._line_sentences(text, "a1"))
    for m in mentions:
        assert text[m.span.start : m.span.end] == m.text  # every mention is an exact span of the text
    return {(m.text, m.type) for m in mentions}


needs_model = pytest.mark.skipif(
    not (ner_e5.MODEL_DIR / "meta.json").is_file(), reason="the e5 NER model is not shipped in this checkout"
)


@pytest.mark.slow
@needs_model
def test_shipped_model_finds_people_places_and_organisations_in_news():
    text = (
        "Die Sprecherin des russischen Außenministeriums, Maria Sacharowa, warnte am Donnerstag in Moskau.\n"
        "Bundeskanzler Friedrich Merz traf in Paris den französischen Präsidenten Emmanuel Macron.\n"
        "Die Deutsche Bahn und die Gewerkschaft Verdi verhandeln in Frankfurt."
    )
    found = _found(text)
    assert {("Maria Sacharowa", PER), ("Moskau", LOC), ("Friedrich Merz", PER), ("Paris", LOC)} <= found
    assert ("Emmanuel Macron", PER) in found
    assert ("Deutsche Bahn", ORG) in found and ("Frankfurt", LOC) in found


@pytest.mark.slow
@needs_model
def test_shipped_model_does_not_tag_capitalised_common_nouns():
    text = "Die Szenarios der Regierung sehen höhere Steuern vor.\nDas Wetter wird am Wochenende besser."
    assert _found(text) == set()


needs_small_model = pytest.mark.skipif(
    not (ner_e5.SMALL_MODEL_DIR / "meta.json").is_file(), reason="the small e5 NER model is not shipped"
)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("backend", "model_path"),
    [
        pytest.param("e5", None, marks=needs_model),
        pytest.param("e5+rules", None, marks=needs_model),
        pytest.param("e5s", str(ner_e5.SMALL_MODEL_DIR), marks=needs_small_model),
        pytest.param("e5s+rules", str(ner_e5.SMALL_MODEL_DIR), marks=needs_small_model),
    ],
)
def test_e5_backends_run_through_the_reading_layer_entities(backend, model_path):
    from quellenlage.models import Article
    from quellenlage.nlp.sections import segment

    text = "Maria Sacharowa sprach in Moskau. Sacharowa sagte, Russland werde reagieren."
    article = Article(id="a1", text=text, language="de")
    _, sentences = segment(article)
    recognizers = default_recognizers("a1", backend)
    assert recognizers[-1].name == "e5" and recognizers[-1].model_path == model_path
    names = {(e.name, e.type) for e in find_entities(article, sentences, backend=backend)}
    assert ("Maria Sacharowa", PER) in names and ("Moskau", LOC) in names


@pytest.mark.slow
@needs_model
@needs_small_model
def test_small_model_is_a_separate_shallower_tagger():
    student = ner_e5.load(str(ner_e5.SMALL_MODEL_DIR))
    assert student is not ner_e5.load() and student.info["layers"] < ner_e5.load().info["layers"]


def test_entities_setting_offers_exactly_the_reading_layer_backends():
    from quellenlage.cli.eval_ner import BACKENDS
    from quellenlage.nlp.entities import ENTITY_BACKENDS
    from quellenlage.settings import CHOICES, SETTINGS

    assert set(CHOICES["entities"]) == set(ENTITY_BACKENDS) == set(BACKENDS)
    assert SETTINGS["entities"][0] in ENTITY_BACKENDS


def _m(text: str, start: int, end: int, kind: EntityType, source: str) -> Mention:
    return Mention(Span("a1", start, end), text[start:end], kind, source)


def test_combine_keeps_gazetteer_names_model_mentions_and_multiword_rule_orgs():
    from quellenlage.nlp.ner_e5 import combine

    text = "Die Koalition der Willigen traf Maria Sacharowa und die NATO in Paris."
    koalition = _m(text, 4, 26, ORG, "rules")
    nato_rule = _m(text, 56, 60, ORG, "rules")  # one-word rule ORG: dropped
    sacharowa_gaz = _m(text, 32, 47, PER, "gazetteer")
    sacharowa_model = _m(text, 38, 47, PER, "model")  # overlaps the gazetteer name: loses
    paris_model = _m(text, 64, 69, LOC, "model")
    paris_rule = _m(text, 64, 69, LOC, "rules")  # overlaps a model mention: not added twice
    merged = combine([koalition, nato_rule, sacharowa_gaz, paris_rule], [sacharowa_model, paris_model])
    assert [(m.text, m.source) for m in merged] == [
        ("Koalition der Willigen", "rules"),
        ("Maria Sacharowa", "gazetteer"),
        ("Paris", "model"),
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("russischen", "lower-case"),
        ("britisch-französische Initiative", "lower-case"),
        ("NATO-Staaten", "compound"),
        ("US-Truppen", "compound"),
        ("Präsident", "role"),
        ("Spanier", "demonym"),
        ("Französinnen", "demonym"),
        ("Spanien", None),  # the country, not its people
        ("Polen", None),  # country and plural demonym: left to the model
        ("von der Leyen", None),  # a name particle starts the name
        ("dpa", None),  # a news agency the gazetteer lists, written in lower case
        ("taz", None),
        ("dpa-Reporter", "compound"),  # the listed name inside a compound does not save it
        ("Russland", None),
        ("eBay", None),
        ("Baden-Württemberg", None),  # the last part is a name, not a dictionary word
        ("Maria Sacharowa", None),
    ],
)
def test_implausible_model_mentions_say_why(text: str, reason: str | None):
    from quellenlage.nlp.ner_e5 import implausible

    assert implausible(text) == reason


@pytest.mark.parametrize(
    ("line", "a", "b", "heading"),
    [
        ("Europäische Zwickmühle", 0, 2, True),
        ("– Russische Strategie", 1, 3, True),
        ("Russische Strategie :", 0, 2, True),
        ("Europäische Union", 0, 2, False),  # listed by the gazetteer
        ("– Internationale Truppe weiter unklar", 1, 3, False),  # does not fill the line
        ("Michelle Obama", 0, 2, False),  # a given name with an adjective ending
        ("Maria Sacharowa", 0, 2, False),
        ("Russische", 0, 1, False),  # one word
    ],
)
def test_heading_phrases_are_whole_lines_opening_with_an_adjective(line: str, a: int, b: int, heading: bool):
    from quellenlage.nlp.ner_e5 import is_heading_phrase

    assert is_heading_phrase(line.split(), a, b) is heading


def test_gazetteer_type_overrides_metonymy_and_keeps_unlisted_names():
    from quellenlage.nlp.ner_e5 import gazetteer_type

    assert gazetteer_type("Großbritannien", ORG) is LOC
    assert gazetteer_type("Trabokhausen", ORG) is ORG


def test_combine_lets_a_longer_rule_name_win_over_the_model_mention_inside_it():
    from quellenlage.nlp.ner_e5 import combine

    text = "Als Koalition der Willigen gilt das Außenministerium in Paris."
    koalition = _m(text, 4, 26, ORG, "rules")
    koalition_model = _m(text, 4, 13, ORG, "model")  # "Koalition": inside the longer rule name
    ministry = _m(text, 36, 52, ORG, "rules")  # one-word rule ORG, but a ministry: kept
    paris = _m(text, 56, 61, LOC, "model")
    merged = combine([koalition, ministry], [koalition_model, paris])
    assert [(m.text, m.source) for m in merged] == [
        ("Koalition der Willigen", "rules"),
        ("Außenministerium", "rules"),
        ("Paris", "model"),
    ]
    # a model mention that reaches beyond the rule name keeps it out
    wider = _m(text, 4, 31, ORG, "model")
    assert [m.source for m in combine([koalition], [wider])] == ["model"]


@pytest.mark.slow
@needs_model
def test_without_sentences_the_recogniser_tags_each_line():
    text = "Maria Sacharowa sprach in Moskau.\nOlaf Scholz reiste nach Paris."
    with_lines = E5Recognizer("a1").recognize(text, ner_e5._line_sentences(text, "a1"))
    assert with_lines and E5Recognizer("a1").recognize(text, ()) == with_lines


@pytest.mark.parametrize(
    ("surface", "confidence", "label", "unsure"),
    [
        ("Gemeinde", 0.55, ner_e5.EntityType.LOC, True),  # a common noun the model is unsure about
        ("Gemeinde", 0.95, ner_e5.EntityType.LOC, False),  # sure enough
        ("Gemeinde", 0.55, ner_e5.EntityType.ORG, True),  # other types: the general threshold
        ("Berlin", 0.4, ner_e5.EntityType.LOC, False),  # the gazetteer lists it
        ("Hofmann", 0.55, ner_e5.EntityType.PER, False),  # a surname: persons need only 0.5
        ("Hofmann", 0.45, ner_e5.EntityType.PER, True),
    ],
)
def test_unsure_single_words_are_dropped_unless_listed(surface, confidence, label, unsure):
    assert ner_e5.is_unsure_single_word(surface, confidence, label) is unsure


def _recognise_with_fixed_tags(monkeypatch, text, tags, confidence):
    """E5Recognizer's mentions in the one-line ``text`` when the tagger returns ``tags``."""

    class Fixed:
        def tag_with_confidence(self, sentences):
            return [ner_e5.Tagged(tags, confidence)]

    monkeypatch.setattr(ner_e5, "load", lambda path=None: Fixed())
    monkeypatch.setattr(ner_e5, "_tag_cache", ner_e5.OrderedDict())
    return E5Recognizer("a1").recognize(text, ner_e5._line_sentences(text, "a1"))


def test_recogniser_drops_a_low_confidence_single_word_but_keeps_a_longer_name(monkeypatch):
    found = _recognise_with_fixed_tags(
        monkeypatch,
        "Gemeinde und Anna Schmidt .",
        ("B-LOC", "O", "B-PER", "I-PER", "O"),
        (0.6, 0.99, 0.6, 0.6, 0.99),
    )
    assert {(m.text, m.type) for m in found} == {("Anna Schmidt", PER)}


def test_recogniser_keeps_a_one_word_person_at_lower_confidence_than_a_place(monkeypatch):
    found = _recognise_with_fixed_tags(
        monkeypatch, "Gemeinde und Stoiber .", ("B-LOC", "O", "B-PER", "O"), (0.6, 0.99, 0.6, 0.99)
    )
    assert {(m.text, m.type) for m in found} == {("Stoiber", PER)}


def test_tag_cache_reuses_tags_of_seen_sentences_and_stays_bounded(monkeypatch):
    calls: list[list[list[str]]] = []

    class Counting:
        def tag_with_confidence(self, sentences):
            calls.append([list(s) for s in sentences])
            return [ner_e5.Tagged(("B-PER",) + ("O",) * (len(s) - 1), (0.9,) * len(s)) for s in sentences]

    monkeypatch.setattr(ner_e5, "_tag_cache", ner_e5.OrderedDict())
    monkeypatch.setattr(ner_e5, "TAG_CACHE_SIZE", 2)
    first = ner_e5.cached_tags(Counting(), "m", [["Anna", "kam"], ["Olaf", "ging"], ["Anna", "kam"]])
    assert [r.tags for r in first] == [("B-PER", "O")] * 3
    assert calls == [[["Anna", "kam"], ["Olaf", "ging"]]]  # the repeated sentence is tagged once
    assert ner_e5.cached_tags(Counting(), "m", [["Olaf", "ging"]])[0].tags == ("B-PER", "O")
    assert len(calls) == 1  # served from the cache
    ner_e5.cached_tags(Counting(), "other-model", [["Olaf", "ging"]])
    assert len(calls) == 2  # another model's tags are not reused
    assert len(ner_e5._tag_cache) == 2  # bounded: the least recently used sentence left
    assert ("m", ("Anna", "kam")) not in ner_e5._tag_cache


@pytest.mark.parametrize(
    ("words", "a", "b", "expected"),
    [
        ("in Frankfurt # Bornheim", 1, 3, "Frankfurt"),  # the tagger ran on into a hashtag mark
        ("im Luzenské údolí ( Lusental ) liegt", 4, 6, "Lusental"),  # a bracket the name did not open
        ("Fachzeitschrift « Nature Climate Change »", 1, 6, "Nature Climate Change"),
        ("nach Frankfurt ( Oder ) fahren", 1, 5, "Frankfurt ( Oder )"),  # a bracket the name opened
        ("bei Yahoo ! arbeiten", 1, 3, "Yahoo !"),  # punctuation a name may end with
        ("König Friedrich Wilhelm IV .", 1, 5, "Friedrich Wilhelm IV ."),
        ("( # )", 0, 3, ""),  # nothing but punctuation: nothing left
    ],
)
def test_trim_punctuation_drops_edge_marks_that_belong_to_the_text_around_a_name(words, a, b, expected):
    tokens = words.split()
    start, end = ner_e5.trim_punctuation(tokens, a, b)
    assert " ".join(tokens[start:end]) == expected


def test_recogniser_trims_a_hashtag_mark_off_a_place(monkeypatch):
    found = _recognise_with_fixed_tags(
        monkeypatch, "in Frankfurt # Bornheim", ("O", "B-LOC", "I-LOC", "O"), (0.99, 0.95, 0.9, 0.99)
    )
    assert [(m.text, m.type, m.span.start) for m in found] == [("Frankfurt", LOC, 3)]
