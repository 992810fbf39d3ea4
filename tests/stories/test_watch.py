"""The feeds watcher against feeds served from loopback by the test itself."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from quellenlage.cli.stories_cmd import parse_interval
from quellenlage.errors import ConfigError, InputError
from quellenlage.store import Store
from quellenlage.watch import BACKOFF_BASE_S, FeedState, Watcher, expand_feeds

PAGE = (
    "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    "<p>{body} Der Stadtrat von Neustadt beriet am Dienstag lange über den Haushalt und die Schulen.</p>"
    "<p>Die Bürgermeisterin kündigte an, die Sanierung der Grundschule am Marktplatz vorzuziehen.</p>"
    "<p>Kritik kam von der Opposition, die höhere Schulden für die kommenden Jahre befürchtet.</p>"
    "<p>Eine Entscheidung über die Gebühren für Kindergärten soll im nächsten Monat fallen.</p>"
    "</article></body></html>"
)


class Site:
    """What the loopback server answers; tests change it between polls."""

    def __init__(self) -> None:
        self.entries: list[tuple[str, str]] = []  # (path, title)
        self.etag = '"v1"'
        self.fail_feed = 0  # answer the feed with HTTP 500 this many times
        self.fail_pages: set[str] = set()  # article paths answered with HTTP 503
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)

    def feed(self, base: str) -> bytes:
        items = "".join(
            f"<item><title>{title}</title><link>{base}{path}</link><pubDate>Mon, 03 Jun 2024 08:00:00 GMT</pubDate></item>"
            for path, title in self.entries
        )
        return f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


@pytest.fixture()
def site() -> Iterator[tuple[Site, str]]:
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, self.headers.get("If-None-Match")))
            if self.path == "/feed.xml":
                if state.fail_feed:
                    state.fail_feed -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                if self.headers.get("If-None-Match") == state.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                body, kind = state.feed(base), "application/rss+xml"
            else:
                title = dict(state.entries).get(self.path)
                if title is None or self.path in state.fail_pages:
                    self.send_response(404)
                    self.end_headers()
                    return
                body, kind = PAGE.format(title=title, body=f"Bericht {title}.").encode(), "text/html"
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("ETag", state.etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, base
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _watcher(store: Store, settings, clock: Clock) -> Watcher:  # type: ignore[no-untyped-def]
    return Watcher(store, settings, clock=clock, sleep=clock.sleep, host_delay=1.0)


@pytest.fixture()
def loopback_settings(tmp_settings):  # type: ignore[no-untyped-def]
    return dataclasses.replace(tmp_settings, allow_private_urls=True)  # this test only: loopback server


def test_watch_ingests_new_entries_uses_304_and_survives_errors(site, loopback_settings) -> None:  # type: ignore[no-untyped-def]
    state, base = site
    feed = base + "/feed.xml"
    state.entries = [("/a/1", "Erste Meldung"), ("/a/2", "Zweite Meldung")]
    clock = Clock()
    with Store.open(loopback_settings) as store:
        watcher = _watcher(store, loopback_settings, clock)
        first = watcher.poll([feed])
        assert first.stored == 2 and not first.errors
        assert {a.title for a in store.iter_articles()} == {"Erste Meldung", "Zweite Meldung"}
        assert all(c >= 1.0 for c in clock.slept) and clock.slept  # polite: host delay between requests

        again = watcher.poll([feed])  # unchanged: the stored ETag is sent back, the server says 304
        assert again.unchanged == 1 and again.stored == 0
        assert state.requests[-1] == ("/feed.xml", '"v1"')

        state.entries.append(("/a/3", "Dritte Meldung"))  # the feed changes
        state.etag = '"v2"'
        changed = watcher.poll([feed])
        assert changed.stored == 1 and store.count_articles() == 3
        assert [p for p, _ in state.requests].count("/a/1") == 1  # old entries are not fetched again

        state.fail_feed = 2
        failed = watcher.poll([feed])
        assert len(failed.errors) == 1 and "500" in failed.errors[0]
        saved = FeedState.load(store, feed)
        assert saved.errors == 1 and saved.next_attempt == pytest.approx(clock.now + BACKOFF_BASE_S)
        assert watcher.poll([feed]).waiting == 1  # backing off: not even requested
        clock.now += BACKOFF_BASE_S
        assert len(watcher.poll([feed]).errors) == 1  # second error: the wait doubles
        assert FeedState.load(store, feed).next_attempt == pytest.approx(clock.now + 2 * BACKOFF_BASE_S)
        clock.now += 2 * BACKOFF_BASE_S
        recovered = watcher.poll([feed])
        assert not recovered.errors and recovered.unchanged == 1
        assert FeedState.load(store, feed).errors == 0
        watcher.close()


def test_restart_in_the_middle_loses_and_duplicates_nothing(site, loopback_settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    state, base = site
    feed = base + "/feed.xml"
    state.entries = [(f"/a/{i}", f"Meldung Nummer {i}") for i in range(4)]
    clock = Clock()
    with Store.open(loopback_settings) as store:
        watcher = _watcher(store, loopback_settings, clock)
        real = watcher._ingest_entry
        calls = {"n": 0}

        def crash_on_third(entry):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt  # the process is killed while handling the third entry
            return real(entry)

        monkeypatch.setattr(watcher, "_ingest_entry", crash_on_third)
        with pytest.raises(KeyboardInterrupt):
            watcher.poll([feed])
        watcher.close()
        assert store.count_articles() == 2
        assert FeedState.load(store, feed).etag is None  # validators not kept: the feed is read in full again

    with Store.open(loopback_settings) as store:  # restart
        watcher = _watcher(store, loopback_settings, clock)
        report = watcher.poll([feed])
        watcher.close()
        assert report.stored == 2 and store.count_articles() == 4
        fetched = [p for p, _ in state.requests if p.startswith("/a/")]
        assert sorted(set(fetched)) == [f"/a/{i}" for i in range(4)] and fetched.count("/a/0") == 1
        assert len(FeedState.load(store, feed).seen) == 4


def test_expand_feeds_reads_lists_and_rejects_other_values(tmp_path) -> None:  # type: ignore[no-untyped-def]
    listing = tmp_path / "feeds.txt"
    listing.write_text("# news\nhttps://a.example/feed\n\nhttps://b.example/rss\n")
    assert expand_feeds([str(listing), "https://a.example/feed"]) == [
        "https://a.example/feed",
        "https://b.example/rss",
    ]
    with pytest.raises(InputError, match="neither a feed URL"):
        expand_feeds(["not-a-file"])


@pytest.mark.parametrize(("value", "seconds"), [("15m", 900.0), ("90s", 90.0), ("1h", 3600.0), ("30", 30.0)])
def test_parse_interval(value: str, seconds: float) -> None:
    assert parse_interval(value) == seconds


def test_parse_interval_says_how_to_write_it() -> None:
    with pytest.raises(ConfigError, match="15m"):
        parse_interval("soon")


def test_entry_whose_page_fails_is_retried_then_given_up(site, loopback_settings) -> None:  # type: ignore[no-untyped-def]
    state, base = site
    feed = base + "/feed.xml"
    state.entries = [("/a/1", "Erste Meldung"), ("/a/2", "Zweite Meldung")]
    state.fail_pages = {"/a/2"}
    clock = Clock()
    with Store.open(loopback_settings) as store:
        watcher = _watcher(store, loopback_settings, clock)
        assert watcher.poll([feed]).stored == 1
        assert FeedState.load(store, feed).etag is None  # next round reads the feed in full
        state.fail_pages = set()  # the page recovers
        assert watcher.poll([feed]).stored == 1 and store.count_articles() == 2
        saved = FeedState.load(store, feed)
        assert saved.failed == {} and saved.etag == '"v1"'
        state.entries.append(("/a/3", "Kaputte Meldung"))
        state.fail_pages = {"/a/3"}
        state.etag = '"v2"'
        for _ in range(3):
            watcher.poll([feed])
        assert base + "/a/3" in FeedState.load(store, feed).seen  # given up after ENTRY_TRIES rounds
        assert [p for p, _ in state.requests].count("/a/3") == 3
        watcher.close()


def test_watch_command_once_ingests_and_places_articles(site, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from quellenlage.cli import cli

    state, base = site
    state.entries = [("/a/1", "Erste Meldung"), ("/a/2", "Zweite Meldung")]
    listing = tmp_path / "feeds.txt"
    listing.write_text(f"{base}/feed.xml\n")
    monkeypatch.setenv("QUELLENLAGE_ALLOW_PRIVATE_URLS", "true")  # this test only: loopback server
    db = str(tmp_path / "w.db")
    result = CliRunner().invoke(cli, ["watch", str(listing), "--once", "--db", db])
    assert result.exit_code == 0, result.output
    assert "2 new articles" in result.output and "2 articles placed in stories" in result.output
    again = CliRunner().invoke(cli, ["watch", str(listing), "--once", "--db", db])
    assert "0 new articles, 1 unchanged" in again.output
