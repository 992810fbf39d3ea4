"""An HTTP fetcher that cannot be pointed at the machine it runs on (SSRF guard).

For every hop (the first URL and each redirect, followed by hand) the host is resolved and every
address it resolves to must be globally routable: loopback, private, link-local (cloud metadata
169.254.169.254), multicast, reserved, unspecified and shared addresses are refused, also when
written as IPv4-mapped/-compatible IPv6 or as an IP literal, and ``localhost`` is refused by name.

The connection is then *pinned* to the vetted address: the request goes to that IP while the
``Host`` header and the TLS SNI/certificate check keep the original host name (httpcore's
``sni_hostname`` extension). A DNS answer that changes between check and connect (DNS rebinding)
therefore cannot redirect the connection. ``settings.allow_private_urls`` switches the guard and the
pinning off (for tests against a server on loopback).

Caps: total time (``fetch_timeout``, across all hops and the body), body size (``max_input_bytes``,
streamed, never read whole), content type (HTML, XML feeds, plain text, JSON). Every refusal raises
a :mod:`quellenlage.errors` error naming the URL, the address and the reason.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self

import httpx

from ..errors import FetchError, FetchRefused, FetchTimeout, FetchTooLarge
from ..settings import Settings

ALLOWED_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+json",
        "application/json",
        "application/x-ndjson",
        "application/jsonl",
    }
)
_REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 65536


class UnsupportedContentType(FetchRefused):
    """The server answered with a content type we do not ingest (an image, a PDF, …)."""


@dataclass(frozen=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    content_type: str  # media type without parameters, lowercase; "" when the server sent none
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    address: str | None = None  # the vetted IP the body came from (None with allow_private_urls)


def default_resolve(host: str) -> list[str]:
    """All addresses ``host`` resolves to (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def forbidden_reason(address: str) -> str | None:
    """Why ``address`` must not be fetched from, or None when it is a public unicast address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return f"'{address}' is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip.packed[:12] == bytes(12) and int(ip) > 1:
            embedded = ipaddress.IPv4Address(ip.packed[12:])  # IPv4-compatible ::a.b.c.d
        if embedded is not None:
            inner = forbidden_reason(str(embedded))
            return f"{inner} (embedded in IPv6 {ip})" if inner else None
    for reason, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
    ):
        if flag:
            return f"{reason} address"
    if not ip.is_global:
        return "address not globally routable"
    return None


class Fetcher:
    """Fetch one URL at a time under the SSRF guard and the configured caps."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx.BaseTransport | None = None,
        resolve: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.settings = settings
        self.resolve = resolve or default_resolve
        self._client = httpx.Client(
            transport=transport or httpx.HTTPTransport(retries=0),
            follow_redirects=False,
            trust_env=False,  # an environment proxy would bypass the pinning
            timeout=settings.fetch_timeout,
            headers={"User-Agent": settings.user_agent},
        )

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def fetch(self, url: str) -> FetchResult:
        deadline = time.monotonic() + self.settings.fetch_timeout
        current = self._parse(url, url)
        for _hop in range(self.settings.fetch_max_redirects + 1):
            address = self._vet(current, url)
            response = self._send(current, address, url, deadline)
            try:
                if response.status_code in _REDIRECT_CODES and "location" in response.headers:
                    current = self._parse(str(current.join(response.headers["location"])), url)
                    continue
                return self._read(response, url, current, address, deadline)
            finally:
                response.close()
        raise FetchError(
            f"too many redirects fetching {url} (more than {self.settings.fetch_max_redirects}); "
            f"open it in a browser to find the final address and ingest that",
            url=url,
        )

    # -- one hop -----------------------------------------------------------------------------

    @staticmethod
    def _parse(raw: str, original: str) -> httpx.URL:
        try:
            parsed = httpx.URL(raw)
        except (httpx.InvalidURL, TypeError) as exc:
            raise FetchRefused(f"cannot fetch {raw!r}: invalid URL ({exc})", url=original) from None
        if parsed.scheme not in ("http", "https"):
            raise FetchRefused(
                f"refused to fetch {raw}: only http and https URLs are fetched, not '{parsed.scheme}'",
                url=original,
            )
        if not parsed.host:
            raise FetchRefused(f"refused to fetch {raw}: the URL has no host", url=original)
        return parsed

    def _vet(self, url: httpx.URL, original: str) -> str | None:
        """The address to connect to, after checking every address the host resolves to."""
        if self.settings.allow_private_urls:
            return None
        host = url.host
        where = str(url) if str(url) == original else f"{url} (redirected from {original})"
        hint = "set allow_private_urls only for tests on loopback"
        if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
            raise FetchRefused(f"refused to fetch {where}: host '{host}' is local; {hint}", url=original)
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = self.resolve(host)
            except (OSError, UnicodeError) as exc:
                raise FetchError(
                    f"cannot resolve host '{host}' of {url}: {exc}; check the URL", url=original
                ) from None
        if not addresses:
            raise FetchError(f"host '{host}' of {url} resolves to no address; check the URL", url=original)
        for address in addresses:
            reason = forbidden_reason(address)
            if reason:
                target = (
                    f"{address} is"
                    if host.strip("[]") == address
                    else f"host '{host}' resolves to {address},"
                )
                raise FetchRefused(
                    f"refused to fetch {where}: {target} a {reason}; only public addresses are fetched ({hint})",
                    url=original,
                )
        return addresses[0]

    def _send(self, url: httpx.URL, address: str | None, original: str, deadline: float) -> httpx.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._timeout(original)
        headers = {}
        extensions: dict[str, object] = {"timeout": httpx.Timeout(remaining).as_dict()}
        target = url
        if address is not None:
            target = url.copy_with(host=address)  # pinned: connect to the vetted address
            headers["Host"] = url.netloc.decode("ascii")
            extensions["sni_hostname"] = url.host
        request = self._client.build_request("GET", target, headers=headers, extensions=extensions)
        try:
            return self._client.send(request, stream=True)
        except httpx.TimeoutException:
            raise self._timeout(original) from None
        except httpx.HTTPError as exc:
            where = f" at {address}" if address else ""
            raise FetchError(
                f"cannot fetch {url}{where}: {exc.__class__.__name__}: {exc}", url=original
            ) from None

    def _read(
        self, response: httpx.Response, original: str, url: httpx.URL, address: str | None, deadline: float
    ) -> FetchResult:
        where = f" ({address})" if address else ""
        if response.status_code >= 400 or response.status_code in _REDIRECT_CODES:
            raise FetchError(
                f"{url}{where} answered HTTP {response.status_code}; check the URL", url=original
            )
        content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if content_type and content_type not in ALLOWED_CONTENT_TYPES:
            raise UnsupportedContentType(
                f"refused {url}{where}: content type '{content_type}' is not ingested "
                f"(only HTML, RSS/Atom/XML, plain text and JSON)",
                url=original,
            )
        cap = self.settings.max_input_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise self._too_large(original, url, where, f"declares {int(declared):,} bytes")
        body = bytearray()
        try:
            for chunk in response.iter_bytes(_CHUNK):
                body += chunk
                if len(body) > cap:
                    raise self._too_large(original, url, where, f"sent more than {cap:,} bytes")
                if time.monotonic() > deadline:
                    raise self._timeout(original)
        except httpx.TimeoutException:
            raise self._timeout(original) from None
        except httpx.HTTPError as exc:
            raise FetchError(
                f"reading {url}{where} failed: {exc.__class__.__name__}: {exc}", url=original
            ) from None
        return FetchResult(
            url=original,
            final_url=str(url),
            status=response.status_code,
            content_type=content_type,
            body=bytes(body),
            headers={key.lower(): value for key, value in response.headers.items()},
            address=address,
        )

    def _timeout(self, original: str) -> FetchTimeout:
        return FetchTimeout(
            f"fetching {original} took longer than {self.settings.fetch_timeout:g} s; "
            f"try again later or raise fetch_timeout",
            url=original,
        )

    def _too_large(self, original: str, url: httpx.URL, where: str, what: str) -> FetchTooLarge:
        return FetchTooLarge(
            f"refused {url}{where}: the body {what}, over max_input_bytes={self.settings.max_input_bytes:,}; "
            f"raise max_input_bytes if this page is really wanted",
            url=original,
        )
