"""Claims from hand-built readings: segmentation, attribution, hedging, section roles.

``hand_reading`` builds a :class:`Reading` without the NLP layer; the comparison, briefing and
render tests import it from here.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quellenlage.claims import checkworthiness, extract_claims, hedges_in
from quellenlage.models import (
    Article,
    DateMention,
    Description,
    Entity,
    EntityType,
    Mention,
    NumberMention,
    Origin,
    Quote,
    Reading,
    Section,
    SectionRole,
    Sentence,
    Span,
    Token,
)

_SENTENCE = re.compile(r"[^\n]+?(?:(?<!\d)[.!?](?:“)?(?=\s|$)|$)", re.MULTILINE)
_WORD = re.compile(r"\w+(?:-\w+)*")


def hand_reading(
    article_id: str,
    text: str,
    *,
    entities: dict[str, tuple[EntityType, tuple[str, ...]]] | None = None,
    roles: tuple[tuple[str, SectionRole], ...] = (),
    dates: tuple[tuple[str, str, dt.date | None, str, int | None], ...] = (),
    numbers: tuple[tuple[str, float], ...] = (),
    descriptions: tuple[tuple[str, str], ...] = (),
    published: dt.date | None = None,
    outlet: str | None = None,
    origins: tuple[Origin, ...] = (),
    title: str | None = None,
) -> Reading:
    """A Reading built by simple rules: one sentence per ``.``/``!``/``?``, headings are short lines
    without final punctuation, sections start at the paragraph containing each ``roles`` marker,
    entities are found by name/alias, quotes are „…“ with the first person of the sentence as speaker,
    ``dates`` are ``(raw, kind, value, precision, weekday)``, ``descriptions`` are ``(entity, text)``."""
    article = Article(
        id=article_id,
        text=text,
        outlet=outlet,
        published=published,
        origins=origins,
        title=title,
        language="de",
    )
    bounds = [(0, SectionRole.REPORT)]
    for marker, role in roles:
        at = text.index(marker)
        bounds.append((text.rfind("\n", 0, at) + 1, role))
    bounds.sort()
    sections = tuple(
        Section(i, role, Span(article_id, start, bounds[i + 1][0] if i + 1 < len(bounds) else len(text)))
        for i, (start, role) in enumerate(bounds)
    )
    sentences = []
    for match in _SENTENCE.finditer(text):
        raw = match.group()
        start = match.start() + len(raw) - len(raw.lstrip())
        end = match.end()
        if start >= end:
            continue
        section = max(i for i, (b, _) in enumerate(bounds) if b <= start)
        line_end = text.find("\n", start)
        line = text[start : line_end if line_end >= 0 else len(text)]
        is_heading = len(line) < 70 and not line.rstrip().endswith((".", "!", "?", "“", ":", ")"))
        tokens = tuple(
            Token(start + t.start(), start + t.end(), t.group(), t.group().lower())
            for t in _WORD.finditer(text[start:end])
        )
        sentences.append(Sentence(len(sentences), Span(article_id, start, end), section, is_heading, tokens))
    ents = []
    for name, (etype, aliases) in (entities or {}).items():
        mentions = []
        taken: list[tuple[int, int]] = []
        for form in sorted((name, *aliases), key=len, reverse=True):
            for m in re.finditer(r"\b" + re.escape(form) + r"\w*", text):
                if not any(s <= m.start() < e for s, e in taken):
                    taken.append((m.start(), m.end()))
                    mentions.append(Mention(Span(article_id, m.start(), m.start() + len(form)), form, etype))
        ent_id = "e:" + name.lower().replace(" ", "_")
        ents.append(Entity(ent_id, name, etype, aliases, tuple(sorted(mentions, key=lambda m: m.span.start))))
    quotes = []
    for m in re.finditer(r"„([^“]+)“", text):
        sentence = next(s for s in sentences if s.span.start <= m.start() < s.span.end)
        speaker = next(
            (
                e
                for e in ents
                for mention in e.mentions
                if e.type is EntityType.PER and sentence.span.start <= mention.span.start < sentence.span.end
            ),
            None,
        )
        quotes.append(
            Quote(
                m.group(1),
                Span(article_id, m.start(1), m.end(1)),
                "direct",
                speaker.id if speaker else None,
                speaker.name if speaker else None,
                sentence=sentence.index,
            )
        )
    date_mentions = []
    for raw, kind, value, precision, weekday in dates:
        at = text.index(raw)
        date_mentions.append(
            DateMention(Span(article_id, at, at + len(raw)), raw, kind, value, precision, weekday)
        )
    number_mentions = []
    for raw, value in numbers:
        at = text.index(raw)
        number_mentions.append(NumberMention(Span(article_id, at, at + len(raw)), raw, value))
    descs = []
    for name, desc in descriptions:
        at = text.index(desc)
        ent_id = "e:" + name.lower().replace(" ", "_")
        descs.append(
            Description(
                ent_id, desc, Span(article_id, at, at + len(desc)), Span(article_id, at, at + len(desc))
            )
        )
    return Reading(
        article,
        sections,
        tuple(sentences),
        tuple(ents),
        tuple(quotes),
        tuple(descs),
        tuple(number_mentions),
        tuple(date_mentions),
    )


PER = EntityType.PER
LOC = EntityType.LOC


def test_claims_skip_headings_and_keep_offsets():
    text = "Die Lage in Kiew\nDie Regierung in Kiew erklärte am Montag, die Lage sei ruhig.\n"
    reading = hand_reading("a", text, entities={"Kiew": (LOC, ())})
    claims = extract_claims(reading)
    assert [c.id for c in claims] == ["a:1"]
    claim = claims[0]
    assert text[claim.span.start : claim.span.end] == claim.text
    assert claim.text.startswith("Die Regierung") and claim.is_factual
    assert claim.entities == ("e:kiew",)
    assert "Konjunktiv I" in claim.hedges


@pytest.mark.parametrize(
    ("role", "factual"),
    [
        (SectionRole.REPORT, True),
        (SectionRole.BACKGROUND, True),
        (SectionRole.OPINION, False),
        (SectionRole.INFOBOX, False),
        (SectionRole.EXPLANATION, False),
        (SectionRole.ANALYSIS, False),
        (SectionRole.DISCLAIMER, False),
        (SectionRole.SOURCE_LINE, False),
    ],
)
def test_claims_section_role_decides_factuality(role, factual):
    text = "Der Bericht beginnt hier mit einem Satz.\nMarker: Die Armee hat 300 Soldaten verlegt.\n"
    reading = hand_reading("a", text, roles=(("Marker", role),), numbers=(("300", 300.0),))
    claim = next(c for c in extract_claims(reading) if "300" in c.text)
    assert claim.section_role is role
    assert claim.is_factual is factual
    assert claim.numbers[0].value == 300.0


def test_inline_teaser_is_split_off_and_not_factual():
    text = (
        "Russland hat erklärt, dass jede Stationierung westlicher Truppen ein Angriffsziel sei. "
        "(Lesen Sie auch: Der Minister behauptet, es gebe nur 55.000 Verluste und über 1.200.000 Tote)\n"
    )
    reading = hand_reading(
        "a", text, entities={"Russland": (LOC, ())}, numbers=(("55.000", 55000.0), ("1.200.000", 1200000.0))
    )
    claims = extract_claims(reading)
    teaser = [c for c in claims if c.section_role is SectionRole.TEASER]
    report = [c for c in claims if c.section_role is SectionRole.REPORT]
    assert len(teaser) == 1 and not teaser[0].is_factual
    assert {n.value for n in teaser[0].numbers} == {55000.0, 1200000.0}
    assert report and all(not c.numbers for c in report)
    assert report[0].attributed_to == "e:russland"


def test_inline_teaser_from_section_role_is_respected():
    text = (
        "Die Armee meldet neue Stellungen im Osten des Landes (Mehr dazu: ein anderer Artikel über etwas)\n"
    )
    at = text.index("(Mehr")
    base = hand_reading("a", text)
    sections = (
        Section(0, SectionRole.REPORT, Span("a", 0, at)),
        Section(1, SectionRole.TEASER, Span("a", at, len(text))),
    )
    reading = Reading(base.article, sections, base.sentences)
    roles = [c.section_role for c in extract_claims(reading)]
    assert roles == [SectionRole.REPORT, SectionRole.TEASER]


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("Laut Olaf Scholz ist die Lage an der Grenze ernst.", "e:olaf_scholz"),
        ("Nach Angaben von Olaf Scholz ist die Lage an der Grenze ernst.", "e:olaf_scholz"),
        ("Olaf Scholz zufolge ist die Lage an der Grenze ernst.", "e:olaf_scholz"),
        ("Die Lage an der Grenze sei ernst, sagte Olaf Scholz in Berlin.", "e:olaf_scholz"),
        ("Berlin warnt vor einer ernsten Lage an der Grenze.", "e:berlin"),
        ("Die Lage an der Grenze in Berlin ist ernst.", None),
    ],
)
def test_claims_attribution(sentence, speaker):
    reading = hand_reading("a", sentence + "\n", entities={"Olaf Scholz": (PER, ()), "Berlin": (LOC, ())})
    (claim,) = extract_claims(reading)
    assert claim.attributed_to == speaker


def test_quote_speaker_wins_attribution_for_all_clauses():
    text = (
        "Die Soldaten würden als „legitime Ziele“ betrachtet, die Warnungen seien wiederholt "
        "ausgesprochen worden; sie hätten weiterhin Gültigkeit und seien nicht verhandelbar, erklärte "
        "Maria Sacharowa am Donnerstag in Moskau vor Journalisten aus vielen Ländern.\n"
    )
    reading = hand_reading(
        "a", text, entities={"Maria Sacharowa": (PER, ("Sacharowa",)), "Moskau": (LOC, ())}
    )
    claims = extract_claims(reading)
    assert len(claims) == 2 and claims[0].id == "a:0.0"
    assert all(c.attributed_to == "e:maria_sacharowa" for c in claims)
    assert claims[0].quotes[0].text == "legitime Ziele"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Die Truppe soll die Grenzen sichern.", {"soll"}),
        ("Angeblich wurden Dokumente unterzeichnet.", {"angeblich"}),
        ("Die Lage sei ernst.", {"Konjunktiv I"}),
        ("Die Regierung hat die Pläne vorgestellt.", set()),
    ],
)
def test_hedges(text, expected):
    assert set(hedges_in(text)) == expected


def test_checkworthiness_orders_rich_above_thin_statements():
    rich = checkworthiness("Sacharowa erklärte am 8. Januar, 300 Soldaten seien Ziele.", 2, 1, 1, True)
    thin = checkworthiness("Das ist bemerkenswert.", 0, 0, 0, False)
    assert rich > 0.7
    assert thin < 0.3


def test_konjunktiv_continuation_inherits_the_speaker():
    text = (
        "Die Warnungen gelten weiter, betonte Maria Sacharowa in Moskau.\n"
        "Die Pläne seien gefährlich und zerstörerisch.\n"
        "Die Pläne sind seit Dienstag bekannt.\n"
    )
    reading = hand_reading("a", text, entities={"Maria Sacharowa": (PER, ()), "Moskau": (LOC, ())})
    first, second, third = extract_claims(reading)
    assert first.attributed_to == second.attributed_to == "e:maria_sacharowa"
    assert third.attributed_to is None


@given(
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 15)), max_size=25),
    st.integers(0, 70),
    st.integers(0, 20),
)
def test_range_index_finds_what_a_scan_finds(ranges, start, length):
    from quellenlage.claims import _Ranges

    items = [(s, s + n, i) for i, (s, n) in enumerate(ranges)]
    end = start + length
    index = _Ranges(items)
    assert index.inside(start, end) == [i for s, e, i in items if start <= s and e <= end]
    assert index.overlapping(start, end) == [i for s, e, i in items if s < end and e > start]
