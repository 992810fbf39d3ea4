"""Origin lines: republished, source, translated, via, agencies — and what must not fire."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import german_text

from quellenlage.ingest.origin import find_origins
from quellenlage.models import OriginKind

BODY = german_text()
R, S, T, V, A = (
    OriginKind.REPUBLISHED,
    OriginKind.SOURCE,
    OriginKind.TRANSLATED,
    OriginKind.VIA,
    OriginKind.AGENCY,
)


def origins(text: str) -> list[tuple[OriginKind, str, dt.date | None]]:
    return [(o.kind, o.outlet, o.date) for o in find_origins(text, "a1")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f"{BODY}\n\nQuellen: PublicDomain/naturalnews.com am 07.02.2o26",
            [(R, "naturalnews.com", dt.date(2026, 2, 7))],
        ),
        (f"{BODY}\n\nQuelle: https://www.anti-spiegel.ru/2025/artikel/", [(R, "anti-spiegel.ru", None)]),
        (
            f"Quelle: tagesschau.de\n\n{BODY}",
            [(S, "tagesschau.de", None)],
        ),  # at the top: a source, not the whole
        (f"{BODY}\n\nQuellen: zeit.de, spiegel.de", [(S, "zeit.de", None), (S, "spiegel.de", None)]),
        (
            f"{BODY}\n\nQuellen:\nhttps://www.rki.de/x\nhttps://www.who.int/y",
            [(S, "rki.de", None), (S, "who.int", None)],
        ),
        (f"{BODY} (Quelle: bild.de)", [(S, "bild.de", None)]),
        (f"Übersetzt von globalresearch.ca\n\n{BODY}", [(T, "globalresearch.ca", None)]),
        (f"{BODY}\n\nÜbersetzung: https://www.zerohedge.com/news/x", [(T, "zerohedge.com", None)]),
        (
            f"{BODY}\n\nOriginal: https://www.theguardian.com/world/2026/jan/09/x",
            [(T, "theguardian.com", None)],
        ),
        (f"{BODY}\nDas Video kam via t.me/infokanal in Umlauf.", [(V, "t.me", None)]),
        (f"{BODY}\n\nvia https://www.rt.com/news/1", [(V, "rt.com", None)]),
        (f"Berlin (dpa) - {BODY}", [(A, "dpa", None)]),
        (f"Paris (AFP/dpa) - {BODY}", [(A, "AFP", None)]),
        (f"{BODY}\n\n© dpa", [(A, "dpa", None)]),
        (f"{BODY}\n\nmit Material von Reuters", [(A, "Reuters", None)]),
        (f"{BODY}\n\nMit Material der Nachrichtenagentur AP", [(A, "AP", None)]),
        (f"{BODY}\n\nmm/dpa", [(A, "dpa", None)]),
        (f"Von Anna Muster, AFP\n\n{BODY}", [(A, "AFP", None)]),
        (f"{BODY} (KNA)", [(A, "KNA", None)]),
        (f"Frankfurt (epd). {BODY}", [(A, "epd", None)]),
        (f"Quelle: tagesschau.de (dpa)\n\n{BODY}", [(S, "tagesschau.de", None), (A, "dpa", None)]),
        (f"{BODY}\n\nQuelle: dpa", [(A, "dpa", None)]),
        (f"{BODY} (Quellen: AFP, Reuters)", [(A, "AFP", None), (A, "Reuters", None)]),
    ],
)
def test_find_origins(text, expected):
    assert origins(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"{BODY}\n\nAlle Angaben ohne Gewähr. Titelbild AFP.",  # a photo credit (seed 001's last line)
        f"{BODY}\n\nFoto: picture alliance (dpa)",
        f"{BODY}\n\nBild: © Reuters",
        f"{BODY}\n\nBildquelle: dpa",
        f"{BODY}\n\nQuelle: Deutsche Presse-Agentur für APAC-Kunden",  # no agency token as a word
        f"{BODY} Die APA meldet und der KAPITALMARKT reagiert; APPLAUS.",  # AP inside other words
        f"{BODY} Das AP-Foto zeigt den Saal.",
        f"{BODY} Die Quelle: unklar, sagte der Sprecher.",  # no domain
        f"{BODY} Er nannte als Quelle: die Regierung.",  # not at line start
        f"{BODY} Eine Quelle der Inspiration.",
        f"{BODY} Die Trivia.de-Seite",  # 'via' inside a word
        f"{BODY} Er kam via Zürich.",  # via a place, not a domain
        f"{BODY}\n\nÜbersetzt aus dem Englischen.",  # translated, but no outlet named
        f"{BODY} Die dpa-Meldung wurde oft geteilt, sagte ein Sprecher von Reuters Health.",
        f"{BODY}\n\nKontakt: redaktion@beispiel.de",
        f"{BODY} Das gilt z.B. für u.a. Schulen.",
    ],
)
def test_find_origins_does_not_fire(text):
    assert origins(text) == []


def test_origin_spans_point_at_the_line_as_written():
    text = f"{BODY}\n\nQuellen: PublicDomain/naturalnews.com am 07.02.2o26"
    (origin,) = find_origins(text, "a1")
    assert origin.span is not None and origin.span.article_id == "a1"
    assert (
        text[origin.span.start : origin.span.end]
        == origin.raw
        == "Quellen: PublicDomain/naturalnews.com am 07.02.2o26"
    )


def test_origins_are_ordered_most_specific_first():
    text = f"Berlin (dpa) - {BODY}\n\nQuelle: zeit.de"
    assert [o.kind for o in find_origins(text, "a")] == [OriginKind.REPUBLISHED, OriginKind.AGENCY]


def test_closing_provenance_chain_is_republished_from_each_outlet():
    text = f"{BODY}\n\nQuellen: PublicDomain/rt.com/corona-transition.org am 25.11.2020"
    assert origins(text) == [
        (R, "rt.com", dt.date(2020, 11, 25)),
        (R, "corona-transition.org", dt.date(2020, 11, 25)),
    ]


def test_reference_list_origins_point_at_their_own_lines():
    text = f"{BODY}\n\nQuellen:\nhttps://www.rki.de/x\nBericht bei zeit.de vom 3.1.2021\n\nEnde."
    found = find_origins(text, "a1")
    assert [(o.kind, o.outlet, o.raw, o.date) for o in found] == [
        (S, "rki.de", "https://www.rki.de/x", None),
        (S, "zeit.de", "Bericht bei zeit.de vom 3.1.2021", dt.date(2021, 1, 3)),
    ]
    assert all(text[o.span.start : o.span.end] == o.raw for o in found)
