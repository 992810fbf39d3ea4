"""``iter_ingest``: inputs (paths, directories, URLs, ``-``) → one :class:`IngestItem` per input.

Routing::

    "-"            stdin, sniffed: HTML | JSONL (streamed) | text
    http(s)://…    Fetcher → by content type: HTML | feed | JSONL | text
    directory      every non-hidden file below it, sorted
    file           sniffed from its first 64 KiB: binary | gzip | JSONL (streamed) | HTML | feed | text
    feed           each entry's page is fetched as HTML; its own content stands in when that fails

Every file, URL, feed entry and JSONL line ends in exactly one item; bad inputs become skipped or
failed outcomes, never exceptions. A feed or JSONL file is represented by its entries or lines; it
gets an item of its own only when it cannot be read, is broken, or has no entry or line at all. Size caps: a single document (file, body, JSONL line) over
``settings.max_input_bytes`` is refused before it is read; JSONL files are streamed, so the cap
applies to each line, not to the bulk file. The lines of a large JSONL stream are converted in a
worker process (:mod:`.bulk`), in order and with the same results.
"""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from ..errors import FetchError, InputError
from ..models import Article, DateSource, Outcome, OutcomeStatus, SkipReason
from ..settings import Settings
from . import detect
from .build import make_article
from .bulk import convert_lines
from .feeds import Entry, parse_feed
from .fetch import Fetcher, FetchResult
from .html import extract_page
from .items import IngestItem, failed, fetch_failure, skipped
from .jsonl import BadRecord, Broken, LineSource, PrefixedStream, iter_lines
from .text import declared_charset, decode


