"""Independence, alignment, conflicts, publication windows, timeline and staleness on hand-built readings."""

from __future__ import annotations

import datetime as dt

import pytest
from test_claims import LOC, PER, hand_reading

from quellenlage.claims import extract_claims
from quellenlage.compare import align, find_conflicts, quote_overlap, same_statement
from quellenlage.independence import analyse_independence, label_for, outlet_of
from quellenlage.models import Article, Origin, OriginKind
from quellenlage.story import build_story
from quellenlage.timeline import find_staleness

pytestmark = pytest.mark.slow  # loads the sentence encoder once

BODY = (
    "Die Regierung in Berlin hat am Montag ein neues Gesetz zur Förderung erneuerbarer Energien beschlossen, "
    "das nach Angaben des Ministeriums im kommenden Jahr in Kraft treten und den Ausbau von Windkraft und "
    "Solaranlagen in ganz Deutschland deutlich beschleunigen soll."
)


def _compare(*readings):
    articles = tuple(r.article for r in readings)
    independence = analyse_independence(articles)
    claims = [c for r in readings for c in extract_claims(r)]
    groups, _ = align(claims, readings, independence)
    labels = {s.article_id: s.label for s in independence.sources}
    conflicts, groups = find_conflicts(groups, claims, readings, labels)
    by_id = {c.id: c for c in claims}
    return groups, conflicts, by_id


def _group_with(groups, claim_id):
    return next(g for g in groups if claim_id in g.claims)


def test_labels_and_outlet_fallbacks():
    assert [label_for(i) for i in (0, 1, 25, 26)] == ["A", "B", "Z", "AA"]
    assert outlet_of(Article("x", "t", outlet="taz.de"), "A") == "taz.de"
    republished = Article("x", "t", origins=(Origin(OriginKind.REPUBLISHED, "naturalnews.com"),))
    assert outlet_of(republished, "A") == "naturalnews.com"
    assert outlet_of(Article("x", "t"), "C") == "Artikel C"


def test_copies_count_once():
    original = Article("a", BODY + " Kritiker bemängeln hohe Kosten.", outlet="original.de")
    copy = Article("b", "Teilen!\n" + BODY + " Kritiker bemängeln hohe Kosten.", outlet="copy.net")
    via_origin = Article(
        "c",
        "Ein ganz anderer Text über dasselbe Thema mit eigenen Worten.",
        outlet="blog.de",
        origins=(Origin(OriginKind.REPUBLISHED, "original.de"),),
    )
    agency_1 = Article(
        "d", "Text eins von der Agentur.", outlet="x.de", origins=(Origin(OriginKind.AGENCY, "dpa"),)
    )
    agency_2 = Article(
        "e", "Text zwei der Agentur.", outlet="y.de", origins=(Origin(OriginKind.AGENCY, "dpa"),)
    )
    independent = Article("f", "Eine eigene Recherche zu einem anderen Aspekt der Sache.", outlet="z.de")
    same_outlet = Article("g", "Ein weiterer Bericht derselben Redaktion über etwas anderes.", outlet="Z.de")
    result = analyse_independence((original, copy, via_origin, agency_1, agency_2, independent, same_outlet))
    assert result.of("a").group == result.of("b").group == result.of("c").group
    assert result.of("d").group == result.of("e").group != result.of("a").group
    assert result.of("f").group == result.of("g").group
    assert result.count(("a", "b", "c", "d", "e", "f", "g")) == 3
    assert result.of("c").origin_note == "stammt ursprünglich von original.de"
    assert {g.reason for g in result.groups if len(g.articles) > 1} == {
        "near-duplicate",
        "same agency",
        "same outlet",
    }


def test_near_copies_are_found_by_minhash_in_a_large_story():
    topics = ["Windkraft", "Bahnstreik", "Haushalt", "Hochwasser", "Wahlrecht", "Mietpreise", "Schulen"]
    others = [
        Article(
            f"o{i}",
            f"Bericht {i} über {topic} mit ganz eigenen Worten und Zahlen {i * 7}.",
            outlet=f"o{i}.de",
        )
        for i, topic in enumerate(topics * 2)
    ]
    original = Article("a", BODY + " Kritiker bemängeln hohe Kosten.", outlet="original.de")
    copy = Article("b", "Teilen!\n" + BODY + " Kritiker bemängeln hohe Kosten.", outlet="copy.net")
    result = analyse_independence((original, *others, copy))  # more than 12 articles: LSH candidates
    assert result.of("a").group == result.of("b").group
    assert result.count(tuple(a.id for a in (original, *others, copy))) == len(others) + 1


