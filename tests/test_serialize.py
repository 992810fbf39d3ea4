"""Round-trips of the data model through JSON, generic over dataclass type hints."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from enum import Enum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quellenlage.models import (
    Article,
    BriefingSection,
    BriefingSentence,
    Claim,
    DateMention,
    DateSource,
    Description,
    Entity,
    EntityType,
    Mention,
    NumberMention,
    Origin,
    OriginKind,
    Outcome,
    OutcomeStatus,
    Paragraph,
    Quote,
    Reading,
    Section,
    SectionRole,
    Sentence,
    Signal,
    Span,
    Token,
)
from quellenlage.serialize import from_dict, to_dict

# Odd Unicode on purpose: umlauts, typographic quotes, RTL, emoji, combining marks, NUL, controls.
ODD = "äöüßÄÖÜ„“‚‘»«–—…\u200b\u202e\u0301\x00\x1f\ufeff😀𝔘"
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)) | st.sampled_from(ODD), max_size=40)
opt_text = st.none() | text
dates = st.none() | st.dates()
ints = st.integers(min_value=0, max_value=10**6)
floats = st.floats(allow_nan=False)  # NaN != NaN would fail equality, not the round-trip


@st.composite
def spans(draw: st.DrawFn) -> Span:
    start = draw(ints)
    return Span(draw(text), start, start + draw(st.integers(0, 500)))


opt_span = st.none() | spans()
origins = st.builds(Origin, st.sampled_from(OriginKind), text, dates, text, opt_span)
paragraphs = st.builds(lambda a, b: Paragraph(min(a, b), max(a, b)), ints, ints)
articles = st.builds(
    Article,
    id=text,
    text=text,
    url=opt_text,
    outlet=opt_text,
    outlet_source=text,
    title=opt_text,
    author=opt_text,
    published=dates,
    published_source=st.sampled_from(DateSource),
    language=opt_text,
    paragraphs=st.lists(paragraphs, max_size=5).map(tuple),
    origins=st.lists(origins, max_size=3).map(tuple),
    source_label=opt_text,
)
tokens = st.builds(Token, ints, ints, text, text, text)
mentions = st.builds(Mention, spans(), text, st.sampled_from(EntityType), text)
numbers = st.builds(
    NumberMention, spans(), text, st.none() | floats, opt_text, opt_text, text, st.none() | floats
)
date_mentions = st.builds(
    DateMention, spans(), text, text, dates, text, st.none() | st.integers(0, 6), st.booleans(), text
)
quotes = st.builds(Quote, text, spans(), text, opt_text, opt_text, opt_span, opt_text, st.none() | ints)
small = lambda s: st.lists(s, max_size=3).map(tuple)
readings = st.builds(
    Reading,
    article=articles,
    sections=small(st.builds(Section, ints, st.sampled_from(SectionRole), spans(), opt_text, opt_span)),
    sentences=small(st.builds(Sentence, ints, spans(), ints, st.booleans(), small(tokens))),
    entities=small(st.builds(Entity, text, text, st.sampled_from(EntityType), small(text), small(mentions))),
    quotes=small(quotes),
    descriptions=small(st.builds(Description, text, text, spans(), spans())),
    numbers=small(numbers),
    dates=small(date_mentions),
)
claims = st.builds(
    Claim,
    text,
    text,
    text,
    spans(),
    ints,
    st.sampled_from(SectionRole),
    st.booleans(),
    small(text),
    small(numbers),
    small(date_mentions),
    small(quotes),
    opt_text,
    small(text),
    floats,
)
signals = st.builds(Signal, text, text, text, small(spans()), text, text, small(st.tuples(text, text)))
briefing_sections = st.builds(
    BriefingSection, text, text, small(st.builds(BriefingSentence, text, small(spans()), small(text)))
)


def roundtrip(obj: object) -> object:
    """Through real JSON text, as the store does."""
    return from_dict(type(obj), json.loads(json.dumps(to_dict(obj), ensure_ascii=False)))


@settings(max_examples=150)
@given(articles)
def test_article_survives_json_roundtrip(article: Article) -> None:
    assert roundtrip(article) == article


@settings(max_examples=60)
@given(readings)
def test_reading_survives_json_roundtrip(reading: Reading) -> None:
    assert roundtrip(reading) == reading


@settings(max_examples=60)
@given(st.one_of(claims, signals, briefing_sections))
def test_claims_signals_and_briefing_sections_survive_roundtrip(obj: object) -> None:
    assert roundtrip(obj) == obj


def test_to_dict_writes_iso_dates_enum_values_and_lists() -> None:
    article = Article(
        id="a1",
        text="Text",
        published=dt.date(2026, 2, 8),
        published_source=DateSource.HEADER,
        paragraphs=(Paragraph(0, 4),),
        origins=(Origin(OriginKind.REPUBLISHED, "naturalnews.com", dt.date(2026, 2, 7)),),
    )
    data = to_dict(article)
    assert data["published"] == "2026-02-08"
    assert data["published_source"] == "header"
    assert data["paragraphs"] == [{"start": 0, "end": 4}]
    assert data["origins"][0] == {
        "kind": "republished",
        "outlet": "naturalnews.com",
        "date": "2026-02-07",
        "raw": "",
        "span": None,
    }
    assert type(data["published_source"]) is str  # plain str, not the StrEnum


def test_from_dict_fills_defaults_for_missing_optional_fields() -> None:
    outcome = from_dict(Outcome, {"input": "a.txt", "status": "skipped"})
    assert outcome == Outcome("a.txt", OutcomeStatus.SKIPPED)


class Mood(Enum):
    CALM = 1
    ANGRY = 2


@dataclasses.dataclass(frozen=True)
class LaterStageRecord:
    """Stands in for a dataclass another stage defines in its own module."""

    name: str
    when: dt.datetime
    mood: Mood
    weights: dict[str, float]
    pair: tuple[int, str]
    spans: list[Span]
    maybe: int | str | None = None


def test_dataclasses_from_other_modules_roundtrip_generically() -> None:
    record = LaterStageRecord(
        name="x",
        when=dt.datetime(2026, 2, 8, 13, 5, tzinfo=dt.UTC),
        mood=Mood.ANGRY,
        weights={"a": 1.0, "b": 2},
        pair=(3, "drei"),
        spans=[Span("a", 1, 2)],
        maybe="wort",
    )
    back = roundtrip(record)
    assert back == record
    assert isinstance(back.weights["b"], float)


@pytest.mark.parametrize(
    ("cls", "data", "message"),
    [
        (Span, {"article_id": "a", "start": "0", "end": 1}, "Span.start: expected int"),
        (Span, {"article_id": "a", "start": 0}, "Span: "),
        (Span, {"article_id": "a", "start": 0, "end": 1, "stray": 1}, "unknown field(s) ['stray']"),
        (Origin, {"kind": "rumour", "outlet": "x"}, "Origin.kind"),
        (Article, {"id": "a", "text": "t", "published": 20260208}, "ISO date string"),
        (Article, {"id": "a", "text": None}, "Article.text"),
    ],
)
def test_from_dict_names_class_field_and_value_when_data_does_not_fit(
    cls: type, data: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=None) as info:
        from_dict(cls, data)
    assert message in str(info.value)


def test_to_dict_refuses_non_dataclasses_and_unknown_value_types() -> None:
    with pytest.raises(TypeError, match="dataclass instance"):
        to_dict({"a": 1})

    @dataclasses.dataclass
    class Holder:
        value: object

    with pytest.raises(TypeError, match="cannot serialise set"):
        to_dict(Holder({1}))
