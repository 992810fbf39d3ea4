"""Floret vector training: corpus tokenisation, the text it reads, and use in the NER pipeline."""

from __future__ import annotations

import gzip
import json

import pytest

from quellenlage import nerdata
from quellenlage.train import vectors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die EU-Kommission tagt.", ["Die", "EU-Kommission", "tagt", "."]),
        ("Es kostet 1,5 Mrd. Euro", ["Es", "kostet", "1,5", "Mrd", ".", "Euro"]),
        ("am 3.5.2020 in Köln", ["am", "3.5.2020", "in", "Köln"]),
        ("„Nein“, sagte Scholz (SPD).", ["„", "Nein", "“", ",", "sagte", "Scholz", "(", "SPD", ")", "."]),
        # a comma between words is punctuation, not a decimal separator
        ("Berlin,Hamburg", ["Berlin", ",", "Hamburg"]),
        ("O’Neill's Team", ["O’Neill's", "Team"]),
    ],
)
def test_tokenize_keeps_compounds_and_decimals_whole(text, expected):
    assert vectors.tokenize(text) == expected


def test_fang_lines_reads_titles_and_paragraphs_and_drops_fragments(tmp_path):
    path = tmp_path / "fang.jsonl.gz"
    records = [
        {
            "title": "Neue Regeln in Bayern ab Montag",
            "text": "Erster Absatz mit Inhalt.\nKurz\n\nZweiter Absatz hier.",
        },
        {"title": None, "text": None},
    ]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(json.dumps(r) for r in records) + "\n")
    assert list(vectors.fang_lines(path)) == [
        "Neue Regeln in Bayern ab Montag",
        "Erster Absatz mit Inhalt .",
        "Zweiter Absatz hier .",
    ]


def test_write_corpus_explains_missing_text(tmp_path):
    cfg = vectors.VectorsConfig(shared_data=str(tmp_path), out=str(tmp_path / "out"))
    with pytest.raises(vectors.ConfigError, match="shared-data"):
        vectors.write_corpus(cfg)


@pytest.mark.slow
def test_ner_train_lines_never_read_heldout_or_dev_text(shared_data):
    lines = set(vectors.ner_train_lines(shared_data / "ner", seed=0))
    germeval = nerdata.read_file(shared_data / "ner" / "germeval2014-dev.tsv")
    train, held = nerdata.split(germeval, "germeval")
    dev = {s.key for s in train if nerdata.is_dev(s, "germeval")}
    # a held-out sentence may equal a training sentence word for word; only unique ones are checked
    only_held = {s.key for s in held} - {s.key for s in train}
    assert only_held and dev
    assert not only_held & lines
    assert not (dev - {s.key for s in train if not nerdata.is_dev(s, "germeval")}) & lines
