"""The JSON API and pages through the test client: content, pagination, auth, limits, error shape."""

from __future__ import annotations

import httpx
import pytest

from quellenlage.web.security import CSP, HTTPProblem, RateLimiter

pytestmark = pytest.mark.slow
AUTH = {"Authorization": "Bearer test-token-123"}


def assert_error_shape(response, status):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message"}
    assert body["error"]["status"] == status
    assert body["error"]["message"]


def test_story_api_returns_the_briefing_contract(client, seeded):
    data = client.get(f"/api/stories/{seeded}").json()
    assert {"story", "claims", "conflicts", "timeline", "briefing"} <= set(data)
    kinds = {c["kind"] for c in data["conflicts"]}
    assert "quote_wording" in kinds


@pytest.mark.parametrize("fmt,marker", [("json", '"briefing"'), ("md", "## "), ("html", "<!doctype html")])
def test_story_downloads(client, seeded, fmt, marker):
    response = client.get(f"/api/stories/{seeded}/briefing.{fmt}")
    assert response.status_code == 200
    assert marker in response.text.lower() if fmt == "html" else marker in response.text
    assert "attachment" in response.headers["content-disposition"]


def test_story_page_shows_briefing_articles_and_conflict(client, seeded):
    html = client.get(f"/stories/{seeded}").text
    assert "Widersprüche" in html
    assert "legitime Kampfziele" in html and "legitime militärische Ziele" in html
    assert 'class="conflict' in html
    assert "claim claim-corroborated" in html
    assert "Wer ist Maria Sacharowa?" in html


def test_article_pages_and_reading_api(client, seeded):
    items = client.get("/api/articles").json()["items"]
    assert len(items) >= 2
    aid = items[0]["id"]
    detail = client.get(f"/api/articles/{aid[:8]}").json()
    assert detail["article"]["id"] == aid
    assert detail["outcomes"]
    reading = client.get(f"/api/articles/{aid}/reading").json()
    assert reading["entities"] and reading["sentences"] if "sentences" in reading else reading["entities"]
    page = client.get(f"/articles/{aid}").text
    assert "ent ent-PER" in page


def test_article_page_and_reading_api_show_the_reliability_score_with_reasons_and_caveat(client, seeded):
    aid = client.get("/api/articles").json()["items"][0]["id"]
    text = client.get(f"/api/articles/{aid}").json()["article"]["text"]
    reliability = client.get(f"/api/articles/{aid}/reading").json()["reliability"]
    assert 0.0 <= reliability["score"] <= 1.0 and 0.0 < reliability["threshold"] < 1.0
    assert reliability["above_threshold"] == (reliability["score"] >= reliability["threshold"])
    assert reliability["reasons"] and "kein Faktencheck" in reliability["caveat"]
    for reason in reliability["reasons"]:
        assert reason["text"].endswith(".")
        for span, excerpt in zip(reason["spans"], reason["excerpts"], strict=False):
            assert text[span["start"] : span["end"]] == excerpt
    page = client.get(f"/articles/{aid}").text
    assert "Textbasierte Zuverlässigkeitsschätzung" in page and "kein Faktencheck" in page


def test_source_page_and_api_show_ratings(client, seeded):
    data = client.get("/api/sources/naturalnews.com").json()
    assert data["profile"]["mbfc"]["factual"]
    assert "naturalnews.com" in client.get("/sources/naturalnews.com").text
    unknown = client.get("/api/sources/unbekannt-xyz.example").json()
    assert unknown["rated"] is False


def test_search_finds_stored_articles(client, seeded):
    found = client.get("/api/articles", params={"q": "Sacharowa"}).json()["items"]
    assert found and "snippet" in found[0]
    assert "<mark>" in client.get("/search", params={"q": "Sacharowa"}).text


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "x"}])
def test_pagination_bounds_are_validated(client, params):
    assert_error_shape(client.get("/api/articles", params=params), 422)


