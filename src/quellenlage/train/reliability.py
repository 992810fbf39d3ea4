"""Train and evaluate the article reliability score: ``python -m quellenlage.train.reliability``.

Evaluation keeps every test publisher out of training (see :func:`lopo` for the protocols). The
headline is the pair protocol: one real and one fake publisher held out together, so each fold's
ROC-AUC is defined and compares the scores of one model. Everything that is learned is fitted inside
the fold, on training publishers only: the boilerplate line list, the vocabulary (top
``MAX_FEATURES`` n-grams by document frequency), IDF, feature standardisation and the logistic
regression; in the LOPO protocol also the Platt calibration and the decision threshold, from
out-of-fold scores of an inner publisher-grouped cross-validation (:func:`inner_folds`).

The plain baseline (word 1–2-gram TF-IDF of raw title + text, no cleaning, logistic regression) is
trained and scored on the same folds in the same run.

To keep a full run to minutes, n-grams are counted once for all documents (per line, so that
boilerplate lines can be dropped per fold by a sparse row selection); vocabulary and IDF are then
selected per fold from training documents only, which is equivalent to fitting a vectoriser per fold.
"""

from __future__ import annotations

import gzip
import json
import time
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score

from ..errors import InputError
from ..features import COUNT_NAMES, count_vector, features_from_counts
from ..reliability import (
    MODEL_DIR,
    TOKEN_PATTERN,
    ReliabilityModel,
    clean_lines,
    line_key,
    make_vectorizer,
    tfidf,
)

DATA = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "data"
    / "reliability"
    / "fang-covid-train.jsonl.gz"
)
# The regularisation C is chosen per training set from C_GRID by inner publisher-grouped CV (see
# fit_calibrated). The grid moved from (1.0,) to (1.0, 10.0) and then to (10.0, 30.0) after
# development runs on samples showed small C underfitting (see EVAL_C), so figures are not fully
# untouched by tuning (see MODEL_CARD.md). 100k n-grams keep the shipped vocabulary at a few MB; min_df 3 drops typos.
# Re-run `quellenlage eval reliability` after changing any of these.
C_GRID = (10.0, 30.0)
# C of the fold models of the pairs, groups and random protocols (both models, no inner tuning: a
# full run must fit in minutes). Chosen on an 8,000-article development sample with the pair protocol,
# where AUC rose with C for both models (ours 0.850 / 0.893 / 0.899 / 0.902 at C = 1 / 10 / 30 / 100;
# baseline 0.850 / 0.886 / - / 0.893); liblinear's C scales the summed loss, so the whole file needs
# less C than the sample, and 10 was kept. The figures are therefore not free of tuning.
EVAL_C = 10.0
# The shipped model is fitted on a stratified 10,000-article sample (seed 0), so that
# `make train-reliability` reproduces it in about 10 minutes on one core; all 31,580 did not fit the
# time available when it was trained (see MODEL_CARD.md).
TRAIN_SAMPLE = 10_000
MAX_FEATURES = 100_000
MIN_DF = 3
BOILERPLATE_MIN_DOCS = 5
INNER_FOLDS = 4
MIN_PUBLISHERS = 3
PREPARE_CHUNK = 500  # documents per progress step; bounds the memory of one hashing pass


def read_jsonl(path: Path, limit: int | None = None) -> list[dict[str, str]]:
    """Read FANG-COVID style JSONL(.gz): ``id, url, date, source, label, title, text`` per line."""
    opener = gzip.open if path.suffix == ".gz" else open
    records = []
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if limit is not None and len(records) >= limit:
                    break
                if not line.strip():
                    continue
                record = json.loads(line)
                missing = {"source", "label", "text"} - set(record)
                if missing:
                    raise InputError(f"{path}:{number} lacks {sorted(missing)}", input=f"{path}:{number}")
                records.append(record)
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", input=str(path)) from exc
    return records


