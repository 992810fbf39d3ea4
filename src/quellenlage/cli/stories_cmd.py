"""``quellenlage stories``, ``quellenlage story ID`` and ``quellenlage watch``.

``stories`` clusters the stored articles that are in no story yet (all of them with ``--recluster``)
and lists the stories; ``story`` re-analyses one story into a briefing; ``watch`` polls feeds,
ingests new entries and updates the stories.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any

import click

from ..errors import ConfigError
from .common import open_store, store_options, user_errors

FORMATS = ("md", "json", "html")
DEFAULT_LIMIT = 30
MAX_STORY_ARTICLES = 60  # a story is re-analysed as a whole; larger ones use their latest articles


def _span(story: Any) -> str:
    first, last = story.first_published, story.last_published
    if not first:
        return "undated"
    return first.isoformat() if first == last else f"{first.isoformat()}..{last.isoformat()}"


@click.command()
@click.option(
    "--recluster", is_flag=True, help="Forget the stored clustering and cluster every article again."
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="List at most this many stories (largest first).",
)
@click.option(
    "--min-size",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="List only stories with at least this many articles.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per story.")
@store_options
def stories(
    recluster: bool, limit: int, min_size: int, as_json: bool, db: str | None, config: str | None
) -> None:
    """Cluster stored articles into stories and list them."""
    from ..stories import stored_clusters, update_stories

    with user_errors():
        settings, store = open_store(db, config)
        with store:
            changed, placed = update_stories(store, settings.story_window_days, recluster=recluster)
            found = [s for s in stored_clusters(store) if len(s.members) >= min_size]
    found.sort(key=lambda s: (-len(s.members), s.id))
    click.echo(f"{placed} articles placed, {len(changed)} stories changed, {len(found)} stories", err=True)
    for story in found[:limit]:
        extra = story.extra
        row = {
            "id": story.id,
            "title": story.title,
            "span": _span(story),
            "articles": len(story.members),
            "sources": extra.get("sources"),
            "copies": extra.get("copies"),
        }
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
        else:
            click.echo(
                f"{row['id']}  {row['span']:<22}  {row['articles']:>3} articles  "
                f"{row['sources']} sources  {row['copies']} copies  {row['title']}"
            )


@click.command()
@click.argument("story_id")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="md",
    show_default=True,
    help="Markdown with [A3] references, the JSON contract, or standalone HTML.",
)
@click.option("--reasons", is_flag=True, help="Print why each article is in the story instead of a briefing.")
@store_options
def story(story_id: str, fmt: str, reasons: bool, db: str | None, config: str | None) -> None:
    """Re-analyse one story (an id from `quellenlage stories`) into a briefing."""
    from ..analysis import analyse
    from ..render import render

    with user_errors():
        settings, store = open_store(db, config)
        with store:
            found = store.get_story(story_id)
            if found is None or found.extra.get("retired"):
                raise ConfigError(
                    f"no story {story_id!r} in {store.path}; list them with `quellenlage stories`"
                )
            if reasons:
                for article_id, reason in found.members:
                    article = store.get_article(article_id)
                    title = article.title if article and article.title else ""
                    click.echo(
                        json.dumps(
                            {"article": article_id, "title": title, "reason": reason}, ensure_ascii=False
                        )
                    )
                return
            ids = found.article_ids[-MAX_STORY_ARTICLES:]
            articles = [a for a in (store.get_article(i) for i in ids) if a is not None]
            result = analyse(store, articles, settings=settings)
    text = render(result.briefing, fmt)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


_INTERVAL = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")


def parse_interval(value: str) -> float:
    """``"15m"`` → 900.0 seconds; plain numbers are seconds."""
    match = _INTERVAL.match(value.strip())
    if not match:
        raise ConfigError(f"cannot read the interval {value!r}; write e.g. 90s, 15m or 1h")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]


@click.command()
@click.argument("feeds", nargs=-1, required=True, metavar="FEED_OR_LIST...")
@click.option("--interval", default="15m", show_default=True, help="Time between polls: 90s, 15m, 1h.")
@click.option("--once", is_flag=True, help="Poll every feed once, then exit.")
@store_options
def watch(feeds: tuple[str, ...], interval: str, once: bool, db: str | None, config: str | None) -> None:
    """Poll RSS/Atom feeds (URLs or files listing them), ingest new entries and update the stories."""
    from ..watch import PollReport, expand_feeds
    from ..watch import watch as run_watch

    def report(result: PollReport, placed: int) -> None:
        click.echo(
            f"{result.feeds} feeds: {result.stored} new articles, {result.unchanged} unchanged, "
            f"{result.waiting} backing off, {len(result.errors)} errors; {placed} articles placed in stories",
            err=True,
        )
        for error in result.errors:
            click.echo(f"  error {error}", err=True)

    with user_errors():
        seconds = parse_interval(interval)
        urls = expand_feeds(feeds)
        settings, store = open_store(db, config)
        with store:
            run_watch(store, settings, urls, interval=seconds, once=once, on_round=report)
