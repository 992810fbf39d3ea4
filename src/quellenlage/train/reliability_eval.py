"""Publisher-held-out evaluation of the reliability score against a plain TF-IDF baseline.

``quellenlage eval reliability`` runs :func:`lopo` (see its docstring for the protocols). Training
pieces (counting, column selection, fitting) live in :mod:`quellenlage.train.reliability`; this
module only decides which publishers are held out, fits both models on the rest and scores them.
Everything learned is fitted inside the fold from training publishers only, including the
publisher-dominance cap of the n-gram filter (:func:`quellenlage.train.reliability.choose_dominance`,
an inner publisher-grouped CV on the training fold).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.metrics import f1_score, roc_auc_score

from ..errors import InputError
from ..reliability import ReliabilityModel, article_key, training_keys, training_publishers
from .reliability import (
    Prepared,
    _identity,
    choose_dominance,
    design,
    fit_calibrated,
    fit_plain,
    prepare,
    select_columns,
)


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


PROTOCOLS = ("pairs", "groups", "lopo", "random", "shipped")
HEADLINE = "pair_roc_auc"
# When the data cannot form pair folds (one publisher of a label), the first of these that exists.
HEADLINE_FALLBACKS = ("group_roc_auc", "roc_auc", "shipped_roc_auc")
RANDOM_TEST_SHARE = 0.2
SHIPPED_CHUNK = 500  # articles per progress step of the shipped-model protocol


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
    max_dominance: float | str | None = "tune",
) -> dict[str, object]:
    """Publisher-held-out evaluation of our score and the plain baseline; one JSON-able dict.

    Protocols (every one but ``random`` keeps each test publisher out of training):

    - ``pairs`` (the headline, ``pair_roc_auc``): for each (real, fake) publisher pair, both are held
      out together; a logistic regression (C = ``EVAL_C``, no calibration) trained on the other
      publishers is scored on them. Per-fold AUC of one model; mean and worst pair reported.
    - ``groups``: publisher k-fold with both labels in each test fold (one real publisher and about
      half of the fake ones per fold); per-fold AUC, mean (``group_roc_auc``).
    - ``lopo``: leave one publisher out with the full shipped procedure (inner CV for C, Platt
      calibration, F1 threshold). Each publisher has one label, so only the AUC pooled over eight
      fold models is defined (``roc_auc`` of calibrated, ``roc_auc_logit`` of raw scores), plus F1
      at the training-fold threshold and per-publisher mean scores.
    - ``random``: one random 20 % article split, the same publishers in training and test. Leaky on
      purpose (``leaky_random_roc_auc``): it shows how far publisher recognition alone carries.

    ``max_dominance`` caps the publisher dominance of our n-grams (see
    :func:`~quellenlage.train.reliability.select_columns`): ``"tune"`` (default) chooses it per fold
    by inner publisher-grouped CV on that fold's training publishers, as the shipped model does; a
    number fixes it; ``None`` switches the filter off. The baseline is never filtered.
    ``pairs=False`` drops the pair protocol (kept for older callers).
    """
    if isinstance(max_dominance, str) and max_dominance != "tune":
        raise InputError(f"max_dominance must be a number, None or 'tune', not {max_dominance!r}")
    if not pairs:
        protocols = tuple(p for p in protocols if p != "pairs")
    started = time.perf_counter()
    n = len(records)
    labels = np.array([r["label"] == "fake" for r in records], dtype=int)
    groups = np.array([r["source"] for r in records])
    folds = make_folds(groups, labels, protocols, seed)
    if folds:
        p = prepare(records, bar=bar)
        log(f"prepared {len(records)} articles in {time.perf_counter() - started:.0f}s")
    ours, base = np.full(n, np.nan), np.full(n, np.nan)
    logit_ours, logit_base = np.full(n, np.nan), np.full(n, np.nan)
    pred_ours, pred_base = np.zeros(n, bool), np.zeros(n, bool)
    fold_auc: dict[tuple[str, str], list[float]] = {}
    pair_detail: dict[str, dict[str, float]] = {}
    held_scores: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {"ours": [], "baseline": []}
    caps: dict[str, float | None] = {}
    skipped: dict[str, str] = {}
    for fold in bar(folds, "folds"):
        test = fold.test
        train = np.setdiff1d(np.arange(n), test)
        if len(set(p.labels[train])) < 2:
            skipped[f"{fold.protocol} {fold.name}"] = "training would hold one label only"
            continue
        if fold.protocol != "lopo" and len(set(p.labels[test])) < 2:
            skipped[f"{fold.protocol} {fold.name}"] = "the test set holds one label only"
            continue
        cap = choose_dominance(p, train)[0] if isinstance(max_dominance, str) else max_dominance
        caps[f"{fold.protocol} {fold.name}"] = cap if cap is None else float(cap)
        x_ours, x_base = design(p, train, max_dominance=cap)[0], baseline_design(p, train)
        if fold.protocol == "lopo":
            for x, scores, logits, preds, balance in (
                (x_ours, ours, logit_ours, pred_ours, True),
                (x_base, base, logit_base, pred_base, False),
            ):
                coef, intercept, platt, threshold, _ = fit_calibrated(
                    x[train], p.labels[train], p.groups[train], balance=balance
                )
                logits[test] = x[test] @ coef + intercept
                scores[test] = _score(x[test], coef, intercept, platt)
                preds[test] = scores[test] >= threshold
            log(f"lopo {fold.name}: ours {ours[test].mean():.3f} baseline {base[test].mean():.3f}")
            continue
        aucs = {}
        for model, x, weight_groups in (("ours", x_ours, p.groups[train]), ("baseline", x_base, None)):
            lr = fit_plain(x[train], p.labels[train], weight_groups)
            decision = lr.decision_function(x[test])
            aucs[model] = float(roc_auc_score(p.labels[test], decision))
            fold_auc.setdefault((fold.protocol, model), []).append(aucs[model])
            if fold.protocol == "pairs":
                held_scores[model].append((test, 1 / (1 + np.exp(-decision))))
        if fold.protocol == "pairs":
            pair_detail[fold.name] = {k: round(v, 4) for k, v in aucs.items()}
        log(
            f"{fold.protocol} {fold.name}: ours {aucs['ours']:.3f} baseline {aucs['baseline']:.3f} "
            f"(dominance cap {cap})"
        )
    result: dict[str, object] = {"n": n, "publishers": len(set(groups)), "headline": HEADLINE}
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
    scored = ~np.isnan(ours)
    if "lopo" in protocols and len(set(labels[scored])) == 2:
        y = p.labels[scored]
        result |= {
            "roc_auc": round(float(roc_auc_score(y, ours[scored])), 4),
            "roc_auc_logit": round(float(roc_auc_score(y, logit_ours[scored])), 4),
            "f1": round(float(f1_score(y, pred_ours[scored])), 4),
            "baseline_roc_auc": round(float(roc_auc_score(y, base[scored])), 4),
            "baseline_roc_auc_logit": round(float(roc_auc_score(y, logit_base[scored])), 4),
            "baseline_f1": round(float(f1_score(y, pred_base[scored])), 4),
            "per_source": {
                g: {
                    "label": "fake" if p.labels[p.groups == g][0] else "real",
                    "n": int((p.groups == g).sum()),
                    "score": round(float(ours[p.groups == g].mean()), 4),
                    "baseline": round(float(base[p.groups == g].mean()), 4),
                }
                for g in sorted(set(p.groups[scored]))
            },
        }
    if "shipped" in protocols:
        result |= shipped_scores(records, labels, groups, bar)
    if pair_detail:
        result["pairs"] = pair_detail
    if HEADLINE not in result:
        result["headline"] = next((k for k in HEADLINE_FALLBACKS if k in result), None)
    if skipped:
        result["skipped_folds"] = skipped
    result["dominance_cap"] = caps
    seconds = time.perf_counter() - started
    return result | {"seconds": round(seconds, 1), "articles_per_s": round(n / seconds, 1)}


# Topics whose words several low-reliability publishers of FANG-COVID share (their beats): a model
# that reads topic flags a newspaper's report on them. An article is on a topic when its title and
# first 1,500 characters match the pattern twice.
TOPIC_PROBES = {
    "russia": re.compile(r"\b(?:Russland|russisch\w*|Putin|Kreml|Moskau)\b"),
    "usa": re.compile(r"\b(?:USA|Trump|Biden|Washington|amerikanisch\w*)\b"),
    "china": re.compile(r"\b(?:China|chinesisch\w*|Peking)\b"),
    "vaccines": re.compile(r"\b(?:Impf\w*|Vakzin\w*)\b"),
}


def topic_check(
    records: list[dict[str, str]], labels: np.ndarray, scores: np.ndarray, keep: np.ndarray, threshold: float
) -> dict[str, dict[str, object]]:
    """Per :data:`TOPIC_PROBES` topic and label: the share of articles at or above ``threshold`` on
    and off the topic (``keep``: the articles scored). Equal shares mean the score does not move
    with the topic; a higher on-topic share among ``real`` articles is a topic false alarm."""
    heads = [f"{r.get('title') or ''}\n{r['text'][:1500]}" for r in records]
    out: dict[str, dict[str, object]] = {}
    for topic, pattern in TOPIC_PROBES.items():
        on = np.array([len(pattern.findall(h)) >= 2 for h in heads]) & keep
        off = ~on & keep
        entry: dict[str, object] = {}
        for label, name in ((0, "real"), (1, "fake")):
            for side, mask in (("on", on), ("off", off)):
                chosen = mask & (labels == label)
                entry[f"{name}_{side}_n"] = int(chosen.sum())
                if chosen.any():
                    entry[f"{name}_{side}_above"] = round(float(np.mean(scores[chosen] >= threshold)), 4)
        out[topic] = entry
    return out


def shipped_scores(
    records: list[dict[str, str]], labels: np.ndarray, groups: np.ndarray, bar=_identity
) -> dict[str, object]:
    """The shipped model, as it is, scored on ``records``: nothing is fitted.

    Articles the shipped model was trained on (recognised by their :func:`article_key` digest) are
    left out of every figure, so on the training file itself only the other articles count. Its
    training publishers are named (``shipped_training_publishers_here``): where this file's
    publishers are among them, the figures are for unseen articles of seen publishers, not for
    unseen publishers.
    """
    model = ReliabilityModel.load()
    seen_keys = training_keys()
    seen = np.array([article_key(r.get("title"), r["text"]) in seen_keys for r in records], dtype=bool)
    keep = np.flatnonzero(~seen)
    scores = np.full(len(records), np.nan)
    for start in bar(range(0, len(keep), SHIPPED_CHUNK), "shipped model"):
        chunk = keep[start : start + SHIPPED_CHUNK]
        scores[chunk] = model.score_texts(
            [records[i].get("title") for i in chunk], [records[i]["text"] for i in chunk]
        )
    out: dict[str, object] = {
        "shipped_n": len(keep),
        "shipped_left_out_as_training_articles": int(seen.sum()),
        "shipped_training_publishers_here": sorted(set(groups) & training_publishers()),
        "shipped_threshold": round(model.threshold, 4),
    }
    y, s = labels[keep], scores[keep]
    if len(set(y)) == 2:
        out["shipped_roc_auc"] = round(float(roc_auc_score(y, s)), 4)
        out["shipped_f1"] = round(float(f1_score(y, s >= model.threshold)), 4)
    out["shipped_topic_check"] = topic_check(records, labels, scores, ~seen, model.threshold)
    out["shipped_per_source"] = {
        g: {
            "label": "fake" if labels[groups == g][0] else "real",
            "n": int(((groups == g) & ~seen).sum()),
            "score": round(float(np.mean(scores[(groups == g) & ~seen])), 4),
            "above_threshold": round(float(np.mean(scores[(groups == g) & ~seen] >= model.threshold)), 4),
        }
        for g in sorted(set(groups[keep]))
    }
    return out