def test_paraphrases_across_outlets_are_corroborated_and_unrelated_stay_single():
    a = hand_reading(
        "a",
        "Die Regierung in Berlin hat ein Gesetz zur Förderung von Windkraft und Solaranlagen beschlossen.\n"
        "Im Hafen von Hamburg legte am Abend ein Kreuzfahrtschiff mit dreitausend Passagieren an.\n",
        entities={"Berlin": (LOC, ()), "Hamburg": (LOC, ())},
        outlet="one.de",
    )
    b = hand_reading(
        "b",
        "Berlin beschließt ein Gesetz, das den Ausbau von Solaranlagen und Windkraft fördern soll.\n"
        "Der Bundesrat wird sich erst im Herbst mit den Kosten der Bahnreform befassen.\n",
        entities={"Berlin": (LOC, ())},
        outlet="two.de",
    )
    groups, conflicts, _ = _compare(a, b)
    law = _group_with(groups, "a:0")
    assert law.claims == ("a:0", "b:0") and law.status == "corroborated" and law.sources == 2
    assert _group_with(groups, "a:1").status == "single_source"
    assert _group_with(groups, "b:1") != law
    assert conflicts == ()


def test_copies_agree_but_do_not_corroborate():
    text = (
        "Die Regierung in Berlin hat ein Gesetz zur Förderung von Windkraft und Solaranlagen beschlossen.\n"
    )
    a = hand_reading("a", text, entities={"Berlin": (LOC, ())}, outlet="one.de")
    b = hand_reading("b", "Teilen!\n" + text, entities={"Berlin": (LOC, ())}, outlet="two.de")
    groups, _, _ = _compare(a, b)
    group = _group_with(groups, "a:0")
    assert "b:1" in group.claims and group.sources == 1 and group.status == "single_source"


def test_different_statements_of_one_speaker_are_not_aligned():
    people = {"Wolodymyr Selenskyj": (PER, ())}
    a = hand_reading(
        "a",
        "Der ukrainische Präsident Wolodymyr Selenskyj erklärte, die Dokumente zu den Garantien stünden "
        "kurz vor dem Abschluss mit den USA.\n",
        entities=people,
        descriptions=(("Wolodymyr Selenskyj", "Der ukrainische Präsident"),),
    )
    b = hand_reading(
        "b",
        "Der ukrainische Präsident Wolodymyr Selenskyj erklärte am Mittwoch, er habe noch keine eindeutige "
        "Antwort erhalten, wie sein Land bei einem erneuten Angriff geschützt würde.\n",
        entities=people,
        descriptions=(("Wolodymyr Selenskyj", "Der ukrainische Präsident"),),
    )
    groups, _, _ = _compare(a, b)
    assert _group_with(groups, "a:0") != _group_with(groups, "b:0")


def test_quote_wording_conflict_keeps_the_group_corroborated():
    people = {"Maria Sacharowa": (PER, ("Sacharowa",)), "Ukraine": (LOC, ())}
    a = hand_reading(
        "a",
        "Russland warnt, dass westliche Truppen in der Ukraine als „legitime Kampfziele“ betrachtet werden.\n",
        entities=people,
    )
    b = hand_reading(
        "b",
        "Ausländische Soldaten in der Ukraine würden als „legitime militärische Ziele“ betrachtet, erklärte "
        "Maria Sacharowa in Moskau.\n",
        entities=people,
    )
    groups, conflicts, _ = _compare(a, b)
    group = _group_with(groups, "a:0")
    assert group.claims == ("a:0", "b:0") and group.status == "corroborated"
    assert group.attributed_to == "e:maria_sacharowa"
    (conflict,) = conflicts
    assert conflict.kind == "quote_wording"
    assert (
        "„legitime Kampfziele“" in conflict.explanation
        and "„legitime militärische Ziele“" in conflict.explanation
    )
    assert "Maria Sacharowa" in conflict.explanation
    texts = {r.article.id: r.article.text for r in (a, b)}
    assert [texts[s.article_id][s.start : s.end] for s in conflict.spans] == [
        "legitime Kampfziele",
        "legitime militärische Ziele",
    ]


