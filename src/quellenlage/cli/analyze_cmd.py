"""``quellenlage analyze``: the main job — several reports of one story in, a grounded briefing out.

Inputs are files, directories, URLs, feeds, JSONL files, ``-`` for standard input, or ids (or id
prefixes) of articles already in the store. New inputs are ingested and stored first; then the
runner (:mod:`quellenlage.runner`) reads, rates and compares the articles and writes the briefing,
which is printed (or written to ``-o FILE``) as Markdown, JSON or standalone HTML and kept in the
store (see :mod:`quellenlage.analysis`).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..analysis import analyse, collect_articles
from ..settings import load_settings
from ..store import Store
from .common import user_errors

DEFAULT_MAX_ARTICLES = 60  # one story; corpora go through `quellenlage stories`
FORMATS = ("md", "json", "html")


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="md", show_default=True,
              help="Markdown with [A3] references, the JSON contract, or standalone HTML.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write the briefing to this file instead of standard output.")
@click.option("--max-articles", type=click.IntRange(min=1), default=DEFAULT_MAX_ARTICLES, show_default=True,
              help="Refuse larger inputs: analyze compares one story.")
@click.option("--db", metavar="PATH", help="Database file (overrides the db setting).")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML config file.")
def analyze(inputs: tuple[str, ...], fmt: str, output: str | None, max_articles: int,
            db: str | None, config: str | None) -> None:
    """Compare reports of one story and write a briefing where every sentence cites its sources."""
    from ..render import render
    from ..runner import STAGES

    err = Console(stderr=True)
    with user_errors():
        settings = load_settings(config, db=db)
        with Store.open(settings) as store:
            collected = collect_articles(store, inputs, settings, stdin=sys.stdin.buffer)
            for outcome in collected.problems:
                click.echo(f"{outcome.status.value} {outcome.reason}: {outcome.input}"
                           + (f" — {outcome.detail}" if outcome.detail else ""), err=True)
            articles = collected.articles
            if not articles:
                raise click.ClickException("no article could be read from the inputs (see the messages above)")
            if len(articles) > max_articles:
                raise click.ClickException(
                    f"{len(articles)} articles is more than one story (--max-articles {max_articles}); "
                    "raise --max-articles, or pick the articles of one story"
                )
            with Progress(TextColumn("{task.description:<9}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                          TimeElapsedColumn(), console=err, disable=not err.is_terminal, transient=True) as bar:
                tasks: dict[str, TaskID] = {s.name: bar.add_task(s.name, total=None) for s in STAGES}

                def progress(stage: str, done: int, total: int) -> None:
                    bar.update(tasks[stage], completed=done, total=total)

                result = analyse(store, articles, progress=progress, settings=settings)
    text = render(result.briefing, fmt)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        err.print(f"briefing of {len(articles)} articles written to {output}", highlight=False)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
