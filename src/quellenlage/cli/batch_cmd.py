"""``quellenlage batch``: read and rate a whole corpus in parallel, one JSON line per input.

    quellenlage batch corpus.jsonl.gz --out results.jsonl --workers 2
    quellenlage batch corpus.jsonl.gz --out results.jsonl --engine ray --address ray://head:10001
    quellenlage batch corpus.jsonl.gz --out results.jsonl --resume     # after an interruption

``--resume`` skips the inputs already in ``--out`` and analyses again those whose analysis crashed
(``analysis-error``; ``--no-retry-errors`` keeps them as they are). Ctrl-C stops the run, keeps the
lines written and prints the command that continues it.

Exit codes: 0 when every input has an output line (analysed, skipped or failed — see the summary),
1 when no input could be analysed, 2 for usage errors, 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from ..batch import CHUNK_SIZE
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
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run: skip inputs already in --out, retry analysis errors.")
@click.option("--retry-errors/--no-retry-errors", default=True, show_default=True,
              help="With --resume: analyse again the inputs whose analysis crashed (analysis-error).")
@click.option("--chunk-size", type=click.IntRange(1, 1000), default=CHUNK_SIZE, show_default=True,
              help="Articles per task.")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML config file.")
def batch(inputs: tuple[str, ...], out: Path, engine: str, workers: int, address: str | None,
          resume: bool, retry_errors: bool, chunk_size: int, config: str | None) -> None:
    """Read, signal and score every article of INPUT... (files, JSONL, feeds, URLs) into --out."""
    from ..batch import make_engine, run_batch

    err = Console(stderr=True)
    started = time.perf_counter()
    try:
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
                                       retry_errors=retry_errors, chunk_size=chunk_size,
                                       progress=lambda n: progress.advance(task, n))
            finally:
                runner.close()
    except KeyboardInterrupt:
        again = resume_command(inputs, out, engine, workers, address, chunk_size, config,
                               retry_errors=retry_errors)
        click.echo(f"aborted; the lines written to {out} are kept. Continue with:\n  {again}", err=True)
        sys.exit(130)
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


def resume_command(inputs: Sequence[str], out: Path, engine: str, workers: int, address: str | None,
                   chunk_size: int, config: str | None, *, retry_errors: bool = True) -> str:
    """The shell command that continues this run: its inputs and options, plus ``--resume``."""
    words = ["quellenlage", "batch", *inputs, "--out", str(out)]
    if engine != "local":
        words += ["--engine", engine]
    if workers != 1:
        words += ["--workers", str(workers)]
    if address:
        words += ["--address", address]
    if chunk_size != CHUNK_SIZE:
        words += ["--chunk-size", str(chunk_size)]
    if config:
        words += ["--config", config]
    if not retry_errors:
        words.append("--no-retry-errors")
    return shlex.join([*words, "--resume"])
