"""The grounded briefing, in the explainer format of seed 001.

Sections: Überblick · Was belegt ist · Was nur eine Quelle berichtet · Widersprüche und Abweichungen ·
Zeitleiste · Wer ist …? / Was ist …? · Quellenlage · Mini-Infobox.

Every sentence is built from fixed, neutral templates around words taken verbatim from the sources
(quoted with „…“ and attributed to the outlet), and carries the spans it rests on. No sentence
without a span is ever produced: :func:`build_briefing` raises if a template would emit one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .compare import ClaimGroup
from .credibility import outlet_profile
from .errors import StageError
from .models import BriefingSection, BriefingSentence, Claim, EntityType, SectionRole, Signal, Span
from .signals import repeats
from .story import StoryAnalysis

# Single-source claims listed per article, best first (check-worthiness, then position). Report
# sections contribute claims with check-worthiness >= SINGLE_MIN_CHECKWORTHY, background sections
# only from BACKGROUND_MIN_CHECKWORTHY. Chosen so that every report sentence of the seeds with an
# entity, number or date is listed; re-read the demo briefing after changing.
SINGLE_MAX_PER_ARTICLE = 10
SINGLE_MIN_CHECKWORTHY = 0.2
BACKGROUND_MIN_CHECKWORTHY = 0.5
CORROBORATED_MAX = 12
TIMELINE_MAX = 12
WHO_IS_MAX = 5
INFOBOX_QUOTE_WORDS = 14
HEDGE_NOTE = {
    "soll",
    "sollen",
    "angeblich",
    "möglicherweise",
    "offenbar",
    "mutmaßlich",
    "vermutlich",
    "potenziell",
}


# Signals the sources section already states in its own words for an article with an inferred window.
SHOWN_ELSEWHERE = frozenset({"missing_date"})
ORIGIN_PHRASES = {
    "republished": "ist eine Wiederveröffentlichung; der Text stammt ursprünglich von",
    "agency": "beruht auf Agenturmaterial von",
    "translated": "ist eine Übersetzung; das Original stammt von",
    "via": "übernimmt den Bericht von",
    "source": "nennt als Quelle",
}
# An article whose own outlet is unknown is not named after its origin ("naturalnews.com (A) ist eine
# Wiederveröffentlichung … von naturalnews.com"): it is "Artikel A (unbekannte Website)", and its origin
# line is reported as what it says ("gibt als Quelle naturalnews.com an").
UNKNOWN_OUTLET = "unbekannte Website"
ORIGIN_KIND_NOTES = {
    "republished": "; es handelt sich um eine Wiederveröffentlichung",
    "agency": "; der Text beruht auf Agenturmaterial",
    "translated": "; es handelt sich um eine Übersetzung",
}


@dataclass(frozen=True, slots=True)
class Briefing:
    title: str
    language: str
    sections: tuple[BriefingSection, ...]
    analysis: StoryAnalysis


def _date(value: dt.date) -> str:
    return f"{value:%d.%m.%Y}"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " und " + items[-1]


ACCUSATIVE = {"der": "den", "die": "die", "das": "das"}


def determiner(name: str, texts: Iterable[str]) -> str:
    """The article of ``name`` in the nominative ("die" for "Koalition der Willigen"), or "".

    An explanation heading of a source ("Was ist die „Koalition der Willigen“?") decides; else the
    articles the sources put before the name, counting only the unambiguous ones ("die", "das", and
    "den" → "der"; "der", "dem" and "des" also stand before other genders and cases). Names the
    sources use without an article (cities, most countries) get none.
    """
    name_re = re.escape(name)
    quoted = rf"[„\"»]?{name_re}[“\"«]?"
    heading = re.compile(rf"\bWas ist (der|die|das) {quoted}\s*\?", re.IGNORECASE)
    before = re.compile(rf"\b(die|das|den)\s+(?:\w+e[nms]?\s+)?{quoted}(?!\w)", re.IGNORECASE)
    votes: Counter[str] = Counter()
    for text in texts:
        if found := heading.search(text):
            return found.group(1).lower()
        for match in before.finditer(text):
            word = match.group(1).lower()
            votes["der" if word == "den" else word] += 1
    return votes.most_common(1)[0][0] if votes else ""


def _count(n: int, singular: str, plural: str) -> str:
    """``1 Angabe stützt``, ``3 Angaben stützen``, ``Keine Angabe stützt``."""
    return f"Keine {singular}" if n == 0 else f"{n} {singular if n == 1 else plural}"


def _differences(n: int) -> str:
    """``fanden sich 3 Abweichungen``, ``fand sich 1 Abweichung``, ``fanden sich keine Abweichungen``."""
    return "fand sich 1 Abweichung" if n == 1 else f"fanden sich {n or 'keine'} Abweichungen"


def _words(text: str, limit: int) -> str:
    words = " ".join(text.split()).split(" ")
    return " ".join(words) if len(words) <= limit else " ".join(words[:limit]) + " …"


class _Writer:
    def __init__(self, analysis: StoryAnalysis) -> None:
        self.a = analysis
        self.claims = {c.id: c for c in analysis.story.claims}
        self.entity_names = {e.id: e.name for r in analysis.story.readings for e in r.entities}
        self.entity_types = {e.id: e.type for r in analysis.story.readings for e in r.entities}

    # -- helpers -----------------------------------------------------------------------------
    def outlet(self, article_id: str) -> str:
        return self.a.story.independence.of(article_id).outlet

    def ref(self, article_id: str) -> str:
        label = self.a.label(article_id)
        if not self.a.story.article(article_id).outlet:
            return f"Artikel {label} ({UNKNOWN_OUTLET})"
        return f"{self.outlet(article_id)} ({label})"

    def lead(self, article_id: str) -> Span:
        own = [c for c in self.a.story.claims if c.article_id == article_id]
        first = next((c for c in own if c.is_factual), own[0] if own else None)
        if first is not None:
            return first.span
        text = self.a.story.article(article_id).text  # no claims at all: point at its first line
        end = text.find("\n")
        return Span(article_id, 0, end if end > 0 else len(text))

    def speaker(self, ref: str | None) -> str | None:
        if ref is None:
            return None
        if ref in self.entity_names:
            return self.entity_names[ref] if self.entity_types.get(ref) is EntityType.PER else None
        return ref

    def group_sources(self, group: ClaimGroup) -> list[str]:
        seen: dict[str, str] = {}
        for article_id in group.articles:
            source = self.a.story.independence.of(article_id)
            seen.setdefault(source.group, self.ref(article_id))
        return list(seen.values())

    def hedge_note(self, claim: Claim) -> str:
        found = [h for h in claim.hedges if h in HEDGE_NOTE]
        return f" (im Original eingeschränkt: „{found[0]}“)" if found else ""

    @staticmethod
    def sentence(
        text: str, spans: list[Span] | tuple[Span, ...], claims: tuple[str, ...] = ()
    ) -> BriefingSentence:
        unique = tuple(dict.fromkeys(spans))
        if not unique:
            raise StageError(f"briefing sentence without evidence: {text!r}", stage="briefing")
        return BriefingSentence(text, unique, claims)

    def corroborated(self) -> list[ClaimGroup]:
        groups = [g for g in self.a.comparison.groups if g.sources >= 2]
        return sorted(
            groups,
            key=lambda g: (
                -g.sources,
                -self.claims[g.representative].checkworthy,
                self.claims[g.representative].span.start,
            ),
        )

    # -- sections ----------------------------------------------------------------------------
    def overview(self) -> BriefingSection:
        articles = self.a.story.articles
        n_sources = len(self.a.story.independence.groups)
        refs = [self.ref(a.id) for a in articles]
        sentences = [
            self.sentence(
                f"Ausgewertet {'wurde' if len(articles) == 1 else 'wurden'} {len(articles)} Artikel aus "
                f"{n_sources} unabhängigen Quelle{'n' if n_sources != 1 else ''}: {_join(refs)}.",
                [self.lead(a.id) for a in articles],
            )
        ]
        top = self.corroborated()[:1]
        for group in top:
            claim = self.claims[group.representative]
            speaker = self.speaker(group.attributed_to)
            about = f" über eine Äußerung von {speaker}" if speaker else ""
            sentences.append(
                self.sentence(
                    f"{_join(self.group_sources(group))} berichten übereinstimmend{about}; "
                    f"in {self.a.label(claim.article_id)} heißt es: „{claim.text}“",
                    [self.claims[c].span for c in group.claims],
                    group.claims,
                )
            )
        singles = [g for g in self.a.comparison.groups if g.sources < 2]
        conflicts = self.a.comparison.conflicts
        if singles or conflicts:
            spans = [self.claims[g.representative].span for g in singles[:3]] + [
                s for c in conflicts[:2] for s in c.spans
            ]
            sentences.append(
                self.sentence(
                    f"{_count(len(singles), 'Angabe stützt', 'Angaben stützen')} sich nur auf eine Quelle; "
                    f"zwischen den Quellen {_differences(len(conflicts))}.",
                    spans,
                )
            )
        for item in self.a.staleness[:1]:
            sentences.append(
                self.sentence(
                    f"{self.ref(item.article_id)} stellt Ereignisse als neu dar, die {item.gap_days} Tage vor "
                    f"seiner Veröffentlichung am {_date(item.published)} liegen.",
                    list(item.newness[:2]) + list(item.evidence[:2]),
                )
            )
        return BriefingSection("overview", "Überblick", tuple(sentences[:4]))

    def corroborated_section(self) -> BriefingSection:
        sentences = []
        for group in self.corroborated()[:CORROBORATED_MAX]:
            claim = self.claims[group.representative]
            speaker = self.speaker(group.attributed_to)
            who = f", zugeschrieben {speaker}" if speaker else ""
            status = " Die Quellen weichen im Detail voneinander ab." if group.status == "conflicting" else ""
            sentences.append(
                self.sentence(
                    f"Von {group.sources} unabhängigen Quellen berichtet{who} – {_join(self.group_sources(group))}; "
                    f"in {self.a.label(claim.article_id)}: „{claim.text}“{self.hedge_note(claim)}{status}",
                    [self.claims[c].span for c in group.claims],
                    group.claims,
                )
            )
        return BriefingSection("corroborated", "Was belegt ist", tuple(sentences))

    def single_section(self) -> BriefingSection:
        sentences = []
        for article in self.a.story.articles:
            picked = []
            for group in self.a.comparison.groups:
                if group.sources >= 2 or article.id not in group.articles:
                    continue
                claim = self.claims[group.representative]
                floor = (
                    BACKGROUND_MIN_CHECKWORTHY
                    if claim.section_role is SectionRole.BACKGROUND
                    else (SINGLE_MIN_CHECKWORTHY)
                )
                if claim.checkworthy >= floor:
                    picked.append((group, claim))
            picked.sort(key=lambda item: (-item[1].checkworthy, item[1].span.start))
            for group, claim in sorted(picked[:SINGLE_MAX_PER_ARTICLE], key=lambda item: item[1].span.start):
                sentences.append(
                    self.sentence(
                        f"Nur {self.ref(article.id)}: „{claim.text}“{self.hedge_note(claim)}",
                        [self.claims[c].span for c in group.claims],
                        group.claims,
                    )
                )
        return BriefingSection("single_source", "Was nur eine Quelle berichtet", tuple(sentences))

    def conflicts_section(self) -> BriefingSection:
        sentences = [self.sentence(c.explanation, c.spans, c.claims) for c in self.a.comparison.conflicts]
        return BriefingSection("conflicts", "Widersprüche und Abweichungen", tuple(sentences))

    def timeline_section(self) -> BriefingSection:
        sentences = []
        for event in self.a.timeline[:TIMELINE_MAX]:
            claim = self.claims[event.claims[0]]
            when = _date(event.date) if event.precision == "day" else f"{event.date:%m.%Y}"
            labels = _join(list(dict.fromkeys(self.a.label(self.claims[c].article_id) for c in event.claims)))
            note = " (Datum aus einer Wochentagsangabe erschlossen)" if event.inferred else ""
            sentences.append(
                self.sentence(
                    f"{when}{note}: „{_words(claim.text, 30)}“ ({labels})",
                    list(event.spans) + [self.claims[c].span for c in event.claims],
                    event.claims,
                )
            )
        return BriefingSection("timeline", "Zeitleiste", tuple(sentences))

    def who_is_sections(self) -> list[BriefingSection]:
        sections = []
        for entity in [e for e in self.a.entities if e.descriptions][:WHO_IS_MAX]:
            if entity.type is EntityType.PER:
                question, accusative = f"Wer ist {entity.name}?", entity.name
            else:
                article = determiner(entity.name, (a.text for a in self.a.story.articles))
                question = f"Was ist {article} {entity.name}?" if article else f"Was ist {entity.name}?"
                accusative = f"{ACCUSATIVE[article]} {entity.name}" if article else entity.name
            sentences = []
            for description in entity.descriptions:
                labels = list(dict.fromkeys(self.ref(s.article_id) for s in description.spans))
                verb = "beschreibt" if len(labels) == 1 else "beschreiben"
                sentences.append(
                    self.sentence(
                        f"{_join(labels)} {verb} {accusative} so: „{description.text}“", description.spans
                    )
                )
            sections.append(BriefingSection("who_is", question, tuple(sentences)))
        return sections

    def sources_section(self) -> BriefingSection:
        sentences = []
        independence = self.a.story.independence
        for article in self.a.story.articles:
            source = independence.of(article.id)
            label = self.ref(article.id)
            window = self.a.window(article.id)
            if article.published:
                sentences.append(
                    self.sentence(
                        f"{label}: veröffentlicht am {_date(article.published)}.", [self.lead(article.id)]
                    )
                )
            elif window:
                sentences.append(self.sentence(f"{label}: {window.basis}", window.spans))
            else:
                sentences.append(
                    self.sentence(f"{label}: ohne Veröffentlichungsdatum.", [self.lead(article.id)])
                )
            if source.origin_outlet and article.origin:
                span = article.origin.span or self.lead(article.id)
                when = f" vom {_date(article.origin.date)}" if article.origin.date else ""
                kind = article.origin.kind.value
                if article.outlet:
                    how = ORIGIN_PHRASES.get(kind, "nennt als Quelle")
                    text = f"{label} {how} {source.origin_outlet}{when}."
                else:
                    text = f"{label} gibt als Quelle {source.origin_outlet}{when} an{ORIGIN_KIND_NOTES.get(kind, '')}."
                sentences.append(self.sentence(text, [span]))
            shown: list[Signal] = []
            for signal in self.a.signals:
                if signal.kind in SHOWN_ELSEWHERE and window is not None:
                    continue
                if signal.target == article.id and signal.level == "article" and not repeats(signal, shown):
                    shown.append(signal)
                    spans = [s for s in signal.spans if s.article_id == article.id] or [self.lead(article.id)]
                    sentences.append(self.sentence(f"{label}: {signal.explanation}", spans))
        for group in independence.groups:
            if len(group.articles) > 1:
                labels = [self.ref(a) for a in group.articles]
                sentences.append(
                    self.sentence(
                        f"{_join(labels)} gehen auf dieselbe Quelle ({group.outlet}) zurück und zählen einmal.",
                        [self.lead(a) for a in group.articles],
                    )
                )
        # One sentence per rating, even when several articles carry it (two copies of one origin).
        # A rating of a publishing outlet has no span of its own; its evidence is the outlet's articles.
        ratings: dict[tuple[str, str, str], tuple[Signal, list[Span]]] = {}
        for signal in self.a.signals:
            if signal.level != "source":
                continue
            spans = list(signal.spans) or [self.lead(a) for a in self.articles_of_source(signal.target)]
            if spans:
                ratings.setdefault((signal.kind, signal.target, signal.explanation), (signal, []))[1].extend(
                    spans
                )
        for signal, spans in ratings.values():  # the explanation names the outlet; lead with the articles
            about = _join(list(dict.fromkeys(self.ref(span.article_id) for span in spans)))
            sentences.append(self.sentence(f"{about}: {signal.explanation}", spans))
        return BriefingSection("sources", "Quellenlage", tuple(sentences))

    def articles_of_source(self, target: str) -> list[str]:
        """Ids of the articles a source-level signal is about: its own id, or the rated outlet's."""
        found = []
        for article in self.a.story.articles:
            outlet = article.outlet or article.url
            if article.id == target or (outlet and outlet_profile(outlet).domain == target):
                found.append(article.id)
        return found

    def infobox(self) -> BriefingSection:
        points = []
        for group in self.corroborated()[:2]:
            claim = self.claims[group.representative]
            points.append(
                self.sentence(
                    f"Von {group.sources} Quellen berichtet: „{_words(claim.text, INFOBOX_QUOTE_WORDS)}“",
                    [self.claims[c].span for c in group.claims],
                    group.claims,
                )
            )
        singles = [g for g in self.a.comparison.groups if g.sources < 2]
        if singles:
            points.append(
                self.sentence(
                    f"{_count(len(singles), 'Angabe stammt', 'Angaben stammen')} nur aus einer Quelle.",
                    [self.claims[g.representative].span for g in singles[:3]],
                )
            )
        conflicts = self.a.comparison.conflicts
        if conflicts:
            points.append(
                self.sentence(
                    f"{len(conflicts)} Abweichungen zwischen den Quellen, etwa: {conflicts[0].explanation}"
                    if len(conflicts) > 1
                    else f"1 Abweichung zwischen den Quellen: {conflicts[0].explanation}",
                    [s for c in conflicts for s in c.spans],
                )
            )
        days = [e for e in self.a.timeline if e.precision == "day"]
        if days:
            first, last = days[0], days[-1]
            points.append(
                self.sentence(
                    f"Datierte Ereignisse: {_date(first.date)} bis {_date(last.date)}.",
                    list(first.spans) + list(last.spans),
                )
            )
        for item in self.a.staleness:
            points.append(
                self.sentence(
                    f"{self.ref(item.article_id)}: {item.gap_days} Tage zwischen Ereignis und "
                    f"Veröffentlichung.",
                    list(item.evidence) + list(item.newness[:1]),
                )
            )
        return BriefingSection("infobox", "Mini-Infobox", tuple(points[:5]))


def build_briefing(analysis: StoryAnalysis) -> Briefing:
    """The briefing of one analysed story; every sentence carries at least one span."""
    writer = _Writer(analysis)
    sections = [
        writer.overview(),
        writer.corroborated_section(),
        writer.single_section(),
        writer.conflicts_section(),
        writer.timeline_section(),
        *writer.who_is_sections(),
        writer.sources_section(),
        writer.infobox(),
    ]
    return Briefing(analysis.title, analysis.language, tuple(s for s in sections if s.sentences), analysis)
