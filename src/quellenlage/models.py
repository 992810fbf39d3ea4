"""The typed values that flow between stages.

Everything here is a frozen dataclass. Anything shown to a reader points back into
``Article.text`` through a :class:`Span`; ``article.text[span.start:span.end]`` is the evidence.

Flow (see ../shared/DESIGN.md)::

    Article ─read→ Reading ─claims→ [Claim] ─compare→ Comparison ─briefing→ Briefing

Conventions
- Offsets are character offsets into ``Article.text`` (normalised text), end exclusive.
- Tuples, not lists, so that values are hashable and cannot be mutated by a later stage.
- ``to_dict``/``from_dict`` live in :mod:`quellenlage.serialize`, not here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Span:
    """A half-open character range ``[start, end)`` in the text of one article."""

    article_id: str
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0 or self.end < self.start:
            raise ValueError(f"invalid span {self.start}:{self.end} in article {self.article_id}")

    def text(self, article_text: str) -> str:
        return article_text[self.start : self.end]


class DateSource(StrEnum):
    """Where ``Article.published`` came from."""

    METADATA = "metadata"  # HTML/feed/JSONL metadata
    HEADER = "header"  # a header line such as ``date 2026-02-08`` in a text file
    TEXT = "text"  # found in the running text (dateline)
    UNKNOWN = "unknown"


class OriginKind(StrEnum):
    """How an article says it relates to another outlet."""

    REPUBLISHED = "republished"  # "Quellen: PublicDomain/naturalnews.com am 07.02.2026"
    SOURCE = "source"  # "Quelle: …"
    TRANSLATED = "translated"  # "Übersetzt von …", "Original: …"
    VIA = "via"  # "via …"
    AGENCY = "agency"  # dpa, AFP, Reuters, AP, epd, KNA in a byline or tag


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an article says its content comes from."""

    kind: OriginKind
    outlet: str  # registrable domain ("naturalnews.com") or agency name ("dpa")
    date: dt.date | None = None
    raw: str = ""  # the line as written
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Article:
    """One report, normalised. ``text`` is the reference for every offset."""

    id: str
    text: str
    url: str | None = None
    outlet: str | None = None  # registrable domain or a name found in the text ("OZD")
    outlet_source: str = "unknown"  # url | metadata | text | unknown
    title: str | None = None
    author: str | None = None
    published: dt.date | None = None
    published_source: DateSource = DateSource.UNKNOWN
    language: str | None = None
    paragraphs: tuple[Paragraph, ...] = ()
    origins: tuple[Origin, ...] = ()
    source_label: str | None = None  # dataset label when ingested from a labelled corpus (never a model input)

    @property
    def origin(self) -> Origin | None:
        """The first origin, which is the most specific one found."""
        return self.origins[0] if self.origins else None


class OutcomeStatus(StrEnum):
    STORED = "stored"
    SKIPPED = "skipped"
    FAILED = "failed"


class SkipReason(StrEnum):
    EMPTY = "empty"
    TOO_SHORT = "too-short"
    DUPLICATE = "duplicate"
    NOT_AN_ARTICLE = "not-an-article"
    UNSUPPORTED_TYPE = "unsupported-type"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one input (a file, URL, feed entry or JSONL line). Exactly one per input."""

    input: str  # path, URL, or "path:line"
    status: OutcomeStatus
    reason: str = ""  # a SkipReason value, or a short failure reason
    detail: str = ""  # human-readable message saying what to do
    article_id: str | None = None


# ---------------------------------------------------------------------------------------------
# Reading layer (nlp/)
# ---------------------------------------------------------------------------------------------


class SectionRole(StrEnum):
    REPORT = "report"
    OPINION = "opinion"  # Kommentar, OZD-Kommentar, Meinung
    BACKGROUND = "background"  # Hintergrund
    EXPLANATION = "explanation"  # Erklärungen, Wer ist …?
    ANALYSIS = "analysis"
    INFOBOX = "infobox"  # Mini-Infobox, Extras
    DISCLAIMER = "disclaimer"  # Alle Angaben ohne Gewähr
    TEASER = "teaser"  # inserted teaser / cross-link inside the text
    HEADER = "header"  # header lines (date line, share banner)
    SOURCE_LINE = "source_line"  # "Quellen: …"


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    lemma: str
    pos: str = ""  # STTS tag when a tagger ran, else ""


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int  # 0-based position in the article
    span: Span
    section: int  # index into Reading.sections
    is_heading: bool = False
    tokens: tuple[Token, ...] = ()


@dataclass(frozen=True, slots=True)
class Section:
    index: int
    role: SectionRole
    span: Span
    heading: str | None = None
    heading_span: Span | None = None


class EntityType(StrEnum):
    PER = "PER"
    ORG = "ORG"
    LOC = "LOC"
    MISC = "MISC"


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity in the text."""

    span: Span
    text: str
    type: EntityType
    source: str = "rules"  # rules | model | gazetteer | propagated


