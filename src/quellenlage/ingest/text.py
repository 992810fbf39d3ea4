"""Bytes → text: encoding detection, binary detection, header lines of plain-text articles."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from dataclasses import dataclass

# Magic numbers of formats that are certainly not articles we can read.
_BINARY_MAGIC = (
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
    b"%PDF",
    b"PK\x03\x04",  # zip, docx, epub
    b"RIFF",  # webp, wav
    b"\x7fELF",
    b"BZh",
    b"\xfd7zXZ",
    b"OggS",
    b"ID3",
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# cp1252 leaves these five bytes undefined; text containing them is read as latin-1.
_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def bom_encoding(data: bytes) -> str | None:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 text without BOM has a NUL in every other byte (for Latin script)."""
    sample = head[: 4096 - 4096 % 2]
    if len(sample) < 4:
        return None
    even_nul = sample[0::2].count(0) / (len(sample) / 2)
    odd_nul = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nul > 0.7 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.7 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def looks_binary(head: bytes) -> bool:
    """True for images, archives and other files with NUL bytes (UTF-16/32 text excluded)."""
    if bom_encoding(head) or _utf16_without_bom(head):
        return False
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head[:8192]


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode bytes of unknown encoding.

    A BOM wins (UTF-8/16/32), then UTF-16 without BOM, then strict UTF-8 (a non-UTF-8 text almost
    never decodes as UTF-8 by accident), then the ``declared`` charset (HTTP header or HTML meta)
    when Python knows it, then cp1252 (the usual Windows encoding of German text; its 0x80–0x9F
    are typographic quotes and dashes where latin-1 has unused control codes), and latin-1 when
    cp1252 cannot decode the bytes.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if utf16 := _utf16_without_bom(data[:4096]):
        return data.decode(utf16, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = _codec(declared) if declared else None
    if codec and codec not in ("utf-8", "latin-1", "iso8859-1", "ascii", "cp1252"):
        return data.decode(codec, errors="replace")
    if _CP1252_UNDEFINED.isdisjoint(data):
        return data.decode("cp1252")
    return data.decode("latin-1")


def _codec(label: str) -> str | None:
    try:
        return codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def declared_charset(content_type: str | None = None, head: bytes = b"") -> str | None:
    """The charset an HTTP ``Content-Type`` header or an HTML ``<meta>`` declares, if any."""
    if content_type and "charset=" in content_type.lower():
        return content_type.lower().split("charset=", 1)[1].split(";", 1)[0].strip()
    match = _META_CHARSET.search(head[:4096])
    return match.group(1).decode("ascii") if match else None


# ---------------------------------------------------------------------------------------------
# Header lines of plain-text articles
# ---------------------------------------------------------------------------------------------

HEADER_LINES = 5  # only the first non-blank lines can be header lines
_O_AS_ZERO = str.maketrans("oO", "00")
# "date 2026-02-08", "Datum: 08.02.2026", "Date: 2026-02-08 …"; the letter o is tolerated for 0.
_HEADER_DATE = re.compile(
    r"^\s*(?:date|datum|published|veröffentlicht(?:\s+am)?)\s*:?\s+"
    r"(?P<date>[\doO]{4}-[\doO]{1,2}-[\doO]{1,2}|[\doO]{1,2}\.[\doO]{1,2}\.[\doO]{4})(?![\d.])",
    re.IGNORECASE,
)


def parse_numeric_date(raw: str) -> dt.date | None:
    """``2026-02-08`` or ``08.02.2026`` (letters o/O accepted for 0, as in ``07.02.2o26``)."""
    digits = raw.translate(_O_AS_ZERO)
    try:
        if "-" in digits:
            year, month, day = (int(part) for part in digits.split("-"))
        else:
            day, month, year = (int(part) for part in digits.split("."))
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Header:
    published: dt.date | None
    line: str | None  # the header line as written


def find_header(text: str) -> Header:
    """A date header among the first non-blank lines (``date 2026-02-08 Teile die Wahrheit!``)."""
    seen = 0
    for line in text.split("\n", 20)[:20]:
        if not line.strip():
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        match = _HEADER_DATE.match(line)
        if match and len(line) <= 200:
            published = parse_numeric_date(match["date"])
            if published:
                return Header(published, line)
    return Header(None, None)
