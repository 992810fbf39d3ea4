"""Sections, roles and sentence boundaries on hand-built German text."""

from __future__ import annotations

import pytest

from quellenlage.models import Article, SectionRole
from quellenlage.nlp.sections import segment


def _read(text: str):  # type: ignore[no-untyped-def]
    article = Article(id="t", text=text)
    sections, sentences = segment(article)
    return article, sections, sentences


def _sentence_texts(text: str) -> list[str]:
    article, _, sentences = _read(text)
    return [s.span.text(article.text) for s in sentences]


@pytest.mark.parametrize(
    "text",
    [
        "Sie traf ihn am 8. Januar in Paris. Danach reiste sie ab.",
        "Es gibt viele Gründe, z.B. die Kosten. Danach reiste sie ab.",
        "Er nannte u.a. Frankreich und Dr. Müller. Danach reiste sie ab.",
        "Das kostet ca. 3 Mio. Euro bzw. mehr, d.h. zu viel. Danach reiste sie ab.",
        "Siehe Nr. 5 und vgl. Seite 3 sowie rund 2,3 Mrd. Euro. Danach reiste sie ab.",
        "Er sagte: „Wir kommen. Wir bleiben.“ Danach reiste sie ab.",
        "Das geschah im Jahr 2022. Danach reiste sie ab.",
    ],
)
def test_sentence_ends_only_at_real_boundaries(text: str) -> None:
    sentences = _sentence_texts(text)
    assert len(sentences) == 2
    assert sentences[1] == "Danach reiste sie ab."


def test_short_quote_with_internal_sentence_ends_stays_with_attribution() -> None:
    text = "„Wir werden kämpfen. Wir geben nicht auf“, sagte der Minister. Dann ging er."
    assert _sentence_texts(text) == [
        "„Wir werden kämpfen. Wir geben nicht auf“, sagte der Minister.",
        "Dann ging er.",
    ]


def test_long_quote_is_split_at_internal_sentence_ends() -> None:
    quote = " ".join(
        f"Wir haben im Punkt {n} sehr lange und ausführlich darüber gesprochen." for n in range(6)
    )
    sentences = _sentence_texts(f"Sie sagte: „{quote}“ Danach ging sie.")
    assert len(sentences) >= 6


def test_lowercase_continuation_after_a_line_break_continues_the_sentence() -> None:
    text = "Maria Sacharowa ist Sprecherin und gilt\nals eine der schärfsten Stimmen. Sie\ntransportiert die Linie."
    assert _sentence_texts(text) == [
        "Maria Sacharowa ist Sprecherin und gilt\nals eine der schärfsten Stimmen.",
        "Sie\ntransportiert die Linie.",
    ]


def test_long_line_ending_mid_sentence_joins_a_capitalised_next_line() -> None:
    text = "Die Staaten wollen die Ukraine auch über einen möglichen\nWaffenstillstand hinaus unterstützen."
    assert len(_sentence_texts(text)) == 1


def test_heading_without_punctuation_is_its_own_sentence() -> None:
    article, sections, sentences = _read(
        "Der Notfallplan der Koalition\n\nDie Truppe soll die Grenzen sichern."
    )
    assert [s.is_heading for s in sentences] == [True, False]
    assert sections[0].heading == "Der Notfallplan der Koalition"
    assert sections[0].heading_span is not None
    assert sections[0].span.text(article.text).startswith("Der Notfallplan")
    assert sections[0].span.text(article.text).endswith("sichern.")


@pytest.mark.parametrize(
    "text",
    [
        "Zu den wichtigsten Konsequenzen gehören:\n\nDie Truppe soll die Grenzen sichern.",
        "Die Truppe soll die Grenzen sichern.\n\nDas ist alles.",
        "Er kam spät\n",  # a last line without punctuation has no body to head
    ],
)
def test_lines_that_are_not_headings(text: str) -> None:
    _, _, sentences = _read(text)
    assert not any(s.is_heading for s in sentences)


def test_bullets_are_separate_sentences() -> None:
    text = "Russische Strategie\na) Abschreckung durch Drohungen\n– Verhinderung von Truppen\n• Einschüchterung\n- Risiko"
    sentences = _sentence_texts(text)
    assert sentences == [
        "Russische Strategie",
        "a) Abschreckung durch Drohungen",
        "– Verhinderung von Truppen",
        "• Einschüchterung",
        "- Risiko",
    ]


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("Kommentar", SectionRole.OPINION),
        ("OZD-Kommentar – Drohung als Strategie", SectionRole.OPINION),
        ("Meinung", SectionRole.OPINION),
        ("Leitartikel", SectionRole.OPINION),
        ("Der historische Hintergrund", SectionRole.BACKGROUND),
        ("Hintergrund", SectionRole.BACKGROUND),
        ("Erklärungen", SectionRole.EXPLANATION),
        ("Wer ist Maria Sacharowa?", SectionRole.EXPLANATION),
        ("Was ist die „Koalition der Willigen“?", SectionRole.EXPLANATION),
        ("SZ-Analyse", SectionRole.ANALYSIS),
        ("Analyse: Was Moskau will", SectionRole.ANALYSIS),
        ("Mini-Infobox zum Lernen", SectionRole.INFOBOX),
        ("OZD-Extras", SectionRole.INFOBOX),
        ("Der Notfallplan der Koalition", SectionRole.REPORT),
        ("Der historische Präzedenzfall", SectionRole.REPORT),
    ],
)
def test_heading_sets_section_role(heading: str, role: SectionRole) -> None:
    _, sections, _ = _read(f"Die Lage ist ernst.\n\n{heading}\n\nMoskau warnt erneut.")
    assert [s.role for s in sections] == [SectionRole.REPORT, role]


