"""Decoding bytes of unknown encoding, binary detection, header lines, sniffing."""

from __future__ import annotations

import codecs
import datetime as dt

import pytest

from quellenlage.ingest import detect
from quellenlage.ingest.text import declared_charset, decode, find_header, looks_binary, parse_numeric_date

GERMAN = "Größere Übungen für Bürger – „Anführungszeichen“ kosten 5 €."


@pytest.mark.parametrize(
    ("data", "label"),
    [
        (GERMAN.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + GERMAN.encode("utf-8"), "utf-8 with BOM"),
        (GERMAN.encode("utf-16"), "utf-16 with BOM"),
        (codecs.BOM_UTF16_BE + GERMAN.encode("utf-16-be"), "utf-16-be with BOM"),
        (GERMAN.encode("utf-16-le"), "utf-16-le without BOM"),
        (GERMAN.encode("cp1252"), "cp1252 (typographic quotes and euro sign)"),
    ],
)
def test_decode_recovers_german_text(data, label):
    assert decode(data) == GERMAN, label


def test_decode_latin1_when_cp1252_cannot():
    data = "Straße".encode("latin-1") + b"\x81"  # 0x81 is undefined in cp1252
    assert decode(data) == "Straße\x81"


def test_decode_latin1_umlauts_read_as_cp1252_are_identical():
    assert decode("Äpfel und Öl für Müller".encode("latin-1")) == "Äpfel und Öl für Müller"


@pytest.mark.parametrize(
    "head",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"%PDF-1.7\n",
        b"PK\x03\x04zip",
        b"text\x00with nul",
    ],
)
def test_looks_binary(head):
    assert looks_binary(head)


@pytest.mark.parametrize(
    "head", [GERMAN.encode("utf-8"), GERMAN.encode("utf-16"), GERMAN.encode("utf-16-le"), b""]
)
def test_text_is_not_binary(head):
    assert not looks_binary(head)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" date 2026-02-08 Teile die Wahrheit!\n\nText", dt.date(2026, 2, 8)),
        ("Datum: 08.02.2026\nText", dt.date(2026, 2, 8)),
        ("Titel\nVeröffentlicht am 3.1.2025\n\nText", dt.date(2025, 1, 3)),
        ("date 2o26-02-08\nText", dt.date(2026, 2, 8)),
    ],
)
def test_find_header_reads_date_header(text, expected):
    assert find_header(text).published == expected


@pytest.mark.parametrize(
    "text",
    [
        "Am 08.02.2026 sagte der Minister etwas.\nText",  # a date in a sentence is not a header
        "Eins\nZwei\nDrei\nVier\nFünf\nSechs\ndate 2026-02-08",  # too far down
        "date 2026-13-45\nText",  # not a calendar date
        "dates 2026-02-08\nText",
        "",
    ],
)
def test_find_header_ignores_non_headers(text):
    assert find_header(text).published is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("07.02.2o26", dt.date(2026, 2, 7)),
        ("2026-02-07", dt.date(2026, 2, 7)),
        ("O7.O2.2026", dt.date(2026, 2, 7)),
        ("31.02.2026", None),
    ],
)
def test_parse_numeric_date(raw, expected):
    assert parse_numeric_date(raw) == expected


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"<!DOCTYPE html><html><body><p>x</p>", "", detect.HTML),
        (b"  <html lang='de'><head>", "", detect.HTML),
        (b'<?xml version="1.0"?><rss version="2.0"><channel>', "", detect.FEED),
        (b'<feed xmlns="http://www.w3.org/2005/Atom">', "", detect.FEED),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', "", detect.HTML),
        (b'{"text": "Hallo", "url": "https://x.de/a"}\n{"text": "b"}', "", detect.JSONL),
        (b"{ nicht json", "", detect.TEXT),
        (b"Ein ganz normaler Text.\nZweite Zeile.", "", detect.TEXT),
        (b"\x1f\x8b\x08\x00", "a.jsonl.gz", detect.GZIP),
        (b"\x89PNG\r\n\x1a\n", "bild.html", detect.BINARY),
        (b"Text ohne Tags", "seite.html", detect.HTML),  # the name decides ties
        (b"irgendwas", "feed.xml", detect.FEED),
    ],
)
def test_sniff(head, name, expected):
    assert detect.sniff(head, name) == expected


def test_decode_uses_declared_charset_when_not_utf8():
    data = "Москва заявила, что".encode("cp1251")
    assert decode(data, "windows-1251") == "Москва заявила, что"


def test_decode_prefers_valid_utf8_over_a_wrong_declaration():
    assert decode("Größe".encode(), "iso-8859-1") == "Größe"


@pytest.mark.parametrize(
    ("content_type", "head", "expected"),
    [
        ("text/html; charset=KOI8-R", b"", "koi8-r"),
        (None, b'<html><head><meta charset="windows-1251">', "windows-1251"),
        (None, b'<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">', "iso-8859-15"),
        ("text/html", b"<html><head><title>x</title>", None),
    ],
)
def test_declared_charset(content_type, head, expected):
    assert declared_charset(content_type, head) == expected