@dataclass(frozen=True, slots=True)
class Entity:
    """A canonical entity with all its mentions in one article (or a story after linking)."""

    id: str  # stable within a reading: "e:" + normalised canonical name
    name: str  # canonical name, the longest full form ("Wolodymyr Selenskyj")
    type: EntityType
    aliases: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True, slots=True)
class Description:
    """An apposition or role phrase tied to an entity ("die Sprecherin des russischen Außenministeriums")."""

    entity_id: str
    text: str
    span: Span
    anchor: Span  # the span covering role phrase and name together


@dataclass(frozen=True, slots=True)
class Quote:
    text: str  # quoted words (direct) or the reported clause (indirect)
    span: Span  # the quoted span, without quotation marks
    kind: str  # "direct" | "indirect"
    speaker_entity_id: str | None = None
    speaker_text: str | None = None  # as written ("die Sprecherin", "Sacharowa")
    attribution_span: Span | None = None  # reporting verb + speaker
    verb: str | None = None  # lemma of the reporting verb ("erklären")
    sentence: int | None = None


@dataclass(frozen=True, slots=True)
class NumberMention:
    span: Span
    raw: str
    value: float | None  # None for vague quantities without a value
    qualifier: str | None = None  # über | mehr als | rund | fast | nur | bis zu | …
    unit: str | None = None  # "%", "Soldaten", "Euro", …
    kind: str = "cardinal"  # cardinal | percent | year | vague | ordinal | money
    low: float | None = None  # vague quantities: lower bound (Tausende → 2000)


@dataclass(frozen=True, slots=True)
class DateMention:
    span: Span
    raw: str
    kind: str  # absolute | partial | relative | weekday
    value: dt.date | None  # resolved date (start of the period for month/year precision)
    precision: str  # day | month | year
    weekday: int | None = None  # 0=Monday … 6=Sunday when the text names a weekday
    ambiguous: bool = False
    note: str = ""  # how it was resolved ("weekday on or before 2026-01-09")


@dataclass(frozen=True, slots=True)
class Reading:
    article: Article
    sections: tuple[Section, ...]
    sentences: tuple[Sentence, ...]
    entities: tuple[Entity, ...] = ()
    quotes: tuple[Quote, ...] = ()
    descriptions: tuple[Description, ...] = ()
    numbers: tuple[NumberMention, ...] = ()
    dates: tuple[DateMention, ...] = ()

    def section_of(self, offset: int) -> Section | None:
        for section in self.sections:
            if section.span.start <= offset < section.span.end:
                return section
        return None

    def sentence_at(self, offset: int) -> Sentence | None:
        for sentence in self.sentences:
            if sentence.span.start <= offset < sentence.span.end:
                return sentence
        return None


# ---------------------------------------------------------------------------------------------
# Claims, comparison, signals, briefing
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    id: str  # "<article_id>:<sentence index>[.<clause>]"
    article_id: str
    text: str
    span: Span
    sentence: int
    section_role: SectionRole
    is_factual: bool  # False for opinion, infobox, disclaimer, teaser, explanation
    entities: tuple[str, ...] = ()  # entity ids
    numbers: tuple[NumberMention, ...] = ()
    dates: tuple[DateMention, ...] = ()
    quotes: tuple[Quote, ...] = ()
    attributed_to: str | None = None  # entity id or source name
    hedges: tuple[str, ...] = ()  # "soll", "laut", "angeblich", "Konjunktiv I", …
    checkworthy: float = 0.0


@dataclass(frozen=True, slots=True)
class Signal:
    """An explained credibility or manipulation signal."""

    kind: str  # call_to_share | inserted_teaser | loaded_language | stale | low_rated_origin | …
    severity: str  # info | low | medium | high
    explanation: str  # one German sentence for the reader
    spans: tuple[Span, ...] = ()
    level: str = "article"  # article | source
    target: str = ""  # article id or outlet
    data: tuple[tuple[str, str], ...] = ()  # the record it rests on, as key/value pairs


@dataclass(frozen=True, slots=True)
class BriefingSentence:
    text: str
    spans: tuple[Span, ...]
    claims: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BriefingSection:
    key: str  # overview | corroborated | single_source | conflicts | timeline | who_is | sources | infobox
    title: str
    sentences: tuple[BriefingSentence, ...] = field(default_factory=tuple)