def test_subheading_keeps_the_role_of_its_section() -> None:
    _, sections, _ = _read("OZD-Analyse\nRussische Strategie\na) Abschreckung\nEuropäische Sicht\n– Risiko")
    assert [s.role for s in sections] == [SectionRole.ANALYSIS] * 3


@pytest.mark.parametrize(
    ("line", "role"),
    [
        ("Quellen: PublicDomain/naturalnews.com am 07.02.2026", SectionRole.SOURCE_LINE),
        ("Quelle: dpa", SectionRole.SOURCE_LINE),
        ("Alle Angaben ohne Gewähr. Titelbild AFP.", SectionRole.DISCLAIMER),
        ("Lesen Sie auch: Wie Europa sich vorbereitet", SectionRole.TEASER),
        ("Mehr zum Thema: Moskau droht erneut", SectionRole.TEASER),
        ("→ Alle Entwicklungen im Liveblog", SectionRole.TEASER),
    ],
)
def test_line_patterns_make_their_own_section_and_the_role_resumes(line: str, role: SectionRole) -> None:
    _, sections, _ = _read(f"Kommentar\nDas ist falsch.\n{line}\nDas ist auch falsch.")
    assert [s.role for s in sections] == [SectionRole.OPINION, role, SectionRole.OPINION]


def test_first_line_date_header_is_header() -> None:
    article, sections, _ = _read(" date 2026-02-08 Teile die Wahrheit!\n\nRussland warnt.")
    assert [s.role for s in sections] == [SectionRole.HEADER, SectionRole.REPORT]
    assert sections[0].span.text(article.text) == "date 2026-02-08 Teile die Wahrheit!"


def test_bare_outlet_line_is_header() -> None:
    _, sections, _ = _read("Russland warnt.\nOZD\nOZD-Kommentar – Drohung\nDas ist Kalkül.")
    assert [s.role for s in sections] == [SectionRole.REPORT, SectionRole.HEADER, SectionRole.OPINION]


@pytest.mark.parametrize(
    "insertion",
    [
        "(Böse Propaganda: Selenskyj behauptet, die Ukraine habe nur wenige Soldaten verloren)",
        "[Lesen Sie auch: Moskau droht dem Westen]",
        "(Mehr zum Thema: Was die Koalition plant)",
    ],
)
def test_inserted_teaser_gets_its_own_section_covering_the_insertion(insertion: str) -> None:
    text = f"Russland hat die Truppen gewarnt. {insertion}\n\nDie Warnung folgt auf einen Gipfel."
    article, sections, sentences = _read(text)
    roles = [s.role for s in sections]
    assert roles == [SectionRole.REPORT, SectionRole.TEASER, SectionRole.REPORT]
    teaser = sections[1]
    assert teaser.span.text(article.text) == insertion
    inside = [s for s in sentences if s.section == 1]
    assert inside and all(teaser.span.start <= s.span.start < s.span.end <= teaser.span.end for s in inside)


@pytest.mark.parametrize(
    "text",
    [
        "Die Partei (SPD) gewann die Wahl deutlich.",
        "Der Umsatz stieg (Angaben laut Statistikamt: vorläufig und ungeprüft bis Ende Mai).",
        "Er trat zurück. (Foto: dpa)",
        "Er trat zurück. (Die Partei hatte ihn zuvor scharf kritisiert und abgemahnt.)",
    ],
)
def test_ordinary_parentheses_are_not_teasers(text: str) -> None:
    _, sections, _ = _read(text)
    assert SectionRole.TEASER not in [s.role for s in sections]


def test_every_sentence_points_into_its_section() -> None:
    text = (
        "Titel der Seite\n\nErster Satz. (Achtung: Hier steht ein ganz anderer Artikel als Teaser)\nZweiter."
    )
    _article, sections, sentences = _read(text)
    for sentence in sentences:
        section = sections[sentence.section]
        assert section.span.start <= sentence.span.start < sentence.span.end <= section.span.end
        assert sentence.tokens[0].start == sentence.span.start
        assert sentence.tokens[-1].end == sentence.span.end
    assert [s.index for s in sentences] == list(range(len(sentences)))


