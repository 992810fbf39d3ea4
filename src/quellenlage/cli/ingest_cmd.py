"""``quellenlage ingest``, ``articles`` and ``show``: put reports into the store and look at them.

``ingest`` reads every input through :func:`quellenlage.ingest.iter_ingest`, stores the articles
that are ready in batches (one transaction each), records every input's outcome in the store and
ends with a summary: outcomes counted by status and reason, and every input that was not stored.

Exit codes of ``ingest``: 0 when at least one input was stored or already stored unchanged
(a re-run), 1 when no input was (everything failed or was skipped), 2 for usage errors.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..models import Article, Outcome, OutcomeStatus, SkipReason
from ..serialize import to_dict
from ..settings import Settings
from ..store import SNIPPET_MARK
from ..storing import store_items
from .common import open_store, store_options, user_errors

if TYPE_CHECKING:
    from ..ingest import IngestItem

LISTING_CAP = 50  # not-stored inputs listed in the text summary; --json lists all


def _iter_ingest(inputs: tuple[str, ...], settings: Settings) -> Iterator[IngestItem]:
    from ..ingest import iter_ingest  # imported on use: extraction pulls in trafilatura

    return iter_ingest(list(inputs), settings, fetcher=None, stdin=sys.stdin.buffer)


def exit_code(outcomes: list[Outcome]) -> int:
    """0 if any input is now in the store (stored or an unchanged duplicate), else 1."""
    in_store = any(
        o.status is OutcomeStatus.STORED or o.reason == SkipReason.DUPLICATE.value for o in outcomes
    )
    return 0 if in_store else 1


# -- shared options --------------------------------------------------------------------------------


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f}/s" if speed else "–/s", style="progress.data.speed")


# -- ingest ----------------------------------------------------------------------------------------


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object with every outcome.")
@store_options
def ingest(inputs: tuple[str, ...], as_json: bool, db: str | None, config: str | None) -> None:
    """Read files, URLs, feeds or JSONL ('-' for stdin) and store the articles found."""
    run_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    err = Console(stderr=True)
    with user_errors():
        settings, store = open_store(db, config)
        with store, Progress(
            SpinnerColumn(), TextColumn("ingesting"), TextColumn("{task.completed:,.0f} inputs"),
            _RateColumn(), TimeElapsedColumn(), console=err, disable=not err.is_terminal, transient=True,
        ) as progress:  # fmt: skip
            task = progress.add_task("ingest", total=None)
            outcomes = list(
                store_items(store, _counted(_iter_ingest(inputs, settings), progress, task), run_id)
            )
    if as_json:
        click.echo(json.dumps(_summary_json(run_id, outcomes), ensure_ascii=False))
    else:
        _print_summary(Console(), run_id, outcomes, store.path)
    code = exit_code(outcomes)
    if code:
        sys.exit(code)


def _counted(items: Iterable[IngestItem], progress: Progress, task: Any) -> Iterator[IngestItem]:
    for item in items:
        progress.advance(task)
        yield item


def _summary_json(run_id: str, outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "inputs": len(outcomes),
        "counts": dict(Counter(o.status.value for o in outcomes)),
        "reasons": dict(Counter(f"{o.status.value}/{o.reason}" for o in outcomes if o.reason)),
        "outcomes": [to_dict(o) for o in outcomes],
    }


def _print_summary(console: Console, run_id: str, outcomes: list[Outcome], db_path: str) -> None:
    click.echo(f"ingest run {run_id} → {db_path}")
    table = Table()
    for column in ("status", "reason", "inputs"):
        table.add_column(column, justify="right" if column == "inputs" else "left")
    counts = Counter((o.status.value, o.reason) for o in outcomes)
    order = {s.value: i for i, s in enumerate(OutcomeStatus)}
    for (status, reason), n in sorted(counts.items(), key=lambda kv: (order[kv[0][0]], -kv[1])):
        table.add_row(status, reason or "–", f"{n:,}")
    table.add_row("total", "", f"{len(outcomes):,}", style="bold")
    console.print(table)
    problems = [o for o in outcomes if o.status is not OutcomeStatus.STORED]
    for o in problems[:LISTING_CAP]:  # plain lines, never wrapped: easy to grep
        click.echo(f"{o.status.value} {o.reason}: {o.input}" + (f" — {o.detail}" if o.detail else ""))
    if len(problems) > LISTING_CAP:
        click.echo(f"… and {len(problems) - LISTING_CAP:,} more (all of them with --json)")


# -- articles --------------------------------------------------------------------------------------


@click.command()
@click.argument("query", required=False)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="Rows to show.")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(min=0), help="Rows to skip.")
@click.option("--outlet", default=None, help="Only articles of this outlet (e.g. tagesschau.de).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@store_options
def articles(
    query: str | None,
    limit: int,
    offset: int,
    outlet: str | None,
    as_json: bool,
    db: str | None,
    config: str | None,
) -> None:
    """List stored articles, newest first; with QUERY, full-text search over titles and texts."""
    with user_errors():
        _, store = open_store(db, config)
        with store:
            if query is not None:
                hits: list[tuple[Article, str | None]] = list(store.search(query, limit, offset, outlet))
                total = None
            else:
                hits = [(a, None) for a in store.iter_articles(limit, offset, outlet)]
                total = store.count_articles(outlet)
    if as_json:
        rows = [_article_summary(a) | ({"snippet": s} if s is not None else {}) for a, s in hits]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    table = Table(box=None, pad_edge=False)
    for column in ("id", "published", "outlet", "lang", "title" if query is None else "title / match"):
        table.add_column(column, overflow="fold" if column.startswith("title") else "ellipsis")
    for article, snippet in hits:
        title = escape(_title(article))
        if snippet is not None:
            title += "\n[dim]" + _highlight(snippet) + "[/dim]"
        row = (article.id[:12], str(article.published or "–"), article.outlet or "–", article.language or "–")
        table.add_row(*map(escape, row), title)
    console = Console()
    console.print(table)
    shown = f"{offset + 1}–{offset + len(hits)}" if hits else "none"
    console.print(
        f"[dim]{shown} of {total:,} articles[/dim]"
        if total is not None
        else f"[dim]{len(hits)} matches[/dim]"
    )


def _article_summary(article: Article) -> dict[str, Any]:
    keys = ("id", "published", "outlet", "language", "title", "url")
    return {key: value for key, value in to_dict(article).items() if key in keys}


def _title(article: Article, words: int = 8) -> str:
    if article.title:
        return article.title
    first = article.text.split()
    return " ".join(first[:words]) + (" …" if len(first) > words else "")


def _highlight(snippet: str) -> str:
    """Rich markup for a search snippet: matched terms (between SNIPPET_MARKs) in bold."""
    parts = escape(snippet.replace("\n", " ")).split(SNIPPET_MARK[0])
    return "".join(p if i % 2 == 0 else f"[bold]{p}[/bold]" for i, p in enumerate(parts))


# -- show ------------------------------------------------------------------------------------------


@click.command()
@click.argument("article_id", metavar="ID")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the article, its outcomes and timestamps as JSON."
)
@click.option("--raw", is_flag=True, help="Write the stored input bytes (HTML, text, JSON line) to stdout.")
@store_options
def show(article_id: str, as_json: bool, raw: bool, db: str | None, config: str | None) -> None:
    """Show one stored article (ID or an unambiguous prefix of it)."""
    with user_errors():
        _, store = open_store(db, config)
        with store:
            full_id = store.resolve_article_id(article_id)
            article = store.get_article(full_id)
            raw_bytes, raw_type = store.get_raw(full_id) or (None, "")
            ingested, updated = store.ingested_at(full_id) or ("", "")
            outcomes = store.outcomes_for(full_id)
    assert article is not None
    if raw:
        if raw_bytes is None:
            raise click.ClickException(f"article {full_id} has no stored raw input; show it without --raw")
        sys.stdout.buffer.write(raw_bytes)
        sys.stdout.buffer.flush()
        return
    if as_json:
        history = [{"run_id": run, "at": at, **to_dict(o)} for run, at, o in outcomes]
        data = {"article": to_dict(article), "raw_type": raw_type, "ingested_at": ingested,
                "updated_at": updated, "outcomes": history}  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    console = Console(highlight=False)
    console.print(f"[bold]{escape(article.title or '(no title)')}[/bold]")
    meta = Table.grid(padding=(0, 2))
    meta.add_column(no_wrap=True)
    meta.add_column(overflow="fold")
    rows = [
        ("id", article.id),
        ("url", article.url or "–"),
        ("outlet", f"{article.outlet or '–'} (from {article.outlet_source})"),
        ("published", f"{article.published or '–'} (from {article.published_source.value})"),
        ("language", article.language or "–"),
        ("author", article.author or "–"),
        ("paragraphs", str(len(article.paragraphs))),
        ("characters", f"{len(article.text):,}"),
        ("raw", f"{raw_type or '–'} ({len(raw_bytes or b''):,} bytes)"),
        ("ingested", ingested + (f", changed {updated}" if updated != ingested else "")),
    ]
    rows += [("label", article.source_label)] if article.source_label else []
    rows += [
        (
            f"origin {i + 1}",
            f"{o.kind.value} {o.outlet}"
            + (f" am {o.date}" if o.date else "")
            + (f" — {o.raw}" if o.raw else ""),
        )
        for i, o in enumerate(article.origins)
    ] or [("origin", "none stated")]
    rows += [
        (f"outcome {at}", " ".join(filter(None, (o.status.value, o.reason, o.input, f"(run {run})"))))
        for run, at, o in outcomes
    ]
    for key, value in rows:
        meta.add_row(f"[dim]{key}[/dim]", escape(value))
    console.print(meta)
    console.rule()
    console.print(article.text, markup=False)