def test_number_and_date_conflicts_mark_the_group_conflicting():
    a = hand_reading(
        "a",
        "Bei dem Brand in der Fabrik in Lyon wurden am 3. März 12 Menschen verletzt, teilte die Feuerwehr mit.\n",
        entities={"Lyon": (LOC, ())},
        numbers=(("12", 12.0),),
        dates=(("am 3. März", "absolute", dt.date(2026, 3, 3), "day", None),),
    )
    b = hand_reading(
        "b",
        "Beim Feuer in einer Fabrik in Lyon sind am 4. März 15 Menschen verletzt worden, so die Feuerwehr.\n",
        entities={"Lyon": (LOC, ())},
        numbers=(("15", 15.0),),
        dates=(("am 4. März", "absolute", dt.date(2026, 3, 4), "day", None),),
    )
    groups, conflicts, _ = _compare(a, b)
    assert _group_with(groups, "a:0").status == "conflicting"
    kinds = {c.kind: c for c in conflicts}
    assert set(kinds) == {"number", "date"}
    assert "„12“" in kinds["number"].explanation and "„15“" in kinds["number"].explanation
    assert "03.03.2026" in kinds["date"].explanation and "04.03.2026" in kinds["date"].explanation


def test_attribution_conflict_for_the_same_words():
    people = {"Anna Berg": (PER, ()), "Karl Stein": (PER, ())}
    a = hand_reading(
        "a", "Die Reform sei „ein historischer Fehler“, sagte Anna Berg im Parlament.\n", entities=people
    )
    b = hand_reading(
        "b", "Die Reform sei „ein historischer Fehler“, sagte Karl Stein im Parlament.\n", entities=people
    )
    _, conflicts, _ = _compare(a, b)
    assert [c.kind for c in conflicts] == ["attribution"]
    assert "Anna Berg" in conflicts[0].explanation and "Karl Stein" in conflicts[0].explanation


@pytest.mark.parametrize(
    ("a", "b", "variant"),
    [
        ("legitime Kampfziele", "legitime militärische Ziele", True),
        ("wahre Kriegsachse", "Kriegsachse", True),
        ("legitimen Kampfzielen", "legitime Kampfziele", True),
        ("ein historischer Fehler", "ein großer Erfolg", False),
    ],
)
def test_quote_overlap_and_same_statement(a, b, variant):
    assert same_statement(a, b) is variant
    assert (quote_overlap(a, b) >= 0.5) is variant


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (
            "maischberger. die woche",
            "Die Variante wurde erst letzte Woche bei einem Patienten entdeckt, so heißt es",
        ),
        ("die Woche", "die letzte Woche des Jahres war eine schwierige Zeit"),
    ],
)
def test_short_or_partial_quotes_are_not_one_statement(a, b):
    assert not same_statement(a, b)


def _weekday_story(published_b=None):
    people = {"Maria Sacharowa": (PER, ("Sacharowa",)), "Paris": (LOC, ())}
    a = hand_reading(
        "a",
        "Die Warnung, die Maria Sacharowa am 8. Januar aussprach, ist eine Reaktion auf jüngst angekündigte Pläne.\n",
        entities=people,
        published=dt.date(2026, 2, 8),
        outlet="one.net",
        dates=(("am 8. Januar", "absolute", dt.date(2026, 1, 8), "day", None),),
    )
    b = hand_reading(
        "b",
        "Ausländische Truppen wären legitime Ziele, erklärte Maria Sacharowa am Donnerstag in Moskau.\n"
        "Die Staaten hatten sich am Dienstag bei einem Gipfel in Paris auf Garantien verständigt.\n",
        entities=people,
        outlet="two.de",
        published=published_b,
        dates=(("am Donnerstag", "weekday", None, "day", 3), ("am Dienstag", "weekday", None, "day", 1)),
    )
    return a, b


def test_window_inferred_from_weekday_and_dates_reresolved():
    a, b = _weekday_story()
    analysis = build_story([a.article, b.article], [a, b])
    (window,) = analysis.windows
    assert (window.article_id, window.start, window.end) == ("b", dt.date(2026, 1, 8), dt.date(2026, 1, 14))
    assert "am Donnerstag" in window.basis and "08.01.2026" in window.basis
    dates = {d.raw: d.value for r in analysis.story.readings for d in r.dates}
    assert dates["am Dienstag"] == dt.date(2026, 1, 6) and dates["am Donnerstag"] == dt.date(2026, 1, 8)
    timeline = [(e.date, e.claims) for e in analysis.timeline]
    assert timeline[0] == (dt.date(2026, 1, 6), ("b:1",))
    assert timeline[1][0] == dt.date(2026, 1, 8) and set(timeline[1][1]) == {"a:0", "b:0"}
    assert analysis.timeline[0].inferred and not analysis.timeline[1].inferred


