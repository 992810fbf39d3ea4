"""extract_page: trafilatura's fast path for long texts, the full comparison for short ones."""

from __future__ import annotations

import pytest

from quellenlage.ingest import html as html_module
from quellenlage.ingest.html import FAST_MIN_CHARS, extract_page

SENTENCE = "Der Stadtrat hat am Dienstag nach langer Debatte den neuen Haushalt für das kommende Jahr beschlossen. "
TOPICS = ("Schulen", "Straßen", "Bäder", "Bibliotheken", "Kitas", "Radwege", "Museen", "Sportplätze",
          "Feuerwehr", "Friedhöfe", "Parks", "Brücken")


def _page(paragraphs: int) -> str:
    body = "".join(
        f"<p>{SENTENCE}Für {topic} sind {i + 2} Millionen Euro vorgesehen, {i} mehr als im Vorjahr. "
        f"Die Opposition kritisierte die Pläne für {topic} als unzureichend und forderte Nachbesserungen.</p>"
        for i, topic in enumerate(TOPICS[:paragraphs])
    )
    nav = "".join(f'<li><a href="/r/{i}">Ressort {i}</a></li>' for i in range(30))
    return (f'<html lang="de"><head><title>Haushalt beschlossen</title></head><body><nav><ul>{nav}</ul></nav>'
            f"<article><h1>Haushalt beschlossen</h1>{body}</article><footer>Impressum</footer></body></html>")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    seen: list[bool] = []
    real = html_module._extract

    def spy(html: str, url: str | None, *, fast: bool):  # type: ignore[no-untyped-def]
        seen.append(fast)
        return real(html, url, fast=fast)

    monkeypatch.setattr(html_module, "_extract", spy)
    return seen


def test_long_article_keeps_the_fast_extraction(calls: list[bool]) -> None:
    page = extract_page(_page(12))
    assert page.text is not None and len(page.text) >= FAST_MIN_CHARS
    assert "Ressort" not in page.text
    assert calls == [True]


def test_short_article_is_extracted_again_with_the_fallbacks(calls: list[bool]) -> None:
    page = extract_page(_page(2))
    assert page.text is not None and SENTENCE.strip() in page.text
    assert calls == [True, False]


@pytest.mark.parametrize("paragraphs", [2, 12])
def test_both_paths_agree_on_a_clean_page(paragraphs: int) -> None:
    fast = html_module._extract(_page(paragraphs), None, fast=True)
    full = html_module._extract(_page(paragraphs), None, fast=False)
    assert fast.text == full.text
    assert extract_page(_page(paragraphs)).text == full.text


def test_a_short_fast_text_is_kept_when_the_full_extraction_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    real = html_module._extract

    def full_finds_nothing(html: str, url: str | None, *, fast: bool):  # type: ignore[no-untyped-def]
        return real(html, url, fast=True) if fast else None

    monkeypatch.setattr(html_module, "_extract", full_finds_nothing)
    page = extract_page(_page(2))
    assert page.text is not None and "Schulen" in page.text
