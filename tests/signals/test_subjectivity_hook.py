"""The subjectivity hook: one batch per reading with exactly the candidate sentences, the
``subjectivity`` setting, and the runner, batch and web paths that honour it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quellenlage.errors import ConfigError, ModelError
from quellenlage.models import Article, Quote, Reading, Section, SectionRole, Sentence, Span
from quellenlage.settings import SETTINGS, load_settings
from quellenlage.signals import (
    SUBJECTIVITY_METHODS,
    article_signals,
    content_signals,
    subjective_report,
    subjectivity_candidates,
    subjectivity_hook,
)
from quellenlage.signals.content import SUBJECTIVITY_THRESHOLD

R, O, B = SectionRole.REPORT, SectionRole.OPINION, SectionRole.BACKGROUND

NEUTRAL = "Der Stadtrat beschloss am Dienstag den Haushalt für das kommende Jahr."
EVALUATIVE = "Diese Entscheidung ist ein beschämendes Versagen der Verwaltung."
ATTRIBUTED = "Die Opposition sagte, der Haushalt sei unsolide."
QUOTED_ONLY = "„Das ist ein Skandal.“"
QUOTE_OBJECT = "Der Kämmerer hält den Plan für einen Fehler."  # the reading layer found a Quote in it


def build(*sections: tuple[SectionRole, list[tuple[str, bool]]], quotes_at: tuple[str, ...] = ()) -> Reading:
    """A reading from sections of ``(sentence, is_heading)``; a sentence in ``quotes_at`` gets a Quote."""
    text, spans, parts = "", [], []
    for index, (role, sentences) in enumerate(sections):
        if text:
            text += "\n\n"
        start = len(text)
        for sentence, heading in sentences:
            if len(text) > start:
                text += " "
            spans.append((len(text), len(text) + len(sentence), index, heading, sentence))
            text += sentence
        parts.append(Section(index, role, Span("s1", start, len(text))))
    sentences = tuple(
        Sentence(i, Span("s1", a, b), section, is_heading=heading)
        for i, (a, b, section, heading, _) in enumerate(spans)
    )
    quotes = tuple(  # the reported clause: the sentence from its fourth word on
        Quote(text=text[q:b], span=Span("s1", q, b), kind="indirect")
        for a, b, _, _, sentence in spans
        if sentence in quotes_at
        for q in [a + len(" ".join(sentence.split()[:3])) + 1]
    )
    return Reading(
        article=Article(id="s1", text=text), sections=tuple(parts), sentences=sentences, quotes=quotes
    )


class FakeScorer:
    """Records every call; scores a sentence by lookup (default 0.0)."""

    def __init__(self, scores: dict[str, float] | None = None, default: float = 0.0) -> None:
        self.scores, self.default = scores or {}, default
        self.calls: list[list[str]] = []

    def __call__(self, sentences):  # type: ignore[no-untyped-def]
        self.calls.append(list(sentences))
        return [self.scores.get(s, self.default) for s in sentences]


MIXED = build(
    (
        R,
        [
            ("Haushalt beschlossen", True),
            (NEUTRAL, False),
            (ATTRIBUTED, False),
            (QUOTED_ONLY, False),
            (QUOTE_OBJECT, False),
            (EVALUATIVE, False),
        ],
    ),
    (O, [("Die Verwaltung hat kläglich versagt.", False)]),
    (B, [("Der letzte Haushalt war ein Desaster.", False)]),
    quotes_at=(QUOTE_OBJECT,),
)


def flagged(reading: Reading, signals) -> list[str]:  # type: ignore[no-untyped-def]
    return [span.text(reading.article.text) for signal in signals for span in signal.spans]


# --- the batch ----------------------------------------------------------------------------------


def test_hook_gets_one_batch_with_exactly_the_unattributed_report_sentences() -> None:
    scorer = FakeScorer(default=0.99)
    signals = subjective_report(MIXED, scorer)
    # not passed: the heading, the attributed sentence, the all-quoted sentence, the sentence
    # covered by a Quote, the opinion and the background sections
    assert scorer.calls == [[NEUTRAL, EVALUATIVE]]
    assert flagged(MIXED, signals) == [NEUTRAL, EVALUATIVE]
    assert [(a, b) for a, b, _ in subjectivity_candidates(MIXED)] == [
        (s.span.start, s.span.end)
        for s in MIXED.sentences
        if s.span.text(MIXED.article.text) in (NEUTRAL, EVALUATIVE)
    ]


@pytest.mark.parametrize(
    "score,fires",
    [(SUBJECTIVITY_THRESHOLD, True), (0.99, True), (SUBJECTIVITY_THRESHOLD - 0.01, False), (0.0, False)],
)
def test_hook_score_decides_at_the_threshold(score: float, fires: bool) -> None:
    signals = subjective_report(MIXED, FakeScorer({EVALUATIVE: score}))
    assert flagged(MIXED, signals) == ([EVALUATIVE] if fires else [])


@pytest.mark.parametrize(
    "reading",
    [
        build((O, [(EVALUATIVE, False)])),
        build((R, [(ATTRIBUTED, False), (QUOTED_ONLY, False)])),
        build((R, [("Ein beschämendes Versagen", True)])),
        build((B, [(EVALUATIVE, False)])),
    ],
    ids=["opinion", "attributed-or-quoted", "heading", "background"],
)
def test_hook_is_not_called_without_candidates(reading: Reading) -> None:
    scorer = FakeScorer(default=1.0)
    assert subjective_report(reading, scorer) == ()
    assert scorer.calls == []


def test_hook_returning_the_wrong_number_of_scores_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="returned 1 scores for 2 sentences"):
        subjective_report(MIXED, lambda batch: [0.9])


def test_method_field_names_the_judge() -> None:
    (by_model,) = subjective_report(MIXED, FakeScorer({EVALUATIVE: 0.9}))
    (by_rules,) = subjective_report(MIXED)  # "beschämend" is in the evaluative word list
    assert dict(by_model.data)["method"] == "model"
    assert dict(by_rules.data)["method"] == "rules"
    assert flagged(MIXED, (by_rules,)) == [EVALUATIVE]


def test_content_and_article_signals_pass_the_hook_through_once() -> None:
    for run in (lambda h: content_signals(MIXED, h), lambda h: article_signals(MIXED, subjectivity=h)):
        scorer = FakeScorer({NEUTRAL: 0.95})
        found = [s for s in run(scorer) if s.kind == "subjective_report"]
        assert len(scorer.calls) == 1
        assert [dict(s.data)["method"] for s in found] == ["model"]
        assert flagged(MIXED, found) == [NEUTRAL]


# --- the setting --------------------------------------------------------------------------------


def test_subjectivity_hook_maps_the_setting() -> None:
    from quellenlage.subjectivity import subjectivity_score

    assert SUBJECTIVITY_METHODS == ("model", "rules")
    assert subjectivity_hook("rules") is None
    assert subjectivity_hook("model") is subjectivity_score  # lazy: nothing is loaded yet


def test_subjectivity_hook_refuses_unknown_methods() -> None:
    with pytest.raises(ConfigError, match="must be one of model, rules, got 'svm'"):
        subjectivity_hook("svm")


def test_setting_default_and_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUELLENLAGE_SUBJECTIVITY", raising=False)
    # the measured default (see the comment in settings.py): the model is opt-in
    assert load_settings().subjectivity == SETTINGS["subjectivity"][0] == "rules"
    config = tmp_path / "q.toml"
    config.write_text('subjectivity = "model"\n', encoding="utf-8")
    assert load_settings(config).subjectivity == "model"
    monkeypatch.setenv("QUELLENLAGE_SUBJECTIVITY", " Rules ")
    assert load_settings(config).subjectivity == "rules"
    assert load_settings(config, subjectivity="model").subjectivity == "model"


@pytest.mark.parametrize("where", ["file", "env", "flag"])
def test_invalid_setting_says_the_allowed_values(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QUELLENLAGE_SUBJECTIVITY", raising=False)
    config, flags = None, {}
    if where == "file":
        config = tmp_path / "q.toml"
        config.write_text('subjectivity = "bert"\n', encoding="utf-8")
    elif where == "env":
        monkeypatch.setenv("QUELLENLAGE_SUBJECTIVITY", "bert")
    else:
        flags = {"subjectivity": "bert"}
    with pytest.raises(ConfigError, match=r"setting 'subjectivity' must be one of model, rules, got 'bert'"):
        load_settings(config, **flags)


# --- the three call sites -----------------------------------------------------------------------


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> FakeScorer:
    """The trained model replaced by a recording scorer that calls every sentence subjective."""
    import quellenlage.subjectivity

    scorer = FakeScorer(default=0.95)
    monkeypatch.setattr(quellenlage.subjectivity, "subjectivity_score", scorer)
    monkeypatch.delenv("QUELLENLAGE_SUBJECTIVITY", raising=False)
    return scorer


def _methods(signals) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        d["method"]
        for d in (dict(s.data) if hasattr(s, "data") else dict(s["data"]) for s in signals)
        if "method" in d
    ]


@pytest.mark.parametrize("method", ["model", "rules"])
def test_runner_signals_stage_honours_the_setting(method: str, fake_model: FakeScorer, tmp_settings) -> None:
    from quellenlage.runner import STAGES, Stage, run

    read = Stage("read", lambda state, progress: {"readings": (MIXED,)}, lambda state, out: None)
    signals_stage = next(s for s in STAGES if s.name == "signals")
    state = run(
        [MIXED.article], stages=[read, signals_stage], settings=tmp_settings.replace(subjectivity=method)
    )
    found = [s for s in state.signals if s.kind == "subjective_report"]
    assert _methods(found) == [method]
    assert fake_model.calls == ([[NEUTRAL, EVALUATIVE]] if method == "model" else [])


def test_runner_without_settings_reads_the_environment(
    fake_model: FakeScorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quellenlage.runner import STAGES, Stage, run

    monkeypatch.setenv("QUELLENLAGE_SUBJECTIVITY", "model")
    read = Stage("read", lambda state, progress: {"readings": (MIXED,)}, lambda state, out: None)
    run([MIXED.article], stages=[read, next(s for s in STAGES if s.name == "signals")])
    assert len(fake_model.calls) == 1


REPORT_TEXT = (
    "Der Stadtrat von Neustadt hat am Dienstag den Haushalt für das kommende Jahr beschlossen. "
    "Die Mehrheit fiel mit 30 zu 12 Stimmen deutlich aus. "
    "„Wir haben lange verhandelt“, sagte Bürgermeisterin Anna Weber nach der Sitzung. "
    "Die Schulen erhalten 4,2 Millionen Euro für Sanierungen."
)


@pytest.mark.parametrize("method", ["model", "rules"])
def test_batch_job_honours_the_setting(
    method: str, fake_model: FakeScorer, tmp_settings, tmp_path: Path
) -> None:
    from quellenlage.batch import LocalEngine, run_batch

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        json.dumps({"id": "n1", "date": "2026-01-09", "text": REPORT_TEXT}) + "\n", encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    run_batch([str(corpus)], out, tmp_settings.replace(subjectivity=method), LocalEngine(1))
    (row,) = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert row["status"] == "analysed", row
    found = [s for s in row["signals"] if s["kind"] == "subjective_report"]
    if method == "model":
        assert len(fake_model.calls) == 1  # one batch for the article
        assert not any("sagte" in s for s in fake_model.calls[0])  # the attributed quote is not judged
        assert _methods(found) == ["model"]
    else:
        assert fake_model.calls == [] and _methods(found) == []  # the neutral report has no rule hit


@pytest.mark.parametrize("method", ["model", "rules"])
def test_web_reading_view_honours_the_setting(method: str, fake_model: FakeScorer, tmp_settings) -> None:
    from quellenlage.web.service import reading_view

    article = Article(id="w1", text=REPORT_TEXT)
    data, _ = reading_view(article, tmp_settings.replace(subjectivity=method))
    found = [s for s in data["signals"] if s["kind"] == "subjective_report"]
    assert len(fake_model.calls) == (1 if method == "model" else 0)
    assert _methods(found) == (["model"] if method == "model" else [])


# --- the real model -----------------------------------------------------------------------------


@pytest.mark.slow
def test_real_model_flags_the_evaluative_sentence_and_not_the_neutral_one() -> None:
    from quellenlage.subjectivity import SubjectivityModel, subjectivity_score

    evaluative = "Dieser Beschluss ist ein peinliches und völlig absurdes Schauspiel, das niemandem hilft."
    reading = build(
        (R, [(NEUTRAL, False), (evaluative, False), ("Die Sitzung dauerte vier Stunden.", False)])
    )
    (signal,) = subjective_report(reading, subjectivity_hook("model"))
    assert flagged(reading, (signal,)) == [evaluative]
    assert dict(signal.data)["method"] == "model"
    assert SubjectivityModel.load() is SubjectivityModel.load()  # loaded once per process
    scores = subjectivity_score([NEUTRAL, evaluative])
    assert scores[0] < SUBJECTIVITY_THRESHOLD <= scores[1]


@pytest.mark.slow
@pytest.mark.parametrize("method", ["model", "rules"])
def test_analyze_command_passes_its_config_file_to_the_signals(
    method: str, fake_model: FakeScorer, tmp_path: Path
) -> None:
    """`quellenlage analyze --config FILE` reaches the signals stage (not only the environment)."""
    from click.testing import CliRunner

    from quellenlage.cli import cli

    config = tmp_path / "q.toml"
    config.write_text(f'subjectivity = "{method}"\n', encoding="utf-8")
    article = tmp_path / "bericht.txt"
    article.write_text(REPORT_TEXT + " " + EVALUATIVE, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["analyze", str(article), "--config", str(config), "--db", str(tmp_path / "q.db"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert len(fake_model.calls) == (1 if method == "model" else 0)
    assert EVALUATIVE in fake_model.calls[0] if method == "model" else True


@pytest.mark.parametrize("method", ["model", "rules"])
def test_web_api_reading_uses_the_app_settings(method: str, fake_model: FakeScorer, tmp_settings) -> None:
    from fastapi.testclient import TestClient

    from quellenlage.store import Store
    from quellenlage.web.app import create_app

    settings = tmp_settings.replace(subjectivity=method)
    with Store.open(settings) as store:
        store.put_article(Article(id="w2", text=REPORT_TEXT))
    with TestClient(create_app(settings)) as client:
        response = client.get("/api/articles/w2/reading")
    assert response.status_code == 200, response.text
    assert len(fake_model.calls) == (1 if method == "model" else 0)
