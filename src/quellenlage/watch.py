"""Poll RSS/Atom feeds politely, ingest new entries, and keep stories up to date.

Per feed the store keeps a small state (analysis kind ``feed_state``, key = feed URL): the ETag and
Last-Modified of the last answer (sent back as ``If-None-Match``/``If-Modified-Since``, so an
unchanged feed costs one 304), the entry links already ingested (an entry whose page fails is retried for :data:`ENTRY_TRIES`
rounds), and the error count with the time
of the next allowed attempt (exponential backoff). The state is written after *every* entry, and
ingest is idempotent by article id, so a watcher killed at any point resumes without losing or
duplicating articles. Requests to one host are spaced by :data:`HOST_DELAY_S`.

Fetching goes through the SSRF-guarded :class:`quellenlage.ingest.Fetcher`; conditional headers are
added by a transport wrapper, the fetcher's public extension point.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from .errors import FetchError, InputError
from .models import DateSource, Outcome, OutcomeStatus, SkipReason

STATE_KIND = "feed_state"
HOST_DELAY_S = 2.0  # at least this long between two requests to one host
BACKOFF_BASE_S = 60.0  # first retry after an error; doubles per consecutive error
BACKOFF_MAX_S = 6 * 3600.0
SEEN_KEEP = 2000  # entry links remembered per feed (feeds list far fewer)
ENTRY_TRIES = 3  # an entry whose page fails is retried in this many rounds, then given up


class _ConditionalTransport(httpx.BaseTransport):
    """Adds the conditional-GET headers of the feed being fetched to the outgoing request."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner
        self.headers: dict[str, str] = {}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        for key, value in self.headers.items():
            request.headers[key] = value
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@dataclass
class FeedState:
    url: str
    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = field(default_factory=list)
    errors: int = 0
    next_attempt: float = 0.0
    failed: dict[str, int] = field(default_factory=dict)  # entry link -> rounds it failed
    last_error: str = ""

    @classmethod
    def load(cls, store: Any, url: str) -> FeedState:
        data = store.get_analysis(STATE_KIND, url)
        return cls(url=url, **{k: v for k, v in (data or {}).items() if k != "url"})

    def save(self, store: Any) -> None:
        self.seen = self.seen[-SEEN_KEEP:]
        store.put_analysis(STATE_KIND, self.url, {k: v for k, v in self.__dict__.items() if k != "url"})


@dataclass
class PollReport:
    """What one round over the feeds did."""

    feeds: int = 0
    unchanged: int = 0  # answered 304
    waiting: int = 0  # skipped: backing off after errors
    errors: list[str] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return sum(1 for o in self.outcomes if o.status is OutcomeStatus.STORED)