def test_question_box_heading_sets_the_role_of_its_own_section_only() -> None:
    text = (
        "Die Lage ist ernst.\n\nWer ist Tedros Ghebreyesus?\nEr leitet die WHO.\n\n"
        "Frau Merkel und die Macht\nDie Kanzlerin schweigt."
    )
    _, sections, _ = _read(text)
    assert [s.role for s in sections] == [SectionRole.REPORT, SectionRole.EXPLANATION, SectionRole.REPORT]


@pytest.mark.parametrize(
    "heading", ["Analyse der Daten", "Kommentare der Leser fehlen", "Meinungsfreiheit heute"]
)
def test_headings_that_only_start_like_a_role_keep_the_report_role(heading: str) -> None:
    _, sections, _ = _read(f"Die Lage ist ernst.\n\n{heading}\n\nMoskau warnt erneut.")
    assert [s.role for s in sections] == [SectionRole.REPORT, SectionRole.REPORT]


def test_credit_in_parentheses_is_not_a_teaser() -> None:
    _, sections, _ = _read(
        "Sie lachte. (Titelbild: Bella Thorne mit einem Make-up an Halloween)\nDann ging sie."
    )
    assert SectionRole.TEASER not in [s.role for s in sections]


def test_runs_of_short_unpunctuated_lines_are_list_items_not_headings() -> None:
    text = "Sie brauchen:\n\nMeerrettich\nCayenne\nLöwenzahn\n3 Möhren\n\nAlles gut mischen."
    _, _, sentences = _read(text)
    assert not any(s.is_heading for s in sentences)
    assert len(sentences) == 6


@pytest.mark.parametrize(
    "text",
    [
        "(Lesen Sie auch: Wie Europa sich auf den Winter vorbereitet)",
        "Er ging. [Mehr zum Thema: Der Winter kommt bald]",
    ],
)
def test_teaser_insertion_at_the_start_or_end_of_a_text(text: str) -> None:
    _, sections, _ = _read(text)
    assert sections[-1].role is SectionRole.TEASER


def test_short_texts_without_punctuation_are_one_report_sentence() -> None:
    _, sections, sentences = _read("Titel\n")
    assert [s.role for s in sections] == [SectionRole.REPORT]
    assert [s.is_heading for s in sentences] == [False]


@pytest.mark.parametrize(
    ("text", "insertion"),
    [
        (
            "Sie setzen alles daran (Die Handschrift des Tiefen Staats: Adrenochrom und Corona rechnen ab).",
            "(Die Handschrift des Tiefen Staats: Adrenochrom und Corona rechnen ab)",
        ),
        (
            "Die Produktion bricht ein (Warum man Gold braucht, wenn diese Blase platzt!).",
            "(Warum man Gold braucht, wenn diese Blase platzt!)",
        ),
    ],
)
def test_teaser_squeezed_in_before_the_final_period(text: str, insertion: str) -> None:
    article, sections, sentences = _read(text)
    assert [s.role for s in sections] == [SectionRole.REPORT, SectionRole.TEASER]
    assert sections[1].span.text(article.text) == insertion
    assert all(any(ch.isalnum() for ch in s.span.text(article.text)) for s in sentences)


def test_numbered_bullet_paragraph_is_split_into_sentences() -> None:
    assert len(_sentence_texts("4) Die Truppen greifen an. Danach wird das Netz abgeschaltet.")) == 2


def test_long_line_without_final_period_is_not_joined_to_the_next_paragraph() -> None:
    first = "Es gilt als sicher, dass es eine Verbindung gibt, von der niemand etwas zu wissen scheint, außer die Bauherren selbst"
    sentences = _sentence_texts(f"{first}\nSo ist davon auszugehen, dass beide Projekte Tarnprojekte sind.")
    assert sentences[0] == first


@pytest.mark.parametrize(
    "text",
    [
        "Der Wert stieg. (er liegt übrigens fast den ganzen Monat unter dem Wert 1, derzeit bei 0,86!)",
        "Das ist bekannt (ohne dass darüber der nationale Notstand verkündet wird!).",
        "Er lachte. (Ähnliches wusste man schon über Männer und Frauen: Der Unterschied sei nur Einbildung.)",
        "Passend dazu erklärte gestern auch die Bundesregierung, sie zahle die Kosten.",
    ],
)
def test_asides_and_ordinary_sentences_are_not_teasers(text: str) -> None:
    _, sections, _ = _read(text)
    assert SectionRole.TEASER not in [s.role for s in sections]


@pytest.mark.parametrize(
    "text",
    ["Das regelt Abs. 3 des Gesetzes. Danach ging sie.", "Es gab Häuser u.ä. Bauten. Danach ging sie."],
)
def test_abbreviations_split_by_spacy_do_not_end_sentences(text: str) -> None:
    assert len(_sentence_texts(text)) == 2