def test_staleness_needs_a_gap_and_wording_that_presents_events_as_new():
    a, b = _weekday_story()
    analysis = build_story([a.article, b.article], [a, b])
    (stale,) = analysis.staleness
    assert stale.article_id == "a" and stale.gap_days == 31
    assert a.article.text[stale.newness[0].start : stale.newness[0].end] == "jüngst"
    assert any(s.kind == "stale" and s.target == "a" for s in analysis.signals)

    claims = [c for r in (a, b) for c in extract_claims(r)]
    fresh = hand_reading(
        "a",
        "Die Warnung, die Maria Sacharowa am 8. Januar aussprach, bezieht sich auf die Pläne vom Dezember.\n",
        entities={"Maria Sacharowa": (PER, ())},
        published=dt.date(2026, 2, 8),
        dates=(("am 8. Januar", "absolute", dt.date(2026, 1, 8), "day", None),),
    )
    assert find_staleness([fresh.article], extract_claims(fresh), []) == ()
    recent = Article("a", a.article.text, published=dt.date(2026, 1, 10))
    assert find_staleness([recent], [c for c in claims if c.article_id == "a"], []) == ()


# -- near-copies (dedup.near_duplicates) in the comparison stage ------------------------------------

FLOOD_LINES = (
    "Die Stadt Passau hat am Montag wegen des Hochwassers der Donau den Katastrophenfall ausgerufen.\n"
    "Oberbürgermeister Jürgen Dupper sagte, rund zweitausend Helfer von Feuerwehr und Hilfswerk seien "
    "im Einsatz.\n"
    "Der Pegel der Donau erreichte am Abend fast zehn Meter und lag damit knapp unter dem Rekordwert.\n"
    "Teile der Altstadt wurden evakuiert, mehrere hundert Bewohner kamen in Notunterkünften unter.\n"
    "Die Bahn stellte den Verkehr zwischen Passau und Plattling am Montagabend vorübergehend ein.\n"
)
DUPPER = {"Jürgen Dupper": (PER, ("Dupper",)), "Passau": (LOC, ())}


def test_republished_agency_text_with_new_lead_and_teaser_does_not_corroborate_itself():
    original = hand_reading("a", FLOOD_LINES, entities=DUPPER, outlet="agentur.de")
    republished = hand_reading(
        "b",
        "Jetzt lesen: Alle Entwicklungen an der Donau im Überblick\n"
        "Wegen der steigenden Donau gilt in Passau seit Montag der Katastrophenfall.\n"
        + FLOOD_LINES.split("\n", 1)[1],
        entities=DUPPER,
        outlet="portal.de",
    )
    groups, _, claims = _compare(original, republished)
    pegel = next(g for g in groups if any("Pegel" in claims[c].text for c in g.claims))
    assert set(pegel.articles) == {"a", "b"}
    assert pegel.sources == 1 and pegel.status == "single_source"


def test_own_reports_sharing_a_quote_still_corroborate_it():
    quote = "„Wir tun alles, um die Menschen in Sicherheit zu bringen“, sagte Jürgen Dupper am Montag.\n"
    a = hand_reading(
        "a",
        "In Passau kämpfen Helfer seit Montag gegen das Wasser der Donau.\n"
        + quote
        + "Eine Ladenbesitzerin berichtet, das Wasser sei in der Nacht binnen Stunden gestiegen.\n",
        entities=DUPPER,
        outlet="zeitung.de",
    )
    b = hand_reading(
        "b",
        "Die Stadt hat Notunterkünfte in drei Turnhallen eingerichtet.\n"
        + quote
        + "Viele Geschäftsleute in der Innenstadt fürchten um ihre Existenz.\n",
        entities=DUPPER,
        outlet="rundfunk.de",
    )
    groups, _, claims = _compare(a, b)
    said = next(g for g in groups if any("Sicherheit" in claims[c].text for c in g.claims))
    assert set(said.articles) == {"a", "b"}
    assert said.sources == 2 and said.status == "corroborated"
