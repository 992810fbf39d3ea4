"""The main job as a function: inputs → stored articles → pipeline → stored briefing.

Shared by ``quellenlage analyze`` and the web app, so both ingest, analyse and store the same way.
Only this module and the edges it calls (ingest, store) do I/O; the stages stay pure.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .errors import InputError
from .models import Article, Outcome, OutcomeStatus, SkipReason
from .runner import Progress, run
from .settings import Settings
from .store import Store, StoredStory

ID_PATTERN = re.compile(r"^[0-9a-f]{6,64}$")
BRIEFING = "briefing"  # analysis kind under which briefings are stored (JSON contract)
RENDERINGS = {"md": "briefing_md", "html": "briefing_html"}  # analysis kinds of the stored renderings


@dataclass(frozen=True)
class Collected:
    articles: tuple[Article, ...]
    problems: tuple[Outcome, ...]  # inputs that were skipped (other than duplicates) or failed


@dataclass(frozen=True)
class Analysed:
    key: str  # story key: stable for the same set of articles
    briefing: Any  # quellenlage.briefing.Briefing
    payload: dict[str, Any]  # the JSON contract (render.to_dict)


def looks_like_id(value: str) -> bool:
    """A stored article id (or prefix) rather than a path."""
    return bool(ID_PATTERN.match(value)) and not Path(value).exists()


def story_key(article_ids: Sequence[str]) -> str:
    """A stable key for the set of articles analysed together."""
    return hashlib.sha256("\n".join(sorted(article_ids)).encode()).hexdigest()[:16]


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def collect_articles(
    store: Store,
    inputs: Sequence[str],
    settings: Settings,
    *,
    fetcher: Any = None,
    stdin: BinaryIO | None = None,
) -> Collected:
    """Ingest new inputs, resolve stored ids (or prefixes), return the articles in input order."""
    from .ingest import iter_ingest
    from .storing import store_items

    ids: list[str] = [store.resolve_article_id(value) for value in inputs if looks_like_id(value)]
    fresh = [value for value in inputs if not looks_like_id(value)]
    problems: list[Outcome] = []
    if fresh:
        items = iter_ingest(fresh, settings, fetcher=fetcher, stdin=stdin)
        for outcome in store_items(store, items, new_run_id()):
            in_store = outcome.status is OutcomeStatus.STORED or outcome.reason == SkipReason.DUPLICATE.value
            if in_store and outcome.article_id:
                ids.append(outcome.article_id)
            elif not in_store:
                problems.append(outcome)
    articles = []
    for article_id in dict.fromkeys(ids):  # keep order, drop repeats
        article = store.get_article(article_id)
        if article is not None:
            articles.append(article)
    return Collected(tuple(articles), tuple(problems))


def analyse(
    store: Store,
    articles: Sequence[Article],
    *,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> Analysed:
    """Run the pipeline over ``articles`` and keep the briefing (JSON contract plus its Markdown and
    HTML renderings) and the story membership in the store. ``settings`` reach the stages that
    read them (e.g. ``subjectivity``); without them the runner loads the default settings."""
    from .render import render, to_dict

    if not articles:
        raise InputError("no article could be read from the inputs")
    state = run(articles, progress=progress, settings=settings)
    payload = to_dict(state.briefing)
    key = story_key([a.id for a in articles])
    store.put_analysis(BRIEFING, key, payload)
    for fmt, kind in RENDERINGS.items():
        store.put_analysis(kind, key, {"text": render(state.briefing, fmt)})
    store.put_story(
        StoredStory(
            id=key,
            title=payload["story"]["title"],
            members=tuple((a.id, {"how": "analysed together"}) for a in articles),
            extra={"kind": "analysis"},
        )
    )
    return Analysed(key, state.briefing, payload)
