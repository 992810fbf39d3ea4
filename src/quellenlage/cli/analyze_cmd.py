"""``quellenlage analyze``: the main job — several reports of one story in, a grounded briefing out.

Inputs are files, directories, URLs, feeds, JSONL files, ``-`` for standard input, or ids (or id
prefixes) of articles already in the store. New inputs are ingested and stored first; then the
runner (:mod:`quellenlage.runner`) reads, rates and compares the articles and writes the briefing,
which is printed (or written to ``-o FILE``) as Markdown, JSON or standalone HTML and kept in the
store under the ``briefing`` analysis kind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
import uuid
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from ..models import Article, OutcomeStatus, SkipReason
from ..settings import load_settings
from ..store import Store
from .ingest_cmd import _iter_ingest, _user_errors, store_items

ID_PATTERN = re.compile(r"^[0-9a-f]{6,64}$")
DEFAULT_MAX_ARTICLES = 60  # one story; corpora go through `quellenlage stories`
FORMATS = ("md", "json", "html")


def _looks_like_id(value: str) -> bool:
    return bool(ID_PATTERN.match(value)) and not Path(value).exists()


def story_key(articles: list[Article]) -> str:
    """A stable key for the set of articles analysed together."""
    return hashlib.sha256("\n".join(sorted(a.id for a in articles)).encode()).hexdigest()[:16]


def collect_articles(store: Store, inputs: tuple[str, ...], settings, err: Console) -> list[Article]:  # type: ignore[no-untyped-def]
    """Ingest new inputs, resolve stored ids, and return the articles in input order."""
    ids: list[str] = [store.resolve_article_id(value) for value in inputs if _looks_like_id(value)]
    fresh = tuple(value for value in inputs if not _looks_like_id(value))
    problems = []
    if fresh:
        run_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
        for outcome in store_items(store, _iter_ingest(fresh, settings), run_id):
            in_store = outcome.status is OutcomeStatus.STORED or outcome.reason == SkipReason.DUPLICATE.value
            if in_store and outcome.article_id:
                ids.append(outcome.article_id)
            elif not in_store:
                problems.append(outcome)
    for outcome in problems:
        err.print(f"[yellow]{outcome.status.value}[/] {outcome.reason}: {outcome.input}"
                  + (f" — {outcome.detail}" if outcome.detail else ""), markup=True, highlight=False)
    articles = []
    for article_id in dict.fromkeys(ids):  # keep order, drop repeats
        article = store.get_article(article_id)
        if article is not None:
            articles.append(article)
    return articles


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
    from ..runner import STAGES, run

    err = Console(stderr=True)
    with _user_errors():
        settings = load_settings(config, db=db)
        with Store.open(settings) as store:
            articles = collect_articles(store, inputs, settings, err)
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

                state = run(articles, progress=progress)
            as_json = render(state.briefing, "json")
            text = as_json if fmt == "json" else render(state.briefing, fmt)
            store.put_analysis("briefing", story_key(articles), json.loads(as_json))
    if output:
        Path(output).write_text(text, encoding="utf-8")
        err.print(f"briefing of {len(articles)} articles written to {output}", highlight=False)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
