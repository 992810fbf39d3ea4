"""Numbers in German text: value, qualifier, unit, kind, and the span they were read from.

Per sentence, a number is a digit token with German separators (``55.000``, ``1.200.000``, ``3,5``),
a spelled-out cardinal (``zwölf``, ``dreihundert``), ``ein/eine`` before a scale word
(``eine Million``), or a vague quantity (``Tausende`` → value None, ``low`` 2000). A following scale
word multiplies (``1,2 Millionen``, ``2,3 Mrd.``); a preceding qualifier (``mehr als``, ``über``,
``rund`` …) is recorded. The span covers qualifier, number, scale, and a percent or currency unit
(``über 1.200.000``, ``2,3 Mrd. Euro``); a counted noun after the number becomes ``unit`` but stays
outside the span (``55.000 Soldaten`` → unit ``Soldaten``).

Kinds: cardinal, percent, money, year (four digits 1000–2100 after ``im``, ``seit``, a month … or not
followed by a counted noun), ordinal (``der 3. Platz``), vague. Dates are left to
:mod:`quellenlage.nlp.dates`: ``08.01.2026``, ``2026-01-08`` and the day in ``8. Januar`` are not
numbers here; the year of ``Februar 2022`` is reported as a year.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..models import Article, NumberMention, Sentence, Span, Token
from .tokens import data_lines, data_table

_GROUPED = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_PLAIN = re.compile(r"^\d+(?:,\d+)?$")
_DECIMAL_DOT = re.compile(r"^\d+\.\d{1,2}$")  # "3.5" (English decimal) — "3.500" is grouped
_ORDINAL = re.compile(r"^\d{1,3}\.$")
_DATE_LIKE = re.compile(r"^\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})?$|^\d{1,2}:\d{2}$")
_DATE_CHARS = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{2,4}\b|\d{1,2}:\d{2}")
_ARTICLE_ONE = {"ein", "eine", "einer", "einem", "einen", "eines"}
_NOT_NUMBERS = {"und", "sieb", "sech"}  # morphemes that are words of their own
_YEAR_MIN, _YEAR_MAX = 1000, 2100
# Tokens that follow a number but are not what it counts.
_NOT_UNITS = {"und", "oder", "bis", "von", "aus", "der", "die", "das", "den", "dem", "des", "in", "im"}


@lru_cache(maxsize=1)
def _number_word() -> re.Pattern[str]:
    morphemes = sorted(data_lines("number_words.txt"), key=len, reverse=True)
    return re.compile(rf"^(?:{'|'.join(map(re.escape, morphemes))})+$")


@lru_cache(maxsize=1)
def _qualifiers() -> tuple[tuple[str, ...], ...]:
    rows = [tuple(q.split()) for q in data_lines("number_qualifiers.txt")]
    return tuple(sorted(rows, key=len, reverse=True))


def _parse_digits(text: str) -> float | None:
    if _GROUPED.match(text):
        return float(text.replace(".", "").replace(",", "."))
    if _PLAIN.match(text):
        return float(text.replace(",", "."))
    if _DECIMAL_DOT.match(text):
        return float(text)
    return None


def spelled_number(text: str, sentence_initial: bool) -> float | None:
    """A spelled-out cardinal; capitalised only at a sentence start ("die Elf", "außer Acht")."""
    lowered = text.lower()
    if lowered in _ARTICLE_ONE or lowered in _NOT_NUMBERS:
        return None
    if not (text[:1].islower() or sentence_initial) or not _number_word().match(lowered):
        return None
    from text_to_num import text2num  # type: ignore[import-untyped]

    try:
        return float(text2num(lowered, "de"))
    except ValueError:
        return None


def _is_month(text: str) -> bool:
    return text.lower() in data_table("months.tsv")


def _qualifier_before(tokens: tuple[Token, ...], i: int) -> tuple[str | None, int]:
    words = [t.text.lower() for t in tokens[:i]]
    for q in _qualifiers():
        if len(q) <= len(words) and tuple(words[len(words) - len(q) :]) == q:
            return " ".join(q), i - len(q)
    return None, i


def _noun_unit(tokens: tuple[Token, ...], j: int) -> str | None:
    """The counted noun after a number, skipping up to two lowercase adjectives."""
    for k in range(j, min(j + 3, len(tokens))):
        text = tokens[k].text
        if text[:1].isupper() and text.replace("-", "").isalpha() and not _is_month(text):
            return text
        if not (text[:1].islower() and text.isalpha() and text.endswith(("e", "en", "er", "es", "em"))):
            return None
        if text in _NOT_UNITS:
            return None
    return None


def _is_year(tokens: tuple[Token, ...], i: int, value: float) -> bool:
    text = tokens[i].text
    if not (len(text) == 4 and text.isdigit() and _YEAR_MIN <= value <= _YEAR_MAX):
        return False
    prev = tokens[i - 1].text.lower() if i > 0 else ""
    if prev in data_lines("year_predecessors.txt") or _is_month(prev):
        return True
    if _qualifier_before(tokens, i)[0] is not None:
        return False  # "rund 2000 …" is a count
    nxt = tokens[i + 1].text if i + 1 < len(tokens) else ""
    counted = nxt[:1].isupper() and nxt.replace("-", "").isalpha()  # "2000 Krankenhaus-Beschäftigte"
    return not counted and nxt.lower() not in data_lines("percent_units.txt")


def _in_date(tokens: tuple[Token, ...], i: int) -> bool:
    """``8.`` in ``am 8. Januar`` or ``vom 8. bis 9. März``."""
    return any(_is_month(t.text) for t in tokens[i + 1 : i + 4])


def _numbers_in(article_id: str, text: str, tokens: tuple[Token, ...]) -> list[NumberMention]:
    found: list[NumberMention] = []
    scales = data_table("number_scales.tsv")
    vague = data_table("vague_quantities.tsv")
    currencies = data_table("currencies.tsv")
    percents = data_lines("percent_units.txt")
    if not tokens:
        return found
    inside_dates = [(m.start(), m.end()) for m in _DATE_CHARS.finditer(text, tokens[0].start, tokens[-1].end)]
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.text
        lowered = word.lower()
        if not (
            word[:1].isdigit() or lowered in vague or lowered in _ARTICLE_ONE or _number_word().match(lowered)
        ):
            i += 1
            continue
        if any(s <= tok.start < e for s, e in inside_dates):
            i += 1
            continue
        kind, value, low = "cardinal", _parse_digits(word), None
        if value is None and _ORDINAL.match(word) and not _in_date(tokens, i):
            value, kind = float(word[:-1]), "ordinal"
        if value is None:
            value = spelled_number(word, i == 0 or tokens[i - 1].text in '„"»(')
        nxt = tokens[i + 1].text.lower() if i + 1 < len(tokens) else ""
        if value is None and word.lower() in _ARTICLE_ONE and nxt in scales and nxt not in {"mio", "mrd"}:
            value = 1.0
        if value is None and word.lower() in vague and not (i > 0 and _parse_digits(tokens[i - 1].text)):
            kind, low = "vague", float(vague[word.lower()])
        if value is None and kind != "vague" or _DATE_LIKE.match(word):
            i += 1
            continue
        end = i + 1
        if (
            value is not None
            and kind == "cardinal"
            and end < len(tokens)
            and tokens[end].text.lower() in scales
        ):
            value *= float(scales[tokens[end].text.lower()])
            end += 1
        unit = None
        following = tokens[end].text if end < len(tokens) else ""
        if kind != "ordinal" and following.lower() in percents:
            kind, unit, end = "percent", "%", end + 1
        elif kind != "ordinal" and following.lower() in currencies:
            kind, unit, end = "money", currencies[following.lower()], end + 1
        elif i > 0 and tokens[i - 1].text.lower() in currencies and kind == "cardinal":
            kind, unit = "money", currencies[tokens[i - 1].text.lower()]
        elif kind in {"cardinal", "vague"} and value is not None and _is_year(tokens, i, value):
            kind = "year"
        elif kind in {"cardinal", "vague"}:
            unit = _noun_unit(tokens, end)
        qualifier, first = _qualifier_before(tokens, i) if kind != "year" else (None, i)
        if kind == "money" and unit and first == i and i > 0 and tokens[i - 1].text.lower() in currencies:
            first = i - 1
        start_char, end_char = tokens[first].start, tokens[end - 1].end
        found.append(
            NumberMention(
                span=Span(article_id, start_char, end_char),
                raw=text[start_char:end_char],
                value=value,
                qualifier=qualifier,
                unit=unit,
                kind=kind,
                low=low,
            )
        )
        i = end
    return found


def find_numbers(article: Article, sentences: tuple[Sentence, ...]) -> tuple[NumberMention, ...]:
    """Every number mention in the sentences of ``article``, in text order."""
    found: list[NumberMention] = []
    for sentence in sentences:
        found.extend(_numbers_in(article.id, article.text, sentence.tokens))
    return tuple(found)
