"""The fetcher: SSRF guard on every hop, pinning to the vetted address, caps, refusals."""

from __future__ import annotations

import httpx
import pytest
from conftest import PUBLIC_IP, FakeWeb, html_page, html_response

from quellenlage.errors import FetchError, FetchRefused, FetchTimeout, FetchTooLarge
from quellenlage.ingest import Fetcher
from quellenlage.ingest.fetch import UnsupportedContentType, forbidden_reason

FORBIDDEN = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback"),
    ("::1", "loopback"),
    ("10.1.2.3", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"),
    ("0.0.0.0", "unspecified"),
    ("::", "unspecified"),
    ("224.0.0.1", "multicast"),
    ("ff02::1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("fc00::1", "private"),
    ("100.64.0.1", "not globally routable"),
    ("::ffff:127.0.0.1", "loopback"),
    ("::ffff:169.254.169.254", "link-local"),
    ("::ffff:10.0.0.1", "private"),
    ("::127.0.0.1", "loopback"),  # IPv4-compatible form
    ("2002:7f00:1::", "loopback"),  # 6to4 wrapping 127.0.0.1
]


@pytest.mark.parametrize(("address", "reason"), FORBIDDEN)
def test_forbidden_reason_names_each_forbidden_address(address, reason):
    assert reason in (forbidden_reason(address) or "")


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_forbidden_reason_allows_public_addresses(address):
    assert forbidden_reason(address) is None


@pytest.mark.parametrize(("address", "reason"), FORBIDDEN)
def test_fetch_refuses_host_resolving_to_forbidden_address(make_fetcher, address, reason):
    web = FakeWeb({"news.example/a": html_response(html_page())})
    fetcher = make_fetcher(web, resolve=lambda host: [address])
    with pytest.raises(FetchRefused) as info:
        fetcher.fetch("https://news.example/a")
    message = str(info.value)
    assert "https://news.example/a" in message and address in message and reason in message
    assert web.requests == []  # refused before any connection


def test_fetch_refuses_when_any_resolved_address_is_forbidden(make_fetcher):
    fetcher = make_fetcher(FakeWeb({}), resolve=lambda host: [PUBLIC_IP, "10.0.0.5"])
    with pytest.raises(FetchRefused, match="10.0.0.5"):
        fetcher.fetch("https://news.example/a")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://[::1]:8080/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost/",
        "http://api.localhost/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0:8000/",
    ],
)
def test_fetch_refuses_literal_and_local_hosts_without_resolving(make_fetcher, url):
    def resolve(host: str) -> list[str]:
        raise AssertionError(f"must not resolve {host}")

    fetcher = make_fetcher(
        FakeWeb({}), resolve=resolve if "localhost" not in url else (lambda h: [PUBLIC_IP])
    )
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://news.example/a", "gopher://x/", "javascript:alert(1)"]
)
def test_fetch_refuses_other_schemes(make_fetcher, url):
    with pytest.raises(FetchRefused, match="only http and https"):
        make_fetcher(FakeWeb({})).fetch(url)


def test_fetch_pins_connection_to_vetted_address_and_keeps_host(make_fetcher):
    web = FakeWeb({"news.example/a": html_response(html_page())})
    result = make_fetcher(web).fetch("https://news.example/a")
    request = web.requests[0]
    assert request.url.host == PUBLIC_IP
    assert request.headers["host"] == "news.example"
    assert request.extensions["sni_hostname"] == "news.example"
    assert result.final_url == "https://news.example/a" and result.address == PUBLIC_IP
    assert result.status == 200 and result.content_type == "text/html" and b"Neustadt" in result.body


def test_fetch_checks_every_redirect_hop(make_fetcher):
    web = FakeWeb(
        {
            "news.example/a": (302, {"location": "https://cdn.example/b"}, b""),
            "cdn.example/b": (301, {"location": "http://127.0.0.1/admin"}, b""),
            "127.0.0.1/admin": html_response("<p>secret</p>"),
        }
    )
    with pytest.raises(FetchRefused, match=r"127\.0\.0\.1.*loopback"):
        make_fetcher(web).fetch("https://news.example/a")
    assert [r.headers["host"] for r in web.requests] == ["news.example", "cdn.example"]


def test_fetch_refuses_redirect_to_host_resolving_to_metadata_address(make_fetcher):
    web = FakeWeb({"news.example/a": (307, {"location": "http://internal.example/"}, b"")})

    def resolve(host: str) -> list[str]:
        return ["169.254.169.254"] if host == "internal.example" else [PUBLIC_IP]

    with pytest.raises(FetchRefused, match="169.254.169.254"):
        make_fetcher(web, resolve=resolve).fetch("https://news.example/a")


def test_fetch_follows_relative_redirects(make_fetcher):
    web = FakeWeb(
        {"news.example/a": (301, {"location": "/b"}, b""), "news.example/b": html_response(html_page())}
    )
    result = make_fetcher(web).fetch("https://news.example/a")
    assert result.url == "https://news.example/a" and result.final_url == "https://news.example/b"


