"""Helpers shared by the content and technique detectors: data files, quotations, words, lemmas.

Everything here is a pure function of its input; data files are read once (``lru_cache``).
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache, wraps
from importlib import resources
from typing import Any, TypeVar

import simplemma

from quellenlage.models import Reading, SectionRole, Span

# Sections whose text the outlet presents as its own report. OPINION is labelled commentary and is
# not held to report standards; TEASER, HEADER, SOURCE_LINE and DISCLAIMER get their own signals.
REPORT_LIKE = frozenset(
    {
        SectionRole.REPORT,
        SectionRole.BACKGROUND,
        SectionRole.EXPLANATION,
        SectionRole.ANALYSIS,
        SectionRole.INFOBOX,
    }
)
# Quotation pairs: German „…“ / „…”, guillemets both ways, English “…”, straight "…". A quote longer
# than this many characters is more likely an unmatched mark than a quotation.
QUOTE_MAX_CHARS = 600
_Q = QUOTE_MAX_CHARS
_QUOTE_PAIRS = re.compile(
    rf"„[^„“”\"\n]{{1,{_Q}}}[“”\"]|»[^»«\n]{{1,{_Q}}}«|«[^»«\n]{{1,{_Q}}}»|“[^“”\n]{{1,{_Q}}}”|\"[^\"\n]{{1,{_Q}}}\""
)
T = TypeVar("T")
_WORD = re.compile(r"[0-9A-Za-zÄÖÜäöüßÀ-ÿ]+(?:-[0-9A-Za-zÄÖÜäöüßÀ-ÿ]+)*")
_SENTENCE_FALLBACK = re.compile(r"[^.!?\n]+(?:[.!?]+[\"“”»«]?|$)")


@dataclass(frozen=True, slots=True)
class Word:
    start: int
    end: int
    text: str
    lemma: str  # lowercased


@dataclass(frozen=True, slots=True)
class Unit:
    """A sentence to inspect: its span, the role of its section and its index (-1 without a Reading)."""

    start: int
    end: int
    role: SectionRole
    index: int
    heading: bool = False


@dataclass(frozen=True, slots=True)
class LexEntry:
    forms: tuple[frozenset[str], ...]  # per word: accepted lemma/surface forms, lowercased
    severity: str
    category: str
    pos: str
    surface: str


def _data_text(name: str) -> str:
    return (resources.files("quellenlage") / "data" / "signals" / name).read_text(encoding="utf-8")


@cache
def load_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_data_text(name))
    return data


@cache
def patterns(key: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in load_json("content_de.json")[key])


@cache
def word_set(key: str) -> frozenset[str]:
    return frozenset(w.lower() for w in load_json("content_de.json")[key])


@lru_cache(maxsize=1)
def lexicon() -> tuple[LexEntry, ...]:
    entries = []
    for line in _data_text("loaded_language_de.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        surface, severity, category, pos = line.split("\t")
        # The lemmatiser maps some adjectives to their verb ("schockierend" → "schockieren"), so the
        # surface form is accepted as well.
        forms = tuple(frozenset({w.lower(), lemma(w)}) for w in surface.split())
        entries.append(LexEntry(forms, severity, category, pos, surface))
    return tuple(entries)


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    return str(simplemma.lemmatize(word, lang="de")).lower()


def words(text: str, start: int = 0, end: int | None = None) -> list[Word]:
    end = len(text) if end is None else end
    return [Word(m.start(), m.end(), m.group(), lemma(m.group())) for m in _WORD.finditer(text, start, end)]


def per_reading(function: Callable[..., T]) -> Callable[..., T]:
    """Keep the results for the last few readings, found by identity.

    The detectors of one article all ask for the same quotations, sentences and lexicon hits; this
    avoids recomputing them a dozen times per article. An ``lru_cache`` on the Reading would hash it
    on every call, walking every sentence, token and mention: for a long article that cost more than
    the detectors themselves. Further arguments are compared by equality.
    """
    recent: OrderedDict[tuple[Any, ...], tuple[Reading, T]] = OrderedDict()
    lock = threading.Lock()

    @wraps(function)
    def cached(reading: Reading, *args: Any) -> T:
        key = (id(reading), *args)
        with lock:
            hit = recent.get(key)
            if hit is not None and hit[0] is reading:  # the reading is held, so its id is not reused
                recent.move_to_end(key)
                return hit[1]
        value = function(reading, *args)
        with lock:
            recent[key] = (reading, value)
            while len(recent) > 4:
                recent.popitem(last=False)
        return value

    return cached


@per_reading
def quoted_regions(reading: Reading) -> tuple[tuple[int, int], ...]:
    """Reported speech: ranges inside quotation marks (marks included) plus the reading's quotes.

    Indirect quotes count too ("Sacharowa sagte, die Pläne seien eine Katastrophe"): the reading
    layer's quote span covers the reported clause, not the outlet's framing around it.
    """
    text = reading.article.text
    regions = [(m.start(), m.end()) for m in _QUOTE_PAIRS.finditer(text)]
    regions += [(q.span.start, q.span.end) for q in reading.quotes]  # direct and indirect speech
    return tuple(sorted(regions))


def inside(start: int, end: int, regions: Iterable[tuple[int, int]]) -> bool:
    return any(a <= start and end <= b for a, b in regions)


def role_at(reading: Reading, offset: int) -> SectionRole:
    section = reading.section_of(offset)
    return section.role if section is not None else SectionRole.REPORT


def units(reading: Reading) -> tuple[Unit, ...]:
    """Sentences with their section role; a reading without sentences is split on end punctuation."""
    return _units(reading)


@per_reading
def _units(reading: Reading) -> tuple[Unit, ...]:
    return tuple(_iter_units(reading))


def _iter_units(reading: Reading) -> Iterator[Unit]:
    if reading.sentences:
        for sentence in reading.sentences:
            section = (
                reading.sections[sentence.section] if 0 <= sentence.section < len(reading.sections) else None
            )
            role = section.role if section is not None else role_at(reading, sentence.span.start)
            yield Unit(sentence.span.start, sentence.span.end, role, sentence.index, sentence.is_heading)
        return
    for m in _SENTENCE_FALLBACK.finditer(reading.article.text):
        if m.group().strip():
            yield Unit(m.start(), m.end(), role_at(reading, m.start()), -1)


def merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge overlapping or touching character ranges."""
    out: list[list[int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def spans(reading: Reading, ranges: Iterable[tuple[int, int]]) -> tuple[Span, ...]:
    return tuple(Span(reading.article.id, a, b) for a, b in merge(ranges))


def excerpt(text: str, limit: int = 60) -> str:
    """A short quotation of evidence for an explanation: „…“."""
    text = " ".join(text.split()).strip("()[] ")
    if len(text) > limit:
        text = text[: limit - 1].rsplit(" ", 1)[0] + " …"
    return f"„{text}“"


def examples(reading: Reading, found: Iterable[Span], n: int = 2) -> str:
    """``„a“ und „b“`` from the first ``n`` distinct evidence texts."""
    seen: list[str] = []
    for span in found:
        quoted = excerpt(span.text(reading.article.text))
        if quoted not in seen:
            seen.append(quoted)
    seen = seen[:n]
    return " und ".join(seen) if len(seen) <= 2 else ", ".join(seen[:-1]) + " und " + seen[-1]


def regex_hits(
    reading: Reading,
    pats: Iterable[re.Pattern[str]],
    roles: frozenset[SectionRole] | None,
    quotes_ok: bool = False,
) -> list[tuple[int, int]]:
    """Pattern hits per sentence (``^`` is the sentence start), outside quotations unless ``quotes_ok``."""
    text = reading.article.text
    regions = quoted_regions(reading)
    pats = tuple(pats)
    hits = []
    for unit in units(reading):
        if roles is not None and unit.role not in roles:
            continue
        sentence = text[unit.start : unit.end]
        for pat in pats:
            for m in pat.finditer(sentence):
                a, b = unit.start + m.start(), unit.start + m.end()
                if a == b or (not quotes_ok and inside(a, b, regions)):
                    continue
                hits.append((a, b))
    return hits


_ADJ_ENDING = re.compile(r"(?:e|en|em|er|es)$")


def _keys(word: Word) -> frozenset[str]:
    """Forms a word can match: its lemma, its lowercase surface and, for inflected adjectives the
    lemmatiser misses ("schockierenden"), the surface without the inflection ending."""
    low = word.text.lower()
    return frozenset({word.lemma, low, lemma(low), _ADJ_ENDING.sub("", low)})


def lexicon_hits(
    reading: Reading, categories: frozenset[str] | None = None, roles: frozenset[SectionRole] = REPORT_LIKE
) -> list[tuple[int, int, LexEntry]]:
    """Loaded-language lexicon hits on lemmas, outside quotations, in sections of the given roles.

    An adjective hit is widened to the noun right after it ("dramatischen Eskalation").
    """
    return [h for h in _lexicon_hits(reading, roles) if categories is None or h[2].category in categories]


@per_reading
def _lexicon_hits(reading: Reading, roles: frozenset[SectionRole]) -> tuple[tuple[int, int, LexEntry], ...]:
    text = reading.article.text
    regions = quoted_regions(reading)
    index = _first_form_index()
    hits = []
    for unit in units(reading):
        if unit.role not in roles:
            continue
        ws = words(text, unit.start, unit.end)
        keys = [_keys(w) for w in ws]
        for i in range(len(ws)):
            candidates = {e for key in keys[i] for e in index.get(key, ())}
            for entry in sorted(candidates, key=lambda e: e.surface):
                n = len(entry.forms)
                if i + n > len(ws) or not all(entry.forms[k] & keys[i + k] for k in range(1, n)):
                    continue
                start, end = ws[i].start, ws[i + n - 1].end
                next_is_noun = i + n < len(ws) and ws[i + n].text[:1].isupper()
                if entry.pos == "adj" and next_is_noun and not text[end : ws[i + n].start].strip():
                    end = ws[i + n].end
                if not inside(start, end, regions):
                    hits.append((start, end, entry))
    return tuple(hits)


@lru_cache(maxsize=1)
def _first_form_index() -> dict[str, tuple[LexEntry, ...]]:
    """Lexicon entries by each accepted form of their first word."""
    index: dict[str, list[LexEntry]] = {}
    for entry in lexicon():
        for form in entry.forms[0]:
            index.setdefault(form, []).append(entry)
    return {form: tuple(entries) for form, entries in index.items()}