def stratified_sample(records: list[dict[str, str]], n: int, seed: int = 0) -> list[dict[str, str]]:
    """About ``n`` records with every publisher kept in proportion (at least 20 each)."""
    if n >= len(records):
        return records
    rng = np.random.default_rng(seed)
    sources = np.array([r["source"] for r in records])
    keep: list[int] = []
    for source in sorted(set(sources)):
        idx = np.flatnonzero(sources == source)
        k = max(min(20, len(idx)), round(n * len(idx) / len(records)))
        keep.extend(rng.choice(idx, size=min(k, len(idx)), replace=False).tolist())
    return [records[i] for i in sorted(keep)]


@dataclass
class Prepared:
    """Everything counted once for all documents."""

    labels: np.ndarray  # 1 = fake/unreliable
    groups: np.ndarray  # publisher of each document (evaluation only; never a model input)
    line_doc: np.ndarray  # document index of each cleaned line
    line_key_id: np.ndarray  # boilerplate key id of each line
    doc_keys: sparse.csr_matrix  # documents × keys, 1 if the document has a line with that key
    line_counts: sparse.csr_matrix  # lines × n-grams (full vocabulary)
    terms: np.ndarray  # n-gram of each column of line_counts
    line_features: np.ndarray  # lines × raw feature counts
    baseline_counts: sparse.csr_matrix  # documents × raw word 1-2-grams
    keys: list[str]


def _identity(items, label: str):  # the default progress hook: no bar
    return items


