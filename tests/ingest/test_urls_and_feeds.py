"""URLs and feeds through iter_ingest, with a fake web behind httpx.MockTransport."""

from __future__ import annotations

import datetime as dt
import json

import httpx
import pytest
from conftest import PARAGRAPHS, FakeWeb, german_text, html_page, html_response

from quellenlage.ingest import iter_ingest
from quellenlage.models import DateSource, OutcomeStatus

STORED, SKIPPED, FAILED = OutcomeStatus.STORED, OutcomeStatus.SKIPPED, OutcomeStatus.FAILED
LONG_SUMMARY = " ".join(PARAGRAPHS)


def rss(*items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Bote</title>'
        f"<link>https://bote-neustadt.de/</link>{''.join(items)}</channel></rss>"
    ).encode()


def item(
    link: str | None,
    title: str = "Eintrag",
    summary: str = "Kurz.",
    date: str = "Tue, 13 Jan 2026 08:00:00 GMT",
) -> str:
    link_xml = f"<link>{link}</link>" if link else ""
    return f"<item><title>{title}</title>{link_xml}<description>{summary}</description><pubDate>{date}</pubDate></item>"


def test_html_url(make_fetcher, settings):
    web = FakeWeb({"bote-neustadt.de/politik/haushalt": html_response(html_page())})
    (result,) = iter_ingest(
        ["https://bote-neustadt.de/politik/haushalt?utm_source=x"], settings, fetcher=make_fetcher(web)
    )
    article = result.article
    assert (
        result.outcome.status is STORED
        and result.outcome.input == "https://bote-neustadt.de/politik/haushalt?utm_source=x"
    )
    assert article.url == "https://bote-neustadt.de/politik/haushalt?utm_source=x"
    assert (article.outlet, article.outlet_source) == ("bote-neustadt.de", "url")
    assert article.published == dt.date(2026, 1, 13) and article.title == "Neustadt beschließt Haushalt"
    assert result.raw_type == "text/html" and b"<article>" in result.raw


def test_plain_text_url(make_fetcher, settings):
    web = FakeWeb(
        {"bote-neustadt.de/a.txt": (200, {"content-type": "text/plain"}, german_text().encode("utf-8"))}
    )
    (result,) = iter_ingest(["https://bote-neustadt.de/a.txt"], settings, fetcher=make_fetcher(web))
    assert result.outcome.status is STORED and result.raw_type == "text/plain"


@pytest.mark.parametrize(
    ("answer", "reason", "words"),
    [
        (httpx.ReadTimeout("timed out"), "fetch-timeout", "took longer than"),
        ((302, {"location": "http://127.0.0.1/admin"}, b""), "fetch-refused", "127.0.0.1"),
        ((500, {}, b"boom"), "fetch-failed", "HTTP 500"),
    ],
)
def test_bad_urls_fail_with_a_reason(make_fetcher, settings, answer, reason, words):
    web = FakeWeb({"bote-neustadt.de/a": answer})
    (result,) = iter_ingest(["https://bote-neustadt.de/a"], settings, fetcher=make_fetcher(web))
    assert (result.outcome.status, result.outcome.reason) == (FAILED, reason)
    assert words in result.outcome.detail and "https://bote-neustadt.de/a" in result.outcome.detail


def test_image_url_is_skipped_as_unsupported(make_fetcher, settings):
    web = FakeWeb({"bote-neustadt.de/bild.png": (200, {"content-type": "image/png"}, b"\x89PNG")})
    (result,) = iter_ingest(["https://bote-neustadt.de/bild.png"], settings, fetcher=make_fetcher(web))
    assert (result.outcome.status, result.outcome.reason) == (SKIPPED, "unsupported-type")


def test_feed_file_fetches_each_entry_and_falls_back_to_its_summary(make_fetcher, settings, tmp_path):
    feed = tmp_path / "bote.rss"
    feed.write_bytes(
        rss(
            item("https://bote-neustadt.de/a", title="Haushalt"),
            item("https://bote-neustadt.de/weg", title="Langer Text", summary=LONG_SUMMARY),
            item("https://bote-neustadt.de/weg2", title="Kurzer Text", summary="Nur ein Satz."),
            item(None, title="Ohne Link", summary=LONG_SUMMARY + " Anders."),
        )
    )
    page = html_page(date=None, title="Haushalt")
    web = FakeWeb(
        {"bote-neustadt.de/a": html_response(page), "bote-neustadt.de/weg": httpx.ConnectError("refused")}
    )
    items = list(iter_ingest([str(feed)], settings, fetcher=make_fetcher(web)))
    assert [(i.outcome.input, i.outcome.status) for i in items] == [
        ("https://bote-neustadt.de/a", STORED),
        ("https://bote-neustadt.de/weg", STORED),
        ("https://bote-neustadt.de/weg2", FAILED),
        (f"{feed}#entry-4", STORED),
    ]
    first, fallback, failed, no_link = items
    assert first.article.published == dt.date(2026, 1, 13)  # the page had no date: the feed's
    assert first.article.published_source is DateSource.METADATA and first.raw_type == "text/html"
    assert (
        fallback.article.text.startswith("Der Stadtrat von Neustadt")
        and fallback.article.title == "Langer Text"
    )
    assert fallback.article.url == "https://bote-neustadt.de/weg" and fallback.raw_type == "text/plain"
    assert failed.outcome.reason == "fetch-failed" and "fewer than min_article_chars" in failed.outcome.detail
    assert "HTTP 404" in failed.outcome.detail
    assert no_link.article.url is None and no_link.article.title == "Ohne Link"


