"""``quellenlage train ner``: train the shipped NER model from the shared datasets."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import click

DEFAULT_DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "ner"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "models" / "ner"


@click.group()
def train() -> None:
    """Train a model that ships with the package."""


@train.command("ner")
@click.option("--data-dir", type=click.Path(file_okay=False), default=str(DEFAULT_DATA), show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=str(DEFAULT_OUT), show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--max-minutes", type=float, default=35.0, show_default=True, help="Wall-clock budget.")
@click.option("--max-epochs", type=int, default=30, show_default=True)
@click.option("--wikiann/--no-wikiann", default=True, show_default=True, help="Add WikiANN train (silver).")
@click.option("--width", type=int, default=96, show_default=True, help="tok2vec width.")
@click.option("--resume-from", type=click.Path(file_okay=False), default=None, help="Continue a saved model.")
@click.option("--vectors", default=None, metavar="DIR|auto",
              help="Static floret vectors: a spaCy vectors pipeline dir, or 'auto' to train them first "
                   "(needs the train extra). Default: none (the shipped model).")
@click.option("--news-repeat", type=click.IntRange(1, 10), default=1, show_default=True,
              help="Repeat the GermEval/SmartData training sentences this many times.")
@click.option("--select-on", type=click.Choice(["f1", "news_f1"]), default="f1", show_default=True,
              help="Dev score that picks the checkpoint: whole dev or its news part.")
def ner(
    data_dir: str,
    out: str,
    seed: int,
    max_minutes: float,
    max_epochs: int,
    wikiann: bool,
    width: int,
    resume_from: str | None,
    vectors: str | None,
    news_repeat: int,
    select_on: str,
) -> None:
    """Train spaCy tok2vec + ner from scratch; prints the training record as one JSON line."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from ..train.ner import TrainConfig
    from ..train.ner import train as run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = TrainConfig(
        data_dir=data_dir,
        out=out,
        seed=seed,
        max_minutes=max_minutes,
        max_epochs=max_epochs,
        include_wikiann=wikiann,
        width=width,
        resume_from=resume_from,
        vectors=vectors,
        news_repeat=news_repeat,
        select_on=select_on,
    )
    record = run(cfg)
    (Path(out) / "training.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    click.echo(json.dumps({k: v for k, v in record.items() if k != "history"}))


DEFAULT_E5_OUT = Path(__file__).resolve().parents[1] / "models" / "ner_e5"


@train.command("ner-e5")
@click.option("--data-dir", type=click.Path(file_okay=False), default=str(DEFAULT_DATA), show_default=True)
@click.option("--out", type=click.Path(file_okay=False), default=str(DEFAULT_E5_OUT), show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--layers", type=click.IntRange(1, 12), default=12, show_default=True,
              help="Bottom e5 layers kept (fewer = faster, truncated model).")
# defaults as in train.ner_e5.E5TrainConfig (that module needs torch at import): the shipped model
@click.option("--lr", type=float, default=8e-5, show_default=True, help="Encoder learning rate.")
@click.option("--epochs", type=click.IntRange(1, 20), default=2, show_default=True)
@click.option("--batch", type=click.IntRange(1, 256), default=16, show_default=True)
@click.option("--news-repeat", type=click.IntRange(1, 10), default=2, show_default=True,
              help="Repeat the GermEval/SmartData training sentences this many times.")
@click.option("--max-minutes", type=float, default=120.0, show_default=True, help="Wall-clock budget.")
@click.option("--eval-every", type=click.IntRange(1), default=1000, show_default=True, help="Steps between dev scores.")
@click.option("--select-on", type=click.Choice(["f1", "news_f1", "balanced"]), default="balanced", show_default=True,
              help="Dev score that picks the checkpoint (balanced = mean of news and WikiANN dev F1).")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True)
@click.option("--limit", type=click.IntRange(0), default=0, help="Train on N sampled sentences only (smoke test).")
@click.option("--teacher", type=click.Path(file_okay=False, exists=True), default=None,
              help="Distil from this trained e5 NER model (a directory with model.onnx), e.g. the shipped one.")
@click.option("--distil-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Share of the soft-target loss when --teacher is given.")
@click.option("--temperature", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Softmax temperature of the soft-target loss.")
def ner_e5(**options: object) -> None:
    """Fine-tune multilingual-e5-small as a token classifier (needs torch); prints the record as JSON."""
    from ..train.ner_e5 import E5TrainConfig
    from ..train.ner_e5 import train as run

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    options["teacher"] = options["teacher"] or ""
    record = run(E5TrainConfig(**options))  # type: ignore[arg-type]
    click.echo(json.dumps(record, ensure_ascii=False))