def expand_feeds(values: Iterable[str]) -> list[str]:
    """Feed URLs from arguments; an argument that is a file lists one URL per line (# comments)."""
    out: list[str] = []
    for value in values:
        path = Path(value)
        if not value.startswith(("http://", "https://")) and path.is_file():
            lines = path.read_text(encoding="utf-8").splitlines()
            out.extend(line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#"))
        elif value.startswith(("http://", "https://")):
            out.append(value)
        else:
            raise InputError(
                f"{value!r} is neither a feed URL (http/https) nor a file listing feed URLs", value
            )
    return list(dict.fromkeys(out))


class Watcher:
    """Polls feeds into a store; ``clock`` and ``sleep`` are injectable for tests."""

    def __init__(
        self,
        store: Any,
        settings: Any,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        host_delay: float = HOST_DELAY_S,
    ) -> None:
        from .ingest import Fetcher

        self.store, self.settings = store, settings
        self.transport = _ConditionalTransport(transport or httpx.HTTPTransport(retries=0))
        self.fetcher = Fetcher(settings, transport=self.transport)
        self.clock, self.sleep, self.host_delay = clock, sleep, host_delay
        self._last_request: dict[str, float] = {}

    def close(self) -> None:
        self.fetcher.close()

    def _polite(self, url: str) -> None:
        host = urlsplit(url).netloc
        wait = self._last_request.get(host, -1e18) + self.host_delay - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_request[host] = self.clock()

    def _fetch(self, url: str, headers: dict[str, str] | None = None) -> Any:
        self._polite(url)
        self.transport.headers = headers or {}
        try:
            return self.fetcher.fetch(url)
        finally:
            self.transport.headers = {}

    def poll(self, feeds: Iterable[str]) -> PollReport:
        """One round: every feed that is not backing off is fetched and its new entries ingested."""
        report = PollReport()
        for url in feeds:
            report.feeds += 1
            state = FeedState.load(self.store, url)
            if state.next_attempt > self.clock():
                report.waiting += 1
                continue
            try:
                self._poll_feed(state, report)
            except (FetchError, InputError) as exc:
                state.errors += 1
                state.last_error = str(exc)
                state.next_attempt = self.clock() + min(
                    BACKOFF_BASE_S * 2 ** (state.errors - 1), BACKOFF_MAX_S
                )
                state.save(self.store)
                report.errors.append(f"{url}: {exc} (retry in {state.next_attempt - self.clock():.0f} s)")
        return report

    def _poll_feed(self, state: FeedState, report: PollReport) -> None:
        from .ingest.feeds import parse_feed

        headers = {}
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        result = self._fetch(state.url, headers)
        state.errors, state.next_attempt, state.last_error = 0, 0.0, ""
        if result.status == 304:
            report.unchanged += 1
            state.save(self.store)
            return
        entries = parse_feed(result.body, state.url, base_url=result.final_url)
        # Validators are kept only once the entries are safely in: a crash before that refetches.
        seen = set(state.seen)
        for entry in entries:
            key = entry.link or f"{state.url}#{entry.title}"
            if key in seen:
                continue
            outcomes = self._ingest_entry(entry)
            report.outcomes.extend(outcomes)
            if any(o.status is OutcomeStatus.FAILED for o in outcomes):
                state.failed[key] = state.failed.get(key, 0) + 1
                if state.failed[key] < ENTRY_TRIES:
                    state.save(self.store)
                    continue  # retried next round
            state.failed.pop(key, None)
            state.seen.append(key)
            seen.add(key)
            state.save(self.store)  # after every entry: a restart resumes here
        # With entries still to retry, the next round must get the full feed, not a 304.
        state.etag = None if state.failed else result.headers.get("etag")
        state.last_modified = None if state.failed else result.headers.get("last-modified")
        state.save(self.store)

    def _ingest_entry(self, entry: Any) -> list[Outcome]:
        from .ingest import iter_ingest
        from .ingest.items import IngestItem
        from .storing import store_items

        if not entry.link:
            return [
                Outcome(
                    entry.title or "feed entry",
                    OutcomeStatus.SKIPPED,
                    SkipReason.NOT_AN_ARTICLE.value,
                    "the feed entry has no link to an article page",
                )
            ]
        self._polite(entry.link)

        def completed(items: Iterator[IngestItem]) -> Iterator[IngestItem]:
            for item in items:  # the feed's title and date fill what the page did not say
                article = item.article
                if article is not None and (not article.title or not article.published):
                    article = replace(
                        article,
                        title=article.title or entry.title,
                        published=article.published or entry.published,
                        published_source=article.published_source
                        if article.published
                        else (DateSource.METADATA if entry.published else article.published_source),
                    )
                    item = IngestItem(item.outcome, article, item.raw, item.raw_type)
                yield item

        run_id = f"watch-{int(self.clock())}"
        return list(
            store_items(
                self.store, completed(iter_ingest([entry.link], self.settings, fetcher=self.fetcher)), run_id
            )
        )


def watch(
    store: Any,
    settings: Any,
    feeds: list[str],
    *,
    interval: float,
    once: bool = False,
    watcher: Watcher | None = None,
    on_round: Callable[[PollReport, int], None] | None = None,
) -> None:
    """Poll ``feeds`` every ``interval`` seconds (once with ``once``); new articles update the stories."""
    from .stories import update_stories

    own = watcher is None
    watcher = watcher or Watcher(store, settings)
    try:
        while True:
            report = watcher.poll(feeds)
            placed = 0
            if report.stored:
                _, placed = update_stories(store, settings.story_window_days)
            if on_round:
                on_round(report, placed)
            if once:
                return
            watcher.sleep(interval)
    finally:
        if own:
            watcher.close()
