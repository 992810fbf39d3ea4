"""NER training set-up: news up-weighting and static vectors in the pipeline (no long training)."""

from __future__ import annotations

import numpy
import pytest

from quellenlage.nerdata import NerSentence
from quellenlage.train import ner


def _floret_pipeline(path):
    import spacy
    from spacy.vectors import Vectors

    nlp = spacy.blank("de")
    table = numpy.random.default_rng(0).normal(size=(64, 8)).astype("float32")
    nlp.vocab.vectors = Vectors(data=table, mode="floret", minn=4, maxn=5, hash_count=2)
    nlp.to_disk(path)
    return str(path)


def _layer_names(nlp) -> set[str]:
    return {layer.name for layer in nlp.get_pipe("tok2vec").model.walk()}


def test_build_nlp_with_floret_vectors_gives_unseen_words_a_vector(tmp_path):
    cfg = ner.TrainConfig(data_dir="unused", out="unused", width=16, depth=1, embed_size=100, hidden_width=8)
    nlp = ner.build_nlp(cfg, _floret_pipeline(tmp_path / "vec"))
    assert "static_vectors" in _layer_names(nlp)
    sentences = [
        NerSentence(("Olaf", "Scholz", "spricht", "in", "Berlin"), ("B-PER", "I-PER", "O", "O", "B-LOC"))
    ]
    examples = ner.to_examples(nlp, sentences)
    optimizer = nlp.initialize(lambda: examples)
    nlp.update(examples, sgd=optimizer)
    doc = nlp.make_doc("Bundesgesundheitsministerium")  # never seen anywhere
    assert doc[0].has_vector and doc[0].vector.shape == (8,)
    assert set(ner.evaluate(nlp, sentences)) >= {"p", "r", "f1"}


def test_build_nlp_without_vectors_has_no_static_vectors():
    cfg = ner.TrainConfig(data_dir="unused", out="unused", width=16, depth=1, embed_size=100, hidden_width=8)
    nlp = ner.build_nlp(cfg, None)
    assert nlp.vocab.vectors.shape[0] == 0
    assert "static_vectors" not in _layer_names(nlp)


def test_resolve_vectors_passes_explicit_choices_through():
    assert ner.resolve_vectors(ner.TrainConfig("d", "o", vectors=None)) is None
    assert ner.resolve_vectors(ner.TrainConfig("d", "o", vectors="/some/dir")) == "/some/dir"


@pytest.mark.slow
def test_news_repeat_multiplies_news_training_sentences_only(shared_data):
    base = ner.TrainConfig(str(shared_data / "ner"), "unused", include_wikiann=False)
    train1, dev1, _ = ner.load_training_data(base)
    train3, dev3, _ = ner.load_training_data(ner.TrainConfig(**{**base.__dict__, "news_repeat": 3}))
    news1 = sum(1 for s in train1 if s.doc_id)
    news3 = sum(1 for s in train3 if s.doc_id)
    assert news1 and news3 == 3 * news1  # SmartData sentences carry a document id
    assert len(train3) > len(train1) + 2 * news1  # GermEval sentences are repeated too
    assert dev1 == dev3


def test_dev_score_selects_on_the_news_part_before_the_wikiann_sentences(monkeypatch):
    import spacy

    monkeypatch.setattr(ner, "WIKI_DEV_SENTENCES", 2)
    nlp = spacy.blank("de")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "LOC", "pattern": "Berlin"}])
    news = [NerSentence(("Wahl", "in", "Berlin"), ("O", "O", "B-LOC"))]
    wiki = [NerSentence(("Paris",), ("B-LOC",)), NerSentence(("Rom",), ("B-LOC",))]
    scores = ner.dev_score(nlp, news + wiki)
    assert scores["news_f1"] == 1.0
    assert scores["f1"] < 1.0


def test_train_rejects_an_unknown_selection_score():
    from quellenlage.errors import ConfigError

    with pytest.raises(ConfigError, match="select_on"):
        ner.train(ner.TrainConfig("unused", "unused", select_on="accuracy"))
