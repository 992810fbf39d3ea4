"""Untrusted article text is escaped everywhere; only http(s) URLs become links."""

from __future__ import annotations

import pytest

from quellenlage.web.markup import Mark, safe_url, segments

pytestmark = pytest.mark.slow
EVIL = (
    "Ein Bericht über Angriffe im Netz. <script>alert(1)</script> Dazu kam ein Bild "
    "<img src=x onerror=alert(1)> und ein Link <a href=\"javascript:alert(1)\">hier</a>. "
) * 4


def test_segments_cover_the_text_exactly_with_overlaps():
    text = "abcdefghij"
    pieces = segments(text, [Mark(2, 6, "a"), Mark(4, 8, "b"), Mark(5, 99, "bad")])
    assert "".join(p.text for p in pieces) == text
    assert [(p.start, p.end, p.classes) for p in pieces] == [
        (0, 2, ()), (2, 4, ("a",)), (4, 6, ("a", "b")), (6, 8, ("b",)), (8, 10, ())
    ]


@pytest.mark.parametrize("url,expected", [
    ("https://example.org/a", "https://example.org/a"),
    ("http://x.de", "http://x.de"),
    ("javascript:alert(1)", None),
    (" JaVaScRiPt:alert(1)", None),
    ("data:text/html,<b>x</b>", None),
    (None, None),
])
def test_only_http_urls_become_links(url, expected):
    assert safe_url(url) == expected


def test_evil_article_is_escaped_in_story_and_article_pages(client):
    response = client.post("/api/analyze", json={"texts": [EVIL]}, headers={"Authorization": "Bearer test-token-123"})
    assert response.status_code == 201, response.text
    key = response.json()["key"]
    article_id = response.json()["story"]["story"]["articles"][0]["id"]
    for path in (f"/stories/{key}", f"/articles/{article_id}", "/search?q=Angriffe"):
        html = client.get(path).text
        assert "<script>alert(1)</script>" not in html, path
        assert "<img src=x" not in html, path
        assert 'href="javascript:' not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    html_download = client.get(f"/api/stories/{key}/briefing.html").text
    assert "<script>alert(1)</script>" not in html_download
