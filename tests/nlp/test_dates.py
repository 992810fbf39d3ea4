"""Dates: absolute, partial, weekday and relative mentions, resolved against a reference date."""

from __future__ import annotations

import datetime as dt

import pytest

from quellenlage.models import Article, DateMention
from quellenlage.nlp.dates import find_dates, resolve_dates
from quellenlage.nlp.sections import segment

FRIDAY = dt.date(2026, 1, 9)


def _dates(text: str, reference: dt.date | None = FRIDAY) -> tuple[DateMention, ...]:
    article = Article(id="d", text=text)
    _, sentences = segment(article)
    found = find_dates(article, sentences, reference)
    for mention in found:
        assert mention.span.text(text) == mention.raw
    return found


@pytest.mark.parametrize(
    ("text", "raw", "kind", "value", "precision"),
    [
        ("Sie kam am 8. Januar 2026 an.", "am 8. Januar 2026", "absolute", dt.date(2026, 1, 8), "day"),
        ("Sie kam am 08.01.2026 an.", "am 08.01.2026", "absolute", dt.date(2026, 1, 8), "day"),
        ("Sie kam am 2026-01-08 an.", "2026-01-08", "absolute", dt.date(2026, 1, 8), "day"),
        ("Sie kam im Januar 2026 an.", "im Januar 2026", "absolute", dt.date(2026, 1, 1), "month"),
        ("Der Krieg begann im Februar 2022.", "im Februar 2022", "absolute", dt.date(2022, 2, 1), "month"),
        ("Seit 2022 warnt Moskau.", "Seit 2022", "absolute", dt.date(2022, 1, 1), "year"),
        ("Das geschah im Jahr 2014.", "im Jahr 2014", "absolute", dt.date(2014, 1, 1), "year"),
        ("Sie kam am 8. Januar an.", "am 8. Januar", "partial", dt.date(2026, 1, 8), "day"),
        ("Er reist im Januar.", "im Januar", "partial", dt.date(2026, 1, 1), "month"),
        ("Sie kam am Donnerstag in Moskau an.", "am Donnerstag", "weekday", dt.date(2026, 1, 8), "day"),
        ("Sie sprach am Dienstagabend.", "am Dienstagabend", "weekday", dt.date(2026, 1, 6), "day"),
        ("Er kommt am Freitag.", "am Freitag", "weekday", dt.date(2026, 1, 9), "day"),
        ("Er kommt nächsten Montag.", "nächsten Montag", "weekday", dt.date(2026, 1, 12), "day"),
        ("Sie sagte gestern in Kiew.", "gestern", "relative", dt.date(2026, 1, 8), "day"),
        ("Sie sagte vorgestern in Kiew.", "vorgestern", "relative", dt.date(2026, 1, 7), "day"),
        ("Er kam vor zwei Tagen an.", "vor zwei Tagen", "relative", dt.date(2026, 1, 7), "day"),
        ("Er kam vor 3 Tagen an.", "vor 3 Tagen", "relative", dt.date(2026, 1, 6), "day"),
        ("Er war vergangene Woche dort.", "vergangene Woche", "relative", dt.date(2025, 12, 29), "week"),
        (
            "Er war in der vergangenen Woche dort.",
            "in der vergangenen Woche",
            "relative",
            dt.date(2025, 12, 29),
            "week",
        ),
        ("Er war vergangenen Monat dort.", "vergangenen Monat", "relative", dt.date(2025, 12, 1), "month"),
        ("Er war im vergangenen Jahr dort.", "im vergangenen Jahr", "relative", dt.date(2025, 1, 1), "year"),
    ],
)
def test_date_kinds_values_precision(text: str, raw: str, kind: str, value: dt.date, precision: str) -> None:
    (mention,) = _dates(text)
    assert (mention.raw, mention.kind, mention.value, mention.precision) == (raw, kind, value, precision)


def test_partial_date_far_after_reference_is_last_year_and_ambiguous() -> None:
    (mention,) = _dates("Sie kam am 20. Dezember an.")
    assert mention.value == dt.date(2025, 12, 20)
    assert mention.ambiguous


