"""What the pages and the API do, as plain functions over the store (no HTTP here)."""

from __future__ import annotations

import json
import re
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..analysis import BRIEFING, RENDERINGS, Analysed, analyse, collect_articles
from ..errors import InputError, StoreError
from ..models import Article
from ..serialize import to_dict
from ..settings import Settings
from ..store import Store
from .markup import Mark, Piece, segments
from .security import HTTPProblem

MAX_TEXTS = 60  # pasted articles + uploads + URLs in one analyse request
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@contextmanager
def open_store(settings: Settings) -> Iterator[Store]:
    store = Store.open(settings)
    try:
        yield store
    finally:
        store.close()


def split_pasted(text: str) -> list[str]:
    """Several pasted articles are separated by a line holding only ``---``."""
    parts = re.split(r"(?m)^\s*---\s*$", text or "")
    return [p.strip() for p in parts if p.strip()]


def analyse_inputs(
    settings: Settings,
    texts: Sequence[str] = (),
    uploads: Sequence[tuple[str, bytes]] = (),
    urls: Sequence[str] = (),
    *,
    fetcher: Any = None,
) -> Analysed:
    """Ingest pasted texts, uploaded files and URLs (SSRF-guarded fetcher), analyse, store."""
    if len(texts) + len(uploads) + len(urls) > MAX_TEXTS:
        raise HTTPProblem(413, f"at most {MAX_TEXTS} articles per analysis; split the request")
    for url in urls:
        if not url.lower().startswith(("http://", "https://")):
            raise HTTPProblem(422, f"not an http(s) URL: {url[:100]!r}")
    with tempfile.TemporaryDirectory(prefix="quellenlage-web-") as tmp:
        inputs: list[str] = []
        for i, text in enumerate(texts, 1):
            path = Path(tmp) / f"eingabe-{i:02d}.txt"
            path.write_text(text, encoding="utf-8")
            inputs.append(str(path))
        for i, (name, data) in enumerate(uploads, 1):
            if len(data) > settings.max_input_bytes:
                raise HTTPProblem(413, f"upload {name[:80]!r} is larger than {settings.max_input_bytes:,} bytes")
            safe = _SAFE_NAME.sub("_", Path(name or "upload").name)[-80:] or "upload"
            path = Path(tmp) / f"upload-{i:02d}-{safe}"
            path.write_bytes(data)
            inputs.append(str(path))
        inputs.extend(urls)
        if not inputs:
            raise HTTPProblem(422, "nothing to analyse: paste a text, upload a file or enter a URL")
        with open_store(settings) as store:
            collected = collect_articles(store, inputs, settings, fetcher=fetcher)
            if not collected.articles:
                reasons = "; ".join(
                    f"{Path(o.input).name if not o.input.startswith('http') else o.input}: "
                    f"{o.status.value} {o.reason} {o.detail}".strip()
                    for o in collected.problems[:5]
                )
                raise HTTPProblem(422, f"no article could be read ({reasons or 'no input'})")
            try:
                return analyse(store, collected.articles, settings=settings)
            except InputError as exc:
                raise HTTPProblem(422, str(exc)) from None


def load_story(store: Store, key: str) -> dict[str, Any]:
    payload = store.get_analysis(BRIEFING, key)
    if payload is None:
        raise HTTPProblem(404, f"no story {key!r}; see /stories for the list")
    return payload


