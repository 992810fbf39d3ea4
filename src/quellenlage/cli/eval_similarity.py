"""``quellenlage eval similarity``: story similarity on SemEval-2022 Task 8 pairs; one JSON line.

The reading, features, CV protocol and model fitting live in :mod:`quellenlage.train.similarity`;
see its docstring for the grouping of folds and the sign of Pearson.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import InputError
from .common import data_option


@click.command()
@data_option("SemEval-2022 Task 8 CSV with texts: pair_id, lang1, lang2, text1, text2, …, Overall.")
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
    help="Cache embeddings in this directory (e.g. /tmp/quellenlage-sim) between runs.",
)
@click.option(
    "--e5/--no-e5",
    default=True,
    show_default=True,
    help="Also embed each opening with multilingual-e5-small (two 300-character windows, ~0.25 s per text on "
    "one core) and score the e5 model.",
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
    e5: bool,
    save: Path | None,
) -> None:
    """Pearson correlation of the story-similarity score with SemEval "Overall"; one JSON line."""
    from ..train.similarity import evaluate, pair_features, read_pairs, save_models

    pairs = read_pairs(data)
    if lang:
        pairs = [p for p in pairs if lang in (p.lang1, p.lang2)]
    pairs = pairs[:limit] if limit else pairs
    if len(pairs) < folds * 2:
        raise InputError(
            f"{data} has only {len(pairs)} usable pairs; --mode cv needs at least {folds * 2}", str(data)
        )
    x, seconds = pair_features(pairs, cache, e5=e5)
    result: dict[str, object] = {"task": "similarity", "data": data.name, "mode": mode, "n": len(pairs)}
    result.update(evaluate(pairs, x, mode, k=folds))
    result["pairs_per_s"] = round(len(pairs) / max(seconds, 1e-9), 1)
    if save:
        save_models(save, pairs, x, result, data.name, mode)
    click.echo(json.dumps(result))


