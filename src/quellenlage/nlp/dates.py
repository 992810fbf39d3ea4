"""Date mentions in German text, resolved against a reference date (usually ``Article.published``).

A rule-based recogniser over the tokens of each sentence, driven by the month, weekday and
relative-word lexicons in ``data/nlp/``. It never looks at words that are not in those lexicons,
so ``die``, ``mit`` or ``um`` cannot become weekdays, and a month name needs a day, a year or a
preposition (``im Mai``) — ``Thomas Mai`` and ``Mai Thi Nguyen-Kim`` are not dates.

Kinds and precision:

- absolute: ``8. Januar 2026``, ``08.01.2026``, ``2026-01-08`` (day), ``Januar 2026`` (month),
  ``im Jahr 2022`` / ``seit 2022`` (year; a bare ``2022`` is a number, not a date),
- partial: ``am 8. Januar``, ``20.07.`` (year from the reference; if that lands more than
  ``PARTIAL_FUTURE_DAYS`` after it, the previous year, marked ambiguous), ``im Januar`` (month),
- weekday: ``am Donnerstag`` → the most recent such day on or before the reference,
  ``nächsten Donnerstag`` → the next one after it,
- relative: ``im Vorjahr`` (year), ``gestern``, ``vorgestern``, ``vor zwei Tagen`` (day), ``vergangene Woche`` (precision
  ``week``, value the Monday of that week), ``vergangenen Monat`` (month), ``letztes Jahr`` (year).
  ``heute`` is always ``ambiguous`` (it is often generic) and skipped after ``bis``/``von``.

Without a reference date, partial, weekday and relative mentions keep ``value=None`` (and their
``weekday``); :func:`resolve_dates` fills them in once a reference is known.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from ..models import Article, DateMention, Sentence, Span, Token
from .numbers import spelled_number
from .tokens import data_lines, data_table, tokenize

# A partial date ("am 8. Januar") this many days after the reference is taken as last year's.
# News mentions upcoming dates weeks ahead; 60 days keeps those in the current year.
PARTIAL_FUTURE_DAYS = 60

_NUMERIC = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})\.(\d{1,2})\.$")  # "20.07." without a year
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_ORDINAL = re.compile(r"^(\d{1,2})\.$")
_YEAR = re.compile(r"^(1\d{3}|20\d{2}|2100)$")
_SINGULAR_PERIODS = {"woche", "monat", "monats", "jahr", "jahres"}
_WEEKDAY_PARTS = ("abend", "morgen", "nachmittag", "vormittag", "mittag", "nacht", "früh")


@dataclass(frozen=True)
class _Match:
    first: int  # token indices, inclusive
    last: int
    kind: str
    precision: str
    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None
    offset: int = 0  # relative: periods from the reference (negative = past)
    unit: str = "day"  # relative: day | week | month | year
    ambiguous: bool = False


@lru_cache(maxsize=1)
def _months() -> dict[str, int]:
    return {k: int(v) for k, v in data_table("months.tsv").items()}


@lru_cache(maxsize=1)
def _weekday_pattern() -> re.Pattern[str]:
    names = "|".join(data_table("weekdays.tsv"))
    return re.compile(rf"^({names})(?:{'|'.join(_WEEKDAY_PARTS)})?$")


def _weekday(text: str) -> int | None:
    if not text[:1].isupper():
        return None
    match = _weekday_pattern().match(text.lower())
    return int(data_table("weekdays.tsv")[match.group(1)]) if match else None


@lru_cache(maxsize=1)
def _period_nouns() -> dict[str, tuple[int, str]]:
    rows = (value.split("\t") for value in data_table("date_nouns.tsv").values())
    return {k: (int(o), u) for k, (o, u) in zip(data_table("date_nouns.tsv"), rows, strict=True)}


@lru_cache(maxsize=1)
def _anchors() -> frozenset[str]:
    """Lower-cased words that can anchor a date expression (besides digits and weekdays)."""
    words = {*_months(), *data_table("date_words.tsv"), *data_table("date_modifiers.tsv"), *_period_nouns()}
    return frozenset({*words, "vor"})


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text.lower() in {"ein", "einem", "einer", "einen"}:
        return 1
    value = spelled_number(text, False)
    return int(value) if value is not None else None


def _year(text: str) -> int | None:
    return int(text) if _YEAR.match(text) else None


def _match_at(words: list[str], low: list[str], i: int) -> _Match | None:
    """The date expression anchored at token ``i`` (month, day, weekday, relative word …), if any."""
    months = _months()
    n = len(words)

    def at(k: int) -> str:
        return low[k] if 0 <= k < n else ""

    def lead(k: int) -> int:  # include "am 8. Januar", "im Februar 2022"
        return k - 1 if at(k - 1) in {"am", "im"} else k

    if (
        (m := _DAY_MONTH.match(words[i]))
        and 1 <= int(m.group(2)) <= 12
        and at(i - 1) not in {"nr.", "s.", "§"}
    ):
        return _Match(lead(i), i, "partial", "day", None, int(m.group(2)), int(m.group(1)))
    if low[i] in _period_nouns():
        offset, unit = _period_nouns()[low[i]]
        first = i - 1 if at(i - 1) in {"im", "am", "des"} else i
        return _Match(first, i, "relative", unit, offset=offset, unit=unit)
    if m := _NUMERIC.match(words[i]):
        full_year = int(m.group(3)) + (2000 if len(m.group(3)) == 2 else 0)
        return _Match(lead(i), i, "absolute", "day", full_year, int(m.group(2)), int(m.group(1)))
    if (m := _ORDINAL.match(words[i])) and at(i + 1) in months:
        day_year = _year(words[i + 2]) if i + 2 < n else None
        last = i + 2 if day_year else i + 1
        kind = "absolute" if day_year else "partial"
        return _Match(lead(i), last, kind, "day", day_year, months[at(i + 1)], int(m.group(1)))
    if low[i] in months and words[i][:1].isupper():
        month_year = _year(words[i + 1]) if i + 1 < n else None
        if month_year:
            return _Match(lead(i), i + 1, "absolute", "month", month_year, months[low[i]])
        if at(i - 1) in data_lines("date_prepositions.txt"):
            return _Match(i - 1, i, "partial", "month", None, months[low[i]])
        return None
    counted = i + 1 < n and words[i + 1][:1].isupper() and words[i + 1].replace("-", "").isalpha()
    if (year := _year(words[i])) and at(i - 1) in data_lines("date_prepositions.txt") and not counted:
        first = i - 2 if at(i - 1) == "jahr" and at(i - 2) == "im" else i - 1
        return _Match(first, i, "absolute", "year", year)
    if (weekday := _weekday(words[i])) is not None:
        offset = int(data_table("date_modifiers.tsv").get(at(i - 1), -1))
        first = i - 1 if at(i - 1) in data_table("date_modifiers.tsv") else i
        first = first - 1 if at(first - 1) in {"am", "vom", "an"} else first
        direction = 1 if offset > 0 else -1
        k = i + 1 + (at(i + 1) == ",")
        k += at(k) == "den"
        dated = _match_at(words, low, k) if k < n and words[k][:1].isdigit() else None
        if dated is not None and dated.precision == "day":  # "Donnerstag, 8. Januar": one mention
            return replace(dated, first=first, weekday=weekday)
        return _Match(first, i, "weekday", "day", weekday=weekday, offset=direction)
    if (
        low[i] in data_table("date_words.tsv")
        and words[i][:1].islower()
        or (i == 0 and low[i] in {"gestern", "vorgestern", "heute"})
    ):
        if low[i] == "heute" and at(i - 1) in data_lines("date_skip_before_heute.txt"):
            return None
        if low[i] == "heute" and (at(i + 1) == "noch" or _in_infinitive_clause(low, i)):
            return None
        if low[i] == "morgen" and at(i - 1) in {"heute", "gestern"}:
            return None  # "heute morgen" is this morning: the "heute" match covers it
        last = i + 1 if at(i + 1) in {"morgen", "abend", "nachmittag", "früh", "vormittag", "nacht"} else i
        offset = int(data_table("date_words.tsv")[low[i]])
        return _Match(i, last, "relative", "day", offset=offset, ambiguous=low[i] == "heute")
    units = data_table("date_units.tsv")
    if low[i] == "vor" and i + 2 < n and at(i + 2) in units and (count := _count(words[i + 1])):
        unit = units[at(i + 2)]
        return _Match(i, i + 2, "relative", _precision(unit), offset=-count, unit=unit)
    modifiers = data_table("date_modifiers.tsv")
    if low[i] in modifiers and at(i + 1) in _SINGULAR_PERIODS:  # "in den letzten Jahren" is a span
        unit = units[at(i + 1)]
        first = i - 1 if at(i - 1) in {"im", "am"} else i
        first = i - 2 if at(i - 1) == "der" and at(i - 2) == "in" else first
        return _Match(first, i + 1, "relative", _precision(unit), offset=int(modifiers[low[i]]), unit=unit)
    return None


def _in_infinitive_clause(low: list[str], i: int) -> bool:
    """``heute`` in a ``zu``-infinitive ("die Gefahr, heute einen Krieg zu entfachen") is generic."""
    for k in range(i + 1, len(low) - 1):
        if low[k] in {",", ".", ";", "!", "?", ":"}:
            return False
        if low[k] == "zu" and low[k + 1].isalpha() and low[k + 1].endswith("n"):
            return k + 2 >= len(low) or low[k + 2] in {",", ".", ";", "!", "?"}
    return False


def _precision(unit: str) -> str:
    return "week" if unit == "week" else unit


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def _resolve(match: _Match, reference: dt.date | None) -> tuple[dt.date | None, bool, str] | None:
    """(value, ambiguous, note), or None when the match is not a valid calendar date."""
    try:
        if match.kind == "absolute":
            return dt.date(match.year or 1, match.month or 1, match.day or 1), False, ""
        if reference is None:
            return None, match.ambiguous, "no reference date"
        if match.kind == "partial":
            value = dt.date(reference.year, match.month or 1, match.day or 1)
            named = match.weekday
            if named is not None and value.weekday() != named:
                previous = value.replace(year=reference.year - 1)
                if previous.weekday() == named:  # the named weekday decides the year
                    return previous, False, f"year {previous.year} from the weekday"
            if (value - reference).days > PARTIAL_FUTURE_DAYS:
                value = value.replace(year=reference.year - 1)
                return value, True, f"year taken as {value.year}, the year before {reference}"
            return value, False, f"year from {reference}"
    except ValueError:
        return None
    if match.kind == "weekday":
        assert match.weekday is not None
        if match.offset < 0:
            value = reference - dt.timedelta(days=(reference.weekday() - match.weekday) % 7)
            return value, False, f"weekday on or before {reference}"
        value = reference + dt.timedelta(days=(match.weekday - reference.weekday()) % 7 or 7)
        return value, False, f"weekday after {reference}"
    if match.unit == "day":
        return (
            reference + dt.timedelta(days=match.offset),
            match.ambiguous,
            f"{match.offset:+d} days from {reference}",
        )
    if match.unit == "week":
        value = _monday(reference + dt.timedelta(weeks=match.offset))
        return value, False, f"week starting {value}, {match.offset:+d} weeks from {reference}"
    if match.unit == "month":
        return _add_months(reference, match.offset), False, f"{match.offset:+d} months from {reference}"
    return dt.date(reference.year + match.offset, 1, 1), False, f"{match.offset:+d} years from {reference}"


def _mention(article_id: str, text: str, tokens, match: _Match, reference) -> DateMention | None:  # type: ignore[no-untyped-def]
    resolved = _resolve(match, reference)
    if resolved is None:
        return None
    value, ambiguous, note = resolved
    start, end = tokens[match.first].start, tokens[match.last].end
    weekday = match.weekday
    return DateMention(
        span=Span(article_id, start, end),
        raw=text[start:end],
        kind=match.kind,
        value=value,
        precision=match.precision,
        weekday=weekday,
        ambiguous=ambiguous,
        note=note,
    )


def _dates_in(article_id: str, text: str, tokens: tuple[Token, ...], reference) -> list[DateMention]:  # type: ignore[no-untyped-def]
    found: list[DateMention] = []
    if not tokens:
        return found
    for m in _ISO.finditer(text, tokens[0].start, tokens[-1].end):
        try:
            value = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
        found.append(DateMention(Span(article_id, m.start(), m.end()), m.group(0), "absolute", value, "day"))
    words = [t.text for t in tokens]
    low = [w.lower() for w in words]
    i = 0
    while i < len(tokens):
        anchor = low[i][:1].isdigit() or low[i] in _anchors() or _weekday(words[i]) is not None
        match = _match_at(words, low, i) if anchor else None
        if match is not None and (mention := _mention(article_id, text, tokens, match, reference)):
            found.append(mention)
            i = match.last + 1
        else:
            i += 1
    return sorted(found, key=lambda d: d.span.start)


def find_dates(
    article: Article, sentences: tuple[Sentence, ...], reference: dt.date | None = None
) -> tuple[DateMention, ...]:
    """Date mentions in ``article``; ``reference`` defaults to ``article.published``."""
    reference = reference or article.published
    found: list[DateMention] = []
    for sentence in sentences:
        found.extend(_dates_in(article.id, article.text, sentence.tokens, reference))
    return tuple(found)


def resolve_dates(dates: tuple[DateMention, ...], reference: dt.date) -> tuple[DateMention, ...]:
    """Re-resolve partial, weekday and relative mentions against ``reference`` (absolute ones stay)."""
    out = []
    for mention in dates:
        if mention.kind == "absolute":
            out.append(mention)
            continue
        words = [t.text for t in tokenize(mention.raw)]
        low = [w.lower() for w in words]
        match = next((m for k in range(len(words)) if (m := _match_at(words, low, k))), None)
        resolved = _resolve(match, reference) if match else None
        if resolved is None:
            out.append(mention)
            continue
        value, ambiguous, note = resolved
        out.append(replace(mention, value=value, ambiguous=ambiguous, note=note))
    return tuple(out)
