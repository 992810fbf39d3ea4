"""JSONL bulk input: plain and gzip, broken lines, truncated archives, the real FANG file."""

from __future__ import annotations

import datetime as dt
import gzip
import itertools
import json

import pytest
from conftest import german_text, html_page

from quellenlage.ingest import iter_ingest
from quellenlage.ingest.jsonl import language_code
from quellenlage.models import DateSource, OutcomeStatus

STORED, SKIPPED, FAILED = OutcomeStatus.STORED, OutcomeStatus.SKIPPED, OutcomeStatus.FAILED


def record(n: int, **changes: object) -> dict[str, object]:
    value: dict[str, object] = {
        "id": f"x-{n}",
        "url": f"https://www.tagesspiegel.de/politik/artikel-{n}.html",
        "date": "2020-11-13T16:31:47+01:00",
        "source": "tagesspiegel.de",
        "label": "real",
        "title": f"Titel {n}",
        "text": german_text(f"Artikel {n}."),
    }
    value.update(changes)
    return value


def jsonl(records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records)


def test_jsonl_fields_map_to_article(tmp_path, settings):
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(jsonl([record(1, label="fake")]))
    (item,) = iter_ingest([str(path)], settings)
    article = item.article
    assert item.outcome.input == f"{path}:1" and item.outcome.status is STORED
    assert item.raw_type == "application/jsonl" and item.raw.startswith(b'{"id": "x-1"')
    assert article.published == dt.date(2020, 11, 13) and article.published_source is DateSource.METADATA
    assert (article.outlet, article.outlet_source) == ("tagesspiegel.de", "url")
    assert article.source_label == "fake" and article.title == "Titel 1" and article.language == "de"


def test_jsonl_without_url_takes_outlet_from_source(tmp_path, settings):
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(jsonl([record(1, url=None)]))
    (item,) = iter_ingest([str(path)], settings)
    assert (item.article.outlet, item.article.outlet_source) == ("tagesspiegel.de", "metadata")
    assert item.article.url is None


def test_broken_lines_fail_with_line_numbers_and_good_lines_are_kept(tmp_path, settings):
    path = tmp_path / "bulk.jsonl"
    lines = [
        json.dumps(record(1)),
        '{"text": "abgeschnitten',
        "[1, 2, 3]",
        json.dumps({"url": "https://zeit.de/x", "title": "ohne text"}),
        "",
        json.dumps(record(2, text="")),
        json.dumps(record(3, text="kurz")),
        json.dumps(record(1)),
        json.dumps(record(4)),
    ]
    path.write_text("\n".join(lines), "utf-8")
    items = list(iter_ingest([str(path)], settings))
    got = [(i.outcome.input.rsplit(":", 1)[1], i.outcome.status, i.outcome.reason) for i in items]
    assert got == [
        ("1", STORED, ""),
        ("2", FAILED, "bad-line"),
        ("3", FAILED, "bad-line"),
        ("4", FAILED, "bad-line"),
        ("6", SKIPPED, "empty"),
        ("7", SKIPPED, "too-short"),
        ("8", SKIPPED, "duplicate"),
        ("9", STORED, ""),
    ]
    assert "not valid JSON" in items[1].outcome.detail and f"{path}:2" in items[1].outcome.detail
    assert "expected a JSON object" in items[2].outcome.detail
    assert "field 'text'" in items[3].outcome.detail


def test_gzip_jsonl(tmp_path, settings):
    path = tmp_path / "bulk.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl(record(n) for n in range(5))))
    items = list(iter_ingest([str(path)], settings))
    assert [i.outcome.status for i in items] == [STORED] * 5
    assert items[4].outcome.input == f"{path}:5"


