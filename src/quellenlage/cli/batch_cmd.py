"""``quellenlage batch``: read and rate a whole corpus in parallel, one JSON line per input.

    quellenlage batch corpus.jsonl.gz --out results.jsonl --workers 2
    quellenlage batch corpus.jsonl.gz --out results.jsonl --engine ray --address ray://head:10001
    quellenlage batch corpus.jsonl.gz --out results.jsonl --resume     # after an interruption

Exit codes: 0 when every input has an output line (analysed, skipped or failed — see the summary),
1 when no input could be analysed, 2 for usage errors.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..settings import load_settings
from .common import user_errors
from .ingest_cmd import _RateColumn


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output JSONL file (one line per input).")
@click.option("--engine", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: worker processes here; ray: tasks on a Ray cluster (extra 'batch').")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (local) or CPUs of a local Ray instance (ray without --address).")
@click.option("--address", default=None, help="Address of an existing Ray cluster (e.g. 'auto', 'ray://head:10001').")
@click.option("--resume", is_flag=True, help="Continue an interrupted run: skip inputs already in --out.")
@click.option("--chunk-size", type=click.IntRange(1, 1000), default=16, show_default=True,
              help="Articles per task.")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML config file.")
def batch(inputs: tuple[str, ...], out: Path, engine: str, workers: int, address: str | None,
          resume: bool, chunk_size: int, config: str | None) -> None:
    """Read, signal and score every article of INPUT... (files, JSONL, feeds, URLs) into --out."""
    from ..batch import make_engine, run_batch

    err = Console(stderr=True)
    started = time.perf_counter()
    with user_errors():
        settings = load_settings(config)
        runner = make_engine(engine, workers, address)
        try:
            with Progress(
                SpinnerColumn(), TextColumn("analysing"), TextColumn("{task.completed:,.0f} inputs"),
                _RateColumn(), TimeElapsedColumn(), console=err, disable=not err.is_terminal,
                transient=True,
            ) as progress:  # fmt: skip
                task = progress.add_task("batch", total=None)
                counts = run_batch(list(inputs), out, settings, runner, resume=resume,
                                   chunk_size=chunk_size, progress=lambda n: progress.advance(task, n))
        finally:
            runner.close()
    seconds = time.perf_counter() - started
    summary = {
        "out": str(out), "engine": engine, "workers": runner.workers,
        "analysed": counts.analysed, "skipped": counts.skipped, "failed": counts.failed,
        "resumed": counts.resumed, "seconds": round(seconds, 1),
        "analysed_per_s": round(counts.analysed / seconds, 2) if seconds else None,
    }
    click.echo(json.dumps(summary))
    if counts.analysed == 0 and counts.resumed == 0:
        sys.exit(1)
