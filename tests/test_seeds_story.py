"""The two seed articles end to end: real ingest, real reading layer, story, briefing, renderers."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources

import jsonschema
import pytest

from quellenlage.briefing import build_briefing
from quellenlage.ingest import iter_ingest
from quellenlage.models import SectionRole
from quellenlage.nlp import read
from quellenlage.render import render, to_dict
from quellenlage.story import build_story

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def analysis(seed_paths, tmp_path_factory):
    from quellenlage.settings import load_settings

    settings = load_settings(db=str(tmp_path_factory.mktemp("db") / "seeds.db"))
    articles = [item.article for item in iter_ingest([str(p) for p in seed_paths], settings) if item.article]
    assert len(articles) == 2
    return build_story(articles, [read(a) for a in articles])


@pytest.fixture(scope="module")
def ids(analysis):
    a, b = analysis.story.articles
    return a.id, b.id


def _claim(analysis, article_id, needle):
    return next(c for c in analysis.story.claims if c.article_id == article_id and needle in c.text)


def _names(analysis):
    return {e.id: e.name for r in analysis.story.readings for e in r.entities}


def test_warning_is_corroborated_and_attributed_to_sacharowa(analysis, ids):
    a, b = ids
    in_b = _claim(analysis, b, "legitime militärische Ziele")
    in_a = _claim(analysis, a, "legitime Kampfziele")
    group = analysis.comparison.group_of(in_b.id)
    assert group is not None and in_a.id in group.claims
    assert group.status == "corroborated" and group.sources == 2
    assert _names(analysis).get(group.attributed_to) == "Maria Sacharowa"


def test_quote_wording_conflict(analysis):
    wording = [c for c in analysis.comparison.conflicts if c.kind == "quote_wording"]
    texts = {a.id: a.text for a in analysis.story.articles}
    pairs = [{texts[s.article_id][s.start : s.end] for s in c.spans} for c in wording]
    assert {"legitime Kampfziele", "legitime militärische Ziele"} in pairs
    assert {"wahre Kriegsachse", "Kriegsachse"} in pairs


@pytest.mark.parametrize(
    ("seed", "needle"),
    [
        (0, "Absichtserklärung"),
        (0, "Die USA haben den Einsatz eigener Bodentruppen ausgeschlossen"),
        (0, "Witkoff"),
        (1, "unter US-Führung"),
        (1, "Donbass"),
        (1, "Einsatzregeln"),
    ],
)
def test_single_source_claims(analysis, ids, seed, needle):
    claim = _claim(analysis, ids[seed], needle)
    assert claim.is_factual
    assert analysis.comparison.group_of(claim.id).status == "single_source"


def test_inserted_teaser_figures_are_not_claims_of_the_story(analysis, ids):
    factual_values = {n.value for c in analysis.story.claims if c.is_factual for n in c.numbers}
    assert not factual_values & {55000.0, 1200000.0}
    teaser = _claim(analysis, ids[0], "55.000")
    assert teaser.section_role is SectionRole.TEASER and not teaser.is_factual
    assert analysis.comparison.group_of(teaser.id) is None


def test_republished_piece_is_stale_and_named_after_its_origin(analysis, ids):
    a, _ = ids
    (stale,) = [s for s in analysis.staleness if s.article_id == a]
    assert stale.gap_days == 31 and stale.latest_event == dt.date(2026, 1, 8)
    source = analysis.story.independence.of(a)
    assert source.origin_outlet == "naturalnews.com"
    assert source.origin_note == "stammt ursprünglich von naturalnews.com"
    flags = {s.kind for s in analysis.signals if s.target == a}
    assert {"stale", "inserted_teaser"} <= flags


def test_explainer_publication_window_is_inferred(analysis, ids):
    _, b = ids
    window = analysis.window(b)
    assert window is not None and window.start == dt.date(2026, 1, 8)
    assert dt.date(2026, 1, 8) <= window.end <= dt.date(2026, 1, 15)
    resolved = {d.raw: d.value for r in analysis.story.readings if r.article.id == b for d in r.dates}
    assert resolved["am Dienstag"] == dt.date(2026, 1, 6) and resolved["am Mittwoch"] == dt.date(2026, 1, 7)


def test_timeline(analysis):
    by_date = {e.date: e for e in analysis.timeline}
    claims = {c.id: c for c in analysis.story.claims}
    summit = by_date[dt.date(2026, 1, 6)]
    assert any("Gipfel in Paris" in claims[c].text for c in summit.claims)
    warning = by_date[dt.date(2026, 1, 8)]
    assert any("Sacharowa" in claims[c].text for c in warning.claims)
    assert len({claims[c].article_id for c in warning.claims}) == 2


def test_who_is_sacharowa_from_both_articles(analysis, ids):
    briefing = build_briefing(analysis)
    (box,) = [s for s in briefing.sections if s.title == "Wer ist Maria Sacharowa?"]
    assert {span.article_id for sentence in box.sentences for span in sentence.spans} == set(ids)
    assert any("Sprecherin des russischen Außenministeriums" in s.text for s in box.sentences)


def test_who_is_question_takes_the_article_of_the_explanation_heading(analysis):
    titles = [s.title for s in build_briefing(analysis).sections if s.key == "who_is"]
    assert "Was ist die Koalition der Willigen?" in titles
    (box,) = [
        s for s in build_briefing(analysis).sections if s.title == "Was ist die Koalition der Willigen?"
    ]
    assert all(" beschreibt die Koalition der Willigen so: „" in s.text for s in box.sentences)


def test_every_briefing_sentence_is_grounded_in_real_text(analysis):
    briefing = build_briefing(analysis)
    texts = {a.id: a.text for a in analysis.story.articles}
    for section in briefing.sections:
        for sentence in section.sentences:
            assert sentence.spans, (section.key, sentence.text)
            for span in sentence.spans:
                evidence = texts[span.article_id][span.start : span.end]
                assert evidence.strip() and evidence in texts[span.article_id]
    value = to_dict(briefing)
    for section in value["briefing"]["sections"]:
        for sentence in section["sentences"]:
            for span in sentence["spans"]:
                assert span["text"] == texts[span["article_id"]][span["start"] : span["end"]]


def test_every_briefing_quotation_is_the_sources_wording(analysis):
    texts = {a.id: a.text for a in analysis.story.articles}
    for section in build_briefing(analysis).sections:
        for sentence in section.sentences:
            evidence = " ".join(
                " ".join(texts[s.article_id][s.start : s.end].split()) for s in sentence.spans
            )
            for quoted in re.findall(r"„((?:[^„“]|„[^“]*“)+)“", sentence.text):
                for part in quoted.rstrip(" …").split(" […]"):  # an omission marks left-out words
                    assert " ".join(part.split()) in evidence, (section.key, quoted)


def test_outputs_validate_and_render(analysis):
    briefing = build_briefing(analysis)
    schema = json.loads(
        resources.files("quellenlage").joinpath("schema/briefing.schema.json").read_text("utf-8")
    )
    value = json.loads(render(briefing, "json"))
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(value)
    articles = {a["label"]: a for a in value["story"]["articles"]}
    assert articles["A"]["origin"]["outlet"] == "naturalnews.com" and "stale" in articles["A"]["flags"]
    assert articles["B"]["published"] is None and articles["B"]["published_inferred"]["start"] == "2026-01-08"
    md = render(briefing, "md")
    assert "## Was belegt ist" in md and "## Zeitleiste" in md and "[B2]" in md
    assert (
        "**A**: unbekannte Website" in md
        and "Artikel A (unbekannte Website) gibt als Quelle naturalnews.com" in md
    )
    html = render(briefing, "html")
    assert html.startswith("<!DOCTYPE html>") and "<mark>" in html