def test_pagination_pages_through_articles(client, seeded):
    first = client.get("/api/articles", params={"limit": 1}).json()
    second = client.get("/api/articles", params={"limit": 1, "offset": 1}).json()
    assert first["total"] >= 2 and first["limit"] == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("get", "/api/nothing-here", 404),
        ("get", "/api/stories/0000000000000000", 404),
        ("get", "/api/articles/ffffffffffff", 404),
        ("delete", "/api/stories", 405),
        ("post", "/api/analyze", 401),
    ],
)
def test_every_api_error_has_one_shape(client, method, path, status):
    assert_error_shape(getattr(client, method)(path), status)


def test_invalid_json_body_has_the_error_shape(client):
    response = client.post("/api/analyze", content=b"{not json", headers={**AUTH, "content-type": "application/json"})
    assert_error_shape(response, 422)


def test_writes_need_the_token(client):
    assert_error_shape(client.post("/api/analyze", json={"texts": ["x"]}), 401)
    assert_error_shape(client.post("/api/analyze", json={"texts": ["x"]}, headers={"Authorization": "Bearer no"}), 401)
    assert client.post("/analyse", data={"text": "x", "token": "wrong"}).status_code == 401


def test_read_only_server_refuses_writes(web_settings):
    from fastapi.testclient import TestClient

    from quellenlage.web.app import create_app

    with TestClient(create_app(web_settings.replace(api_token="")), raise_server_exceptions=False) as c:
        assert_error_shape(c.post("/api/analyze", json={"texts": ["x"]}), 403)
        assert "nur lesend" in c.get("/").text


def test_oversized_request_is_refused(web_settings):
    from fastapi.testclient import TestClient

    from quellenlage.web.app import create_app

    small = create_app(web_settings.replace(max_request_bytes=1000))
    with TestClient(small, raise_server_exceptions=False) as c:
        assert_error_shape(c.post("/api/analyze", json={"texts": ["x" * 5000]}, headers=AUTH), 413)


def test_rate_limit_answers_429_with_retry_after():
    now = [1000.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    limiter.check("1.2.3.4")
    limiter.check("1.2.3.4")
    with pytest.raises(HTTPProblem) as info:
        limiter.check("1.2.3.4")
    assert info.value.status == 429 and int(info.value.headers["retry-after"]) > 0
    limiter.check("5.6.7.8")  # other clients are not affected
    now[0] += 61
    limiter.check("1.2.3.4")  # the window slid


def test_rate_limited_api_uses_the_error_shape(web_settings):
    from fastapi.testclient import TestClient

    from quellenlage.web.app import create_app

    with TestClient(create_app(web_settings.replace(rate_limit_per_minute=1)), raise_server_exceptions=False) as c:
        c.post("/api/analyze", json={"texts": []}, headers=AUTH)
        response = c.post("/api/analyze", json={"texts": []}, headers=AUTH)
        assert_error_shape(response, 429)
        assert response.headers["retry-after"]


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "192.168.1.20"])
def test_url_analysis_never_reaches_private_targets(web_settings, address):
    from fastapi.testclient import TestClient

    from quellenlage.ingest import Fetcher
    from quellenlage.web.app import create_app

    fetched = []
    transport = httpx.MockTransport(lambda request: fetched.append(request) or httpx.Response(200, text="<p>x</p>"))
    fetcher = Fetcher(web_settings, transport=transport, resolve=lambda host: [address])
    with TestClient(create_app(web_settings, fetcher=fetcher), raise_server_exceptions=False) as c:
        response = c.post("/api/analyze", json={"urls": ["http://innocent.example/a"]}, headers=AUTH)
    assert_error_shape(response, 422)
    assert "refused" in response.json()["error"]["message"]
    assert fetched == []


def test_non_http_urls_are_refused(client):
    response = client.post("/api/analyze", json={"urls": ["file:///etc/passwd"]}, headers=AUTH)
    assert_error_shape(response, 422)


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/api/articles", "/api/nope"):
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CSP
        assert headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_scripts_or_handlers(client, seeded):
    import re

    for path in ("/", f"/stories/{seeded}", "/stories", "/search?q=x"):
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert not re.search(r"\son[a-z]+\s*=", html), path