def test_partial_date_resolves_against_publication_date() -> None:
    article = Article(id="d", text="Sacharowa sprach am 8. Januar.", published=dt.date(2026, 2, 8))
    _, sentences = segment(article)
    (mention,) = find_dates(article, sentences)
    assert mention.value == dt.date(2026, 1, 8)
    assert not mention.ambiguous


def test_heute_is_marked_ambiguous() -> None:
    (mention,) = _dates("Er sagte heute in Berlin, er bleibe.")
    assert mention.value == FRIDAY
    assert mention.ambiguous


@pytest.mark.parametrize(
    "text",
    [
        "Die Frau ging mit dem Hund um die Ecke.",
        "Mai Thi Nguyen-Kim erklärt die Welt.",  # a month name as a first name
        "Der Trainer Thomas Mai lobte die Mannschaft.",  # … and as a surname
        "Das ist die Welt von heute.",
        "Das gilt bis heute.",
        "Es besteht die Gefahr, heute einen größeren Krieg zu entfachen.",  # generic infinitive
        "Der Waffenstillstand von 1953 hielt.",  # a bare year is a number, not a date
        "Es waren 2022 Soldaten.",
        "Quellen: naturalnews.com am 07.02.2o26",  # not a valid date string
        "Er kam am 31.02.2026 an.",  # no such day
        "Guten Morgen, sagte sie.",
        "Er kommt dienstags.",
    ],
)
def test_no_date_found(text: str) -> None:
    assert _dates(text) == ()


def test_weekday_without_reference_keeps_weekday_and_no_value() -> None:
    (mention,) = _dates("Selenskyj erklärte am Mittwoch, er habe keine Antwort.", reference=None)
    assert (mention.kind, mention.value, mention.weekday) == ("weekday", None, 2)


def test_resolve_dates_fills_in_weekdays_and_relative_mentions() -> None:
    found = _dates("Am Dienstag kam er, am Mittwoch sie. Gestern ging er. Im Februar 2022 begann es.", None)
    assert [m.value for m in found] == [None, None, None, dt.date(2022, 2, 1)]
    resolved = resolve_dates(found, FRIDAY)
    assert [m.value for m in resolved] == [
        dt.date(2026, 1, 6),
        dt.date(2026, 1, 7),
        dt.date(2026, 1, 8),
        dt.date(2022, 2, 1),
    ]
    assert [m.span for m in resolved] == [m.span for m in found]
    assert "2026-01-09" in resolved[0].note


@pytest.mark.parametrize(
    "text", ["In den letzten Jahren stieg die Zahl.", "In den vergangenen Wochen blieb es ruhig."]
)
def test_plural_periods_are_spans_not_dates(text: str) -> None:
    assert _dates(text) == ()


def test_weekday_before_a_date_joins_it() -> None:
    (mention,) = _dates("Am Donnerstag, 8. Januar, sprach sie.")
    assert (mention.raw, mention.kind, mention.value, mention.weekday) == (
        "Am Donnerstag, 8. Januar",
        "partial",
        dt.date(2026, 1, 8),
        3,
    )


def test_named_weekday_picks_the_year_of_a_partial_date() -> None:
    # 8 January was a Wednesday in 2025 and is a Thursday in 2026
    (mention,) = _dates("Am Mittwoch, den 8. Januar, sprach sie.", reference=dt.date(2026, 2, 1))
    assert mention.value == dt.date(2025, 1, 8)


@pytest.mark.parametrize(
    ("text", "raw", "value", "precision"),
    [
        ("Der Umsatz stieg in diesem Jahr.", "diesem Jahr", dt.date(2026, 1, 1), "year"),
        ("Der Umsatz fiel im Vorjahr.", "im Vorjahr", dt.date(2025, 1, 1), "year"),
        ("Die Messe beginnt am 20.07. in Köln.", "am 20.07.", dt.date(2025, 7, 20), "day"),
    ],
)
def test_more_relative_and_partial_forms(text: str, raw: str, value: dt.date, precision: str) -> None:
    (mention,) = _dates(text)
    assert (mention.raw, mention.value, mention.precision) == (raw, value, precision)
