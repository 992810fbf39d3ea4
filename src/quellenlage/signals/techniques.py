"""Persuasion techniques of the PTC inventory, detected in German text with cue lexicons and patterns.

Definitions and cues: ``data/signals/techniques_de.json`` (PTC = Propaganda Techniques Corpus,
SemEval-2020 Task 11). One signal per technique found, kind ``technique:<PTC name>``, with every span.
Like the other style signals, techniques are looked for only in text the outlet presents as report,
outside quotations: a politician's slogan quoted in a report is news, not the outlet's persuasion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from quellenlage.models import Reading, Signal

from .common import (
    REPORT_LIKE,
    examples,
    inside,
    lexicon_hits,
    load_json,
    quoted_regions,
    regex_hits,
    spans,
    units,
    words,
)

__all__ = ["Technique", "technique_signals", "techniques"]


@dataclass(frozen=True, slots=True)
class Technique:
    name: str  # PTC label, e.g. "Name_Calling,Labeling"
    definition: str  # PTC guideline definition (English)
    explanation: str  # one German sentence for the reader
    severity: str
    lexicon: frozenset[str]  # loaded_language_de.tsv categories
    patterns: tuple[re.Pattern[str], ...]
    short_exclamation_max_words: int = 0


@lru_cache(maxsize=1)
def techniques() -> tuple[Technique, ...]:
    return tuple(
        Technique(
            name=t["name"],
            definition=t["definition"],
            explanation=t["explanation"],
            severity=t["severity"],
            lexicon=frozenset(t.get("lexicon", ())),
            patterns=tuple(re.compile(p, re.IGNORECASE) for p in t.get("patterns", ())),
            short_exclamation_max_words=int(t.get("short_exclamation_max_words", 0)),
        )
        for t in load_json("techniques_de.json")["techniques"]
    )


def _short_exclamations(reading: Reading, max_words: int) -> list[tuple[int, int]]:
    """Stand-alone exclamations of at most ``max_words`` words, not inside quotations."""
    text = reading.article.text
    regions = quoted_regions(reading)
    hits = []
    for unit in units(reading):
        if unit.role not in REPORT_LIKE:
            continue
        sentence = text[unit.start : unit.end].rstrip()
        if sentence.endswith("!") and 0 < len(words(sentence)) <= max_words:
            start = unit.start + (
                len(text[unit.start : unit.end]) - len(text[unit.start : unit.end].lstrip())
            )
            end = unit.start + len(sentence)
            if not inside(start, end, regions):
                hits.append((start, end))
    return hits


def _hits(reading: Reading, technique: Technique) -> list[tuple[int, int]]:
    hits = regex_hits(reading, technique.patterns, roles=REPORT_LIKE)
    if technique.lexicon:
        hits += [(a, b) for a, b, _ in lexicon_hits(reading, technique.lexicon)]
    if technique.short_exclamation_max_words:
        hits += _short_exclamations(reading, technique.short_exclamation_max_words)
    return hits


def technique_signals(reading: Reading) -> tuple[Signal, ...]:
    """One ``technique:<Name>`` signal per PTC technique with German cues found in the report text."""
    out = []
    for technique in techniques():
        found = spans(reading, _hits(reading, technique))
        if not found:
            continue
        explanation = technique.explanation.rstrip(".") + f", etwa {examples(reading, found)}."
        out.append(
            Signal(
                kind=f"technique:{technique.name}",
                severity=technique.severity,
                explanation=explanation,
                spans=found,
                level="article",
                target=reading.article.id,
                data=(
                    ("technique", technique.name),
                    ("definition", technique.definition),
                    ("count", str(len(found))),
                ),
            )
        )
    return tuple(out)
