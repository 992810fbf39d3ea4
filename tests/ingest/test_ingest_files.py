"""iter_ingest on files, directories and standard input: one outcome per input, never an exception."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json

import pytest
from conftest import PARAGRAPHS, german_text, html_page

from quellenlage.ingest import iter_ingest
from quellenlage.models import DateSource, OriginKind, OutcomeStatus

STORED, SKIPPED, FAILED = OutcomeStatus.STORED, OutcomeStatus.SKIPPED, OutcomeStatus.FAILED


def ingest(paths, settings, **kwargs):
    return list(iter_ingest([str(p) for p in paths], settings, **kwargs))


def only(items):
    assert len(items) == 1, [i.outcome for i in items]
    return items[0]


def test_seed_000_header_date_and_naturalnews_origin(seed_paths, settings):
    item = only(ingest([seed_paths[0]], settings))
    article = item.article
    assert item.outcome.status is STORED and article is not None
    assert article.published == dt.date(2026, 2, 8) and article.published_source is DateSource.HEADER
    assert article.origin is not None
    assert (article.origin.kind, article.origin.outlet, article.origin.date) == (
        OriginKind.REPUBLISHED,
        "naturalnews.com",
        dt.date(2026, 2, 7),
    )
    assert article.text.startswith(" date 2026-02-08 Teile die Wahrheit!")  # the share call stays
    assert article.language == "de" and article.outlet is None and article.outlet_source == "unknown"
    assert item.raw == seed_paths[0].read_bytes() and item.raw_type == "text/plain"


def test_seed_001_has_no_date_and_outlet_from_text(seed_paths, settings):
    article = only(ingest([seed_paths[1]], settings)).article
    assert article is not None
    assert article.published is None and article.published_source is DateSource.UNKNOWN
    assert (article.outlet, article.outlet_source) == ("OZD", "text")
    assert [o.kind for o in article.origins] == []  # "Titelbild AFP" is a photo credit
    assert "Wer ist Maria Sacharowa?\nMaria Sacharowa ist Sprecherin" in article.text  # lines not unwrapped
    assert all(article.text[p.start : p.end].strip() for p in article.paragraphs)


def test_ids_are_stable_across_runs(seed_paths, settings):
    first = [i.article.id for i in ingest(seed_paths, settings)]
    second = [i.article.id for i in ingest(seed_paths, settings)]
    assert first == second and len(set(first)) == 2


def test_same_article_twice_in_one_run_is_a_duplicate(seed_paths, settings, tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(seed_paths[0].read_bytes().replace(b"\n", b"\r\n"))  # same text after normalisation
    items = ingest([seed_paths[0], copy], settings)
    assert [i.outcome.status for i in items] == [STORED, SKIPPED]
    assert items[1].outcome.reason == "duplicate" and str(seed_paths[0]) in items[1].outcome.detail
    assert items[1].outcome.article_id == items[0].article.id


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (german_text("Größe").encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + german_text("Größe").encode("utf-8"), "utf-8 BOM"),
        (german_text("Größe").encode("utf-16"), "utf-16 BOM"),
        (german_text("Größe „Zitat“ 5 €").encode("cp1252"), "cp1252"),
        (german_text("Größe").encode("latin-1"), "latin-1"),
    ],
)
def test_text_file_encodings(tmp_path, settings, data, label):
    path = tmp_path / "artikel.txt"
    path.write_bytes(data)
    article = only(ingest([path], settings)).article
    assert article is not None, label
    assert "Kämmerer" in article.text and "Größe" in article.text and "\ufeff" not in article.text
    assert article.language == "de"


def test_html_file(tmp_path, settings):
    path = tmp_path / "seite.html"
    path.write_text(
        html_page(canonical="https://www.neustaedter-bote.de/politik/haushalt/?utm_source=rss"), "utf-8"
    )
    item = only(ingest([path], settings))
    article = item.article
    assert item.outcome.status is STORED and item.raw_type == "text/html" and article is not None
    assert article.title == "Neustadt beschließt Haushalt"
    assert article.published == dt.date(2026, 1, 13) and article.published_source is DateSource.METADATA
    assert (article.outlet, article.outlet_source) == ("neustaedter-bote.de", "url")
    assert "Impressum" not in article.text and "Kämmerer verwies" in article.text
    assert article.language == "de"


def test_html_without_url_takes_outlet_from_site_name(tmp_path, settings):
    path = tmp_path / "seite.html"
    path.write_text(html_page(), "utf-8")
    article = only(ingest([path], settings)).article
    assert (article.outlet, article.outlet_source) == ("Neustädter Bote", "metadata")


def test_truncated_html_still_gives_the_text_read_so_far(tmp_path, settings):
    html = html_page()
    path = tmp_path / "kaputt.html"
    path.write_text(html[: html.index(PARAGRAPHS[2][:20])], "utf-8")  # cut inside the article
    item = only(ingest([path], settings))
    assert item.outcome.status is STORED and "Opposition kritisierte" in item.article.text


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><div><p>Nur <b>kaputt<p><<<>>></div></span></body>",
        "<html><head><title>x</title></head><body><nav><a href='/'>Start</a></nav></body></html>",
        "<html><body>" + "<div>" * 3000 + "Tief" + "</div>" * 10 + "</body>",
        "<!DOCTYPE html><html><body><script>var x = '<p>kein Text</p>';</script></body></html>",
    ],
)
def test_malformed_or_empty_html_does_not_crash(tmp_path, settings, html):
    path = tmp_path / "seite.html"
    path.write_text(html, "utf-8")
    item = only(ingest([path], settings))
    assert (item.outcome.status, item.outcome.reason) == (SKIPPED, "not-an-article")


def test_page_without_main_text_is_not_an_article(tmp_path, settings):
    path = tmp_path / "index.html"
    path.write_text("<html><body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav></body></html>", "utf-8")
    item = only(ingest([path], settings))
    assert (item.outcome.status, item.outcome.reason) == (SKIPPED, "not-an-article")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n\n\t \n", "empty"),
        (b"Zu kurz.", "too-short"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "unsupported-type"),
        (b"\x7fELF\x02\x01\x01\x00" + bytes(100), "unsupported-type"),
        (b"some text\x00\x00\x00binary", "unsupported-type"),
    ],
)
def test_unusable_files_are_skipped_with_a_reason(tmp_path, settings, data, reason):
    path = tmp_path / "eingabe.txt"
    path.write_bytes(data)
    item = only(ingest([path], settings))
    assert (item.outcome.status, item.outcome.reason) == (SKIPPED, reason)
    assert item.article is None and str(path) in item.outcome.detail


def test_huge_file_is_refused_without_reading_it(tmp_path, settings):
    path = tmp_path / "riesig.txt"
    with path.open("wb") as handle:
        handle.write(b"Ein Text, der sehr lang wird.\n")
        handle.truncate(200_000_000)  # sparse: no disk used, but 200 MB on stat()
    item = only(ingest([path], settings))
    assert (item.outcome.status, item.outcome.reason) == (FAILED, "too-large")
    assert "200,000,000 bytes" in item.outcome.detail and "max_input_bytes" in item.outcome.detail
    assert item.raw is None


def test_missing_path_and_unsupported_scheme_fail_with_the_input_named(settings):
    items = list(iter_ingest(["/nicht/da.txt", "ftp://example.org/a"], settings))
    assert [(i.outcome.status, i.outcome.reason) for i in items] == [
        (FAILED, "not-found"),
        (FAILED, "unsupported-scheme"),
    ]
    assert "/nicht/da.txt" in items[0].outcome.detail and "ftp://" in items[1].outcome.detail


def test_directory_is_read_recursively_in_order_skipping_hidden_files(tmp_path, settings):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text(german_text("eins"), "utf-8")
    (tmp_path / "b" / "c.html").write_text(html_page(), "utf-8")
    (tmp_path / "b" / "leer.txt").write_text("", "utf-8")
    (tmp_path / ".git" / "config").write_text(german_text("versteckt"), "utf-8")
    items = ingest([tmp_path], settings)
    assert [i.outcome.input for i in items] == [
        str(tmp_path / n) for n in ("a.txt", "b/c.html", "b/leer.txt")
    ]
    assert [i.outcome.reason for i in items] == ["", "", "empty"]


def test_empty_directory_is_skipped(tmp_path, settings):
    assert only(ingest([tmp_path], settings)).outcome.reason == "empty"


@pytest.mark.parametrize(
    ("data", "raw_type"),
    [
        (german_text("stdin").encode("utf-8"), "text/plain"),
        (html_page().encode("utf-8"), "text/html"),
    ],
)
def test_stdin_documents_are_sniffed(settings, data, raw_type):
    item = only(list(iter_ingest(["-"], settings, stdin=io.BytesIO(data))))
    assert item.outcome.status is STORED and item.raw_type == raw_type and item.outcome.input == "<stdin>"
    assert "Kämmerer" in item.article.text


def test_stdin_jsonl_is_streamed_line_by_line(settings):
    lines = [
        json.dumps({"url": "https://www.zeit.de/a", "text": german_text("a"), "date": "2021-03-04"}),
        "kaputt",
        json.dumps({"url": "https://www.zeit.de/b", "text": german_text("b")}),
    ]
    items = list(iter_ingest(["-"], settings, stdin=io.BytesIO("\n".join(lines).encode("utf-8"))))
    assert [(i.outcome.input, i.outcome.status) for i in items] == [
        ("<stdin>:1", STORED),
        ("<stdin>:2", FAILED),
        ("<stdin>:3", STORED),
    ]


def test_stdin_over_cap_is_refused(settings):
    small = settings.replace(max_input_bytes=1000)
    item = only(list(iter_ingest(["-"], small, stdin=io.BytesIO(b"Text " * 1000))))
    assert (item.outcome.status, item.outcome.reason) == (FAILED, "too-large")


def test_stdin_gzip_jsonl(settings):
    data = gzip.compress(
        b"".join(
            json.dumps({"url": f"https://www.zeit.de/{n}", "text": german_text(str(n))}).encode() + b"\n"
            for n in range(3)
        )
    )
    items = list(iter_ingest(["-"], settings, stdin=io.BytesIO(data)))
    assert [(i.outcome.input, i.outcome.status) for i in items] == [
        ("<stdin>:1", STORED),
        ("<stdin>:2", STORED),
        ("<stdin>:3", STORED),
    ]


def test_same_path_twice_is_a_duplicate_the_second_time(seed_paths, settings):
    items = ingest([seed_paths[1], seed_paths[1]], settings)
    assert [(i.outcome.status, i.outcome.reason) for i in items] == [(STORED, ""), (SKIPPED, "duplicate")]
