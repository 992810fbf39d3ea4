"""Rule recogniser, propagation and canonicalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from quellenlage.models import Article, EntityType, Mention, Span
from quellenlage.nlp.entities import RuleRecognizer, find_entities, merge_mentions
from quellenlage.nlp.gazetteer import is_common_word, is_role
from quellenlage.nlp.linking import entity_id


def seed(path: Path, article_id: str) -> Article:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return Article(id=article_id, text="\n".join(line.rstrip() for line in text.split("\n")))


def mentions(text: str) -> list[tuple[str, EntityType]]:
    return [(m.text, m.type) for m in RuleRecognizer("t").recognize(text, ())]


def entities(text: str) -> dict[str, EntityType]:
    return {e.name: e.type for e in find_entities(Article(id="t", text=text), ())}


PER, LOC, ORG, MISC = EntityType.PER, EntityType.LOC, EntityType.ORG, EntityType.MISC


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Gestern sprach Präsident Joachim Gauck in der Aula.", ("Joachim Gauck", PER)),
        ("Die Kanzlerin Angela Merkel reiste ab.", ("Angela Merkel", PER)),
        ("Der US-Sondergesandte Steve Witkoff traf ein.", ("Steve Witkoff", PER)),
        ("Am Abend sagte Bürgermeister Brumbel etwas.", ("Brumbel", PER)),
        ("Die Sprecherin des Verteidigungsministeriums, Olga Kranowa, schwieg.", ("Olga Kranowa", PER)),
        ("Die Sprecherin des Verteidigungsministeriums Olga Kranowa schwieg.", ("Olga Kranowa", PER)),
        ("Gestern traf Thomas Brumbelmann die Gäste.", ("Thomas Brumbelmann", PER)),
        ("Die Delegation reiste nach Moskau.", ("Moskau", LOC)),
        ("Die Reaktion Frankreichs war verhalten.", ("Frankreichs", LOC)),
        ("Sie wohnt in den Vereinigten Staaten.", ("Vereinigten Staaten", LOC)),
        ("Die Arbeiter im Atomkraftwerk Brobnitz streiken.", ("Brobnitz", LOC)),
        ("Die NATO berät.", ("NATO", ORG)),
        ("Das hat die Europäische Union beschlossen.", ("Europäische Union", ORG)),
        ("Ein Sprecher der Müllerbräu GmbH widersprach.", ("Müllerbräu GmbH", ORG)),
        ("Das Außenministerium protestierte.", ("Außenministerium", ORG)),
        ("Aus Sicht des Kremls ist das inakzeptabel.", ("Kremls", ORG)),
        ("Ein Treffen der Koalition der Willigen fand statt.", ("Koalition der Willigen", ORG)),
        ("Die Delegation reiste weiter nach Xantira.", ("Xantira", LOC)),
        ("Sie studierte an der Universität Hamburg.", ("Universität Hamburg", ORG)),
        ("Das Urteil des Landgerichts Brobnitz fiel.", ("Landgerichts Brobnitz", ORG)),
        ("Der FC Xantira gewann.", ("FC Xantira", ORG)),
        ("Das sei falsch, sagte gestern Quorvel.", ("Quorvel", MISC)),
        ("Laut Quorvel ist das falsch.", ("Quorvel", PER)),
        ("Die Rakete von SpaceX startete.", ("SpaceX", ORG)),
        ("Das berichtet die Wochenzeitung DIE ZEIT heute.", ("DIE ZEIT", ORG)),
    ],
)
def test_rules_find_names(sentence: str, expected: tuple[str, EntityType]) -> None:
    assert expected in mentions(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Die russischen Truppen und die britisch-französische Initiative stoßen auf Kritik.",
        "Russische Stellungnahmen stellen den Konflikt als Verteidigungsmaßnahme dar.",
        "Der Präsident sagte am Dienstag nichts zur Lage.",
        "Die Bereitschaft zum Risiko ist begrenzt, die Kriegsachse eine Behauptung.",
        "Die Russen und die Franzosen verhandeln.",
        "Die NATO-Präsenz und die US-Truppen bleiben.",
        "Die Bank am Markt und das Gericht im Ort sind neu.",
        "Die Wiener Philharmoniker und die Berlinerin spielten.",
        "Das Album Where It Happened erschien.",
        "Das gilt UND bleibt so.",
    ],
)
def test_rules_do_not_fire_on_common_words(sentence: str) -> None:
    assert mentions(sentence) == []


PLAIN_PROSE = (
    "Der Sommer war heiß, und die Bauern klagten über die Trockenheit. Auf den Feldern vertrockneten "
    "die Pflanzen, während die Preise für Getreide stiegen. Viele Betriebe mussten Kredite aufnehmen, "
    "um die Verluste auszugleichen. Die Verbraucher spürten die Folgen an der Kasse. Fachleute raten "
    "zu widerstandsfähigen Sorten und zu sparsamer Bewässerung. Eine Versicherung gegen Dürreschäden "
    "lohnt sich nach Einschätzung der Berater nur für wenige Höfe.\n"
    "Kleine Gemeinden richten Notbrunnen ein. Am Wochenende half die Feuerwehr beim Gießen der Bäume."
)


def test_lone_unknown_word_takes_the_type_of_its_other_mentions() -> None:
    text = "Die Leute mochten Quorvel. Gestern sprach Präsident Anton Quorvel."
    (entity,) = find_entities(Article(id="t", text=text), ())
    assert entity.name == "Anton Quorvel" and entity.type is PER


def test_plain_prose_has_no_entities() -> None:
    assert mentions(PLAIN_PROSE) == []


def test_common_word_lexicon_splits_compounds_but_keeps_unknown_names() -> None:
    assert is_common_word("Kriegsachse") and is_common_word("Eskalationsrhetorik")
    assert not is_common_word("Sacharowa") and not is_common_word("Witkoff")
    assert is_role("US-Sondergesandte") and is_role("Außenministerin") and not is_role("Gipfel")


def test_church_and_sports_titles_are_roles_but_title_like_surnames_are_not() -> None:
    assert all(is_role(w) for w in ("Kardinal", "Erzbischof", "Dorfpfarrer", "Flugkapitän", "Ersatztorwart"))
    # "Graf", "Kaiser", "Prinz" are left out: they are frequent surnames (Steffi Graf, Roland Kaiser)
    assert not is_role("Graf") and not is_role("Kaiser")


def test_propagation_finds_surname_and_genitive_everywhere() -> None:
    text = "Sacharowas Worte fielen. Später erklärte Maria Sacharowa mehr. Sacharowa blieb hart."
    (entity,) = [e for e in find_entities(Article(id="a", text=text), ()) if e.type is PER]
    assert entity.name == "Maria Sacharowa" and entity.id == "e:maria_sacharowa"
    assert [m.text for m in entity.mentions] == ["Sacharowas", "Maria Sacharowa", "Sacharowa"]
    assert all(text[m.span.start : m.span.end] == m.text for m in entity.mentions)


def test_canonical_entity_merges_genitive_and_full_name() -> None:
    text = "Selenskyjs Plan wurde gelobt. Der Präsident Wolodymyr Selenskyj reiste nach Moskau. Moskaus Antwort kam."
    found = {e.name: e for e in find_entities(Article(id="a", text=text), ())}
    assert set(found["Wolodymyr Selenskyj"].aliases) == {"Selenskyjs"}
    assert found["Moskau"].aliases == ("Moskaus",) and found["Moskau"].type is LOC


def test_ambiguous_surname_is_not_merged() -> None:
    text = "Präsident Hans Brumbel und Ministerin Erika Brumbel trafen sich. Brumbel sprach."
    names = entities(text)
    assert {"Hans Brumbel", "Erika Brumbel"} <= set(names) and "Brumbel" in names


def test_merge_prefers_longer_span_then_earlier_recognizer() -> None:
    a = Mention(Span("x", 0, 5), "Maria", PER, "model")
    b = Mention(Span("x", 0, 15), "Maria Sacharowa", PER, "rules")
    c = Mention(Span("x", 20, 25), "Paris", LOC, "model")
    d = Mention(Span("x", 20, 25), "Paris", ORG, "rules")
    assert merge_mentions([[a, c], [b, d]]) == [b, c]


def test_entity_id_is_stable() -> None:
    assert entity_id("Koalition der Willigen") == "e:koalition_der_willigen"


def test_works_on_token_joined_text_one_sentence_per_line() -> None:
    text = "Der Präsident Joachim Gauck sprach .\nIn Berlin regnet es ."
    assert mentions(text) == [("Joachim Gauck", PER), ("Berlin", LOC)]


EXPECTED_SEED = {
    "000": {
        PER: {"Maria Sacharowa", "Keir Starmer", "Emmanuel Macron", "Steve Witkoff", "Donald Trump",
              "Wolodymyr Selenskyj"},
        ORG: {"Koalition der Willigen", "NATO"},
        LOC: {"Paris", "Moskau", "Russland", "Ukraine", "Großbritannien", "Frankreich", "USA", "Südkorea"},
    },
    "001": {
        PER: {"Maria Sacharowa", "Wolodymyr Selenskyj"},
        ORG: {"Koalition der Willigen", "Europäische Union"},  # written "EU"; the long form is canonical
        LOC: {"Paris", "Moskau", "Kiew", "Donbass", "Saporischschja", "Russland", "Ukraine"},
    },
}  # fmt: skip


@pytest.mark.parametrize("index", [0, 1])
def test_seed_entities_are_found_once_each(seed_paths: tuple[Path, Path], index: int) -> None:
    article = seed(seed_paths[index], f"00{index}")
    found = find_entities(article, ())
    for kind, names in EXPECTED_SEED[article.id].items():
        for name in names:
            matching = [e for e in found if e.name == name]
            assert len(matching) == 1 and matching[0].type is kind, name
    surnames = {"Sacharowa", "Selenskyj", "Macron", "Trump"}
    assert not [e for e in found if e.name in surnames]
    for entity in found:
        for m in entity.mentions:
            assert article.text[m.span.start : m.span.end] == m.text
    assert len([e for e in found if e.type is PER]) == len(EXPECTED_SEED[article.id][PER])


@pytest.mark.parametrize("text", ["", "  \n ", "„“", "A", "Der. Die. Das.", "NATO-"])
def test_degenerate_texts_do_not_fail(text: str) -> None:
    find_entities(Article(id="t", text=text), ())
