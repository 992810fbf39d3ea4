"""Outlets from URLs (bundled public-suffix list, no network) and from a name the text signs with."""

from __future__ import annotations

import socket

import pytest
from conftest import german_text

from quellenlage.ingest import outlet
from quellenlage.ingest.outlet import outlet_from_text, outlet_from_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.zeit.de/politik/2026-01/artikel", "zeit.de"),
        ("https://de.rt.com/international/1/", "rt.com"),
        ("https://www.bbc.co.uk/news/world", "bbc.co.uk"),
        ("https://meinblog.blogspot.com/p/1.html", "meinblog.blogspot.com"),
        ("http://WWW.Tagesspiegel.DE/x", "tagesspiegel.de"),
        ("https://127.0.0.1/x", None),
        ("https://localhost/x", None),
        ("not a url", None),
    ],
)
def test_outlet_from_url(url, expected):
    assert outlet_from_url(url) == expected


def test_outlet_from_url_never_touches_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    outlet._extractor.cache_clear()  # build the extractor again under the patch
    try:
        assert outlet_from_url("https://www.sueddeutsche.de/politik/x") == "sueddeutsche.de"
        assert outlet_from_url("https://news.example.co.jp/x") == "example.co.jp"
    finally:
        outlet._extractor.cache_clear()


BODY = german_text()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{BODY}\nOZD\nOZD-Kommentar – Drohung als Strategie\nText.\nOZD-Analyse\nPunkte", "OZD"),
        (f"{BODY}\nNBZ-Kommentar\nMeinung.\nNBZ-Hintergrund – Was bisher geschah\nText.", "NBZ"),
        (f"HAZ\n{BODY}\nHAZ", "HAZ"),
    ],
)
def test_outlet_from_text_finds_a_house_signature(text, expected):
    assert outlet_from_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        f"{BODY}\nOZD-Kommentar – nur einmal\nText.",  # once is not a house style
        f"{BODY}\nUSA\nUSA-Wahl – ein Rückblick\nText.",  # a country
        f"{BODY}\nNATO-Gipfel\nNATO-Staaten\nText.",  # an alliance
        f"{BODY}\ndpa\nAFP\nAFP",  # agencies are origins, not the outlet
        f"{BODY}\nUS-Gesandte trafen sich.\nUS-Führung beschlossen.\nUS-Rückhalt wächst.",  # sentences
        f"{BODY} Die OZD-Redaktion und die OZD-Leser.",  # inside sentences, not headings
    ],
)
def test_outlet_from_text_does_not_fire(text):
    assert outlet_from_text(text) is None
