"""``quellenlage eval subjectivity`` and ``quellenlage eval reliability``: one JSON line each."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from .common import data_option, errors_option, write_json_lines


@click.command()
@data_option("CheckThat! subjectivity TSV: sentence_id, sentence, label (SUBJ/OBJ).")
@errors_option("every misclassified sentence (gold, predicted, P(SUBJ))")
def subjectivity(data: Path, errors_path: Path | None) -> None:
    """Score the shipped subjectivity model on a labelled TSV."""
    from sklearn.metrics import accuracy_score, f1_score

    from ..subjectivity import SubjectivityModel, read_tsv

    sentences, labels = read_tsv(data)
    model = SubjectivityModel.load()
    model.predict_proba(["Warmlaufen."])  # load the encoder before timing
    started = time.perf_counter()
    probabilities = model.predict_proba(sentences)
    predicted = probabilities >= model.threshold
    seconds = time.perf_counter() - started
    result: dict[str, object] = {
        "task": "subjectivity",
        "data": data.name,
        "n": len(labels),
        "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        "subj_f1": round(float(f1_score(labels, predicted)), 4),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "sentences_per_s": round(len(labels) / max(seconds, 1e-9), 1),
    }
    if errors_path is not None:
        name = {True: "SUBJ", False: "OBJ"}
        write_json_lines(
            errors_path,
            (
                {
                    "sentence": s,
                    "gold": name[bool(g)],
                    "predicted": name[bool(y)],
                    "p_subj": round(float(p), 4),
                }
                for s, g, y, p in zip(sentences, labels, predicted, probabilities, strict=True)
                if bool(g) != bool(y)
            ),
        )
        result["errors_file"] = str(errors_path)
    click.echo(json.dumps(result))


@click.command()
@data_option("FANG-COVID style JSONL(.gz): id, url, date, source, label (real/fake), title, text.")
@click.option("--limit", type=int, default=None, help="Read only the first N articles.")
@click.option(
    "--sample", type=int, default=None, help="Evaluate a sample of about N articles, stratified by publisher."
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Seed for --sample and the random split."
)
@click.option(
    "--protocols",
    default="pairs,groups,random,shipped",
    show_default=True,
    help="Comma-separated: pairs (headline: one real + one fake publisher held out), groups (publisher "
    "k-fold, both labels per test fold), lopo (leave one publisher out with the full calibrated "
    "procedure: pooled AUC, F1 at the fitted threshold; about 9 fits per model and fold, slow on the "
    "whole file), random (leaky article split, same publishers in training and test; for comparison "
    "only), shipped (the shipped model scored as it is, nothing fitted; the articles it was trained on "
    "are left out). Folds the data cannot form (a label with one publisher) are skipped and listed "
    "under skipped_folds.",
)
@click.option(
    "--pairs/--no-pairs",
    default=True,
    show_default=True,
    help="Include the pair protocol (one fold per real × fake publisher pair).",
)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bars on stderr.")
@click.option("--verbose", is_flag=True, help="Log each fold's figures to stderr.")
def reliability(
    data: Path,
    limit: int | None,
    sample: int | None,
    seed: int,
    protocols: str,
    pairs: bool,
    progress: bool,
    verbose: bool,
) -> None:
    """Publisher-held-out evaluation of the reliability score and the plain TF-IDF baseline, and the
    shipped model scored on the file as it is.

    The headline is ``pair_roc_auc``: every test publisher is unseen in training and each fold's AUC
    compares the scores of one model on both labels. Where the file cannot form pairs (one publisher
    of a label), ``headline`` names the figure that stands in.
    """
    from ..train.reliability import lopo, read_jsonl, stratified_sample

    records = read_jsonl(data, limit=limit)
    if sample is not None:
        records = stratified_sample(records, sample, seed=seed)
    log = (lambda message: click.echo(message, err=True)) if verbose else (lambda message: None)
    chosen = tuple(p.strip() for p in protocols.split(",") if p.strip())
    result = lopo(
        records, log=log, pairs=pairs, protocols=chosen, bar=_progress if progress else _no_bar, seed=seed
    )
    click.echo(json.dumps({"task": "reliability", "data": data.name, **result}, ensure_ascii=False))


def _no_bar(items, label: str):
    return items


def _progress(items, label: str):
    """Yield from ``items`` behind a click progress bar on stderr."""
    with click.progressbar(items, label=label, file=sys.stderr, show_pos=True, show_eta=True) as bar:
        yield from bar
