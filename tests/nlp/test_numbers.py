"""Numbers: German separators, scales, qualifiers, units, spelled-out and vague quantities."""

from __future__ import annotations

import pytest

from quellenlage.models import Article, NumberMention
from quellenlage.nlp.numbers import find_numbers
from quellenlage.nlp.sections import segment


def _numbers(text: str) -> tuple[NumberMention, ...]:
    article = Article(id="n", text=text)
    _, sentences = segment(article)
    found = find_numbers(article, sentences)
    for number in found:
        assert number.span.text(text) == number.raw
    return found


@pytest.mark.parametrize(
    ("text", "raw", "value", "qualifier", "unit", "kind"),
    [
        (
            "Die Ukraine habe nur 55.000 Soldaten verloren.",
            "nur 55.000",
            55000,
            "nur",
            "Soldaten",
            "cardinal",
        ),
        (
            "Es seien über 1.200.000 Russen getötet worden.",
            "über 1.200.000",
            1_200_000,
            "über",
            "Russen",
            "cardinal",
        ),
        ("Dort leben 1,2 Millionen Menschen.", "1,2 Millionen", 1_200_000, None, "Menschen", "cardinal"),
        ("Die Preise stiegen um 3,5 Prozent.", "3,5 Prozent", 3.5, None, "%", "percent"),
        ("Die Preise stiegen um fast 3,5%.", "fast 3,5%", 3.5, "fast", "%", "percent"),
        ("Das Paket kostet 2,3 Mrd. Euro.", "2,3 Mrd. Euro", 2.3e9, None, "Euro", "money"),
        ("Er zahlte rund 500 Euro.", "rund 500 Euro", 500, "rund", "Euro", "money"),
        ("Er zahlte € 20 dafür.", "€ 20", 20, None, "Euro", "money"),
        ("Es kamen mehr als 300 Gäste.", "mehr als 300", 300, "mehr als", "Gäste", "cardinal"),
        ("Es kamen weniger als 30 Gäste.", "weniger als 30", 30, "weniger als", "Gäste", "cardinal"),
        ("Es gibt bis zu 40 Prozent Rabatt.", "bis zu 40 Prozent", 40, "bis zu", "%", "percent"),
        ("Es starben mindestens 12 Menschen.", "mindestens 12", 12, "mindestens", "Menschen", "cardinal"),
        ("Es kamen etwa 80 Gäste.", "etwa 80", 80, "etwa", "Gäste", "cardinal"),
        ("Es kamen ca. 80 Gäste.", "ca. 80", 80, "ca.", "Gäste", "cardinal"),
        ("Es kamen knapp 80 Gäste.", "knapp 80", 80, "knapp", "Gäste", "cardinal"),
        ("Es kamen zwölf Kinder.", "zwölf", 12, None, "Kinder", "cardinal"),
        ("Es kamen dreihundert Soldaten.", "dreihundert", 300, None, "Soldaten", "cardinal"),
        ("Es kostete zweitausend Euro.", "zweitausend Euro", 2000, None, "Euro", "money"),
        ("Zwei Soldaten wurden verletzt.", "Zwei", 2, None, "Soldaten", "cardinal"),
        ("Es geht um eine Million Menschen.", "eine Million", 1_000_000, None, "Menschen", "cardinal"),
        ("Dort stehen zwei Millionen Bäume.", "zwei Millionen", 2_000_000, None, "Bäume", "cardinal"),
        (
            "Die US-Truppen in Südkorea nach dem Waffenstillstand von 1953, eine Abschreckung.",
            "1953",
            1953,
            None,
            None,
            "year",
        ),
        ("Seit 2022 warnt Moskau.", "2022", 2022, None, None, "year"),
        ("Der Angriff begann im Februar 2022.", "2022", 2022, None, None, "year"),
        ("Er wurde der 3. Sieger.", "3.", 3, None, None, "ordinal"),
        ("Sie fuhren 2000 Kilometer.", "2000", 2000, None, "Kilometer", "cardinal"),
        (
            "Rund 2000 Krankenhaus-Beschäftigte streikten.",
            "Rund 2000",
            2000,
            "rund",
            "Krankenhaus-Beschäftigte",
            "cardinal",
        ),
    ],
)
def test_number_value_qualifier_unit_kind(
    text: str, raw: str, value: float, qualifier: str | None, unit: str | None, kind: str
) -> None:
    found = _numbers(text)
    assert len(found) == 1, found
    number = found[0]
    assert (number.raw, number.qualifier, number.unit, number.kind) == (raw, qualifier, unit, kind)
    assert number.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "low", "unit"),
    [
        ("Potenziell Tausende französische Soldaten stehen bereit.", 2000, "Soldaten"),
        ("Hunderte Menschen demonstrierten.", 200, "Menschen"),
        ("Dutzende Häuser brannten.", 24, "Häuser"),
        ("Zehntausende Menschen flohen.", 20000, "Menschen"),
    ],
)
def test_vague_quantities_have_no_value_but_a_lower_bound(text: str, low: float, unit: str) -> None:
    (number,) = _numbers(text)
    assert (number.kind, number.value, number.low, number.unit) == ("vague", None, low, unit)


@pytest.mark.parametrize(
    "text",
    [
        "Er sah eine Frau und einen Mann.",  # articles are not numbers
        "Einer der Männer kam mit einem Hund.",
        "Die Elf gewann das Spiel.",  # capitalised "Elf" mid-sentence is the team
        "Die Debatte über die Truppen dauert an.",  # "über" without a number
        "Sie kam am 8. Januar zurück.",  # the day of a date
        "Sie kam am 08.01.2026 zurück.",
        "Das Treffen war am 2026-01-08 in Paris.",
        "Um 12:30 begann die Sitzung.",
        "Sie kam vom 8. bis 9. März.",
    ],
)
def test_no_number_reported(text: str) -> None:
    assert _numbers(text) == ()


def test_year_of_a_month_date_is_the_only_number() -> None:
    found = _numbers("Sie kam am 8. Januar 2026 zurück.")
    assert [(n.raw, n.kind) for n in found] == [("2026", "year")]