def test_feed_url_with_entries_served_by_the_fake_web(make_fetcher, settings):
    web = FakeWeb(
        {
            "bote-neustadt.de/feed": (
                200,
                {"content-type": "application/rss+xml"},
                rss(item("/artikel/1"), item("https://bote-neustadt.de/artikel/2")),
            ),
            "bote-neustadt.de/artikel/1": html_response(html_page(title="Eins")),
            "bote-neustadt.de/artikel/2": html_response(html_page(PARAGRAPHS[::-1], title="Zwei")),
        }
    )
    items = list(iter_ingest(["https://bote-neustadt.de/feed"], settings, fetcher=make_fetcher(web)))
    assert [(i.outcome.input, i.outcome.status) for i in items] == [
        ("https://bote-neustadt.de/artikel/1", STORED),
        ("https://bote-neustadt.de/artikel/2", STORED),
    ]
    assert [i.article.title for i in items] == ["Eins", "Zwei"]


def test_atom_feed_file(make_fetcher, settings, tmp_path):
    feed = tmp_path / "bote.atom"
    feed.write_text(
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Bote</title>'
        '<entry><title>Atom</title><link href="https://bote-neustadt.de/x"/><updated>2026-01-10T10:00:00Z</updated>'
        f'<content type="html">&lt;p&gt;{LONG_SUMMARY}&lt;/p&gt;</content></entry></feed>',
        "utf-8",
    )
    (result,) = iter_ingest([str(feed)], settings, fetcher=make_fetcher(FakeWeb({})))
    assert result.outcome.status is STORED and result.article.published == dt.date(2026, 1, 10)
    assert "<p>" not in result.article.text


@pytest.mark.parametrize(
    "body", [b"Das ist kein XML, sondern Text.", b"<html><body><p>Eine Seite</p></body></html>", b"{}"]
)
def test_feed_that_is_not_a_feed_fails_clearly(make_fetcher, settings, tmp_path, body):
    feed = tmp_path / "feed.xml"
    feed.write_bytes(body)
    items = list(iter_ingest([str(feed)], settings, fetcher=make_fetcher(FakeWeb({}))))
    assert [(i.outcome.status, i.outcome.reason) for i in items] == [(FAILED, "not-a-feed")]
    assert "is not an RSS/Atom feed" in items[0].outcome.detail and str(feed) in items[0].outcome.detail


def test_feed_url_answering_html_is_ingested_as_a_page(make_fetcher, settings):
    web = FakeWeb(
        {"bote-neustadt.de/feed": (200, {"content-type": "application/xml"}, html_page().encode("utf-8"))}
    )
    (result,) = iter_ingest(["https://bote-neustadt.de/feed"], settings, fetcher=make_fetcher(web))
    assert result.outcome.status is STORED and result.raw_type == "text/html"


def test_url_charset_from_http_header(make_fetcher, settings):
    page = html_page(title="Haushalt", site_name=None).replace('<meta charset="utf-8">', "")
    body = page.replace("Kämmerer", "Kämmerer «Москва»").encode("cp1251", errors="replace")
    web = FakeWeb({"bote-neustadt.de/a": (200, {"content-type": "text/html; charset=windows-1251"}, body)})
    (result,) = iter_ingest(["https://bote-neustadt.de/a"], settings, fetcher=make_fetcher(web))
    assert "«Москва»" in result.article.text


def test_feed_url_that_is_not_xml_fails_clearly(make_fetcher, settings):
    web = FakeWeb(
        {"bote-neustadt.de/feed": (200, {"content-type": "application/rss+xml"}, b"Wartungsarbeiten")}
    )
    (result,) = iter_ingest(["https://bote-neustadt.de/feed"], settings, fetcher=make_fetcher(web))
    assert (result.outcome.status, result.outcome.reason) == (FAILED, "not-a-feed")
    assert "https://bote-neustadt.de/feed is not an RSS/Atom feed" in result.outcome.detail


def test_jsonl_url_is_read_line_by_line(make_fetcher, settings):
    body = "\n".join(
        json.dumps({"url": f"https://www.zeit.de/{n}", "text": german_text(str(n))}) for n in range(2)
    ).encode()
    web = FakeWeb({"bote-neustadt.de/dump": (200, {"content-type": "application/x-ndjson"}, body)})
    items = list(iter_ingest(["https://bote-neustadt.de/dump"], settings, fetcher=make_fetcher(web)))
    assert [i.outcome.input for i in items] == [
        "https://bote-neustadt.de/dump:1",
        "https://bote-neustadt.de/dump:2",
    ]


def test_feed_external_entities_are_not_resolved(tmp_path):
    from quellenlage.ingest.feeds import parse_feed

    secret = tmp_path / "geheim.txt"
    secret.write_text("GEHEIMNIS", "utf-8")
    data = (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<rss version="2.0"><channel><title>t</title><item><title>&xxe;</title>'
        "<link>https://bote-neustadt.de/x</link><description>Text &xxe;</description></item></channel></rss>"
    ).encode()
    (entry,) = parse_feed(data, "feed.xml")
    assert "GEHEIMNIS" not in f"{entry.title} {entry.content}"
