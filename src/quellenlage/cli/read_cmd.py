"""``quellenlage read``: show what the reading layer finds in articles, each item with its span."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import click

from ..models import Reading, Span


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-01-09"
        ) from None


def _snippet(text: str, span: Span | None, width: int = 80) -> str:
    if span is None:
        return ""
    piece = " ".join(span.text(text).split())
    return piece if len(piece) <= width else piece[: width - 1] + "…"


def _offsets(span: Span | None) -> str:
    return f"{span.start}–{span.end}" if span else ""


def _plain_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if value.is_integer() else f"{value:g}"


def reading_to_json(reading: Reading, *, tokens: bool = False) -> dict[str, Any]:
    """A reading as JSON values; every item with ``span`` gets the ``text`` it covers."""
    from ..serialize import to_dict

    text = reading.article.text
    data = to_dict(reading)
    data["article"].pop("text")
    for key in ("sections", "sentences", "quotes", "descriptions", "numbers", "dates"):
        for item, obj in zip(data[key], getattr(reading, key), strict=True):
            item["text"] = obj.span.text(text)
            if key == "sentences" and not tokens:
                item["tokens"] = len(obj.tokens)
    return data


def _tables(reading: Reading) -> list[Any]:
    from rich.table import Table

    text = reading.article.text
    art = reading.article
    title = f"{art.id} · published {art.published or 'unknown'} · outlet {art.outlet or 'unknown'}"

    def table(name: str, *columns: str) -> Table:
        t = Table(title=f"{name} — {title}", title_justify="left", show_lines=False)
        for column in columns:
            t.add_column(column, overflow="fold")
        return t

    sections = table("Sections", "#", "role", "span", "heading / text")
    for s in reading.sections:
        sections.add_row(str(s.index), s.role.value, _offsets(s.span), s.heading or _snippet(text, s.span))
    sentences = table("Sentences", "#", "sec", "H", "span", "text")
    for t in reading.sentences:
        heading = "H" if t.is_heading else ""
        sentences.add_row(
            str(t.index), str(t.section), heading, _offsets(t.span), _snippet(text, t.span, 100)
        )
    entities = table("Entities", "id", "type", "name", "mentions")
    for e in reading.entities:
        entities.add_row(e.id, e.type.value, e.name, ", ".join(_offsets(m.span) for m in e.mentions))
    quotes = table("Quotes", "kind", "speaker", "verb", "span", "text")
    for q in reading.quotes:
        quotes.add_row(q.kind, q.speaker_text or "", q.verb or "", _offsets(q.span), _snippet(text, q.span))
    descriptions = table("Descriptions", "entity", "span", "text")
    for desc in reading.descriptions:
        descriptions.add_row(desc.entity_id, _offsets(desc.span), _snippet(text, desc.span))
    numbers = table("Numbers", "raw", "value", "qualifier", "unit", "kind", "low", "span")
    for n in reading.numbers:
        value, low = _plain_number(n.value), _plain_number(n.low)
        numbers.add_row(n.raw, value, n.qualifier or "", n.unit or "", n.kind, low, _offsets(n.span))
    dates = table("Dates", "raw", "kind", "value", "precision", "weekday", "ambiguous", "span", "note")
    for d in reading.dates:
        weekday = "" if d.weekday is None else str(d.weekday)
        dates.add_row(
            d.raw, d.kind, str(d.value or ""), d.precision, weekday, "yes" if d.ambiguous else "",
            _offsets(d.span), d.note,
        )  # fmt: skip
    return [sections, sentences, entities, quotes, descriptions, numbers, dates]


@click.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option(
    "--date",
    "reference",
    callback=_parse_date,
    default=None,
    help="Reference date (YYYY-MM-DD) for weekdays and relative dates; default: the publication date.",
)
@click.option("--tokens", is_flag=True, help="JSON: include every token with its lemma.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="TOML config file.")
def read(
    inputs: tuple[str, ...], fmt: str, reference: dt.date | None, tokens: bool, config: str | None
) -> None:
    """Read text/HTML files (or URLs, JSONL, '-') and show sections, sentences, entities, quotes,
    descriptions, numbers and dates, each with its character span."""
    from ..ingest import iter_ingest
    from ..nlp import read as read_article
    from ..settings import load_settings

    console = None
    if fmt == "table":
        from rich.console import Console

        console = Console()
    for item in iter_ingest(list(inputs), load_settings(config)):
        if item.article is None:
            outcome = item.outcome
            click.echo(
                f"{outcome.input}: {outcome.status.value} {outcome.reason} {outcome.detail}".rstrip(),
                err=True,
            )
            continue
        reading = read_article(item.article, reference_date=reference)
        if console is None:
            click.echo(json.dumps(reading_to_json(reading, tokens=tokens), ensure_ascii=False))
        else:
            for renderable in _tables(reading):
                console.print(renderable)
