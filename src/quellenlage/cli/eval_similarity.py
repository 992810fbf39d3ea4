"""``quellenlage eval similarity``: story similarity on SemEval-2022 Task 8 pairs; one JSON line.

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
import hashlib
import json
import re
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from ..errors import InputError

_LANG_SUFFIX = re.compile(r"[a-z]{2}$")
# Ridge strength; chosen among 0.1/1/10 by the CV score of this command (differences < 0.005).
RIDGE_ALPHA = 1.0
FEATURE_VERSION = "numbers-v2"  # bump when a feature's computation changes (invalidates --cache)


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


def read_pairs(path: Path) -> list[Pair]:
    """Read a SemEval-2022 Task 8 CSV with texts (pair_id, lang1, lang2, text1, text2, Overall)."""
    csv.field_size_limit(2**31 - 1)
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        need = {"pair_id", "lang1", "lang2", "text1", "text2", "Overall"}
        if not need <= set(reader.fieldnames or ()):
            raise InputError(
                f"{path} lacks columns {sorted(need - set(reader.fieldnames or ()))}; expected the SemEval-2022 "
                "Task 8 format with article texts",
                input=str(path),
            )
        return [
            Pair(
                row["pair_id"], row["lang1"], row["lang2"], row["text1"], row["text2"], float(row["Overall"])
            )
            for row in reader
            if row["Overall"].strip()
        ]


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


def pair_features(pairs: Sequence[Pair], cache_dir: Path | None = None) -> tuple[np.ndarray, float]:
    """Feature matrix of ``pairs`` and the seconds it took (cached under ``cache_dir`` if given)."""
    from ..similarity import (
        DOC_CHARS,
        FEATURES,
        HEAD_CHARS,
        MAX_SENTENCES,
        feature_vector,
        features,
        profiles,
    )

    key = hashlib.sha256(
        (
            "|".join(FEATURES)
            + str(DOC_CHARS)
            + str(HEAD_CHARS)
            + str(MAX_SENTENCES)
            + FEATURE_VERSION
            + "".join(p.pair_id + p.text1[:50] + p.text2[:50] for p in pairs)
        ).encode()
    ).hexdigest()[:16]
    cached = cache_dir / f"similarity-{key}.npz" if cache_dir else None
    if cached and cached.exists():
        data = np.load(cached)
        return data["x"], float(data["seconds"])
    started = time.perf_counter()
    texts = [p.text1 for p in pairs] + [p.text2 for p in pairs]
    langs = [p.lang1 for p in pairs] + [p.lang2 for p in pairs]
    profs = profiles(texts, langs)
    n = len(pairs)
    rows = [feature_vector(features(profs[i], profs[n + i])) for i in range(n)]
    x = np.vstack(rows) if rows else np.zeros((0, len(FEATURES)))
    seconds = time.perf_counter() - started
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, x=x, seconds=seconds)
    return x, seconds


def _pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 3 or np.std(a) < 1e-12 or np.std(b) < 1e-12:
        return None
    return round(float(np.corrcoef(a, b)[0, 1]), 4)


def overall_to_target(overall: float) -> float:
    from ..similarity import overall_to_target as convert

    return convert(overall)


def _predict(
    pairs: Sequence[Pair],
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str],
    kind: str,
    mode: str,
    k: int,
    seed: int,
) -> np.ndarray:
    from ..similarity import FEATURES, fit, shipped_model

    columns = [FEATURES.index(name) for name in names]
    if mode == "heldout":
        model = shipped_model(kind)
        return model.predict(x[:, [FEATURES.index(name) for name in model.names]])
    predicted = np.zeros(len(pairs))
    folds = group_folds([p.group for p in pairs], k, seed)
    for fold in range(k):
        test = folds == fold
        model = fit(x[~test][:, columns], y[~test], names=names, alpha=RIDGE_ALPHA)
        predicted[test] = model.predict(x[test][:, columns])
    return predicted


def evaluate(pairs: Sequence[Pair], x: np.ndarray, mode: str, k: int = 5, seed: int = 0) -> dict[str, object]:
    """Pearson (higher = more similar) of the full model, the light model (bulk clustering) and the
    baseline, overall and per language pair."""
    from ..similarity import FEATURES, LIGHT_FEATURES

    y = np.array([overall_to_target(p.overall) for p in pairs])
    predicted = _predict(pairs, x, y, FEATURES, "full", mode, k, seed)
    light = _predict(pairs, x, y, LIGHT_FEATURES, "light", mode, k, seed)
    baseline = x[:, FEATURES.index("cos_doc")]
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pairs):
        by_lang[f"{p.lang1}-{p.lang2}"].append(i)
    return {
        "pearson": _pearson(predicted, y),
        "light_pearson": _pearson(light, y),
        "baseline_pearson": _pearson(baseline, y),
        "by_lang": {
            lang: {
                "n": len(ix),
                "pearson": _pearson(predicted[ix], y[ix]),
                "light": _pearson(light[ix], y[ix]),
                "baseline": _pearson(baseline[ix], y[ix]),
            }
            for lang, ix in sorted(by_lang.items(), key=lambda kv: -len(kv[1]))
        },
    }


@click.command()
@click.option(
    "--data",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="SemEval-2022 Task 8 CSV with texts: pair_id, lang1, lang2, text1, text2, …, Overall.",
)
@click.option(
    "--mode",
    type=click.Choice(["cv", "heldout"]),
    default="cv",
    show_default=True,
    help="cv: k-fold CV on --data grouped by base pair id (for the train file); "
    "heldout: score the shipped model on an unseen file.",
)
@click.option("--folds", type=int, default=5, show_default=True, help="Folds for --mode cv.")
@click.option("--limit", type=int, default=None, help="Use only the first N pairs.")
@click.option("--lang", default=None, help="Only pairs that involve this language (e.g. de).")
@click.option(
    "--cache",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Cache features in this directory (e.g. /tmp/quellenlage-sim) between runs.",
)
@click.option(
    "--save",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Fit the full and light models on all pairs of --data and write full.json/light.json here.",
)
def similarity(
    data: Path,
    mode: str,
    folds: int,
    limit: int | None,
    lang: str | None,
    cache: Path | None,
    save: Path | None,
) -> None:
    """Pearson correlation of the story-similarity score with SemEval "Overall"; one JSON line."""
    from ..similarity import FEATURES, LIGHT_FEATURES, fit

    pairs = read_pairs(data)
    if lang:
        pairs = [p for p in pairs if lang in (p.lang1, p.lang2)]
    pairs = pairs[:limit] if limit else pairs
    if len(pairs) < folds * 2:
        raise InputError(
            f"{data} has only {len(pairs)} usable pairs; --mode cv needs at least {folds * 2}", str(data)
        )
    x, seconds = pair_features(pairs, cache)
    result = {"task": "similarity", "data": data.name, "mode": mode, "n": len(pairs)}
    result.update(evaluate(pairs, x, mode, k=folds))
    result["pairs_per_s"] = round(len(pairs) / max(seconds, 1e-9), 1)
    if save:
        y = np.array([overall_to_target(p.overall) for p in pairs])
        save.mkdir(parents=True, exist_ok=True)
        for kind, names in (("full", FEATURES), ("light", LIGHT_FEATURES)):
            key = "pearson" if kind == "full" else "light_pearson"
            info = {"data": data.name, "n": len(pairs), f"{mode}_pearson": result[key], "alpha": RIDGE_ALPHA}
            columns = [FEATURES.index(name) for name in names]
            model = fit(x[:, columns], y, names=names, alpha=RIDGE_ALPHA, info=info)
            (save / f"{kind}.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n")
        print(f"saved full.json and light.json fitted on all {len(pairs)} pairs to {save}", file=sys.stderr)
    click.echo(json.dumps(result))
