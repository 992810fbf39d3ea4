"""The pipeline runner: a plain, visible loop over named stages.

The stage graph is written here, in one place (``STAGES``)::

    articles ─read→ readings ─signals→ signals ─story→ analysis ─briefing→ briefing

``story`` runs claims → independence → alignment → publication windows → conflicts → timeline →
staleness (see :mod:`quellenlage.story`). Ingest happens before the runner (it does I/O) and
rendering after it (:mod:`quellenlage.render`).

Each stage is a function ``(state) -> dict of new state fields`` plus a check of its output. An
exception inside a stage, or a failed check, becomes a :class:`StageError` naming the stage, so a
user sees *where* the pipeline broke. Adding a stage is one line in ``STAGES`` plus a module.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import QuellenlageError, StageError
from .models import Article, Reading, Signal
from .settings import Settings, load_settings

Progress = Callable[[str, int, int], None]  # (stage name, items done, items total)


@dataclass(frozen=True)
class PipelineState:
    articles: tuple[Article, ...]
    readings: tuple[Reading, ...] = ()
    signals: tuple[Signal, ...] = ()
    analysis: Any = None  # quellenlage.story.StoryAnalysis
    briefing: Any = None  # quellenlage.briefing.Briefing
    settings: Settings | None = None  # None: load_settings() (config file and environment)


@dataclass(frozen=True)
class Stage:
    name: str
    run: Callable[[PipelineState, Progress], dict[str, Any]]
    check: Callable[[PipelineState, dict[str, Any]], str | None]  # returns a problem or None


def _noop(stage: str, done: int, total: int) -> None:
    return None


# --- read -------------------------------------------------------------------------------------


def _read(state: PipelineState, progress: Progress) -> dict[str, Any]:
    from .nlp import read

    settings = state.settings or load_settings()
    readings = []
    for i, article in enumerate(state.articles):
        readings.append(read(article, entities=settings.entities))
        progress("read", i + 1, len(state.articles))
    return {"readings": tuple(readings)}


def _check_read(state: PipelineState, out: dict[str, Any]) -> str | None:
    readings = out["readings"]
    if [r.article.id for r in readings] != [a.id for a in state.articles]:
        return "readings do not match the articles one to one"
    for reading in readings:
        text = reading.article.text
        for sentence in reading.sentences:
            if not (0 <= sentence.span.start <= sentence.span.end <= len(text)):
                return f"sentence span {sentence.span} outside article {reading.article.id}"
    return None


# --- signals ----------------------------------------------------------------------------------


def _signals(state: PipelineState, progress: Progress) -> dict[str, Any]:
    from .signals import article_signals, subjectivity_hook

    settings = state.settings or load_settings()
    subjectivity = subjectivity_hook(settings.subjectivity)
    found: list[Signal] = []
    for i, reading in enumerate(state.readings):
        found.extend(article_signals(reading, subjectivity=subjectivity))
        progress("signals", i + 1, len(state.readings))
    return {"signals": tuple(found)}


def _check_spans(state: PipelineState, spans: Sequence[Any]) -> str | None:
    texts = {a.id: a.text for a in state.articles}
    for span in spans:
        if span.article_id not in texts:
            return f"span points to unknown article {span.article_id}"
        if not (0 <= span.start <= span.end <= len(texts[span.article_id])):
            return f"span {span.start}:{span.end} outside article {span.article_id}"
    return None


def _check_signals(state: PipelineState, out: dict[str, Any]) -> str | None:
    for signal in out["signals"]:
        if not signal.explanation:
            return f"signal {signal.kind} has no explanation"
        problem = _check_spans(state, signal.spans)
        if problem:
            return f"signal {signal.kind}: {problem}"
    return None


# --- story (claims, comparison, timeline) -----------------------------------------------------


def _story(state: PipelineState, progress: Progress) -> dict[str, Any]:
    from .story import build_story

    progress("story", 0, 1)
    analysis = build_story(state.articles, state.readings, state.signals)
    progress("story", 1, 1)
    return {"analysis": analysis}


def _check_story(state: PipelineState, out: dict[str, Any]) -> str | None:
    analysis = out["analysis"]
    return _check_spans(state, [c.span for c in analysis.story.claims])


# --- briefing ---------------------------------------------------------------------------------


def _briefing(state: PipelineState, progress: Progress) -> dict[str, Any]:
    from .briefing import build_briefing

    progress("briefing", 0, 1)
    briefing = build_briefing(state.analysis)
    progress("briefing", 1, 1)
    return {"briefing": briefing}


def _check_briefing(state: PipelineState, out: dict[str, Any]) -> str | None:
    briefing = out["briefing"]
    for section in briefing.sections:
        for sentence in section.sentences:
            if not sentence.spans:
                return f"briefing sentence without evidence in '{section.title}': {sentence.text[:60]!r}"
            problem = _check_spans(state, sentence.spans)
            if problem:
                return problem
    return None


STAGES: tuple[Stage, ...] = (
    Stage("read", _read, _check_read),
    Stage("signals", _signals, _check_signals),
    Stage("story", _story, _check_story),
    Stage("briefing", _briefing, _check_briefing),
)


def run(
    articles: Sequence[Article],
    *,
    stages: Sequence[Stage] = STAGES,
    progress: Progress | None = None,
    settings: Settings | None = None,
) -> PipelineState:
    """Run ``stages`` in order over ``articles`` and return the final state.

    ``settings`` reach the stages through the state (``subjectivity`` chooses the signals stage's
    subjectivity judge); without them the stages load the settings of the config file and environment.
    """
    if not articles:
        raise StageError("no articles to analyse: every input was skipped or failed", stage="read")
    report = progress or _noop
    state = PipelineState(articles=tuple(articles), settings=settings)
    for stage in stages:
        try:
            out = stage.run(state, report)
        except StageError:
            raise
        except QuellenlageError as exc:
            raise StageError(str(exc), stage=stage.name) from exc
        except Exception as exc:  # a bug in a stage: name the stage, keep the traceback chained
            raise StageError(f"{type(exc).__name__}: {exc}", stage=stage.name) from exc
        problem = stage.check(state, out)
        if problem:
            raise StageError(problem, stage=stage.name)
        state = dataclasses.replace(state, **out)
    return state
