"""Security for the web app: headers, request size limit, API token, rate limit, one error shape.

Every error the API returns has one shape (enforced by ``tests/web/test_api.py``)::

    {"error": {"status": 404, "code": "not_found", "message": "…what happened and what to do…"}}
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}

ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    502: "upstream_failed",
}


def error_body(status: int, message: str, code: str | None = None) -> dict[str, Any]:
    return {"error": {"status": status, "code": code or ERROR_CODES.get(status, "error"), "message": message}}


class HTTPProblem(Exception):
    """Raised by handlers; rendered as the JSON error shape (API) or the error page (HTML)."""

    def __init__(self, status: int, message: str, code: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or ERROR_CODES.get(status, "error")
        self.headers = headers or {}


class SecurityMiddleware:
    """Adds security headers to every response and refuses request bodies over ``max_bytes``.

    The size check looks at Content-Length first and counts streamed bytes too, so a chunked
    upload cannot slip past it.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.decode().lower() not in SECURITY_HEADERS]
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send_with_headers)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge()
            return message

        try:
            await self.app(scope, counting_receive, send_with_headers)
        except _BodyTooLarge:
            await self._too_large(send_with_headers)

    async def _too_large(self, send: Send) -> None:
        import json

        body = json.dumps(
            error_body(413, f"request body larger than {self.max_bytes:,} bytes; send less or raise max_request_bytes")
        ).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(Exception):
    pass


class RateLimiter:
    """At most ``per_minute`` events per client key in any 60-second window (sliding log)."""

    def __init__(self, per_minute: int, clock: Any = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._log: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            log = self._log[key]
            while log and now - log[0] >= 60:
                log.popleft()
            if len(log) >= self.per_minute:
                retry = int(60 - (now - log[0])) + 1
                raise HTTPProblem(
                    429, f"too many analyse requests: at most {self.per_minute} a minute; try again in {retry} s",
                    headers={"retry-after": str(retry)},
                )
            log.append(now)


def check_token(configured: str, presented: str | None) -> None:
    """Writes and fetches need the configured token; with none configured the app is read-only."""
    if not configured:
        raise HTTPProblem(
            403, "this server is read-only: start it with an api_token (QUELLENLAGE_API_TOKEN) to allow analyses"
        )
    if not presented or not hmac.compare_digest(presented.encode(), configured.encode()):
        raise HTTPProblem(401, "missing or wrong API token: send 'Authorization: Bearer <token>' or the form field")


def bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None
