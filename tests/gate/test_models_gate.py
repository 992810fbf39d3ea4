"""Quality gate for the subjectivity and reliability models: metrics must stay above pinned floors.

Slices are never trained on in the measured setting. To re-measure::

    quellenlage eval subjectivity --data ../shared/data/subjectivity/checkthat2025-dev-de.tsv
    quellenlage eval reliability --data ../shared/data/reliability/fang-covid-train.jsonl.gz --sample 1500

The subjectivity gate scores the shipped model on the first 200 dev sentences (the model is trained
on the train split only; its model family was selected on dev, as the issue prescribes, so this
slice guards against regressions rather than measuring generalisation). The reliability gate runs leave-one-publisher-out on a stratified sample
of 1,500 articles, so each fold's model never saw the publisher it scores.

Floors live in ``tests/gate/floors_models.json``; pin them slightly below the measured value, and
only raise them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sklearn.metrics import f1_score

FLOORS = json.loads((Path(__file__).parent / "floors_models.json").read_text(encoding="utf-8"))


@pytest.mark.gate
@pytest.mark.slow
def test_subjectivity_macro_f1_on_dev_slice_stays_above_floor(shared_data):
    from quellenlage.subjectivity import SubjectivityModel, read_tsv

    sentences, labels = read_tsv(shared_data / "subjectivity" / "checkthat2025-dev-de.tsv")
    sentences, labels = sentences[:200], labels[:200]
    model = SubjectivityModel.load()
    macro_f1 = f1_score(labels, model.predict_proba(sentences) >= model.threshold, average="macro")
    assert macro_f1 >= FLOORS["subjectivity_dev200_macro_f1"], macro_f1


@pytest.mark.gate
@pytest.mark.slow
def test_reliability_lopo_auc_on_sample_stays_above_floor(shared_data):
    from quellenlage.train.reliability import lopo, read_jsonl, stratified_sample

    records = stratified_sample(read_jsonl(shared_data / "reliability" / "fang-covid-train.jsonl.gz"), 1500)
    result = lopo(records)
    assert result["roc_auc"] >= FLOORS["reliability_lopo1500_roc_auc"], result
    # Leave-one-real-one-fake-out: per-fold AUC is defined there (measured 0.803 on this sample).
    assert result["pair_roc_auc"] >= FLOORS["reliability_lopo1500_pair_roc_auc"], result