def test_truncated_gzip_keeps_lines_before_the_break(tmp_path, settings):
    data = gzip.compress(jsonl(record(n) for n in range(200)))
    path = tmp_path / "kaputt.jsonl.gz"
    path.write_bytes(data[: len(data) // 2])
    items = list(iter_ingest([str(path)], settings))
    *good, last = items
    assert len(good) > 10 and all(i.outcome.status is STORED for i in good)
    assert (last.outcome.status, last.outcome.reason) == (FAILED, "truncated")
    assert last.outcome.input == f"{path}:{len(good) + 1}"
    assert "lines before it were read" in last.outcome.detail


def test_corrupt_gzip_fails_without_crashing(tmp_path, settings):
    path = tmp_path / "kaputt.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 100)
    (item,) = iter_ingest([str(path)], settings)
    assert (item.outcome.status, item.outcome.reason) == (FAILED, "truncated")


def test_overlong_line_is_refused_and_reading_continues(tmp_path, settings):
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(jsonl([record(1, text="x" * 5000), record(2)]))
    items = list(iter_ingest([str(path)], settings.replace(max_input_bytes=2000)))
    assert [(i.outcome.status, i.outcome.reason) for i in items] == [(FAILED, "line-too-long"), (STORED, "")]


def test_jsonl_file_is_streamed_not_refused_by_the_document_cap(tmp_path, settings):
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(jsonl(record(n) for n in range(20)))
    items = list(iter_ingest([str(path)], settings.replace(max_input_bytes=2000)))
    assert len(items) == 20 and all(i.outcome.status is STORED for i in items)


def test_empty_jsonl_file_is_skipped(tmp_path, settings):
    path = tmp_path / "leer.jsonl.gz"
    path.write_bytes(gzip.compress(b""))
    (item,) = iter_ingest([str(path)], settings)
    assert (item.outcome.status, item.outcome.reason) == (SKIPPED, "empty")


@pytest.fixture(scope="module")
def fang_items(shared_data):
    from quellenlage.settings import load_settings

    path = shared_data / "reliability" / "fang-covid-train.jsonl.gz"
    settings = load_settings(db=":memory:")
    return list(itertools.islice(iter_ingest([str(path)], settings), 2000))


@pytest.mark.slow
def test_fang_first_2000_lines_all_ready(fang_items):
    assert len(fang_items) == 2000
    assert [i.outcome.status for i in fang_items] == [STORED] * 2000
    assert {i.article.source_label for i in fang_items} <= {"real", "fake"}
    assert all(i.article.published_source is DateSource.METADATA for i in fang_items)
    assert sum(i.article.language == "de" for i in fang_items) >= 1990
    assert all(i.article.outlet and i.article.outlet_source == "url" for i in fang_items)
    for item in fang_items[:50]:
        article = item.article
        assert all(0 <= p.start < p.end <= len(article.text) for p in article.paragraphs)
        for origin in article.origins:
            assert article.text[origin.span.start : origin.span.end] == origin.raw


def test_gzipped_html_page_is_one_document(tmp_path, settings):
    path = tmp_path / "seite.html.gz"
    path.write_bytes(gzip.compress(html_page().encode("utf-8")))
    (item,) = iter_ingest([str(path)], settings)
    assert item.outcome.status is STORED and item.raw_type == "text/html"
    assert item.article.title == "Neustadt beschließt Haushalt"


def test_gzip_decompressing_over_the_cap_is_refused(tmp_path, settings):
    path = tmp_path / "bombe.txt.gz"
    path.write_bytes(gzip.compress(b"Text " * 100_000))
    (item,) = iter_ingest([str(path)], settings.replace(max_input_bytes=10_000))
    assert (item.outcome.status, item.outcome.reason) == (FAILED, "too-large")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("de", "de"), ("DE", "de"), ("de-DE", "de"), ("de_AT", "de"), (" en ", "en"), ("en-GB", "en")],
)
def test_language_code_from_a_record(raw, expected):
    assert language_code(raw) == expected


@pytest.mark.parametrize("raw", [None, "", "deutsch", "deu", "d", "1a", "ду", 7, ["de"]])
def test_language_code_ignores_what_is_not_an_iso_639_1_code(raw):
    assert language_code(raw) is None


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("en", german_text(), "en"),  # the record's word wins, even against the text
        ("de-CH", german_text(), "de"),
        (None, german_text(), "de"),  # no field: identified from the text
        ("deutsch", german_text(), "de"),  # not a code: identified from the text
        (None, "The city council approved the budget for next year on Tuesday evening. " * 4, "en"),
        ("fr", "The city council approved the budget for next year on Tuesday evening. " * 4, "fr"),
    ],
)
def test_jsonl_language_field_replaces_identification(tmp_path, settings, language, text, expected):
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(jsonl([record(1, text=text, language=language)]))
    (item,) = iter_ingest([str(path)], settings)
    assert item.article.language == expected
