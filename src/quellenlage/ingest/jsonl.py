"""Streaming JSONL bulk files (plain or gzip): one article a line, never the whole file in memory.

Record fields, as in ``shared/data/reliability/fang-covid-train.jsonl.gz``:
``id, url, date, source, label, title, text`` — only ``text`` is required. A ``language`` field
(an ISO 639-1 code such as ``"de"`` or a tag such as ``"de-DE"``) is taken as the article's
language instead of identifying it; a value that is no such code is ignored.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Protocol

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

_CHUNK = 1 << 20


class LineSource(Protocol):
    """A binary stream read line by line (a file, a GzipFile, standard input)."""

    def readline(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Line:
    number: int  # 1-based
    data: bytes | None  # None when the line is longer than the cap (it was skipped, not read)


@dataclass(frozen=True, slots=True)
class Broken:
    """The stream ended in a way that loses data (a truncated or corrupt gzip)."""

    number: int  # the line that could not be read completely
    message: str


@dataclass(frozen=True, slots=True)
class Record:
    text: str
    url: str | None
    published: dt.date | None
    source: str | None
    label: str | None
    title: str | None
    language: str | None = None  # from the record's "language" field, already a valid code


def iter_lines(stream: LineSource, max_line_bytes: int) -> Iterator[Line | Broken]:
    """Non-blank lines of ``stream``; a ``Broken`` last when decompression fails midway."""
    number = 0
    try:
        while True:
            raw = stream.readline(max_line_bytes + 1)
            if not raw:
                return
            number += 1
            if len(raw) > max_line_bytes and not raw.endswith(b"\n"):
                _skip_rest_of_line(stream)
                yield Line(number, None)
                continue
            if raw.strip():
                yield Line(number, raw)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        yield Broken(number + 1, f"{exc.__class__.__name__}: {exc}")


def _skip_rest_of_line(stream: LineSource) -> None:
    while True:
        chunk = stream.readline(_CHUNK)
        if not chunk or chunk.endswith(b"\n"):
            return


class BadRecord(Exception):
    """A JSONL line that is not an article record; the message says what is wrong with it."""


def parse_record(data: bytes) -> Record:
    """One JSONL line → Record; raises :class:`BadRecord` saying what is wrong with the line."""
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise BadRecord(f"not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise BadRecord(f"expected a JSON object, got {type(value).__name__}")
    text = value.get("text")
    if not isinstance(text, str):
        raise BadRecord("field 'text' is missing or not a string")
    return Record(
        text=text,
        url=_string(value, "url"),
        published=_date(value.get("date")),
        source=_string(value, "source"),
        label=_string(value, "label"),
        title=_string(value, "title"),
        language=language_code(value.get("language")),
    )


def _string(value: dict[str, object], key: str) -> str | None:
    item = value.get(key)
    if item is None or item == "":
        return None
    return str(item)


def language_code(raw: object) -> str | None:
    """``"de"``, ``"DE"``, ``"de-DE"``, ``"de_AT"`` → ``"de"``; None for anything else."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


def _date(raw: object) -> dt.date | None:
    """ISO date or timestamp (``2020-11-13T16:31:47+01:00``) → its calendar date as written."""
    if not isinstance(raw, str) or len(raw) < 10:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        return None


class PrefixedStream(io.RawIOBase):
    """A stream whose first bytes were already read for sniffing (standard input)."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head, self._rest = head, rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            count = min(len(view), len(self._head))
            view[:count], self._head = self._head[:count], self._head[count:]
            return count
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)
