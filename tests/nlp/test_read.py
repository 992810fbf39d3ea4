"""read() on the two seed articles, end to end, and the stage contract."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from quellenlage.errors import StageError
from quellenlage.models import Article, Reading, SectionRole
from quellenlage.nlp import read, resolve_dates


def _article(path: Path) -> Article:
    from quellenlage.ingest import iter_ingest
    from quellenlage.settings import load_settings

    item = next(iter_ingest([str(path)], load_settings()))
    assert item.article is not None, item.outcome
    return item.article


@pytest.fixture(scope="module")
def seeds(seed_paths: tuple[Path, Path]) -> tuple[Article, Article]:
    return _article(seed_paths[0]), _article(seed_paths[1])


@pytest.fixture(scope="module")
def reading_000(seeds: tuple[Article, Article]) -> Reading:
    return read(seeds[0])


@pytest.fixture(scope="module")
def reading_001(seeds: tuple[Article, Article]) -> Reading:
    return read(seeds[1])


def _text(reading: Reading, span) -> str:  # type: ignore[no-untyped-def]
    return span.text(reading.article.text)


def test_000_partial_date_resolves_against_the_header_date(reading_000: Reading) -> None:
    assert reading_000.article.published == dt.date(2026, 2, 8)
    by_raw = {d.raw: d for d in reading_000.dates}
    assert by_raw["am 8. Januar"].value == dt.date(2026, 1, 8)
    assert by_raw["am 8. Januar"].kind == "partial"


def test_000_heute_in_generic_infinitive_is_not_a_date(reading_000: Reading) -> None:
    assert "heute" not in {d.raw for d in reading_000.dates}


def test_000_teaser_is_its_own_section_and_holds_the_numbers(reading_000: Reading) -> None:
    teasers = [s for s in reading_000.sections if s.role is SectionRole.TEASER]
    assert len(teasers) == 1
    teaser = teasers[0]
    text = _text(reading_000, teaser.span)
    assert text.startswith("(Böse Propaganda: Selenskyj behauptet")
    assert text.endswith("getötet wurden)")
    inside = [n for n in reading_000.numbers if teaser.span.start <= n.span.start < teaser.span.end]
    assert [(n.value, n.qualifier, n.unit) for n in inside] == [
        (55000, "nur", "Soldaten"),
        (1_200_000, "über", "Russen"),
    ]
    teaser_sentences = [s for s in reading_000.sentences if s.section == teaser.index]
    assert teaser_sentences
    assert all(teaser.span.start <= s.span.start and s.span.end <= teaser.span.end for s in teaser_sentences)


def test_000_roles_header_report_teaser_source_line(reading_000: Reading) -> None:
    roles = [s.role for s in reading_000.sections]
    assert roles[0] is SectionRole.HEADER
    assert roles[-1] is SectionRole.SOURCE_LINE
    assert set(roles[1:-1]) == {SectionRole.REPORT, SectionRole.TEASER}


def test_000_subheadings_are_heading_sentences_in_report_sections(reading_000: Reading) -> None:
    headings = {_text(reading_000, s.span): s for s in reading_000.sentences if s.is_heading}
    assert "Der Notfallplan der Koalition" in headings
    assert "Moskaus unnachgiebige Interpretation" in headings
    assert reading_000.sections[headings["Der Notfallplan der Koalition"].section].role is SectionRole.REPORT


def test_000_sentence_with_ordinal_date_is_not_split(reading_000: Reading) -> None:
    (sentence,) = [s for s in reading_000.sentences if "am 8. Januar" in _text(reading_000, s.span)]
    text = _text(reading_000, sentence.span)
    assert text.startswith("Die deutliche Warnung") and text.endswith("zu führen.")


def test_001_section_roles(reading_001: Reading) -> None:
    roles = [(s.role, s.heading) for s in reading_001.sections]
    assert roles == [
        (SectionRole.REPORT, None),
        (SectionRole.HEADER, None),
        (SectionRole.OPINION, "OZD-Kommentar – Drohung als Strategie"),
        (SectionRole.BACKGROUND, "Der historische Hintergrund"),
        (SectionRole.EXPLANATION, "Erklärungen"),
        (SectionRole.EXPLANATION, "Wer ist Maria Sacharowa?"),
        (SectionRole.EXPLANATION, "Was ist die „Koalition der Willigen“?"),
        (SectionRole.ANALYSIS, "OZD-Analyse"),
        (SectionRole.ANALYSIS, "Russische Strategie"),
        (SectionRole.ANALYSIS, "Europäische Zwickmühle"),
        (SectionRole.ANALYSIS, "Offene Konfliktlinien"),
        (SectionRole.INFOBOX, "Mini-Infobox zum Lernen"),
        (SectionRole.INFOBOX, "OZD-Extras"),
        (SectionRole.DISCLAIMER, None),
    ]
    report = reading_001.sections[0]
    assert _text(reading_001, report.span).endswith("Atomkraftwerks Saporischschja.")


def test_001_wrapped_lines_continue_the_sentence(reading_001: Reading) -> None:
    texts = [_text(reading_001, s.span) for s in reading_001.sentences]
    assert (
        "Maria Sacharowa ist Sprecherin des russischen Außenministeriums und gilt\nals eine der "
        "schärfsten Stimmen der russischen Regierung." in texts
    )


def test_001_weekdays_without_date_stay_unresolved(reading_001: Reading) -> None:
    assert reading_001.article.published is None
    weekdays = {d.raw: d for d in reading_001.dates if d.kind == "weekday"}
    assert {raw: (d.value, d.weekday) for raw, d in weekdays.items()} == {
        "am Donnerstag": (None, 3),
        "am Dienstag": (None, 1),
        "am Mittwoch": (None, 2),
    }
    (february,) = [d for d in reading_001.dates if d.raw == "im Februar 2022"]
    assert (february.value, february.precision) == (dt.date(2022, 2, 1), "month")


def test_001_weekdays_resolve_with_a_reference_date(
    seeds: tuple[Article, Article], reading_001: Reading
) -> None:
    expected = {
        "am Dienstag": dt.date(2026, 1, 6),
        "am Mittwoch": dt.date(2026, 1, 7),
        "am Donnerstag": dt.date(2026, 1, 8),
    }
    given = read(seeds[1], reference_date=dt.date(2026, 1, 9))
    assert {d.raw: d.value for d in given.dates if d.kind == "weekday"} == expected
    later = resolve_dates(reading_001.dates, dt.date(2026, 1, 9))
    assert {d.raw: d.value for d in later if d.kind == "weekday"} == expected


@pytest.mark.parametrize("which", [0, 1])
def test_every_span_points_into_the_article(which: int, reading_000: Reading, reading_001: Reading) -> None:
    reading = (reading_000, reading_001)[which]
    text = reading.article.text
    for sentence in reading.sentences:
        section = reading.sections[sentence.section]
        assert section.span.start <= sentence.span.start <= sentence.span.end <= section.span.end
        for token in sentence.tokens:
            assert text[token.start : token.end] == token.text and token.lemma
    for mention in (*reading.numbers, *reading.dates):
        assert mention.span.text(text) == mention.raw
        assert mention.span.article_id == reading.article.id


def test_a_failing_stage_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from quellenlage import nlp

    def broken(article, sentences):  # type: ignore[no-untyped-def]
        raise ValueError("boom")

    monkeypatch.setattr(nlp, "find_numbers", broken)
    with pytest.raises(StageError, match="stage 'numbers' failed: ValueError: boom"):
        nlp.read(Article(id="x", text="Es kamen 5 Leute."))


def test_cli_read_prints_json_with_spans(seed_paths: tuple[Path, Path]) -> None:
    import json

    from click.testing import CliRunner

    from quellenlage.cli import cli

    result = CliRunner().invoke(cli, ["read", str(seed_paths[1]), "--format", "json", "--date", "2026-01-09"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    weekdays = {d["text"]: d["value"] for d in data["dates"] if d["kind"] == "weekday"}
    assert weekdays == {
        "am Donnerstag": "2026-01-08",
        "am Dienstag": "2026-01-06",
        "am Mittwoch": "2026-01-07",
    }
    assert [s["role"] for s in data["sections"]][:3] == ["report", "header", "opinion"]
    assert all(isinstance(s["tokens"], int) for s in data["sentences"])


def test_cli_read_table_and_bad_date(seed_paths: tuple[Path, Path]) -> None:
    from click.testing import CliRunner

    from quellenlage.cli import cli

    table = CliRunner().invoke(cli, ["read", str(seed_paths[0])])
    assert table.exit_code == 0, table.output
    assert "Sections" in table.output and "teaser" in table.output and "55000" in table.output
    bad = CliRunner().invoke(cli, ["read", str(seed_paths[0]), "--date", "8.1.2026"])
    assert bad.exit_code != 0
    assert "YYYY-MM-DD" in bad.output
