"""Text-only stylistic features of an article, each with its evidence.

Every feature is computed from the text alone (never the URL or the outlet) and is a rate, so that
long and short articles are comparable. Each feature that rests on matches in the text can return
those matches as character ranges, so a reason shown to a reader points at the words it rests on.

The cue lists (share calls, loaded words, hedges, attribution verbs) live in
``models/reliability/lexicons.json`` and are loaded once.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelError

LEXICON_PATH = Path(__file__).parent / "models" / "reliability" / "lexicons.json"

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)|\n+")
_ALLCAPS = re.compile(r"\b[A-ZÄÖÜ]{4,}\b")
_NUMBER = re.compile(r"\b\d[\d.,]*\b")
_DATE = re.compile(
    r"\b\d{1,2}\.\s?(?:\d{1,2}\.|Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|"
    r"November|Dezember)(?:\s?\d{4})?|\b(?:Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag)\b"
)
_QUOTE_OPEN = re.compile(r"[„“”\"«»]")
_EXCLAIM = re.compile(r"!+")
_QUESTION = re.compile(r"\?+")
# Acronyms that are ordinary in news and say nothing about tone.
_COMMON_ACRONYMS = frozenset(
    [
        "COVID",
        "CDU",
        "CSU",
        "SPD",
        "FDP",
        "AFD",
        "NATO",
        "USA",
        "WHO",
        "BILD",
        "ARD",
        "ZDF",
        "BUND",
        "DAX",
        "RTL",
        "SARS",
        "MERS",
        "ZEIT",
        "EZB",
        "UNO",
        "OECD",
        "UEFA",
        "FIFA",
        "DFB",
        "DPA",
        "GMBH",
        "ARTE",
        "NDR",
        "WDR",
        "MDR",
        "SWR",
        "BBC",
        "CNN",
        "IFO",
        "HIV",
        "AIDS",
    ]
)


@dataclass(frozen=True, slots=True)
class Feature:
    """One stylistic feature: its name, how it reads to a reader, and whether it has evidence."""

    name: str
    high: str  # German: what a high value means (shown when the feature raises the score)
    low: str  # German: what a low value means (shown when the feature lowers the score)
    lexicon: str | None = None  # key in lexicons.json whose matches are the evidence
    pattern: re.Pattern[str] | None = None  # regex whose matches are the evidence


@lru_cache(maxsize=1)
def lexicon_patterns() -> dict[str, re.Pattern[str]]:
    """The cue lists as compiled, case-insensitive word-boundary patterns (loaded once).

    Used where match offsets matter (evidence spans in the original text).
    """
    return {key: re.compile(_alternation(entries), re.IGNORECASE) for key, entries in _lexicons().items()}


@lru_cache(maxsize=1)
def lowercase_patterns() -> dict[str, re.Pattern[str]]:
    """The same cue lists, lowercased and case-sensitive, for counting in lowercased text.

    Python's ``re.IGNORECASE`` on Unicode text is about three times slower than matching a
    lowercased text; counting runs over every line of a training corpus. Entries hold no uppercase
    escapes (``\\W``, ``\\S`` …), which lowercasing would change; :func:`_lexicons` checks that.
    """
    return {
        key: re.compile(_alternation([e.lower() for e in entries])) for key, entries in _lexicons().items()
    }


@lru_cache(maxsize=1)
def _lexicons() -> dict[str, list[str]]:
    data = json.loads(LEXICON_PATH.read_text(encoding="utf-8"))
    lexicons = {key: entries for key, entries in data.items() if not key.startswith("_")}
    for entries in lexicons.values():
        for entry in entries:
            if re.search(r"\\[A-Z]", entry):
                raise ModelError(
                    f"lexicon entry {entry!r} in {LEXICON_PATH} uses an uppercase escape, which "
                    "lowercased matching would change; write it as a class, e.g. [^\\w] for \\W"
                )
    return lexicons


def _alternation(entries: list[str]) -> str:
    alternatives = "|".join(sorted(entries, key=len, reverse=True))
    return rf"(?<!\w)(?:{alternatives})(?!\w)"


FEATURES: tuple[Feature, ...] = (
    Feature(
        "share_calls",
        "Der Text fordert zum Teilen oder Weiterverbreiten auf.",
        "Keine Aufrufe zum Teilen.",
        lexicon="share_calls",
    ),
    Feature("exclamations", "Viele Ausrufezeichen.", "Kaum Ausrufezeichen.", pattern=_EXCLAIM),
    Feature("allcaps", "Viele Wörter in Großbuchstaben.", "Kaum Wörter in Großbuchstaben.", pattern=_ALLCAPS),
    Feature(
        "loaded_words",
        "Viele wertende, aufgeladene Begriffe.",
        "Wenig aufgeladene Sprache.",
        lexicon="loaded_words",
    ),
    Feature("quotes", "Viele wörtliche Zitate.", "Wenig wörtliche Zitate.", pattern=_QUOTE_OPEN),
    Feature(
        "attribution",
        "Aussagen werden oft Quellen zugeordnet (\u201esagte\u201c, \u201elaut\u201c).",
        "Aussagen werden selten einer Quelle zugeordnet.",
        lexicon="attribution",
    ),
    Feature(
        "hedges",
        "Viele Relativierungen (\u201eangeblich\u201c, \u201eoffenbar\u201c).",
        "Wenig Relativierungen.",
        lexicon="hedges",
    ),
    Feature("numbers", "Viele Zahlen und Daten.", "Wenig Zahlen und Daten.", pattern=_NUMBER),
    Feature("dates", "Viele konkrete Datumsangaben.", "Wenig konkrete Datumsangaben.", pattern=_DATE),
    Feature("questions", "Viele Fragen im Text (oft rhetorisch).", "Kaum Fragen im Text.", pattern=_QUESTION),
    Feature(
        "address",
        "Der Text spricht die Leser direkt an (\u201eihr\u201c, \u201eSie\u201c, \u201ewir\u201c).",
        "Der Text spricht die Leser kaum direkt an.",
        lexicon="address",
    ),
    Feature("first_person", "Viel Ich-Perspektive.", "Wenig Ich-Perspektive.", lexicon="first_person"),
    Feature("length", "Ein langer Text.", "Ein kurzer Text."),
    Feature("sentence_length", "Lange Sätze.", "Kurze Sätze."),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


COUNT_NAMES: tuple[str, ...] = (
    "share_calls",
    "exclamations",
    "allcaps",
    "loaded_words",
    "quote_marks",
    "attribution",
    "hedges",
    "numbers",
    "dates",
    "questions",
    "address",
    "first_person",
    "words",
    "sentences",
)


def sentence_count(text: str) -> int:
    """Sentence ends (or line breaks) in ``text``; at least 1 for any non-empty text."""
    return max(1, sum(1 for _ in _SENTENCE_END.finditer(text.strip()))) if text.strip() else 0


def _allcaps_matches(text: str) -> list[re.Match[str]]:
    return [m for m in _ALLCAPS.finditer(text) if m.group() not in _COMMON_ACRONYMS]


def matches(feature: Feature, text: str) -> list[tuple[int, int]]:
    """Character ranges in ``text`` that are evidence for ``feature`` (empty if it has none)."""
    if feature.name == "allcaps":
        return [m.span() for m in _allcaps_matches(text)]
    if feature.lexicon is not None:
        return [m.span() for m in lexicon_patterns()[feature.lexicon].finditer(text)]
    if feature.pattern is not None:
        return [m.span() for m in feature.pattern.finditer(text)]
    return []


def count_vector(text: str) -> np.ndarray:
    """Raw counts in the order of :data:`COUNT_NAMES`; counts of parts add up to counts of the whole."""
    lex = lowercase_patterns()
    lower = text.lower()
    return np.array(
        [
            len(lex["share_calls"].findall(lower)),
            len(_EXCLAIM.findall(text)),
            len(_allcaps_matches(text)),
            len(lex["loaded_words"].findall(lower)),
            len(_QUOTE_OPEN.findall(text)),
            len(lex["attribution"].findall(lower)),
            len(lex["hedges"].findall(lower)),
            len(_NUMBER.findall(text)),
            len(_DATE.findall(text)),
            len(_QUESTION.findall(text)),
            len(lex["address"].findall(lower)),
            len(lex["first_person"].findall(lower)),
            len(_WORD.findall(text)),
            sentence_count(text),
        ],
        dtype=np.float64,
    )


def features_from_counts(counts: np.ndarray) -> np.ndarray:
    """Turn raw counts ``(n, len(COUNT_NAMES))`` into features ``(n, len(FEATURE_NAMES))``.

    Densities are rates (per 1000 words or per sentence) passed through log1p: they are heavy-tailed,
    and one shouty paragraph should not dominate the score.
    """
    c = np.atleast_2d(np.asarray(counts, dtype=np.float64))
    col = {name: c[:, i] for i, name in enumerate(COUNT_NAMES)}
    words = np.maximum(col["words"], 1.0)
    sentences = np.maximum(col["sentences"], 1.0)
    per_1000 = 1000.0 / words
    rates = {
        "share_calls": col["share_calls"] * per_1000,
        "exclamations": col["exclamations"] / sentences,
        "allcaps": col["allcaps"] * per_1000,
        "loaded_words": col["loaded_words"] * per_1000,
        "quotes": col["quote_marks"] / 2 / sentences,
        "attribution": col["attribution"] / sentences,
        "hedges": col["hedges"] * per_1000,
        "numbers": col["numbers"] * per_1000,
        "dates": col["dates"] * per_1000,
        "questions": col["questions"] / sentences,
        "address": col["address"] * per_1000,
        "first_person": col["first_person"] * per_1000,
        "length": words,
        "sentence_length": words / sentences,
    }
    return np.log1p(np.column_stack([rates[name] for name in FEATURE_NAMES]))


def text_features(text: str) -> np.ndarray:
    """The feature vector of one text, in the order of :data:`FEATURE_NAMES` (all finite)."""
    return features_from_counts(count_vector(text))[0]
