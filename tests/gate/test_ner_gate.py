"""Quality gate for the shipped NER models: F1 on held-out slices must stay above pinned floors.

The slices are never trained on (see ``quellenlage.nerdata`` splits). To re-measure::

    quellenlage eval ner --data ../shared/data/ner/germeval2014-dev.tsv --split heldout --limit 300 --backend e5
    quellenlage eval ner --data ../shared/data/ner/smartdata-train.jsonl --split heldout --limit 100 --backend e5
    quellenlage eval ner --data ../shared/data/ner/wikiann-de-test.conllu --limit 500 --backend e5

(``--backend e5+rules`` for the reading layer's recogniser, ``--backend e5s`` for the small 6-layer
model, ``--backend model`` for the spaCy CNN.)

Floors live in ``tests/gate/floors.json``; pin them slightly below the measured value, and only raise them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quellenlage.cli.eval_ner import run_eval

FLOORS = json.loads((Path(__file__).parent / "floors.json").read_text(encoding="utf-8"))


@pytest.mark.gate
@pytest.mark.slow
@pytest.mark.parametrize(
    ("floor", "file", "limit"),
    [
        ("ner_model_germeval_heldout_f1", "germeval2014-dev.tsv", 300),
        ("ner_model_smartdata_heldout_f1", "smartdata-train.jsonl", 100),
    ],
)
def test_ner_model_f1_stays_above_floor(shared_data, floor, file, limit):
    result = run_eval(shared_data / "ner" / file, backend="model", split="heldout", limit=limit)
    assert result["f1"] >= FLOORS[floor], result


@pytest.mark.gate
@pytest.mark.slow
@pytest.mark.parametrize(
    ("floor", "file", "split", "limit"),
    [
        ("ner_e5_germeval_heldout_f1", "germeval2014-dev.tsv", "heldout", 300),
        ("ner_e5_smartdata_heldout_f1", "smartdata-train.jsonl", "heldout", 100),
        ("ner_e5_wikiann_test_f1", "wikiann-de-test.conllu", "all", 500),
    ],
)
@pytest.mark.parametrize("backend", ["e5", "e5+rules", "e5s"])
def test_ner_e5_f1_stays_above_floor(shared_data, backend, floor, file, split, limit):
    """The full model (``e5``), it merged with the rules as the reading layer runs it (``e5+rules``,
    the eval default; floors ``ner_e5+rules_…``) and the small 6-layer one (``e5s``)."""
    result = run_eval(shared_data / "ner" / file, backend=backend, split=split, limit=limit)
    assert result["f1"] >= FLOORS[floor.replace("ner_e5_", f"ner_{backend}_")], result
