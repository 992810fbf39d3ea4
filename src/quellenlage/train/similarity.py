"""Story similarity on SemEval-2022 Task 8 pairs: reading, features, fitting, evaluation, saving.

Used by ``quellenlage eval similarity`` (:mod:`quellenlage.cli.eval_similarity`), which also refits
the shipped models with ``--save``.

``--mode cv`` (the default) runs k-fold cross-validation on the given file, grouped by *base pair id*
(``1484039360it_1484180228it`` and ``1484039360_1484180228`` are one group), so translated
augmentations of a pair never sit on both sides of a split. ``--mode heldout`` scores the shipped
model (fitted on the whole train file) on an unseen file. Both print the plain baseline (cosine of
whole-document fast USE embeddings) next to the model so the gain is visible.

Pearson is reported with the sign flipped (SemEval "Overall" is 1 = same … 4 = unrelated), so higher is
better for both.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, bad_rows
from ..similarity import LinearModel, Model, TreeModel, overall_to_target

_LANG_SUFFIX = re.compile(r"[a-z]{2}$")
# Ridge strength; chosen among 0.1/1/10 by the CV score of this command (differences < 0.005).
RIDGE_ALPHA = 1.0


@dataclass(frozen=True)
class Pair:
    pair_id: str
    lang1: str
    lang2: str
    text1: str
    text2: str
    overall: float

    @property
    def group(self) -> str:
        return base_pair_id(self.pair_id)


def base_pair_id(pair_id: str) -> str:
    """``1484039360it_1484180228it`` → ``1484039360_1484180228``: augmentations share a base id."""
    return "_".join(_LANG_SUFFIX.sub("", part) for part in pair_id.split("_"))


@dataclass(frozen=True)
class PairFile:
    """The usable pairs of a SemEval CSV and how many rows were skipped, by reason."""

    pairs: tuple[Pair, ...]
    skipped_no_score: int = 0  # Overall empty or NA
    skipped_no_text: int = 0  # text1 or text2 empty


# The columns read, each with the spellings accepted (compared case-insensitively): ours, then the
# official SemEval-2022 Task 8 file's (``url1_lang``, ``url2_lang``).
_COLUMNS = {
    "pair_id": ("pair_id",),
    "lang1": ("lang1", "url1_lang"),
    "lang2": ("lang2", "url2_lang"),
    "text1": ("text1",),
    "text2": ("text2",),
    "Overall": ("overall",),
}
_NO_SCORE = {"", "na", "n/a", "nan", "none", "null"}


def _column_indices(path: Path, header: Sequence[str]) -> dict[str, int]:
    """The position of each of :data:`_COLUMNS` in ``header``; an InputError names the missing ones."""
    position: dict[str, int] = {}
    for i, name in enumerate(header):
        position.setdefault(name.strip().lower(), i)
    found = {
        column: next((position[name] for name in names if name in position), -1)
        for column, names in _COLUMNS.items()
    }
    missing = [
        " or ".join(names) if len(names) > 1 else column
        for column, names in _COLUMNS.items()
        if found[column] < 0
    ]
    if missing:
        raise InputError(
            f"{path} lacks columns {missing}; expected the SemEval-2022 Task 8 format with article texts "
            f"(pair_id, lang1, lang2, text1, text2, Overall); found {list(header)[:15]}",
            input=str(path),
        )
    return found


def read_pair_file(path: Path) -> PairFile:
    """Read a SemEval-2022 Task 8 CSV with texts (pair_id, lang1, lang2, text1, text2, Overall).

    Column names match in any case; ``url1_lang``/``url2_lang`` (the official file's names) stand for
    ``lang1``/``lang2``; other columns are ignored. A UTF-8 BOM is accepted. Rows whose Overall is
    empty or NA, or that lack a text, are skipped and counted; a row with a non-numeric Overall or
    one outside 1-4, or with fewer fields than the header, is an :class:`InputError` naming its line.
    """
    csv.field_size_limit(2**31 - 1)
    pairs: list[Pair] = []
    skipped = {"score": 0, "text": 0}
    problems: list[str] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            at = _column_indices(path, header)
            last = max(at.values())
            line = reader.line_num + 1  # where the next row starts
            for fields in reader:
                row_line, line = line, reader.line_num + 1
                if not fields:  # a blank line
                    continue
                if len(fields) <= last:
                    problems.append(
                        f"line {row_line}: {len(fields)} fields, the header has {len(header)} "
                        "(is a field missing or a quote unbalanced?)"
                    )
                    continue
                value = {column: fields[i] for column, i in at.items()}
                score = value["Overall"].strip()
                if score.lower() in _NO_SCORE:
                    skipped["score"] += 1
                    continue
                try:
                    overall = float(score)
                except ValueError:
                    problems.append(f"line {row_line}: Overall {score!r} is not a number (1-4, or NA)")
                    continue
                if not 1.0 <= overall <= 4.0:
                    problems.append(f"line {row_line}: Overall {score!r} is outside 1-4")
                    continue
                if not value["text1"].strip() or not value["text2"].strip():
                    skipped["text"] += 1
                    continue
                pairs.append(
                    Pair(
                        value["pair_id"].strip(),
                        value["lang1"].strip().lower(),
                        value["lang2"].strip().lower(),
                        value["text1"],
                        value["text2"],
                        overall,
                    )
                )
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc}); save it as UTF-8 and retry", input=str(path)) from exc
    except csv.Error as exc:
        raise InputError(f"{path} is not a readable CSV ({exc})", input=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}", input=str(path)) from exc
    if problems:
        raise bad_rows(path, problems)
    return PairFile(tuple(pairs), skipped_no_score=skipped["score"], skipped_no_text=skipped["text"])


def read_pairs(path: Path) -> list[Pair]:
    """The usable pairs of :func:`read_pair_file` (which also counts the rows it skipped)."""
    return list(read_pair_file(path).pairs)


def group_folds(groups: Sequence[str], k: int, seed: int = 0) -> np.ndarray:
    """A fold number per item; all items of one group get the same fold (balanced by size)."""
    sizes: dict[str, int] = defaultdict(int)
    for group in groups:
        sizes[group] += 1
    rng = np.random.default_rng(seed)
    order = sorted(sizes, key=lambda g: (-sizes[g], rng.random()))
    load = [0] * k
    fold_of: dict[str, int] = {}
    for group in order:
        fold = min(range(k), key=lambda f: (load[f], f))
        fold_of[group] = fold
        load[fold] += sizes[group]
    return np.array([fold_of[g] for g in groups])


def pair_features(
    pairs: Sequence[Pair], cache_dir: Path | None = None, e5: bool = True
) -> tuple[np.ndarray, float]:
    """Feature matrix of ``pairs`` (columns :data:`E5_FEATURES`, or :data:`FEATURES` without ``e5``)
    and the seconds it took; ``cache_dir`` keeps the embeddings on disk between runs."""
    from ..similarity import E5_FEATURES, FEATURES, feature_vector, features, profiles

    names = E5_FEATURES if e5 else FEATURES
    started = time.perf_counter()
    texts = [p.text1 for p in pairs] + [p.text2 for p in pairs]
    langs = [p.lang1 for p in pairs] + [p.lang2 for p in pairs]
    profs = profiles(texts, langs, e5=e5, cache_dir=cache_dir)
    n = len(pairs)
    rows = [feature_vector(features(profs[i], profs[n + i]), names) for i in range(n)]
    x = np.vstack(rows) if rows else np.zeros((0, len(names)))
    return x, time.perf_counter() - started


def _pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.std(a) < 1e-12 or np.std(b) < 1e-12:
        return None
    return round(float(np.corrcoef(a, b)[0, 1]), 4)


# Boosting settings, chosen on fold 0 of the 5-fold CV of `quellenlage eval similarity` (train on
# folds 1-4, score fold 0) among learning rates 0.03/0.05/0.1 x 100/300 rounds x 7/15/31 leaves;
# the spread on folds 1-4 was < 0.02 Pearson. Re-run that eval after changing them.
TREE_PARAMS = {"max_iter": 100, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 20}
# Weight of the trees when blended with ridge (alpha 1) on the same features; chosen on the same
# fold 0 among 0.6/0.7/0.8 x alpha 1/10/100 (+0.006 Pearson over trees alone on folds 1-4).
TREE_BLEND = 0.7


def fit(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    alpha: float = 1.0,
    info: dict[str, Any] | None = None,
) -> LinearModel:
    """Ridge regression of ``y`` (1 = same story, 0 = unrelated) on standardised ``x`` (columns ``names``)."""
    from sklearn.linear_model import Ridge  # type: ignore[import-untyped]

    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    ridge = Ridge(alpha=alpha).fit((x - mean) / scale, y)
    return LinearModel(
        tuple(names),
        tuple(float(c) for c in ridge.coef_),
        float(ridge.intercept_),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
        info or {},
    )


def fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    info: dict[str, Any] | None = None,
    seed: int = 0,
) -> TreeModel:
    """Gradient-boosted trees (:data:`TREE_PARAMS`) of ``y`` on ``x``, exported to plain lists and
    blended (:data:`TREE_BLEND`) with ridge regression on the same features."""
    from sklearn.ensemble import HistGradientBoostingRegressor  # type: ignore[import-untyped]

    booster = HistGradientBoostingRegressor(random_state=seed, **TREE_PARAMS).fit(x, y)
    trees = []
    for (predictor,) in booster._predictors:
        nodes = predictor.nodes
        leaf = nodes["is_leaf"].astype(bool)
        trees.append(
            {
                "feature": np.where(leaf, -1, nodes["feature_idx"]).tolist(),
                "threshold": [float(t) for t in nodes["num_threshold"]],
                "left": nodes["left"].tolist(),
                "right": nodes["right"].tolist(),
                "value": [round(float(v), 8) for v in nodes["value"]],
                "missing_left": nodes["missing_go_to_left"].astype(int).tolist(),
            }
        )
    base = float(np.ravel(booster._baseline_prediction)[0])
    linear = fit(x, y, names=names, alpha=1.0)
    return TreeModel(tuple(names), base, tuple(trees), info or {}, linear, TREE_BLEND)


def _columns(x: np.ndarray) -> tuple[str, ...]:
    from ..similarity import E5_FEATURES, FEATURES

    return E5_FEATURES if x.shape[1] == len(E5_FEATURES) else FEATURES


def _fit(
    x: np.ndarray, y: np.ndarray, names: Sequence[str], kind: str, info: dict[str, object] | None = None
) -> Model:
    """The learner of each shipped model: ridge for ``light`` (readable, stories.py calibrated on it),
    boosted trees for ``full`` and ``e5``."""
    if kind == "light":
        return fit(x, y, names=names, alpha=RIDGE_ALPHA, info=info)
    return fit_trees(x, y, names=names, info=info)


def _predict(
    pairs: Sequence[Pair], x: np.ndarray, y: np.ndarray, kind: str, mode: str, k: int, seed: int
) -> np.ndarray:
    from ..similarity import E5_FEATURES, FEATURES, LIGHT_FEATURES, shipped_model

    all_names = _columns(x)
    if mode == "heldout":
        model = shipped_model(kind)
        return model.predict(x[:, [all_names.index(name) for name in model.names]])
    names = {"e5": E5_FEATURES, "full": FEATURES, "light": LIGHT_FEATURES}[kind]
    columns = [all_names.index(name) for name in names]
    predicted = np.zeros(len(pairs))
    folds = group_folds([p.group for p in pairs], k, seed)
    for fold in range(k):
        test = folds == fold
        model = _fit(x[~test][:, columns], y[~test], names, kind)
        predicted[test] = model.predict(x[test][:, columns])
    return predicted


def evaluate(pairs: Sequence[Pair], x: np.ndarray, mode: str, k: int = 5, seed: int = 0) -> dict[str, object]:
    """Pearson (higher = more similar) of the best model the features allow (``e5`` if ``x`` has the
    e5 column, else ``full``), the fuse-only full model, the light model (bulk clustering) and the
    baseline, overall and per language pair. In cv mode also the main model on fold 0 (where
    :data:`quellenlage.similarity.TREE_PARAMS` were chosen) and on folds 1-4 (untouched by that choice)."""
    y = np.array([overall_to_target(p.overall) for p in pairs])
    names = _columns(x)
    main = "e5" if "cos_e5" in names else "full"
    predicted = _predict(pairs, x, y, main, mode, k, seed)
    full = predicted if main == "full" else _predict(pairs, x, y, "full", mode, k, seed)
    light = _predict(pairs, x, y, "light", mode, k, seed)
    baseline = x[:, names.index("cos_doc")]
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_lang[f"{p.lang1}-{p.lang2}"].append(i)
    result: dict[str, object] = {
        "model": main,
        "pearson": _pearson(predicted, y),
        "full_pearson": _pearson(full, y),
        "light_pearson": _pearson(light, y),
        "baseline_pearson": _pearson(baseline, y),
    }
    if mode == "cv":
        first = group_folds([p.group for p in pairs], k, seed) == 0
        result["fold0_pearson"] = _pearson(predicted[first], y[first])
        result["folds1_4_pearson"] = _pearson(predicted[~first], y[~first])
    result["by_lang"] = {
        lang: {
            "n": len(ix),
            "pearson": _pearson(predicted[ix], y[ix]),
            "full": _pearson(full[ix], y[ix]),
            "light": _pearson(light[ix], y[ix]),
            "baseline": _pearson(baseline[ix], y[ix]),
        }
        for lang, ix in sorted(by_lang.items(), key=lambda kv: -len(kv[1]))
    }
    return result


TRAINING_PAIRS_FILE = "training-pairs.txt.gz"  # pair_key digests of the shipped models' training pairs


def pair_key(pair: Pair) -> str:
    """A 64-bit BLAKE2b digest (hex) of a pair's two texts, in either order: lets ``--mode heldout``
    leave out the pairs the shipped models were fitted on without shipping their text."""
    first, second = sorted((pair.text1, pair.text2))
    return hashlib.blake2b(f"{first}\x00{second}".encode(), digest_size=8).hexdigest()


def training_pair_keys() -> frozenset[str]:
    """The :func:`pair_key` of every pair the shipped models were fitted on."""
    path = resources.files("quellenlage").joinpath("models", "similarity", TRAINING_PAIRS_FILE)
    if not path.is_file():
        return frozenset()
    return frozenset(gzip.decompress(path.read_bytes()).decode("utf-8").split())


def write_training_pair_keys(directory: Path, pairs: Sequence[Pair]) -> None:
    """Write the digests of ``pairs`` (byte-identical for the same pairs: fixed gzip timestamp)."""
    with gzip.GzipFile(directory / TRAINING_PAIRS_FILE, "wb", mtime=0) as handle:
        handle.write("\n".join(sorted({pair_key(p) for p in pairs})).encode("utf-8"))


def save_models(
    save: Path, pairs: Sequence[Pair], x: np.ndarray, result: dict[str, object], data: str, mode: str
) -> None:
    """Fit every model the features allow on all pairs and write ``<kind>.json`` to ``save``, with
    the digests of the pairs (:func:`write_training_pair_keys`)."""
    from ..similarity import E5_FEATURES, FEATURES, LIGHT_FEATURES

    y = np.array([overall_to_target(p.overall) for p in pairs])
    all_names = _columns(x)
    kinds = {"full": (FEATURES, "full_pearson"), "light": (LIGHT_FEATURES, "light_pearson")}
    if "cos_e5" in all_names:
        kinds["e5"] = (E5_FEATURES, "pearson")
    save.mkdir(parents=True, exist_ok=True)
    write_training_pair_keys(save, pairs)
    for kind, (names, key) in kinds.items():
        info = {"data": data, "n": len(pairs), f"{mode}_pearson": result[key]}
        columns = [all_names.index(name) for name in names]
        model = _fit(x[:, columns], y, names, kind, info)
        indent = 1 if kind == "light" else None  # the linear model stays readable; trees are long
        (save / f"{kind}.json").write_text(json.dumps(model.to_dict(), indent=indent) + "\n")
    print(
        f"saved {', '.join(f'{k}.json' for k in kinds)} fitted on all {len(pairs)} pairs to {save}",
        file=sys.stderr,
    )
