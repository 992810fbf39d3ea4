"""The briefing: explainer sections, every sentence grounded, neutral template wording."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from test_claims import LOC, PER, hand_reading

from quellenlage.briefing import _Writer, build_briefing, determiner
from quellenlage.errors import StageError
from quellenlage.models import EntityType, Origin, OriginKind, SectionRole, Signal, Span
from quellenlage.story import build_story

pytestmark = pytest.mark.slow  # loads the sentence encoder once

PEOPLE = {
    "Maria Sacharowa": (PER, ("Sacharowa",)),
    "Paris": (LOC, ()),
    "Koalition der Willigen": (EntityType.ORG, ()),
}
TEXT_A = (
    "Geteilt 2026-02-08\n"
    "Russland warnt, dass westliche Truppen in der Ukraine als „legitime Kampfziele“ betrachtet werden.\n"
    "Die Warnung, die die Sprecherin des Außenministeriums, Maria Sacharowa, am 8. Januar aussprach, ist eine "
    "Reaktion auf jüngst angekündigte Pläne.\n"
    "Im Anschluss an den Gipfel unterzeichneten Keir Starmer und Emmanuel Macron eine Absichtserklärung.\n"
    "Quellen: PublicDomain/example.com am 07.02.2026\n"
)
TEXT_B = (
    "Ausländische Soldaten in der Ukraine würden als „legitime militärische Ziele“ betrachtet, erklärte die "
    "Sprecherin des Außenministeriums Maria Sacharowa am Donnerstag in Moskau.\n"
    "Die Koalition der Willigen hatte sich am Dienstag bei einem Gipfel in Paris auf Garantien verständigt.\n"
    "Vorgesehen ist ein Mechanismus zur Überwachung einer Waffenruhe, der unter US-Führung stehen soll.\n"
    "Erklärungen\n"
    "Maria Sacharowa ist Sprecherin des Außenministeriums und eine bekannte Stimme der Regierung.\n"
)
LOADED = ("Propaganda", "Lüge", "skandal", "dramatisch", "Hetze", "angeblich", "Regime")


def _story():
    origin_at = TEXT_A.index("Quellen:")
    origin = Origin(
        OriginKind.REPUBLISHED,
        "example.com",
        dt.date(2026, 2, 7),
        "Quellen: PublicDomain/example.com am 07.02.2026",
        Span("a", origin_at, len(TEXT_A) - 1),
    )
    a = hand_reading(
        "a",
        TEXT_A,
        entities={**PEOPLE, "Keir Starmer": (PER, ()), "Emmanuel Macron": (PER, ())},
        published=dt.date(2026, 2, 8),
        origins=(origin,),
        roles=(("Quellen:", SectionRole.SOURCE_LINE),),
        dates=(("am 8. Januar", "absolute", dt.date(2026, 1, 8), "day", None),),
        descriptions=(("Maria Sacharowa", "die Sprecherin des Außenministeriums"),),
    )
    b = hand_reading(
        "b",
        TEXT_B,
        entities=PEOPLE,
        outlet="OZD",
        roles=(("Erklärungen", SectionRole.EXPLANATION),),
        dates=(("am Donnerstag", "weekday", None, "day", 3), ("am Dienstag", "weekday", None, "day", 1)),
        descriptions=(("Maria Sacharowa", "die Sprecherin des Außenministeriums"),),
    )
    return build_story([a.article, b.article], [a, b])


@pytest.fixture(scope="module")
def briefing():
    return build_briefing(_story())


def test_briefing_has_the_explainer_sections_in_order(briefing):
    keys = [s.key for s in briefing.sections]
    assert keys == [
        "overview",
        "corroborated",
        "single_source",
        "conflicts",
        "timeline",
        "who_is",
        "sources",
        "infobox",
    ]
    titles = {s.key: s.title for s in briefing.sections}
    assert titles["overview"] == "Überblick" and titles["who_is"] == "Wer ist Maria Sacharowa?"
    overview = briefing.sections[0]
    assert 2 <= len(overview.sentences) <= 4
    assert 3 <= len(briefing.sections[-1].sentences) <= 5


def test_every_sentence_has_spans_into_real_article_text(briefing):
    texts = {a.id: a.text for a in briefing.analysis.story.articles}
    for section in briefing.sections:
        for sentence in section.sentences:
            assert sentence.spans, sentence.text
            for span in sentence.spans:
                assert 0 <= span.start < span.end <= len(texts[span.article_id])


def test_quoted_source_text_is_verbatim(briefing):
    texts = {a.id: a.text for a in briefing.analysis.story.articles}
    for section in briefing.sections:
        for sentence in section.sentences:
            evidence = " ".join(texts[s.article_id][s.start : s.end] for s in sentence.spans)
            for quoted in re.findall(r"„((?:[^„“]|„[^“]*“)+)“", sentence.text):
                cleaned = quoted.rstrip(" …")
                assert cleaned in evidence or cleaned in " ".join(evidence.split()), (section.key, quoted)


def test_template_wording_is_neutral(briefing):
    for section in briefing.sections:
        for sentence in section.sentences:
            own_words = re.sub(r"„(?:[^„“]|„[^“]*“)*“", "", sentence.text)
            assert not any(word.lower() in own_words.lower() for word in LOADED), sentence.text


def test_sections_carry_the_comparison(briefing):
    by_key = {s.key: s for s in briefing.sections}
    corroborated = " ".join(s.text for s in by_key["corroborated"].sentences)
    assert "2 unabhängigen Quellen" in corroborated and "Maria Sacharowa" in corroborated
    single = [s.text for s in by_key["single_source"].sentences]
    assert any(
        "Absichtserklärung" in s and s.startswith("Nur Artikel A (unbekannte Website)") for s in single
    )
    assert any("US-Führung" in s and s.startswith("Nur OZD (B)") and "„soll“" in s for s in single)
    conflicts = by_key["conflicts"].sentences
    assert any("„legitime Kampfziele“" in c.text for c in conflicts)
    timeline = [s.text for s in by_key["timeline"].sentences]
    assert timeline[0].startswith("06.01.2026") and timeline[1].startswith("08.01.2026")
    who = by_key["who_is"].sentences
    assert any("Artikel A (unbekannte Website) und OZD (B) beschreiben" in s.text for s in who)
    assert any("bekannte Stimme" in s.text for s in who)
    sources = " ".join(s.text for s in by_key["sources"].sentences)
    assert "Wiederveröffentlichung" in sources and "example.com vom 07.02.2026" in sources
    assert "Artikel A (unbekannte Website) gibt als Quelle example.com vom 07.02.2026 an" in sources
    assert "example.com (A)" not in sources  # not named after the origin it names itself
    overview = by_key["overview"].sentences[0].text
    assert "2 Artikel aus 2 unabhängigen Quellen" in overview and "Artikel A (unbekannte Website)" in overview
    assert "zwischen 08.01.2026 und 14.01.2026" in sources
    assert "31 Tage" in sources


def test_a_sentence_without_evidence_is_refused():
    with pytest.raises(StageError, match="without evidence"):
        _Writer.sentence("Eine Behauptung ohne Beleg.", [])


def test_single_article_story_and_article_without_claims():
    a = hand_reading(
        "a",
        "Die Regierung in Berlin hat am Montag ein Gesetz zur Windkraft beschlossen.\n",
        entities={"Berlin": (LOC, ())},
        outlet="one.de",
        published=dt.date(2026, 3, 2),
    )
    b = hand_reading("b", "Kurzer Titel\n", outlet="two.de")
    briefing = build_briefing(build_story([a.article, b.article], [a, b]))
    keys = [s.key for s in briefing.sections]
    assert "corroborated" not in keys and "single_source" in keys and "sources" in keys
    spans = [span for s in briefing.sections for sentence in s.sentences for span in sentence.spans]
    assert spans and all(span.end > span.start for span in spans)
    assert any(span.article_id == "b" for span in spans)


@pytest.mark.parametrize(
    ("name", "texts", "expected"),
    [
        ("Koalition der Willigen", ["Was ist die „Koalition der Willigen“?\nAls Koalition …"], "die"),
        ("Koalition der Willigen", ["ein Treffen der sogenannten „Koalition der Willigen“"], ""),
        ("Koalition der Willigen", ["Die Koalition der Willigen hatte sich geeinigt."], "die"),
        ("Bundesamt", ["Das Bundesamt meldete am Montag neue Zahlen."], "das"),
        ("Kreml", ["Beobachter sehen den Kreml unter Druck."], "der"),
        ("Paris", ["Ein Gipfel in Paris endete am Dienstag."], ""),
    ],
)
def test_determiner_follows_the_article_the_sources_use(name, texts, expected):
    assert determiner(name, texts) == expected


def test_republication_on_a_known_outlet_names_that_outlet():
    text = (
        "Die Regierung in Berlin hat am Montag ein Gesetz beschlossen.\nQuellen: original.de am 01.03.2026\n"
    )
    at = text.index("Quellen:")
    origin = Origin(
        OriginKind.REPUBLISHED, "original.de", dt.date(2026, 3, 1), text[at:-1], Span("a", at, len(text) - 1)
    )
    a = hand_reading("a", text, entities={"Berlin": (LOC, ())}, outlet="copy.de", origins=(origin,))
    b = hand_reading("b", "In Berlin wurde am Montag ein Windkraftgesetz beschlossen.\n", outlet="other.de")
    briefing = build_briefing(build_story([a.article, b.article], [a, b]))
    sources = " ".join(s.text for sec in briefing.sections if sec.key == "sources" for s in sec.sentences)
    assert (
        "copy.de (A) ist eine Wiederveröffentlichung; der Text stammt ursprünglich von original.de vom 01.03.2026."
        in sources
    )
    assert "unbekannte Website" not in sources


def test_sources_section_shows_the_same_evidence_once():
    text = "Die Regierung hat ein skandalöses Gesetz beschlossen, sagte niemand.\n"
    at = text.index("skandalöses Gesetz")
    span = Span("a", at, at + len("skandalöses Gesetz"))
    a = hand_reading("a", text, outlet="one.de", published=dt.date(2026, 3, 2))
    b = hand_reading("b", "In Berlin wurde am Montag ein Gesetz beschlossen.\n", outlet="two.de")
    signals = [
        Signal(
            "loaded_language",
            "medium",
            "Wertende Begriffe.",
            (span,),
            "article",
            "a",
            (("ptc_technique", "Loaded_Language"),),
        ),
        Signal("technique:Loaded_Language", "medium", "Technik Loaded_Language.", (span,), "article", "a"),
        Signal("missing_author", "low", "Ohne Autor.", (), "article", "a"),
    ]
    briefing = build_briefing(build_story([a.article, b.article], [a, b], signals))
    sources = [s.text for sec in briefing.sections if sec.key == "sources" for s in sec.sentences]
    assert "one.de (A): Wertende Begriffe." in sources and "one.de (A): Ohne Autor." in sources
    assert not any("Technik Loaded_Language" in s for s in sources)


def test_outlet_ratings_are_shown_once_with_the_outlets_articles_as_evidence():
    from quellenlage.credibility import source_signals

    a = hand_reading("a", "Die Regierung in Berlin hat am Montag ein Gesetz beschlossen.\n", outlet="rt.com")
    b = hand_reading("b", "In Berlin wurde am Montag ein Windkraftgesetz beschlossen.\n", outlet="rt.com")
    c = hand_reading("c", "Der Bundestag in Berlin stimmte am Montag über ein Gesetz ab.\n")
    signals = [s for r in (a, b, c) for s in source_signals(r.article)]
    briefing = build_briefing(build_story([a.article, b.article, c.article], [a, b, c], signals))
    (sources,) = [sec for sec in briefing.sections if sec.key == "sources"]
    rated = [s for s in sources.sentences if s.text.startswith("rt.com (A) und rt.com (B): ")]
    assert len(rated) == len({s.explanation for s in signals if s.target == "rt.com"}) >= 2
    assert all({span.article_id for span in s.spans} == {"a", "b"} for s in rated)
    assert any(
        s.text.startswith("Artikel C (unbekannte Website): Das veröffentlichende Medium ist nicht bekannt")
        for s in sources.sentences
    )


@pytest.mark.parametrize(
    ("singles", "conflicts", "expected"),
    [
        (
            46,
            3,
            "46 Angaben stützen sich nur auf eine Quelle; zwischen den Quellen fanden sich 3 Abweichungen.",
        ),
        (1, 1, "1 Angabe stützt sich nur auf eine Quelle; zwischen den Quellen fand sich 1 Abweichung."),
        (
            0,
            2,
            "Keine Angabe stützt sich nur auf eine Quelle; zwischen den Quellen fanden sich 2 Abweichungen.",
        ),
        (
            2,
            0,
            "2 Angaben stützen sich nur auf eine Quelle; zwischen den Quellen fanden sich keine Abweichungen.",
        ),
    ],
)
def test_counts_agree_in_number(singles, conflicts, expected):
    from quellenlage.briefing import _count, _differences

    text = (
        f"{_count(singles, 'Angabe stützt', 'Angaben stützen')} sich nur auf eine Quelle; "
        f"zwischen den Quellen {_differences(conflicts)}."
    )
    assert text == expected


def test_single_article_overview_is_singular():
    a = hand_reading("a", "Die Regierung in Berlin hat am Montag ein Gesetz beschlossen.\n", outlet="one.de")
    briefing = build_briefing(build_story([a.article], [a]))
    overview = briefing.sections[0].sentences[0].text
    assert overview.startswith("Ausgewertet wurde 1 Artikel aus 1 unabhängigen Quelle: one.de (A).")
    box = [s.text for sec in briefing.sections if sec.key == "infobox" for s in sec.sentences]
    assert "1 Angabe stammt nur aus einer Quelle." in box
