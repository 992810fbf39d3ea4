"""What ingest yields: one :class:`IngestItem` per input, and helpers to build the outcomes."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import FetchError, FetchRefused, FetchTimeout, FetchTooLarge
from ..models import Article, Outcome, OutcomeStatus, SkipReason
from .fetch import UnsupportedContentType


@dataclass(frozen=True)
class IngestItem:
    """One input's outcome; ``article`` is set when ``outcome.status`` is STORED ("ready to store")."""

    outcome: Outcome
    article: Article | None
    raw: bytes | None  # the input as received
    raw_type: str  # "text/plain" | "text/html" | "application/jsonl" | "application/rss+xml" | …


def skipped(
    name: str, reason: SkipReason, detail: str, raw: bytes | None = None, raw_type: str = ""
) -> IngestItem:
    return IngestItem(Outcome(name, OutcomeStatus.SKIPPED, reason.value, detail), None, raw, raw_type)


def failed(name: str, reason: str, detail: str, raw: bytes | None = None, raw_type: str = "") -> IngestItem:
    return IngestItem(Outcome(name, OutcomeStatus.FAILED, reason, detail), None, raw, raw_type)


_FETCH_REASONS = (
    (FetchTimeout, "fetch-timeout"),
    (FetchTooLarge, "fetch-too-large"),
    (FetchRefused, "fetch-refused"),
)


def fetch_failure(name: str, error: FetchError) -> IngestItem:
    if isinstance(error, UnsupportedContentType):
        return skipped(name, SkipReason.UNSUPPORTED_TYPE, str(error))
    reason = next((label for kind, label in _FETCH_REASONS if isinstance(error, kind)), "fetch-failed")
    return failed(name, reason, str(error))
