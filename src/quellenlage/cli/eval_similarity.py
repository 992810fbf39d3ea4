"""``quellenlage eval similarity``: story similarity on SemEval-2022 Task 8 pairs; one JSON line.

The line says which ``mode`` ran (``cv`` refits the models on ``--data``; ``heldout`` scores the
shipped models without fitting) and how many rows were skipped for lack of a score or a text.

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
@data_option(
    "SemEval-2022 Task 8 CSV with texts: pair_id, lang1 (or url1_lang), lang2 (or url2_lang), text1, text2, "
    "…, Overall. Rows with Overall empty/NA or without a text are skipped and counted."
)
@click.option(
    "--mode",
    type=click.Choice(["cv", "heldout"]),
    default="heldout",
    show_default=True,
    help="heldout: score the shipped models on --data without fitting anything; pairs the shipped "
    "models were fitted on are left out and counted (left_out_training_pairs). cv: refit the models "
    "on --data in k folds grouped by base pair id and score each fold (how the README's figure on the "
    "SemEval train file is made; the full train file takes 20+ minutes).",
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
    """Pearson correlation of the story-similarity score with SemEval "Overall"; one JSON line.

    The line's "mode" says whether the models were refitted on --data (cv) or the shipped models were
    scored as they are (heldout); "skipped_no_score" and "skipped_no_text" count the rows of --data
    left out for lack of an Overall score or of a text.
    """
    from ..train.similarity import (
        evaluate,
        pair_features,
        pair_key,
        read_pair_file,
        save_models,
        training_pair_keys,
    )

    read = read_pair_file(data)
    pairs = list(read.pairs)
    if lang:  # the reader lower-cases the language codes
        pairs = [p for p in pairs if lang.strip().lower() in (p.lang1, p.lang2)]
    pairs = pairs[:limit] if limit else pairs
    left_out = 0
    if mode == "heldout":
        trained = training_pair_keys()
        unseen = [p for p in pairs if pair_key(p) not in trained]
        left_out, pairs = len(pairs) - len(unseen), unseen
        if left_out and not pairs:
            raise InputError(
                f"all {left_out} pairs of {data} are pairs the shipped models were fitted on; "
                "score the method on this file with --mode cv instead",
                str(data),
            )
    # cv needs two pairs per fold; Pearson needs three pairs.
    needed = folds * 2 if mode == "cv" else 3
    if len(pairs) < needed:
        raise InputError(
            f"{data} has only {len(pairs)} usable pairs (skipped: {read.skipped_no_score} without an Overall "
            f"score, {read.skipped_no_text} without a text); --mode {mode} needs at least {needed}",
            str(data),
        )
    x, seconds = pair_features(pairs, cache, e5=e5)
    result: dict[str, object] = {
        "task": "similarity",
        "data": data.name,
        "mode": mode,
        "n": len(pairs),
        "skipped_no_score": read.skipped_no_score,
        "skipped_no_text": read.skipped_no_text,
    }
    if mode == "heldout":
        result["left_out_training_pairs"] = left_out
    result.update(evaluate(pairs, x, mode, k=folds))
    result["pairs_per_s"] = round(len(pairs) / max(seconds, 1e-9), 1)
    if save:
        save_models(save, pairs, x, result, data.name, mode)
    click.echo(json.dumps(result))
