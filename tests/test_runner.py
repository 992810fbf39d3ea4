"""The runner: a visible loop that checks every stage's output and names the failing stage."""

from __future__ import annotations

import pytest

from quellenlage.errors import InputError, StageError
from quellenlage.models import Article, Signal, Span
from quellenlage.runner import STAGES, PipelineState, Stage, run

ARTICLE = Article(id="a1", text="Die Regierung hat am Montag ein Gesetz beschlossen.")


def _ok(state, progress):
    progress("ok", 1, 1)
    return {"signals": (Signal("test", "info", "Ein Test.", (Span("a1", 0, 3),)),)}


def _no_problem(state, out):
    return None


def test_stages_are_listed_in_one_place_in_order():
    assert [s.name for s in STAGES] == ["read", "signals", "story", "briefing"]


def test_runner_applies_each_stage_output_and_reports_progress():
    seen = []
    state = run([ARTICLE], stages=[Stage("ok", _ok, _no_problem)], progress=lambda *a: seen.append(a))
    assert isinstance(state, PipelineState)
    assert state.signals[0].kind == "test"
    assert seen == [("ok", 1, 1)]


def test_an_exception_inside_a_stage_names_the_stage():
    def boom(state, progress):
        raise KeyError("missing")

    with pytest.raises(StageError, match="stage 'explode' failed: KeyError") as info:
        run([ARTICLE], stages=[Stage("ok", _ok, _no_problem), Stage("explode", boom, _no_problem)])
    assert info.value.stage == "explode"
    assert isinstance(info.value.__cause__, KeyError)


def test_a_user_error_inside_a_stage_keeps_its_message():
    def bad_input(state, progress):
        raise InputError("cannot read x.txt: convert it to UTF-8", input="x.txt")

    with pytest.raises(StageError, match="stage 'load' failed: cannot read x.txt"):
        run([ARTICLE], stages=[Stage("load", bad_input, _no_problem)])


def test_a_failed_check_stops_the_run_and_names_the_stage():
    def bad_span(state, progress):
        return {"signals": (Signal("x", "low", "Falsch.", (Span("a1", 0, 999),)),)}

    signal_check = {s.name: s.check for s in STAGES}["signals"]
    with pytest.raises(StageError, match="stage 'signals' failed: signal x: span 0:999 outside article a1"):
        run([ARTICLE], stages=[Stage("signals", bad_span, signal_check)])


def test_a_span_into_an_unknown_article_is_caught():
    def foreign(state, progress):
        return {"signals": (Signal("x", "low", "Falsch.", (Span("zz", 0, 1),)),)}

    signal_check = {s.name: s.check for s in STAGES}["signals"]
    with pytest.raises(StageError, match="unknown article zz"):
        run([ARTICLE], stages=[Stage("signals", foreign, signal_check)])


def test_no_articles_is_a_clear_error():
    with pytest.raises(StageError, match="no articles to analyse"):
        run([])
