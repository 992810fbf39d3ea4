"""Content signals of one article and the reader-facing summary of all signals.

- :func:`content_signals` runs every detector of :mod:`.content` and :mod:`.techniques` on a Reading;
  :func:`article_signals` adds the source signals.
- :func:`subjectivity_hook` turns the ``subjectivity`` setting into the hook those take.
- :func:`stale_signal` is called by the comparison stage once it knows how old the events are.
- :func:`summarise_signals` turns source and content signals into 1–5 German sentences for the
  briefing's Quellenlage section, most severe first.

Source signals (outlet ratings) live in :mod:`quellenlage.credibility`.
"""

from __future__ import annotations

from collections.abc import Iterable

from quellenlage.errors import ConfigError
from quellenlage.models import Reading, Signal
from quellenlage.settings import CHOICES

from .content import (
    Subjectivity,
    all_caps,
    anonymous_sources,
    call_to_share,
    cross_promotion,
    exclamations,
    headline_mismatch,
    inserted_teasers,
    loaded_language,
    missing_metadata,
    newness_spans,
    stale_signal,
    subjective_report,
    subjectivity_candidates,
)
from .techniques import technique_signals, techniques

__all__ = [
    "SUBJECTIVITY_METHODS",
    "Subjectivity",
    "all_caps",
    "anonymous_sources",
    "article_signals",
    "call_to_share",
    "content_signals",
    "cross_promotion",
    "exclamations",
    "headline_mismatch",
    "inserted_teasers",
    "loaded_language",
    "missing_metadata",
    "newness_spans",
    "repeats",
    "stale_signal",
    "subjective_report",
    "subjectivity_candidates",
    "subjectivity_hook",
    "summarise_signals",
    "technique_signals",
    "techniques",
]

SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1, "info": 0}
MAX_SUMMARY_SENTENCES = 5
NO_SIGNALS = "Für diesen Artikel wurden keine auffälligen Quellen- oder Stilmerkmale festgestellt."
# Values of the ``subjectivity`` setting: the trained sentence model, or the evaluative-word rule.
SUBJECTIVITY_METHODS = CHOICES["subjectivity"]


def subjectivity_hook(method: str) -> Subjectivity | None:
    """The hook for a ``subjectivity`` setting value: the trained model's batch scorer for
    ``"model"`` (loaded lazily, once per process, on first use), ``None`` (the rule fallback) for
    ``"rules"``."""
    if method == "rules":
        return None
    if method == "model":
        from quellenlage.subjectivity import subjectivity_score

        return subjectivity_score
    raise ConfigError(
        f"setting 'subjectivity' must be one of {', '.join(SUBJECTIVITY_METHODS)}, got {method!r}"
    )


def content_signals(reading: Reading, subjectivity: Subjectivity | None = None) -> tuple[Signal, ...]:
    """All content signals of one reading, in detector order.

    ``loaded_language`` is the PTC technique Loaded_Language found with the same lexicon, so
    ``technique:Loaded_Language`` is not reported a second time here (call :func:`technique_signals`
    for the technique list on its own).
    ``subjectivity`` (sentences → P(subjective) each, one call per reading) plugs in the trained
    subjectivity model; without it a rule-based fallback decides which report sentences are
    evaluative (see :func:`subjectivity_hook`).
    """
    loaded = loaded_language(reading)
    techniques_found = technique_signals(reading)
    if loaded:
        techniques_found = tuple(t for t in techniques_found if t.kind != "technique:Loaded_Language")
    return (
        *call_to_share(reading),
        *inserted_teasers(reading),
        *cross_promotion(reading),
        *loaded,
        *subjective_report(reading, subjectivity),
        *anonymous_sources(reading),
        *missing_metadata(reading.article),
        *headline_mismatch(reading),
        *exclamations(reading),
        *all_caps(reading),
        *techniques_found,
    )


def article_signals(reading: Reading, *, subjectivity: Subjectivity | None = None) -> tuple[Signal, ...]:
    """Everything said about one article: its source signals (outlet and declared origin ratings,
    :func:`quellenlage.credibility.source_signals`) followed by its content signals, with the
    ``subjectivity`` hook (:func:`subjectivity_hook` of the setting; ``None``: the rule fallback)."""
    from quellenlage.credibility import source_signals

    return source_signals(reading.article) + content_signals(reading, subjectivity)


def _covered(signal: Signal, chosen: list[Signal]) -> bool:
    """True when every span of ``signal`` lies within spans already reported by a chosen signal."""
    if not signal.spans:
        return False
    taken = [s for c in chosen for s in c.spans]
    return all(
        any(t.article_id == s.article_id and t.start <= s.start and s.end <= t.end for t in taken)
        for s in signal.spans
    )


def _names(signal: Signal) -> set[str]:
    """The kind of a signal, plus ``technique:<name>`` for the PTC technique it stands for."""
    technique = dict(signal.data).get("ptc_technique")
    return {signal.kind, f"technique:{technique}"} if technique else {signal.kind}


def repeats(signal: Signal, shown: Iterable[Signal]) -> bool:
    """True when ``signal`` tells the reader nothing the ``shown`` signals have not.

    That is a signal standing for the same PTC technique as a shown one (``loaded_language`` is
    ``technique:Loaded_Language``), or a technique signal whose evidence lies within spans already
    shown ("Altparteien" as loaded language and again as Name_Calling).
    """
    shown = list(shown)
    names = _names(signal)
    if any(names & _names(other) for other in shown):
        return True
    return signal.kind.startswith("technique:") and _covered(signal, shown)


def summarise_signals(signals: Iterable[Signal]) -> list[str]:
    """1–5 German sentences for the reader, most severe first.

    Order: severity, then source signals about an origin before the publishing outlet (the content is
    the origin's), then source before article level. One sentence per kind; a technique signal whose
    evidence another chosen signal already shows (Loaded_Language after loaded_language) is left out.
    """
    ordered = sorted(
        enumerate(signals),
        key=lambda item: (
            -SEVERITY_RANK.get(item[1].severity, 0),
            dict(item[1].data).get("role") != "origin",
            item[1].level != "source",
            item[0],
        ),
    )
    chosen: list[Signal] = []
    kinds: set[tuple[str, str]] = set()
    for _, signal in ordered:
        key = (signal.kind, signal.target)
        if key in kinds or _covered(signal, chosen):
            continue
        kinds.add(key)
        chosen.append(signal)
        if len(chosen) == MAX_SUMMARY_SENTENCES:
            break
    return [s.explanation for s in chosen] or [NO_SIGNALS]
