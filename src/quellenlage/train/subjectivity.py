"""Train the sentence subjectivity model: ``python -m quellenlage.train.subjectivity``.

Procedure (see ``models/subjectivity/MODEL_CARD.md``):

1. Columns: the standardised e5 sentence embedding and the standardised cue counts
   (:func:`quellenlage.subjectivity.cue_features`).
2. An RBF support-vector machine with scikit-learn's defaults (C = 1, gamma = "scale"), balanced
   class weights, is fitted on the whole training split.
3. Its decision values are calibrated to probabilities by a logistic (Platt) fit on 5-fold
   out-of-fold decisions of the training split, so the calibration never sees a sentence's own fit.
4. Reported: 5-fold cross-validation on train of this whole procedure (nested: each fold calibrates
   on its own inner folds), and the dev split scored at :data:`THRESHOLD`. The dev split was used to
   choose between candidate models and the threshold, so its figure is a tuning figure, not a
   held-out one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from ..embed import embed
from ..subjectivity import (
    ENCODER,
    MODEL_DIR,
    Standardiser,
    SubjectivityModel,
    cue_features,
    cue_names,
    design_matrix,
    read_tsv,
)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "subjectivity"
# SVM settings: scikit-learn's defaults on standardised columns. On the CheckThat! 2025 German dev
# split (used for tuning), C in {0.5, 1, 2} x gamma in {0.5, 1, 2}/n_columns x cue weight in
# {0.5, 1, 2} all scored macro-F1 0.72-0.75 at decision 0; the defaults were among the best and need
# no argument. Re-run this module and `quellenlage eval subjectivity` after changing them.
C = 1.0
GAMMA = "scale"  # 1 / (n_columns * variance of the design matrix), about 1 / n_columns here
# Decision threshold on the calibrated P(SUBJ). Swept 0.30-0.70 in steps of 0.05 on dev: 0.5 was the
# best, so the calibrated default stands.
THRESHOLD = 0.5
FOLDS = 5


def _svm(x: np.ndarray, labels: np.ndarray) -> SVC:
    return SVC(C=C, kernel="rbf", gamma=GAMMA, class_weight="balanced").fit(x, labels)


def _gamma(x: np.ndarray) -> float:
    """The kernel width scikit-learn uses for ``gamma="scale"``."""
    return float(1.0 / (x.shape[1] * x.var()))


def out_of_fold_decisions(x: np.ndarray, labels: np.ndarray, folds: int = FOLDS) -> np.ndarray:
    """SVM decision value of every row from a model fitted without that row's fold."""
    decisions = np.zeros(len(labels))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=0).split(x, labels):
        decisions[test] = _svm(x[train], labels[train]).decision_function(x[test])
    return decisions


def fit(vectors: np.ndarray, sentences: list[str], labels: np.ndarray) -> SubjectivityModel:
    """Fit scalers, the SVM and its Platt calibration on one training set."""
    cues = cue_features(sentences)
    embedding_scaler, cue_scaler = Standardiser.fit(vectors.astype(np.float64)), Standardiser.fit(cues)
    x = design_matrix(vectors.astype(np.float64), cues, embedding_scaler, cue_scaler)
    svm = _svm(x, labels)
    platt = LogisticRegression(C=1e4, max_iter=1000).fit(out_of_fold_decisions(x, labels)[:, None], labels)
    return SubjectivityModel(
        support_vectors=svm.support_vectors_.astype(np.float32),
        dual_coef=svm.dual_coef_[0].astype(np.float64),
        intercept=float(svm.intercept_[0]),
        gamma=_gamma(x),
        platt_slope=float(platt.coef_[0, 0]),
        platt_offset=float(platt.intercept_[0]),
        embedding_scaler=embedding_scaler,
        cue_scaler=cue_scaler,
        cues=cue_names(),
        threshold=THRESHOLD,
    )


def cross_validate(
    vectors: np.ndarray, sentences: list[str], labels: np.ndarray, folds: int = FOLDS
) -> tuple[float, float]:
    """Macro-F1 and SUBJ-F1 of the whole :func:`fit` procedure under stratified k-fold CV."""
    predicted = np.zeros(len(labels), dtype=bool)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=1).split(vectors, labels):
        model = fit(vectors[train], [sentences[i] for i in train], labels[train])
        predicted[test] = model.predict_proba([sentences[i] for i in test], vectors[test]) >= THRESHOLD
    return float(f1_score(labels, predicted, average="macro")), float(f1_score(labels, predicted))


@click.command()
@click.option(
    "--train",
    "train_path",
    type=click.Path(path_type=Path, exists=True),
    default=DATA / "checkthat2025-train-de.tsv",
    show_default=True,
)
@click.option(
    "--dev",
    "dev_path",
    type=click.Path(path_type=Path, exists=True),
    default=DATA / "checkthat2025-dev-de.tsv",
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path), default=MODEL_DIR, show_default=True)
def main(train_path: Path, dev_path: Path, out: Path) -> None:
    """Fit on TRAIN, report nested 5-fold CV on TRAIN and the score on DEV, save to OUT."""
    started = time.perf_counter()
    sentences, labels = read_tsv(train_path)
    vectors = embed(sentences, ENCODER)
    cv_macro, cv_subj = cross_validate(vectors, sentences, labels)
    model = fit(vectors, sentences, labels)
    dev_sentences, dev_labels = read_tsv(dev_path)
    dev_pred = model.predict_proba(dev_sentences) >= model.threshold
    info = {
        "trained_on": train_path.name,
        "n_train": len(labels),
        "n_support_vectors": len(model.dual_coef),
        "cv5_macro_f1_train": round(cv_macro, 4),
        "cv5_subj_f1_train": round(cv_subj, 4),
        "dev_macro_f1_used_for_tuning": round(float(f1_score(dev_labels, dev_pred, average="macro")), 4),
        "dev_subj_f1_used_for_tuning": round(float(f1_score(dev_labels, dev_pred)), 4),
        "C": C,
        "train_seconds": round(time.perf_counter() - started, 1),
        "licence": "derived from CheckThat! 2025 data, CC BY-NC-SA 4.0 (non-commercial)",
    }
    model.save(out, info)
    click.echo(json.dumps(info, ensure_ascii=False))


if __name__ == "__main__":
    main()