def prepare(records: list[dict[str, str]], hashed: bool = True, bar=_identity) -> Prepared:
    """Count everything once. ``hashed`` counts n-grams into 2**22 hashed columns (stateless, fast,
    used for evaluation); otherwise a vocabulary is built so that the shipped model has its terms.
    ``bar(chunks, label)`` wraps the loop over chunks of documents (a progress bar in the CLI)."""
    labels = np.array([r["label"] == "fake" for r in records], dtype=int)
    groups = np.array([r["source"] for r in records])
    lines: list[str] = []
    line_doc: list[int] = []
    line_keys: list[str] = []
    features: list[np.ndarray] = []
    line_parts: list[sparse.csr_matrix] = []
    base_parts: list[sparse.csr_matrix] = []
    ours = HashingVectorizer(
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        n_features=2**22,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    plain = HashingVectorizer(
        ngram_range=(1, 2), n_features=2**22, alternate_sign=False, norm=None, dtype=np.float32
    )
    starts = range(0, len(records), PREPARE_CHUNK)
    for start in bar(starts, "reading articles"):
        chunk = records[start : start + PREPARE_CHUNK]
        chunk_lines = []
        for d, record in enumerate(chunk, start):
            for line in clean_lines(record.get("title"), record["text"]):
                chunk_lines.append(line)
                line_doc.append(d)
                line_keys.append(line_key(line))
        lines.extend(chunk_lines)
        features.extend(count_vector(x) for x in chunk_lines)
        if hashed:
            line_parts.append(ours.transform(chunk_lines).tocsr())
            base_parts.append(
                plain.transform([f"{r.get('title') or ''}\n{r['text']}" for r in chunk]).tocsr()
            )
    key_ids: dict[str, int] = {}
    line_key_id = np.array([key_ids.setdefault(k, len(key_ids)) for k in line_keys], dtype=np.int64)
    doc_keys = sparse.csr_matrix(
        (np.ones(len(lines)), (np.array(line_doc, dtype=np.int64), line_key_id)),
        shape=(len(records), len(key_ids)),
    )
    doc_keys.data[:] = 1.0
    if hashed:
        line_counts, terms = sparse.vstack(line_parts).tocsr(), np.array([])
        baseline_counts = sparse.vstack(base_parts).tocsr()
    else:
        vectorizer = make_vectorizer(min_df=MIN_DF)
        line_counts, terms = vectorizer.fit_transform(lines).tocsr(), vectorizer.get_feature_names_out()
        baseline_counts = sparse.csr_matrix((len(records), 1), dtype=np.float32)
    line_features = np.vstack(features) if features else np.zeros((0, len(COUNT_NAMES)))
    return Prepared(
        labels,
        groups,
        np.array(line_doc, dtype=np.int64),
        line_key_id,
        doc_keys,
        line_counts,
        terms,
        line_features,
        baseline_counts,
        list(key_ids),
    )


def select_columns(
    counts: sparse.csr_matrix,
    train: np.ndarray,
    max_features: int,
    min_df: int,
    groups: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Columns (top ``max_features`` by training document frequency) and their smooth IDF.

    With ``groups``, a column must also occur in documents of at least ``MIN_PUBLISHERS`` training
    publishers: an n-gram only one or two publishers use (their authors, sections, house phrases)
    says who wrote the text, not how reliable it is.
    """
    rows = counts[train]
    df = np.bincount(rows.indices, minlength=counts.shape[1])  # CSR rows hold each column once
    ok = df >= min_df
    if groups is not None:
        publishers = np.zeros(counts.shape[1], dtype=np.int32)
        for g in np.unique(groups[train]):
            in_g = rows[np.flatnonzero(groups[train] == g)]
            publishers += np.bincount(in_g.indices, minlength=counts.shape[1]) > 0
        ok &= publishers >= MIN_PUBLISHERS
    candidates = np.flatnonzero(ok)
    cols = candidates[np.argsort(-df[candidates], kind="stable")[:max_features]]
    cols.sort()
    idf = np.log((1 + len(train)) / (1 + df[cols])) + 1.0
    return cols, idf


def inner_folds(
    groups: np.ndarray, labels: np.ndarray, k: int = INNER_FOLDS, seed: int = 0
) -> list[np.ndarray]:
    """Publisher-grouped folds for calibration, mimicking "a publisher the model has not seen".

    Publishers of a label with at least ``MIN_PUBLISHERS`` publishers are held out whole and dealt to
    ``k`` folds, largest first. With fewer publishers (FANG-COVID has two real ones), holding one out
    would leave the model one publisher to learn the label from, and the out-of-fold scores would
    measure "unlike that publisher"; their documents are spread at random over the folds instead.
    """
    rng = np.random.default_rng(seed)
    fold_of = np.full(len(groups), -1)
    publishers = sorted(set(groups), key=lambda g: (-int((groups == g).sum()), g))
    per_label = {lab: len(set(groups[labels == lab])) for lab in set(labels)}
    sizes = [0] * k
    for g in publishers:
        idx = np.flatnonzero(groups == g)
        if per_label[labels[idx[0]]] < MIN_PUBLISHERS:
            fold_of[idx] = rng.integers(0, k, len(idx))
        else:
            f = int(np.argmin(sizes))
            fold_of[idx] = f
            sizes[f] += len(idx)
    folds = [np.flatnonzero(fold_of == f) for f in range(k)]
    return [f for f in folds if len(f) and len(set(labels[np.setdiff1d(np.arange(len(labels)), f)])) == 2]


def fit_calibrated(
    x: sparse.csr_matrix, y: np.ndarray, groups: np.ndarray, balance: bool = False
) -> tuple[np.ndarray, float, tuple[float, float], float, float]:
    """Logistic regression with C, Platt scaling and F1-optimal threshold from inner out-of-fold scores.

    C is chosen from ``C_GRID`` by the inner out-of-fold ROC-AUC (training data only); returns
    ``(coef, intercept, (a, b), threshold, C)``. ``balance`` fits with :func:`publisher_weights`.
    """
    weights = publisher_weights(groups, y) if balance else np.ones(len(y))
    folds = inner_folds(groups, y)
    best: tuple[float, float, np.ndarray] | None = None
    for c in C_GRID:
        oof = np.full(len(y), np.nan)
        for test in folds:
            train = np.setdiff1d(np.arange(len(y)), test)
            lr = LogisticRegression(C=c, solver="liblinear").fit(x[train], y[train], weights[train])
            oof[test] = lr.decision_function(x[test])
        seen = ~np.isnan(oof)
        auc = float(roc_auc_score(y[seen], oof[seen]))
        if best is None or auc > best[0]:
            best = (auc, c, oof)
    assert best is not None
    _, c, oof = best
    seen = ~np.isnan(oof)
    platt = LogisticRegression(C=1e4).fit(oof[seen].reshape(-1, 1), y[seen])
    a, b = float(platt.coef_[0, 0]), float(platt.intercept_[0])
    calibrated = 1 / (1 + np.exp(-(a * oof[seen] + b)))
    lr = LogisticRegression(C=c, solver="liblinear").fit(x, y, sample_weight=weights)
    return lr.coef_[0], float(lr.intercept_[0]), (a, b), best_threshold(y[seen], calibrated), c


def best_threshold(y: np.ndarray, scores: np.ndarray, grid: np.ndarray | None = None) -> float:
    """The threshold on ``grid`` (default 0.05…0.95) with the highest F1 of the positive class."""
    grid = np.linspace(0.05, 0.95, 91) if grid is None else grid
    predicted = scores[None, :] >= grid[:, None]
    tp = (predicted & (y[None, :] == 1)).sum(axis=1)
    f1 = 2 * tp / np.maximum(predicted.sum(axis=1) + (y == 1).sum(), 1)
    return float(grid[int(np.argmax(f1))])


def design(p: Prepared, train: np.ndarray, boilerplate_min_docs: int = BOILERPLATE_MIN_DOCS):
    """Our model's columns for all documents, learned from ``train`` documents only."""
    key_df = np.asarray(p.doc_keys[train].sum(axis=0)).ravel()
    keep = key_df[p.line_key_id] < boilerplate_min_docs
    n_docs = len(p.labels)
    agg = sparse.csr_matrix(
        (keep.astype(np.float32), (p.line_doc, np.arange(len(keep)))), shape=(n_docs, len(keep))
    )
    counts = (agg @ p.line_counts).tocsr()
    cols, idf = select_columns(counts, train, MAX_FEATURES, MIN_DF, p.groups)
    feats = features_from_counts(agg @ p.line_features)
    mean, scale = feats[train].mean(axis=0), feats[train].std(axis=0) + 1e-9
    x = sparse.hstack([tfidf(counts[:, cols], idf), sparse.csr_matrix((feats - mean) / scale)]).tocsr()
    boilerplate = {p.keys[i] for i in np.flatnonzero(key_df >= boilerplate_min_docs)}
    return x, cols, idf, mean, scale, boilerplate


def baseline_design(p: Prepared, train: np.ndarray) -> sparse.csr_matrix:
    """The plain baseline: word 1–2-gram TF-IDF of the raw title + text, every n-gram in two or more
    training documents (no cap, no cleaning), rows L2-normalised."""
    cols, idf = select_columns(p.baseline_counts, train, p.baseline_counts.shape[1], 2)
    x = p.baseline_counts[:, cols] @ sparse.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    return (sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ x).tocsr()


def _score(
    x: sparse.csr_matrix, coef: np.ndarray, intercept: float, platt: tuple[float, float]
) -> np.ndarray:
    return 1 / (1 + np.exp(-(platt[0] * (x @ coef + intercept) + platt[1])))


@dataclass(frozen=True)
class Fold:
    """One held-out test set of an evaluation protocol."""

    protocol: str  # "lopo", "pairs", "groups" or "random" (see PROTOCOLS)
    name: str
    test: np.ndarray  # document indices


PROTOCOLS = ("pairs", "groups", "lopo", "random")
HEADLINE = "pair_roc_auc"
RANDOM_TEST_SHARE = 0.2


def pair_folds(groups: np.ndarray, labels: np.ndarray) -> list[tuple[str, str]]:
    """Every (real publisher, fake publisher) pair: held out together, a fold has both labels in its
    test set, so its ROC-AUC is defined and compares scores of one model only."""
    publishers = sorted(set(groups))
    real = [g for g in publishers if not labels[groups == g][0]]
    fake = [g for g in publishers if labels[groups == g][0]]
    return [(r, f) for r in real for f in fake]


def group_folds(groups: np.ndarray, labels: np.ndarray) -> list[list[str]]:
    """Publisher k-fold with both labels in every test fold: k = publishers of the rarer label; each
    fold holds out one of those and a share of the other label's publishers (dealt largest first to
    the fold with fewest documents). Every publisher is in exactly one test fold."""
    publishers = sorted(set(groups), key=lambda g: (-int((groups == g).sum()), g))
    by_label = {lab: [g for g in publishers if labels[groups == g][0] == lab] for lab in (0, 1)}
    rare, common = sorted(by_label.values(), key=len)
    folds = [[g] for g in rare]
    sizes = [int((groups == g).sum()) for g in rare]
    for g in common:
        f = int(np.argmin(sizes))
        folds[f].append(g)
        sizes[f] += int((groups == g).sum())
    return folds


def make_folds(
    groups: np.ndarray, labels: np.ndarray, protocols: tuple[str, ...], seed: int = 0
) -> list[Fold]:
    """The test sets of the chosen protocols, in the order of ``PROTOCOLS``."""
    unknown = set(protocols) - set(PROTOCOLS)
    if unknown:
        raise InputError(f"unknown protocol(s) {sorted(unknown)}; choose from {', '.join(PROTOCOLS)}")
    folds: list[Fold] = []
    if "pairs" in protocols:
        for real, fake in pair_folds(groups, labels):
            folds.append(
                Fold("pairs", f"{real} + {fake}", np.flatnonzero((groups == real) | (groups == fake)))
            )
    if "groups" in protocols and min(len(set(groups[labels == lab])) for lab in (0, 1)) >= 2:
        for held in group_folds(groups, labels):
            folds.append(Fold("groups", " + ".join(held), np.flatnonzero(np.isin(groups, held))))
    if "lopo" in protocols:
        for publisher in sorted(set(groups)):
            folds.append(Fold("lopo", publisher, np.flatnonzero(groups == publisher)))
    if "random" in protocols:
        rng = np.random.default_rng(seed)
        test = np.flatnonzero(rng.random(len(groups)) < RANDOM_TEST_SHARE)
        folds.append(Fold("random", f"random {RANDOM_TEST_SHARE:.0%} of articles", test))
    return folds


def publisher_weights(groups: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Sample weights that give every label half the total weight and every publisher an equal
    share of its label's half, so that the model cannot win by modelling its largest publishers."""
    weights = np.ones(len(groups))
    for lab in (0, 1):
        publishers = sorted(set(groups[labels == lab]))
        for g in publishers:
            mask = groups == g
            weights[mask] = (len(groups) / 2) / len(publishers) / mask.sum()
    return weights


def _fit_plain(x: sparse.csr_matrix, y: np.ndarray, groups: np.ndarray | None) -> LogisticRegression:
    """Logistic regression with ``EVAL_C``, no tuning; ``groups`` switches on publisher-balanced
    weights (our model); the baseline is fitted unweighted."""
    weights = None if groups is None else publisher_weights(groups, y)
    return LogisticRegression(C=EVAL_C, solver="liblinear").fit(x, y, sample_weight=weights)


def _pair_scores(p: Prepared, held: dict[str, list[tuple[np.ndarray, np.ndarray]]]) -> dict[str, object]:
    """F1 at 0.5 and per-publisher mean scores over all pair folds (a publisher is held out in
    several pairs; every (fold, article) score counts). 0.5 needs no fitting: our fold models are
    trained with publisher-balanced weights, so 0.5 is the decision boundary between equally weighted
    labels; the baseline is trained unweighted on its training mix."""
    out: dict[str, object] = {}
    per_source: dict[str, dict[str, object]] = {}
    for model, prefix in (("ours", ""), ("baseline", "baseline_")):
        index = np.concatenate([t for t, _ in held[model]])
        scores = np.concatenate([s for _, s in held[model]])
        out[f"{prefix}pair_f1"] = round(float(f1_score(p.labels[index], scores >= 0.5)), 4)
        for g in sorted(set(p.groups[index])):
            mine = p.groups[index] == g
            entry = per_source.setdefault(
                g, {"label": "fake" if p.labels[index][mine][0] else "real", "n": int((p.groups == g).sum())}
            )
            entry["score" if model == "ours" else "baseline"] = round(float(scores[mine].mean()), 4)
            entry["above_0.5" if model == "ours" else "baseline_above_0.5"] = round(
                float((scores[mine] >= 0.5).mean()), 4
            )
    return out | {"pair_per_source": per_source}


def lopo(
    records: list[dict[str, str]],
    log=lambda msg: None,
    pairs: bool = True,
    protocols: tuple[str, ...] = ("pairs", "lopo"),  # what the CI gate needs
    bar=_identity,
    seed: int = 0,
) -> dict[str, object]:
    """Publisher-held-out evaluation of our score and the plain baseline; one JSON-able dict.

    Protocols (every one but ``random`` keeps each test publisher out of training):

    - ``pairs`` (the headline, ``pair_roc_auc``): for each (real, fake) publisher pair, both are held
      out together; a logistic regression (C = 1, no tuning, no calibration) trained on the other
      publishers is scored on them. Per-fold AUC of one model; mean and worst pair reported.
    - ``groups``: publisher k-fold with both labels in each test fold (one real publisher and about
      half of the fake ones per fold); per-fold AUC, mean (``group_roc_auc``).
    - ``lopo``: leave one publisher out with the full shipped procedure (inner CV for C, Platt
      calibration, F1 threshold). Each publisher has one label, so only the AUC pooled over eight
      fold models is defined (``roc_auc`` of calibrated, ``roc_auc_logit`` of raw scores), plus F1
      at the training-fold threshold and per-publisher mean scores.
    - ``random``: one random 20 % article split, the same publishers in training and test. Leaky on
      purpose (``leaky_random_roc_auc``): it shows how far publisher recognition alone carries.

    ``pairs=False`` drops the pair protocol (kept for older callers).
    """
    if not pairs:
        protocols = tuple(p for p in protocols if p != "pairs")
    started = time.perf_counter()
    p = prepare(records, bar=bar)
    log(f"prepared {len(records)} articles in {time.perf_counter() - started:.0f}s")
    n = len(records)
    folds = make_folds(p.groups, p.labels, protocols, seed)
    ours, base = np.full(n, np.nan), np.full(n, np.nan)
    logit_ours, logit_base = np.full(n, np.nan), np.full(n, np.nan)
    pred_ours, pred_base = np.zeros(n, bool), np.zeros(n, bool)
    fold_auc: dict[tuple[str, str], list[float]] = {}
    pair_detail: dict[str, dict[str, float]] = {}
    held_scores: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"ours": [], "baseline": []}
    for fold in bar(folds, "folds"):
        test = fold.test
        train = np.setdiff1d(np.arange(n), test)
        if len(set(p.labels[train])) < 2:
            raise InputError(f"holding out {fold.name} leaves a single label in training; need both labels")
        x_ours, x_base = design(p, train)[0], baseline_design(p, train)
        if fold.protocol == "lopo":
            for x, scores, logits, preds, groups in (
                (x_ours, ours, logit_ours, pred_ours, p.groups[train]),
                (x_base, base, logit_base, pred_base, None),
            ):
                coef, intercept, platt, threshold, _ = fit_calibrated(
                    x[train], p.labels[train], p.groups[train], balance=groups is not None
                )
                logits[test] = x[test] @ coef + intercept
                scores[test] = _score(x[test], coef, intercept, platt)
                preds[test] = scores[test] >= threshold
            log(f"lopo {fold.name}: ours {ours[test].mean():.3f} baseline {base[test].mean():.3f}")
            continue
        aucs = {}
        for model, x, groups in (("ours", x_ours, p.groups[train]), ("baseline", x_base, None)):
            lr = _fit_plain(x[train], p.labels[train], groups)
            decision = lr.decision_function(x[test])
            aucs[model] = float(roc_auc_score(p.labels[test], decision))
            fold_auc.setdefault((fold.protocol, model), []).append(aucs[model])
            if fold.protocol == "pairs":
                held_scores[model].append((test, 1 / (1 + np.exp(-decision))))
        if fold.protocol == "pairs":
            pair_detail[fold.name] = {k: round(v, 4) for k, v in aucs.items()}
        log(f"{fold.protocol} {fold.name}: ours {aucs['ours']:.3f} baseline {aucs['baseline']:.3f}")
    seconds = time.perf_counter() - started
    result: dict[str, object] = {"n": n, "publishers": len(set(p.groups)), "headline": HEADLINE}
    for protocol, key in (("pairs", "pair"), ("groups", "group"), ("random", "leaky_random")):
        if (protocol, "ours") in fold_auc:
            for model, prefix in (("ours", ""), ("baseline", "baseline_")):
                values = fold_auc[(protocol, model)]
                result[f"{prefix}{key}_roc_auc"] = round(float(np.mean(values)), 4)
                if protocol != "random":
                    result[f"{prefix}{key}_roc_auc_min"] = round(float(np.min(values)), 4)
            if protocol == "pairs":
                result["pair_folds"] = len(fold_auc[(protocol, "ours")])
    if held_scores["ours"]:
        result |= _pair_scores(p, held_scores)
    if "lopo" in protocols:
        result |= {
            "roc_auc": round(float(roc_auc_score(p.labels, ours)), 4),
            "roc_auc_logit": round(float(roc_auc_score(p.labels, logit_ours)), 4),
            "f1": round(float(f1_score(p.labels, pred_ours)), 4),
            "baseline_roc_auc": round(float(roc_auc_score(p.labels, base)), 4),
            "baseline_roc_auc_logit": round(float(roc_auc_score(p.labels, logit_base)), 4),
            "baseline_f1": round(float(f1_score(p.labels, pred_base)), 4),
            "per_source": {
                g: {
                    "label": "fake" if p.labels[p.groups == g][0] else "real",
                    "n": int((p.groups == g).sum()),
                    "score": round(float(ours[p.groups == g].mean()), 4),
                    "baseline": round(float(base[p.groups == g].mean()), 4),
                }
                for g in sorted(set(p.groups))
            },
        }
    if pair_detail:
        result["pairs"] = pair_detail
    return result | {"seconds": round(seconds, 1), "articles_per_s": round(n / seconds, 1)}


def train_final(records: list[dict[str, str]]) -> tuple[ReliabilityModel, dict[str, object]]:
    """Fit the shipped model on all records (all publishers)."""
    p = prepare(records, hashed=False)
    everything = np.arange(len(records))
    x, cols, idf, mean, scale, boilerplate = design(p, everything)
    coef, intercept, platt, threshold, c = fit_calibrated(x, p.labels, p.groups, balance=True)
    # Tokens never in any kept line have zero weight anyway; keep only selected columns.
    model = ReliabilityModel(
        vocabulary=tuple(p.terms[cols]),
        idf=idf,
        coef=coef,
        intercept=intercept,
        feature_mean=mean,
        feature_scale=scale,
        platt=platt,
        threshold=threshold,
        boilerplate=frozenset(boilerplate),
    )
    info = {
        "n_train": len(records),
        "publishers": sorted(set(p.groups)),
        "C": c,
        "weights": "publisher-balanced",
    }
    return model, info


@click.command()
@click.option("--data", type=click.Path(path_type=Path, exists=True), default=DATA, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), default=MODEL_DIR, show_default=True)
@click.option(
    "--sample",
    type=int,
    default=TRAIN_SAMPLE,
    show_default=True,
    help="Train on about N articles, stratified by publisher (all publishers kept); 0 = all articles.",
)
def main(data: Path, out: Path, sample: int) -> None:
    """Fit the reliability model on DATA (all publishers) and save it to OUT."""
    started = time.perf_counter()
    records = read_jsonl(data)
    if sample:
        records = stratified_sample(records, sample)
    model, info = train_final(records)
    info["train_seconds"] = round(time.perf_counter() - started, 1)
    model.save(out, info)
    click.echo(json.dumps({k: v for k, v in info.items()}, ensure_ascii=False))


if __name__ == "__main__":
    main()
