"""Quality gate for story similarity: Pearson on a German slice of SemEval-2022 Task 8 stays above floors.

The slice is the first 120 pairs involving German (de-de, de-en, de-fr) in the train file; the models
are evaluated by 5-fold cross-validation grouped by base pair id on that slice (the same code path as
``quellenlage eval similarity``), so no pair is scored by a model that saw it. The gate runs without
the e5 encoder (``--no-e5``: ~0.3 s per text would triple its time); it checks the fuse-only full
model (boosted trees), the light model and the baseline. To re-measure::

    quellenlage eval similarity --data ../shared/data/similarity/semeval2022-task8-train.csv --lang de --limit 120 --no-e5

Floors live in ``tests/gate/floors_similarity.json``; pin them slightly below the measured value, and
only raise them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FLOORS = json.loads((Path(__file__).parent / "floors_similarity.json").read_text(encoding="utf-8"))


@pytest.mark.gate
@pytest.mark.slow
def test_similarity_pearson_on_german_slice_stays_above_floor(shared_data: Path) -> None:
    from quellenlage.train.similarity import evaluate, pair_features, read_pairs

    pairs = [
        p
        for p in read_pairs(shared_data / "similarity" / "semeval2022-task8-train.csv")
        if "de" in (p.lang1, p.lang2)
    ]
    pairs = pairs[:120]
    x, _ = pair_features(pairs, e5=False)
    result = evaluate(pairs, x, "cv", k=5)
    assert result["model"] == "full"
    assert result["pearson"] >= FLOORS["similarity_de120_cv_pearson"], result
    assert result["light_pearson"] >= FLOORS["similarity_de120_cv_light_pearson"], result
    assert result["baseline_pearson"] >= FLOORS["similarity_de120_baseline_pearson"], result
