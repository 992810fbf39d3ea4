"""Renderers: the JSON contract, Markdown references, escaped standalone HTML."""

from __future__ import annotations

import json
import re
from importlib import resources

import jsonschema
import pytest
from test_claims import LOC, PER, hand_reading

from quellenlage.briefing import build_briefing
from quellenlage.errors import ConfigError
from quellenlage.render import render, to_dict
from quellenlage.story import build_story

pytestmark = pytest.mark.slow  # loads the sentence encoder once

HOSTILE = (
    "Die Regierung in Berlin hat ein Gesetz zur Förderung von Windkraft beschlossen, sagte Anna Berg. "
    "<script>alert(1)</script>\n"
    "Anna Berg nannte das Gesetz „einen großen Durchbruch“ für Berlin. <img src=x onerror=alert(1)>\n"
)
OTHER = (
    "Berlin beschließt ein Gesetz, das den Ausbau der Windkraft fördern soll, erklärte Anna Berg.\n"
    "Anna Berg nannte das Gesetz „einen Durchbruch“ für die Stadt Berlin.\n"
)


@pytest.fixture(scope="module")
def briefing():
    people = {"Anna Berg": (PER, ()), "Berlin": (LOC, ())}
    a = hand_reading("a", HOSTILE, entities=people, outlet="<b>evil</b>.example", title="<i>Titel</i>")
    b = hand_reading("b", OTHER, entities=people, outlet="good.example")
    return build_briefing(build_story([a.article, b.article], [a, b]))


def _schema():
    return json.loads(
        resources.files("quellenlage").joinpath("schema/briefing.schema.json").read_text("utf-8")
    )


def test_json_validates_against_the_schema(briefing):
    value = json.loads(render(briefing, "json"))
    jsonschema.Draft202012Validator.check_schema(_schema())
    jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker()).validate(value)
    assert [a["label"] for a in value["story"]["articles"]] == ["A", "B"]
    assert value["briefing"]["sections"][0]["key"] == "overview"


def test_json_spans_carry_their_evidence(briefing):
    value = to_dict(briefing)
    texts = {a.id: a.text for a in briefing.analysis.story.articles}

    def walk(node):
        if isinstance(node, dict):
            if {"article_id", "start", "end", "text"} <= node.keys():
                yield node
            for child in node.values():
                yield from walk(child)
        elif isinstance(node, list):
            for child in node:
                yield from walk(child)

    spans = list(walk(value))
    assert len(spans) > 10
    for span in spans:
        assert texts[span["article_id"]][span["start"] : span["end"]] == span["text"]


def test_json_groups_quote_variants(briefing):
    quotes = to_dict(briefing)["quotes"]
    (durchbruch,) = [q for q in quotes if "Durchbruch" in q["text"]]
    assert durchbruch["speaker"] == "Anna Berg" and len(durchbruch["variants"]) == 2


def test_markdown_has_references_and_sources(briefing):
    md = render(briefing, "md")
    assert md.startswith("# ")
    assert "## Überblick" in md and "## Quellen" in md and "## Belegstellen" in md
    assert "[A1]" in md and "[B1]" in md
    assert "- [A1] Die Regierung in Berlin" in md


def test_html_is_standalone_and_escapes_article_text(briefing):
    html = render(briefing, "html")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script>alert(1)</script>" not in html and "<script" not in html
    assert "<img src=x" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<b>evil</b>" not in html and "&lt;b&gt;evil&lt;/b&gt;" in html
    assert "<i>Titel</i>" not in html
    assert "http://" not in html.replace("http-equiv", "") and "https://" not in html
    assert "<mark>" in html and 'href="#A-' in html and 'id="A-' in html
    targets = set(re.findall(r'href="#([^"]+)"', html))
    assert targets and targets <= set(re.findall(r'id="([^"]+)"', html))


def test_render_accepts_an_analysis_and_refuses_unknown_formats(briefing):
    assert render(briefing.analysis, "md") == render(briefing, "md")
    with pytest.raises(ConfigError, match="unknown output format 'pdf'"):
        render(briefing, "pdf")