def iter_ingest(
    inputs: Iterable[str],
    settings: Settings,
    *,
    fetcher: Fetcher | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[IngestItem]:
    """One :class:`IngestItem` per input (file, URL, feed entry, JSONL line), lazily and in order.

    ``fetcher`` fetches URLs and feed entries (a default SSRF-guarded :class:`Fetcher` is made on
    first use and closed at the end); ``stdin`` is read for the input ``-`` (default
    ``sys.stdin.buffer``). An article whose id was already produced in this run is skipped as a
    duplicate. Raises only for programmer errors, never for a bad input.
    """
    run = _Run(settings, fetcher, stdin)
    try:
        for value in inputs:
            yield from run.dedupe(run.route(value))
    finally:
        run.close()


class _Run:
    def __init__(self, settings: Settings, fetcher: Fetcher | None, stdin: BinaryIO | None) -> None:
        self.settings = settings
        self._fetcher = fetcher
        self._own_fetcher: Fetcher | None = None
        self._stdin = stdin
        self._seen: dict[str, str] = {}  # article id -> input that produced it first

    def close(self) -> None:
        if self._own_fetcher is not None:
            self._own_fetcher.close()

    @property
    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._own_fetcher = self._fetcher = Fetcher(self.settings)
        return self._fetcher

    def dedupe(self, items: Iterator[IngestItem]) -> Iterator[IngestItem]:
        for item in items:
            article = item.article
            if article is not None and item.outcome.status is OutcomeStatus.STORED:
                if article.id in self._seen:
                    first = self._seen[article.id]
                    detail = f"article {article.id} was already read from {first} in this run"
                    duplicate = Outcome(
                        item.outcome.input,
                        OutcomeStatus.SKIPPED,
                        SkipReason.DUPLICATE.value,
                        detail,
                        article.id,
                    )
                    item = IngestItem(duplicate, None, item.raw, item.raw_type)
                else:
                    self._seen[article.id] = item.outcome.input
            yield item

    # -- routing -----------------------------------------------------------------------------

    def route(self, value: str) -> Iterator[IngestItem]:
        if value == "-":
            yield from self._stdin_input()
        elif value.lower().startswith(("http://", "https://")):
            yield from self._url(value)
        elif "://" in value:
            scheme = value.split("://", 1)[0]
            yield failed(
                value,
                "unsupported-scheme",
                f"cannot ingest {value}: only http(s) URLs, paths and '-' are read, not '{scheme}://'",
            )
        else:
            yield from self._path(Path(value), value)

    def _path(self, path: Path, name: str) -> Iterator[IngestItem]:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path)))
            if not files:
                yield skipped(
                    name, SkipReason.EMPTY, f"directory {name} contains no files (hidden files are ignored)"
                )
            for file in files:
                yield from self._file(file, str(file))
        elif path.is_file():
            yield from self._file(path, name)
        elif path.exists():
            yield skipped(name, SkipReason.UNSUPPORTED_TYPE, f"{name} is not a regular file or directory")
        else:
            yield failed(name, "not-found", f"{name} does not exist; check the path")

    def _file(self, path: Path, name: str) -> Iterator[IngestItem]:
        cap = self.settings.max_input_bytes
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(detect.SNIFF_BYTES)
                kind = detect.sniff(head, name)
                if kind == detect.GZIP:
                    handle.seek(0)
                    yield from self._gzip(gzip.GzipFile(fileobj=handle, mode="rb"), name)
                    return
                if kind == detect.JSONL:
                    handle.seek(0)
                    yield from self._jsonl(handle, name)
                    return
                if size > cap:
                    yield failed(
                        name,
                        "too-large",
                        f"{name} has {size:,} bytes, over max_input_bytes={cap:,}; split it or raise max_input_bytes",
                    )
                    return
                if kind == detect.BINARY:
                    yield skipped(
                        name,
                        SkipReason.UNSUPPORTED_TYPE,
                        f"{name} is a binary file (an image, archive or other non-text format)",
                    )
                    return
                data = head + handle.read(cap + 1 - len(head))
        except OSError as exc:
            yield failed(name, "unreadable", f"cannot read {name}: {exc.strerror or exc}; check permissions")
            return
        yield from self._document(data, kind, name, url=None)

    def _gzip(self, stream: gzip.GzipFile, name: str) -> Iterator[IngestItem]:
        """A gzip file holds JSONL (streamed) or a single document (``page.html.gz``)."""
        inner_name = name.removesuffix(".gz").removesuffix(".GZ")
        cap = self.settings.max_input_bytes
        try:
            head = stream.peek(detect.SNIFF_BYTES)[: detect.SNIFF_BYTES]
            kind = detect.JSONL if head.lstrip().startswith(b"{") else detect.sniff(head, inner_name)
            if kind == detect.JSONL:
                yield from self._jsonl(stream, name)
                return
            data = stream.read(cap + 1)
        except (OSError, EOFError, zlib.error) as exc:
            yield failed(
                name, "truncated", f"{name} cannot be decompressed ({exc}); re-download or re-compress it"
            )
            return
        if len(data) > cap:
            detail = f"{name} decompresses to more than max_input_bytes={cap:,}; split it or raise the cap"
            yield failed(name, "too-large", detail)
        else:
            yield from self._document(data, kind, name, url=None)

    def _stdin_input(self) -> Iterator[IngestItem]:
        name = "<stdin>"
        stream = self._stdin if self._stdin is not None else sys.stdin.buffer
        head = stream.read(detect.SNIFF_BYTES)
        kind = detect.sniff(head)
        if kind in (detect.GZIP, detect.JSONL):
            buffered = io.BufferedReader(PrefixedStream(head, stream))
            yield from self._jsonl(gzip.GzipFile(fileobj=buffered) if kind == detect.GZIP else buffered, name)
            return
        cap = self.settings.max_input_bytes
        data = head + stream.read(cap + 1 - len(head))
        if len(data) > cap:
            yield failed(
                name,
                "too-large",
                f"standard input has more than max_input_bytes={cap:,} bytes; split it or raise the cap",
            )
            return
        yield from self._document(data, kind, name, url=None)

    def _url(self, url: str) -> Iterator[IngestItem]:
        try:
            result = self.fetcher.fetch(url)
        except FetchError as exc:
            yield fetch_failure(url, exc)
            return
        kind = detect.sniff_response(result.content_type, result.body)
        if kind == detect.JSONL:
            yield from self._jsonl(io.BytesIO(result.body), url)
        else:
            yield from self._document(result.body, kind, url, url=result.final_url, charset=_charset(result))

    # -- one document ------------------------------------------------------------------------

    def _document(
        self, data: bytes, kind: str, name: str, url: str | None, charset: str | None = None
    ) -> Iterator[IngestItem]:
        """One document; ``charset`` is what the HTTP header declared, if anything."""
        if not data.strip():
            yield skipped(name, SkipReason.EMPTY, f"{name} is empty", data, kind)
        elif kind == detect.BINARY:
            yield skipped(
                name, SkipReason.UNSUPPORTED_TYPE, f"{name} is binary, not text or HTML", None, kind
            )
        elif kind == detect.FEED:
            yield from self._feed(data, name, url)
        elif kind == detect.HTML:
            yield self._html(data, name, url, charset)
        else:
            text = decode(data, charset)
            if not text.strip():
                yield skipped(name, SkipReason.EMPTY, f"{name} contains only whitespace", data, detect.TEXT)
            else:
                yield self._ready(make_article(text, url=url, read_header=True), name, data, detect.TEXT)

    def _html(self, data: bytes, name: str, url: str | None, charset: str | None = None) -> IngestItem:
        try:
            page = extract_page(decode(data, charset or declared_charset(None, data)), url)
        except Exception as exc:  # noqa: BLE001 - a third-party parser on hostile input must not end the run
            return failed(
                name,
                "extraction-error",
                f"extracting {name} failed ({exc.__class__.__name__}: {exc}); the page may be malformed",
                data,
                detect.HTML,
            )
        # trafilatura falls back to all visible text (menus, link lists) when it finds no article, so
        # a page whose main text is under min_article_chars is not an article rather than a short one.
        text = page.text or ""
        length = len(text.strip())
        if length < self.settings.min_article_chars:
            detail = (
                f"{name} has no main text ({length} characters found, min_article_chars="
                f"{self.settings.min_article_chars}): a navigation, index or empty page"
            )
            return skipped(name, SkipReason.NOT_AN_ARTICLE, detail, data, detect.HTML)
        article = make_article(
            text,
            url=url or page.canonical_url,
            title=page.title,
            author=page.author,
            published=page.published,
            site_name=page.site_name,
        )
        return self._ready(article, name, data, detect.HTML)

    def _ready(self, article: Article, name: str, raw: bytes, raw_type: str) -> IngestItem:
        minimum = self.settings.min_article_chars
        if len(article.text) < minimum:
            detail = (
                f"{name} has {len(article.text)} characters of text, fewer than min_article_chars={minimum}; "
                f"lower min_article_chars to keep such texts"
            )
            return IngestItem(
                Outcome(name, OutcomeStatus.SKIPPED, SkipReason.TOO_SHORT.value, detail, article.id),
                None,
                raw,
                raw_type,
            )
        return IngestItem(
            Outcome(name, OutcomeStatus.STORED, "", "ready to store", article.id), article, raw, raw_type
        )

    # -- bulk and feeds ----------------------------------------------------------------------

    def _jsonl(self, stream: LineSource, name: str) -> Iterator[IngestItem]:
        """Every line of a JSONL stream; large streams are converted in a worker process (bulk)."""
        count = 0
        for line, converted in convert_lines(iter_lines(stream, self.settings.max_input_bytes)):
            count += 1
            where = f"{name}:{line.number}"
            if isinstance(line, Broken):
                yield failed(
                    where,
                    "truncated",
                    f"{name} breaks at line {line.number} ({line.message}); the lines before it were read; re-download or re-compress the file",
                )
                return
            if line.data is None:
                yield failed(
                    where,
                    "line-too-long",
                    f"line {where} is longer than max_input_bytes={self.settings.max_input_bytes:,}; it was skipped",
                )
            elif isinstance(converted, BadRecord):
                yield failed(
                    where,
                    "bad-line",
                    f"{where}: {converted}; fix or remove this line (the other lines are read)",
                    line.data,
                    detect.JSONL,
                )
            elif converted is None:
                yield skipped(
                    where, SkipReason.EMPTY, f"{where} has an empty 'text'", line.data, detect.JSONL
                )
            else:
                yield self._ready(converted, where, line.data, detect.JSONL)
        if count == 0:
            yield skipped(name, SkipReason.EMPTY, f"{name} has no JSONL lines")

    def _feed(self, data: bytes, name: str, url: str | None) -> Iterator[IngestItem]:
        try:
            entries = parse_feed(data, name, base_url=url)
        except InputError as exc:
            yield failed(name, "not-a-feed", str(exc), data, detect.FEED)
            return
        if not entries:
            yield skipped(name, SkipReason.EMPTY, f"feed {name} has no entries", data, detect.FEED)
        for entry in entries:
            yield self._feed_entry(entry, name)

    def _feed_entry(self, entry: Entry, feed_name: str) -> IngestItem:
        name = entry.link or f"{feed_name}#entry-{entry.index}"
        problem = "the entry has no link"
        if entry.link:
            try:
                result = self.fetcher.fetch(entry.link)
            except FetchError as exc:
                problem = str(exc)
            else:
                kind = detect.sniff_response(result.content_type, result.body)
                if kind in (detect.HTML, detect.TEXT):
                    item = next(
                        self._document(
                            result.body, kind, name, url=result.final_url, charset=_charset(result)
                        )
                    )
                    return self._with_feed_metadata(item, entry)
                problem = f"{entry.link} is not an article page ({result.content_type or kind})"
        raw = entry.content.encode("utf-8")
        if len(entry.content) >= self.settings.min_article_chars:
            article = make_article(
                entry.content, url=entry.link, title=entry.title, published=entry.published
            )
            return self._ready(article, name, raw, detect.TEXT)  # the entry's text, HTML stripped
        return failed(
            name,
            "fetch-failed",
            f"{problem}; the feed's own text for this entry has {len(entry.content)} characters, "
            f"fewer than min_article_chars={self.settings.min_article_chars}, so it cannot stand in",
            raw or None,
            detect.FEED,
        )

    @staticmethod
    def _with_feed_metadata(item: IngestItem, entry: Entry) -> IngestItem:
        """The feed's title and date fill what the page itself did not say."""
        article = item.article
        if article is None or (article.title and article.published):
            return item
        title = article.title or entry.title
        published, published_source = article.published, article.published_source
        if published is None and entry.published:
            published, published_source = entry.published, DateSource.METADATA
        completed = replace(article, title=title, published=published, published_source=published_source)
        return IngestItem(item.outcome, completed, item.raw, item.raw_type)


def _charset(result: FetchResult) -> str | None:
    return declared_charset(result.headers.get("content-type"))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)
