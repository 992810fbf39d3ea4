"""Independence: near-copies of one text count once in the comparison stage; reports that share
quotes or a topic stay independent sources."""

from __future__ import annotations

import pytest

from quellenlage.dedup import EXACT_BELOW
from quellenlage.independence import analyse_independence
from quellenlage.models import Article

AGENCY = (
    "Die Stadt Passau hat am Montag wegen des Hochwassers der Donau den Katastrophenfall ausgerufen. "
    "Oberbürgermeister Jürgen Dupper sagte, rund 2.000 Helfer von Feuerwehr, Technischem Hilfswerk und "
    "Bundeswehr seien im Einsatz. Der Pegel der Donau erreichte am Abend 9,80 Meter und lag damit nur "
    "knapp unter dem Rekordwert von 2013. Teile der Altstadt wurden evakuiert, mehrere hundert Bewohner "
    "kamen in Notunterkünften unter. Schulen und Kindergärten bleiben bis auf Weiteres geschlossen. "
    '"Wir tun alles, um die Menschen in Sicherheit zu bringen", sagte Dupper. Der Deutsche '
    "Wetterdienst erwartet für die kommenden Tage weitere Regenfälle im Einzugsgebiet von Inn und Donau. "
    "Die Bahn stellte den Verkehr zwischen Passau und Plattling vorübergehend ein. Innenminister "
    "Joachim Herrmann kündigte an, am Dienstag in das Hochwassergebiet zu reisen."
)
_REST = AGENCY.split(". ", 1)[1]
# Republished: a teaser line, a rewritten first sentence, the rest verbatim.
TEASER_AND_NEW_LEAD = (
    "Jetzt lesen: Die Lage an der Donau spitzt sich zu – alle Entwicklungen im Überblick.\n"
    "Wegen der steigenden Donau gilt in Passau seit Montag der Katastrophenfall. " + _REST
)
# Republished: rewritten first sentence, one sentence dropped, a footer and an author line added.
NEW_LEAD_AND_FOOTER = (
    "Katastrophenfall in Passau: Die Donau steigt weiter. "
    + _REST.replace("Schulen und Kindergärten bleiben bis auf Weiteres geschlossen. ", "")
    + "\n\nMit Material von dpa. Folgen Sie uns auf Telegram!"
)
# Two own reports of the same event: they quote the mayor with the same words, name the same
# places and people, and are not copies.
OWN_REPORT_1 = (
    "In Passau kämpfen Helfer seit Montag gegen das Wasser. Unsere Reporterin war in der Altstadt, wo "
    "Sandsäcke vor den Haustüren liegen und Anwohner ihre Keller leerräumen. "
    '"Wir tun alles, um die Menschen in Sicherheit zu bringen", sagte Oberbürgermeister Jürgen Dupper '
    "bei einer Pressekonferenz im Rathaus. Eine Ladenbesitzerin berichtet, das Wasser sei in der Nacht "
    "binnen Stunden gestiegen. Der Katastrophenfall gilt für das gesamte Stadtgebiet. Kritik kommt von "
    "der Opposition im Stadtrat: Der Hochwasserschutz sei nach 2013 zu langsam ausgebaut worden."
)
OWN_REPORT_2 = (
    "Passau steht unter Wasser, und die Stadt ruft den Katastrophenfall aus. Jürgen Dupper, der "
    'Oberbürgermeister, wirkt müde, als er vor die Kameras tritt: "Wir tun alles, um die Menschen in '
    'Sicherheit zu bringen." Am Abend meldet die Feuerwehr einen Pegel von 9,80 Meter. Dupper ergänzt: '
    '"Die nächsten 48 Stunden werden entscheidend." Viele Geschäftsleute in der Innenstadt fürchten um '
    "ihre Existenz, nachdem sie schon 2013 alles verloren hatten. Die Stadt hat Notunterkünfte in "
    "drei Turnhallen eingerichtet."
)


def _article(aid: str, text: str, outlet: str) -> Article:
    return Article(aid, text, outlet=outlet, language="de")


@pytest.mark.parametrize("copy_text", [TEASER_AND_NEW_LEAD, NEW_LEAD_AND_FOOTER], ids=["teaser", "footer"])
def test_republished_agency_text_with_a_new_first_sentence_counts_once(copy_text: str) -> None:
    articles = (_article("a", AGENCY, "agentur.de"), _article("b", copy_text, "portal.de"))
    result = analyse_independence(articles)
    assert result.of("a").group == result.of("b").group
    assert result.count(("a", "b")) == 1
    (group,) = [g for g in result.groups if len(g.articles) == 2]
    assert group.reason == "near-duplicate"


def test_all_near_copies_of_one_text_are_one_source_next_to_own_reports() -> None:
    articles = (
        _article("a", AGENCY, "agentur.de"),
        _article("b", TEASER_AND_NEW_LEAD, "portal.de"),
        _article("c", NEW_LEAD_AND_FOOTER, "blog.net"),
        _article("d", OWN_REPORT_1, "zeitung.de"),
        _article("e", OWN_REPORT_2, "rundfunk.de"),
    )
    result = analyse_independence(articles)
    assert result.count(("a", "b", "c", "d", "e")) == 3
    assert len({result.of(x).group for x in "abc"}) == 1
    assert len({result.of(x).group for x in "ade"}) == 3


@pytest.mark.parametrize(
    ("first", "second"),
    [(OWN_REPORT_1, OWN_REPORT_2), (AGENCY, OWN_REPORT_1), (AGENCY, OWN_REPORT_2)],
    ids=["own-reports", "agency-vs-report-1", "agency-vs-report-2"],
)
def test_reports_of_one_event_sharing_quotes_stay_independent(first: str, second: str) -> None:
    result = analyse_independence((_article("a", first, "eins.de"), _article("b", second, "zwei.de")))
    assert result.count(("a", "b")) == 2
    assert all(g.reason == "" for g in result.groups)


def test_near_copy_is_found_in_a_story_too_large_for_all_pairs() -> None:
    """Above dedup.EXACT_BELOW articles the LSH index proposes the candidate pairs."""
    fillers = [
        _article(
            f"o{i}",
            f"Meldung {i}: Der Stadtrat von Ort {i} berät über {i * 3} neue Stellen, den Haushalt und "
            f"die Sanierung der Schule Nummer {i}. Bürgermeisterin {i} erwartet eine knappe Mehrheit.",
            f"o{i}.de",
        )
        for i in range(EXACT_BELOW + 5)
    ]
    articles = (
        _article("a", AGENCY, "agentur.de"),
        *fillers,
        _article("d", OWN_REPORT_1, "zeitung.de"),
        _article("b", TEASER_AND_NEW_LEAD, "portal.de"),
    )
    result = analyse_independence(articles)
    assert result.of("a").group == result.of("b").group != result.of("d").group
    assert result.count(tuple(a.id for a in articles)) == len(articles) - 1