def load_rendering(store: Store, key: str, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(load_story(store, key), ensure_ascii=False, indent=2)
    stored = store.get_analysis(RENDERINGS[fmt], key)
    if stored is None:
        raise HTTPProblem(404, f"no {fmt} rendering of story {key!r}; analyse it again")
    return str(stored["text"])


def get_article(store: Store, article_id: str) -> Article:
    try:
        resolved = store.resolve_article_id(article_id)
    except StoreError as exc:  # unknown or ambiguous prefix: the store says which
        raise HTTPProblem(404, str(exc)) from None
    article = store.get_article(resolved)
    if article is None:
        raise HTTPProblem(404, f"no article {article_id!r}")
    return article


def article_summary(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "url": article.url,
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "origin": article.origin.outlet if article.origin else None,
        "chars": len(article.text),
    }


def story_articles(store: Store, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Each article of a story with its text cut into highlighted, escaped-later pieces."""
    claims = payload.get("claims", [])
    out = []
    for meta in payload["story"]["articles"]:
        article = store.get_article(meta["id"])
        if article is None:
            continue
        marks: list[Mark] = []
        for claim in claims:
            if claim.get("status") not in ("corroborated", "single_source", "conflicting"):
                continue
            for span in claim["spans"]:
                if span["article_id"] == article.id:
                    attrs = [("data-claim", claim["id"])]
                    if claim.get("group"):
                        attrs.append(("data-group", claim["group"]))
                    marks.append(Mark(span["start"], span["end"], f"claim claim-{claim['status']}", tuple(attrs)))
        for conflict in payload.get("conflicts", []):
            for span in conflict["spans"]:
                if span["article_id"] == article.id:
                    marks.append(Mark(span["start"], span["end"], "conflict", (), conflict["explanation"]))
        for signal in payload.get("signals", []):
            for span in signal.get("spans", []):
                if span["article_id"] == article.id and signal.get("level", "article") == "article":
                    marks.append(Mark(span["start"], span["end"], "signal", (), signal["explanation"]))
        out.append({"meta": meta, "article": article, "pieces": segments(article.text, marks)})
    return out


def reading_view(article: Article, settings: Settings | None = None) -> tuple[dict[str, Any], list[Piece]]:
    """The article's reading (entities, quotes, dates, numbers) and signals, as data and highlighted text.

    ``settings.subjectivity`` chooses how subjective report sentences are judged (``None``: the
    settings of the config file and environment)."""
    from ..nlp import read
    from ..settings import load_settings
    from ..signals import article_signals, subjectivity_hook

    settings = settings or load_settings()
    reading = read(article, entities=settings.entities)
    hook = subjectivity_hook(settings.subjectivity)
    signals = article_signals(reading, subjectivity=hook)
    marks: list[Mark] = []
    for entity in reading.entities:
        for mention in entity.mentions:
            marks.append(Mark(mention.span.start, mention.span.end, f"ent ent-{entity.type.value}",
                              (("data-entity", entity.id),), f"{entity.type.value}: {entity.name}"))
    for quote in reading.quotes:
        who = next((e.name for e in reading.entities if e.id == quote.speaker_entity_id), quote.speaker_text or "")
        marks.append(Mark(quote.span.start, quote.span.end, f"quote quote-{quote.kind}", (),
                          f"Zitat ({quote.kind})" + (f": {who}" if who else "")))
    for date in reading.dates:
        note = date.value.isoformat() if date.value else "ungeklärt"
        marks.append(Mark(date.span.start, date.span.end, "date", (), f"Datum: {note}"))
    for number in reading.numbers:
        marks.append(Mark(number.span.start, number.span.end, "number", (), f"Zahl: {number.value}"))
    for signal in signals:
        for span in signal.spans:
            if span.article_id == article.id:
                marks.append(Mark(span.start, span.end, "signal", (), signal.explanation))
    data = {
        "entities": [to_dict(e) for e in reading.entities],
        "quotes": [to_dict(q) for q in reading.quotes],
        "descriptions": [to_dict(d) for d in reading.descriptions],
        "dates": [to_dict(d) for d in reading.dates],
        "numbers": [to_dict(n) for n in reading.numbers],
        "sections": [to_dict(s) for s in reading.sections],
        "signals": [to_dict(s) for s in signals],
        "reliability": reliability_view(article),
    }
    return data, segments(article.text, marks)


def reliability_view(article: Article) -> dict[str, Any]:
    """The text-only reliability score with its reasons, evidence excerpts and the caveat."""
    from ..reliability import CAVEAT_DE, score_article

    result = score_article(article)
    reasons = [
        {"text": r.text, "weight": round(r.weight, 3), "spans": [to_dict(s) for s in r.spans],
         "excerpts": [s.text(article.text) for s in r.spans[:2]]}
        for r in result.reasons
    ]
    return {"score": round(result.score, 3), "threshold": round(result.threshold, 3),
            "above_threshold": result.score >= result.threshold, "reasons": reasons, "caveat": CAVEAT_DE}


def source_profile(store: Store, domain: str, limit: int = 50) -> dict[str, Any]:
    from ..credibility import outlet_profile

    if not domain or len(domain) > 253:
        raise HTTPProblem(422, "give an outlet domain such as tagesschau.de")
    profile = outlet_profile(domain)
    articles = [article_summary(a) for a in store.iter_articles(limit=limit, offset=0, outlet=domain)]
    return {"profile": to_dict(profile), "rated": profile.rated, "articles": articles,
            "article_count": store.count_articles(outlet=domain)}


class PageCache:
    """Rendered pages by key: a bounded LRU whose entries expire after ``ttl`` seconds.

    Story pages are rendered from a stored briefing of up to a few MB of JSON; decoding and
    rendering it per request cost ~150 ms for 20 articles (bench/serve.py), so a rendered page is
    kept. The web app drops an entry when it re-analyses that story; the TTL bounds how long a
    re-analysis by another process (the CLI) stays unseen.
    """

    def __init__(self, size: int = 64, ttl: float = 60.0) -> None:
        self.size, self.ttl = size, ttl
        self._items: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.ttl:
                self._items.pop(key, None)
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, page: str) -> None:
        with self._lock:
            self._items[key] = (time.monotonic(), page)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)
