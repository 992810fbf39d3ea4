"""`quellenlage analyze` end to end on the two seed articles (real ingest, reading, comparison)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from quellenlage.cli import cli

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory, seed_paths):
    db = tmp_path_factory.mktemp("analyze") / "q.db"
    result = CliRunner().invoke(cli, ["analyze", *map(str, seed_paths), "--db", str(db), "--format", "json"])
    assert result.exit_code == 0, result.output
    return db, json.loads(result.stdout)


def test_analyze_seeds_returns_the_json_contract(seed_run):
    _, data = seed_run
    assert {"story", "entities", "claims", "quotes", "conflicts", "timeline", "briefing"} <= set(data)
    assert len(data["story"]["articles"]) == 2
    assert any(c["status"] == "corroborated" for c in data["claims"])


def test_analyze_markdown_cites_sources(seed_run, seed_paths):
    db, _ = seed_run
    result = CliRunner().invoke(cli, ["analyze", *map(str, seed_paths), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "[A" in result.stdout and "[B" in result.stdout
    assert "Sacharowa" in result.stdout


def test_analyze_accepts_stored_ids_and_writes_html_file(seed_run, tmp_path):
    db, data = seed_run
    ids = [a["id"] for a in data["story"]["articles"]]
    out = tmp_path / "briefing.html"
    result = CliRunner().invoke(cli, ["analyze", ids[0][:8], ids[1], "--db", str(db), "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "Sacharowa" in html


def test_analyze_keeps_the_briefing_in_the_store(seed_run):
    from quellenlage.analysis import story_key
    from quellenlage.settings import load_settings
    from quellenlage.store import Store

    db, data = seed_run
    with Store.open(load_settings(db=str(db))) as store:
        stored = store.get_analysis("briefing", story_key([a["id"] for a in data["story"]["articles"]]))
    assert stored is not None
    assert stored["briefing"] == data["briefing"]


def test_analyze_with_only_bad_inputs_fails_clearly(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["analyze", str(empty), "--db", str(tmp_path / "q.db")])
    assert result.exit_code == 1
    assert "no article could be read" in result.output
    assert "empty" in result.output


def test_analyze_refuses_more_than_one_story(tmp_path, seed_paths):
    result = CliRunner().invoke(
        cli, ["analyze", *map(str, seed_paths), "--db", str(tmp_path / "q.db"), "--max-articles", "1"]
    )
    assert result.exit_code == 1
    assert "more than one story" in result.output


def test_analyze_stores_markdown_and_html_renderings(seed_run):
    """The CLI path stores the same renderings the web app serves as downloads."""
    from quellenlage.analysis import RENDERINGS, story_key
    from quellenlage.settings import load_settings
    from quellenlage.store import Store

    db, data = seed_run
    key = story_key([a["id"] for a in data["story"]["articles"]])
    with Store.open(load_settings(db=str(db))) as store:
        md = store.get_analysis(RENDERINGS["md"], key)
        html = store.get_analysis(RENDERINGS["html"], key)
    assert md is not None and "## Widersprüche" in md["text"]
    assert html is not None and html["text"].lstrip().lower().startswith("<!doctype html")