def test_fetch_stops_after_max_redirects(make_fetcher):
    web = FakeWeb({"news.example/loop": (302, {"location": "/loop"}, b"")})
    with pytest.raises(FetchError, match="too many redirects"):
        make_fetcher(web, fetch_max_redirects=3).fetch("https://news.example/loop")
    assert len(web.requests) == 4


def test_fetch_body_over_cap_is_refused(make_fetcher):
    big = b"<p>" + b"x" * 5000 + b"</p>"
    web = FakeWeb({"news.example/big": (200, {"content-type": "text/html"}, big)})
    with pytest.raises(FetchTooLarge, match="max_input_bytes=1,000"):
        make_fetcher(web, max_input_bytes=1000).fetch("https://news.example/big")


def test_fetch_streamed_body_over_cap_without_content_length_is_refused(settings):
    def chunks():
        for _ in range(100):
            yield b"y" * 1000

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/plain"}, content=chunks())

    small = settings.replace(max_input_bytes=10_000)
    fetcher = Fetcher(small, httpx.MockTransport(handler), lambda host: [PUBLIC_IP])
    with fetcher, pytest.raises(FetchTooLarge, match="more than 10,000 bytes"):
        fetcher.fetch("https://news.example/stream")


@pytest.mark.parametrize(
    "content_type", ["image/png", "application/pdf", "video/mp4", "application/octet-stream"]
)
def test_fetch_refuses_content_types_we_do_not_ingest(make_fetcher, content_type):
    web = FakeWeb({"news.example/f": (200, {"content-type": content_type}, b"\x89PNG....")})
    with pytest.raises(UnsupportedContentType, match=content_type):
        make_fetcher(web).fetch("https://news.example/f")


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html; charset=iso-8859-1",
        "application/rss+xml",
        "application/atom+xml",
        "text/plain",
        "application/json",
    ],
)
def test_fetch_accepts_text_feed_and_json_types(make_fetcher, content_type):
    web = FakeWeb({"news.example/f": (200, {"content-type": content_type}, b"hello")})
    assert make_fetcher(web).fetch("https://news.example/f").body == b"hello"


def test_fetch_timeout_is_reported_with_url(make_fetcher):
    web = FakeWeb({"slow.example/a": httpx.ReadTimeout("read timed out")})
    with pytest.raises(FetchTimeout, match=r"https://slow\.example/a.*fetch_timeout"):
        make_fetcher(web).fetch("https://slow.example/a")


def test_fetch_connection_error_is_a_fetch_error(make_fetcher):
    web = FakeWeb({"down.example/a": httpx.ConnectError("connection refused")})
    with pytest.raises(FetchError, match=r"down\.example.*ConnectError"):
        make_fetcher(web).fetch("https://down.example/a")


def test_fetch_http_error_status_is_a_fetch_error(make_fetcher):
    with pytest.raises(FetchError, match="HTTP 404"):
        make_fetcher(FakeWeb({})).fetch("https://news.example/missing")


def test_fetch_unresolvable_host_is_a_fetch_error(make_fetcher):
    def resolve(host: str) -> list[str]:
        raise OSError("Name or service not known")

    with pytest.raises(FetchError, match="cannot resolve host 'nowhere.example'"):
        make_fetcher(FakeWeb({}), resolve=resolve).fetch("https://nowhere.example/")


def test_allow_private_urls_disables_guard_and_pinning(make_fetcher):
    web = FakeWeb({"127.0.0.1:8000/a": html_response(html_page())})
    result = make_fetcher(web, allow_private_urls=True).fetch("http://127.0.0.1:8000/a")
    assert result.status == 200 and result.address is None
    assert web.requests[0].url.host == "127.0.0.1"


def test_fetch_pins_to_ipv6_address(make_fetcher):
    web = FakeWeb({"news.example/a": html_response(html_page())})
    make_fetcher(web, resolve=lambda host: ["2606:4700:4700::1111"]).fetch("https://news.example/a")
    assert web.requests[0].url.host == "2606:4700:4700::1111"
    assert web.requests[0].headers["host"] == "news.example"


def test_pinning_works_with_the_real_transport_on_loopback(settings, monkeypatch):
    """A real socket: the fetcher connects to the vetted address and sends the original Host."""
    import http.server
    import threading

    from quellenlage.ingest import fetch

    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.headers["Host"])
            body = b"<p>Hallo</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    port = server.server_address[1]
    # Let loopback through the guard for this test only; the name still resolves via our resolver.
    monkeypatch.setattr(fetch, "forbidden_reason", lambda address: None)
    try:
        with Fetcher(settings, resolve=lambda host: ["127.0.0.1"]) as fetcher:
            result = fetcher.fetch(f"http://news.example:{port}/a")
    finally:
        server.shutdown()
        server.server_close()
    assert result.body == b"<p>Hallo</p>" and result.address == "127.0.0.1"
    assert seen == [f"news.example:{port}"]
