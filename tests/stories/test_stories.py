"""Incremental story clustering: joining, time windows, copies, reasons, the store and the commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from quellenlage.cli import cli
from quellenlage.models import Article
from quellenlage.similarity import Profile
from quellenlage.store import Store
from quellenlage.stories import (
    FULL_JOIN_MIN_SCORE,
    JOIN_MIN_SCORE,
    MIN_SHARED_RARE_NAMES,
    Clusterer,
    NameFrequencies,
    stored_clusters,
    update_stories,
)

D = dt.date(2024, 6, 3)

FLOOD_1 = (
    "Hochwasser in Passau: Katastrophenfall ausgerufen. Die Stadt Passau hat am Montag wegen des "
    "Hochwassers der Donau den Katastrophenfall ausgerufen. Oberbürgermeister Jürgen Dupper sagte, 2.000 "
    "Helfer seien im Einsatz. Der Pegel der Donau erreichte am Abend 9,80 Meter. Teile der Altstadt wurden "
    "evakuiert, Schulen bleiben geschlossen. Die Feuerwehr Passau warnt vor weiter steigenden Pegeln."
)
FLOOD_2 = (
    "Donau-Hochwasser: Passau im Ausnahmezustand. Wegen der Donau gilt in Passau seit Montag der "
    "Katastrophenfall. Rund 2.000 Einsatzkräfte helfen, erklärte Jürgen Dupper. Der Pegel lag am Abend "
    "bei 9,80 Metern. In der Altstadt mussten Häuser geräumt werden; die Schulen in Passau bleiben zu."
)
BUDGET = (
    "Bundestag beschließt Haushalt. Der Bundestag hat am Freitag den Bundeshaushalt für das kommende Jahr "
    "verabschiedet. Finanzminister Christian Lindner verteidigte die Schuldenbremse. Die Opposition "
    "kritisierte Kürzungen bei der Bahn und in der Entwicklungshilfe. Der Etat umfasst 480 Milliarden Euro."
)


def _article(aid: str, text: str, day: dt.date, outlet: str) -> Article:
    return Article(id=aid, text=text, title=text.split(".")[0], published=day, outlet=outlet, language="de")


def test_later_article_joins_the_right_story_with_reasons() -> None:
    clusterer = Clusterer(window_days=7)
    first = clusterer.add_many([_article("f1", FLOOD_1, D, "a.de"), _article("b1", BUDGET, D, "b.de")])
    assert all(a.new_story for a in first)
    (late,) = clusterer.add_many([_article("f2", FLOOD_2, D + dt.timedelta(days=2), "c.de")])
    assert not late.new_story and late.story_id == first[0].story_id
    reason = late.reason
    assert reason["kind"] == "similar" and reason["matched"] == "f1" and reason["date_gap_days"] == 2
    assert reason["score"] >= JOIN_MIN_SCORE
    assert {"passau", "dupper", "donau"} <= set(reason["shared_names"])
    assert first[0].reason["kind"] == "founder"


def test_article_far_in_time_starts_a_new_story() -> None:
    clusterer = Clusterer(window_days=7)
    (a,) = clusterer.add_many([_article("f1", FLOOD_1, D, "a.de")])
    (b,) = clusterer.add_many([_article("f2", FLOOD_2, D + dt.timedelta(days=30), "c.de")])
    assert b.new_story and b.story_id != a.story_id


def test_copy_joins_as_copy_and_counts_as_no_new_source() -> None:
    clusterer = Clusterer(window_days=7)
    copy_text = FLOOD_1.replace("Die Feuerwehr", "Auch die Feuerwehr") + " (dpa)"
    clusterer.add_many(
        [
            _article("f1", FLOOD_1, D, "a.de"),
            _article("f2", FLOOD_2, D, "c.de"),
            _article("cp", copy_text, D, "d.de"),
        ]
    )
    (story,) = [s for s in clusterer.results() if len(s.members) == 3]
    reasons = dict(story.members)
    assert reasons["cp"]["kind"] == "copy" and reasons["cp"]["copy_of"] == "f1"
    assert (story.sources, story.copies) == (2, 1)


def test_adding_an_article_twice_changes_nothing() -> None:
    clusterer = Clusterer(window_days=7)
    (a,) = clusterer.add_many([_article("f1", FLOOD_1, D, "a.de")])
    (again,) = clusterer.add_many([_article("f1", FLOOD_1, D, "a.de")])
    assert again.story_id == a.story_id and len(clusterer.results()[0].members) == 1


def test_update_stories_is_incremental_in_the_store(tmp_settings) -> None:  # type: ignore[no-untyped-def]
    with Store.open(tmp_settings) as store:
        store.put_article(_article("f1", FLOOD_1, D, "a.de"))
        store.put_article(_article("b1", BUDGET, D, "b.de"))
        changed, placed = update_stories(store, 7)
        assert placed == 2 and len(changed) == 2
        store.put_article(_article("f2", FLOOD_2, D + dt.timedelta(days=1), "c.de"))
        changed, placed = update_stories(store, 7)  # only the new article is placed
        assert placed == 1 and len(changed) == 1
        (flood,) = [s for s in stored_clusters(store) if "f1" in s.article_ids]
        assert flood.article_ids == ("f1", "f2") and flood.extra["kind"] == "cluster"
        assert (flood.first_published, flood.last_published) == (D, D + dt.timedelta(days=1))
        assert dict(flood.members)["f2"]["matched"] == "f1"
        assert update_stories(store, 7)[1] == 0
        _, placed = update_stories(store, 7, recluster=True)
        assert placed == 3 and len(stored_clusters(store)) == 2


def test_stories_and_story_commands(tmp_settings) -> None:  # type: ignore[no-untyped-def]
    with Store.open(tmp_settings) as store:
        for aid, text, outlet in (("f1", FLOOD_1, "a.de"), ("f2", FLOOD_2, "c.de"), ("b1", BUDGET, "b.de")):
            store.put_article(_article(aid, text, D, outlet))
    runner = CliRunner()
    result = runner.invoke(cli, ["stories", "--db", tmp_settings.db, "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["articles"] for r in rows] == [2, 1] and rows[0]["sources"] == 2 and rows[0]["copies"] == 0
    assert rows[0]["span"] == D.isoformat()
    shown = runner.invoke(cli, ["story", rows[0]["id"], "--db", tmp_settings.db, "--reasons"])
    assert shown.exit_code == 0 and len(shown.stdout.splitlines()) == 2
    missing = runner.invoke(cli, ["story", "nope", "--db", tmp_settings.db])
    assert missing.exit_code == 1 and "quellenlage stories" in missing.output


@pytest.mark.slow
def test_story_command_renders_a_briefing(tmp_settings) -> None:  # type: ignore[no-untyped-def]
    with Store.open(tmp_settings) as store:
        store.put_article(_article("f1", FLOOD_1, D, "a.de"))
        store.put_article(_article("f2", FLOOD_2, D, "c.de"))
        (story,) = update_stories(store, 7)[0]
    result = CliRunner().invoke(cli, ["story", story.id, "--db", tmp_settings.db, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["story"]["title"]


GOLD_DIR = Path(__file__).resolve().parents[1] / "data"
GOLD_FILES = ("same_story_gold.jsonl", "same_story_gold_heldout.jsonl")
# Precision of "same story" on the hand-checked pairs, measured when the rule was fixed (see the
# first line of each gold file); the test allows this margin below it.
GOLD_MARGIN = 0.1
NAME_SAMPLE = 5000  # FANG articles whose names stand in for "the articles seen so far"


@pytest.fixture(scope="module")
def fang_for_gold(shared_data: Path) -> tuple[dict[str, tuple[str, str]], NameFrequencies]:
    """Texts of every gold article, and name frequencies over a seeded sample of the corpus."""
    import gzip
    import random

    from quellenlage.similarity import _names

    wanted = set()
    for name in GOLD_FILES:
        for line in (GOLD_DIR / name).read_text(encoding="utf-8").splitlines()[1:]:
            pair = json.loads(line)
            wanted |= {pair["a"], pair["b"]}
    texts: dict[str, tuple[str, str]] = {}
    rows = []
    with gzip.open(
        shared_data / "reliability" / "fang-covid-train.jsonl.gz", "rt", encoding="utf-8"
    ) as handle:
        for line in handle:
            row = json.loads(line)
            rows.append((row.get("title") or "", row["text"]))
            if row["id"] in wanted:
                texts[row["id"]] = rows[-1]
    assert set(texts) == wanted
    names = NameFrequencies()
    for title, text in random.Random(0).sample(rows, NAME_SAMPLE):
        names.add(_names(f"{title}\n{text}"))
    return texts, names


@pytest.mark.slow
@pytest.mark.parametrize("gold", GOLD_FILES)
def test_gold_pairs_precision_stays_near_the_measured_value(gold: str, fang_for_gold) -> None:  # type: ignore[no-untyped-def]
    """Re-judge the hand-checked FANG-COVID pairs with the join rule (copy, or light score and
    shared rare names); of those it calls same-story, the share that a reader judged same-story must
    stay near the value measured when the rule was fixed."""
    from quellenlage.dedup import COPY_MIN_JACCARD, jaccard, shingles
    from quellenlage.similarity import profiles, similarity
    from quellenlage.stories import same_story

    texts, names = fang_for_gold
    lines = (GOLD_DIR / gold).read_text(encoding="utf-8").splitlines()
    meta, pairs = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert len(pairs) == meta["pairs"] and all(isinstance(p["same_story"], bool) for p in pairs)
    ids = sorted({p["a"] for p in pairs} | {p["b"] for p in pairs})
    profs = dict(zip(ids, profiles([f"{texts[i][0]}\n{texts[i][1]}" for i in ids], light=True), strict=True))
    predicted = []
    for p in pairs:
        a, b = profs[p["a"]], profs[p["b"]]
        copy = jaccard(shingles(texts[p["a"]][1]), shingles(texts[p["b"]][1])) >= COPY_MIN_JACCARD
        predicted.append(copy or same_story(similarity(a, b), names.rare(a.names & b.names)))
    called_same = [p["same_story"] for p, same in zip(pairs, predicted, strict=True) if same]
    assert len(called_same) >= meta["predicted_same"] - 3
    precision = sum(called_same) / len(called_same)
    assert precision >= meta["precision"] - GOLD_MARGIN, (precision, len(called_same), meta)


@pytest.mark.slow
def test_the_two_seed_reports_form_one_story_with_two_sources(seed_paths, tmp_settings) -> None:  # type: ignore[no-untyped-def]
    """The founding pair: a republished piece with header noise and an explainer, one story.

    The light score misses it (the lead of one is a date line and a share banner); the full model,
    which aligns sentences, verifies it."""
    from quellenlage.ingest import iter_ingest
    from quellenlage.storing import store_items

    with Store.open(tmp_settings) as store:
        list(store_items(store, iter_ingest([str(p) for p in seed_paths], tmp_settings), "test"))
        _, placed = update_stories(store, tmp_settings.story_window_days)
        assert placed == 2
        (story,) = stored_clusters(store)
        reasons = [reason for _, reason in story.members]
        assert {r["kind"] for r in reasons} == {"founder", "similar"}
        joined = next(r for r in reasons if r["kind"] == "similar")
        assert joined["model"] == "full" and joined["score"] >= FULL_JOIN_MIN_SCORE
        assert story.extra["sources"] == 2 and story.extra["copies"] == 0


def test_untitled_story_is_named_after_its_first_sentence_not_a_header_line() -> None:
    clusterer = Clusterer(window_days=7)
    text = "date 2024-06-03 Teile die Wahrheit!\n\n" + FLOOD_1
    clusterer.add_many([Article(id="x", text=text, published=D, language="de")])
    assert clusterer.results()[0].title == "Hochwasser in Passau: Katastrophenfall ausgerufen."


# -- the join rule on hand-built profiles (no embedding: the head vectors are chosen) -------------


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(512).astype(np.float32)
    return v / np.linalg.norm(v)


def _profile(head: np.ndarray, names: set[str], day: dt.date = D) -> Profile:
    return Profile(head, None, None, frozenset(names), frozenset(), frozenset(), "de", day)


COMMON = {"corona", "regierung", "impfstoff", "berlin"}


def _with_background(n: int = 30) -> Clusterer:
    """A clusterer that has seen ``n`` unrelated articles which all use the COMMON names."""
    clusterer = Clusterer(window_days=7)
    for i in range(n):
        clusterer.add(
            _article(f"bg{i}", f"Hintergrund {i}.", D, f"bg{i}.de"), _profile(_unit(i), COMMON | {f"ort{i}"})
        )
    return clusterer


@pytest.mark.parametrize(
    ("extra_a", "extra_b", "joins"),
    [
        (set(), set(), False),  # only common names shared: same topic, not the same story
        ({"passau"}, {"passau"}, False),  # one rare name is not enough
        ({"passau", "dupper"}, {"passau", "dupper"}, True),
        ({"passau", "dupper", "kiel"}, {"passau", "dupper", "lübeck"}, True),
        ({"passau", "ort3"}, {"passau", "ort3"}, True),  # seen once before: still rare
    ],
)
def test_similar_articles_join_only_with_shared_rare_names(extra_a, extra_b, joins) -> None:  # type: ignore[no-untyped-def]
    clusterer = _with_background()
    head = _unit(1000)
    first = clusterer.add(_article("a", "Erster Bericht.", D, "a.de"), _profile(head, COMMON | extra_a))
    second = clusterer.add(_article("b", "Zweiter Bericht.", D, "b.de"), _profile(head, COMMON | extra_b))
    assert (second.story_id == first.story_id) is joins
    if joins:
        assert second.reason["score"] >= JOIN_MIN_SCORE
        assert len(second.reason["shared_rare_names"]) >= MIN_SHARED_RARE_NAMES
        assert not set(second.reason["shared_rare_names"]) & COMMON
    else:
        assert second.new_story and second.reason["best_score"] >= JOIN_MIN_SCORE


def test_rare_names_depend_on_how_many_articles_contain_them() -> None:
    names = NameFrequencies()
    for i in range(1000):
        names.add(
            frozenset({"corona"} | ({"dupper"} if i < 3 else set()) | ({"lindner"} if i < 8 else set()))
        )
    # limit = max(RARE_NAME_MIN_COUNT, RARE_NAME_MAX_SHARE * 1000) = 5
    assert names.rare({"corona", "dupper", "lindner", "neu"}) == ["neu", "dupper"]


def test_low_score_does_not_join_even_with_shared_rare_names() -> None:
    clusterer = _with_background()
    names = COMMON | {"passau", "dupper", "donau"}
    first = clusterer.add(_article("a", "Erster.", D, "a.de"), _profile(_unit(2000), names))
    second = clusterer.add(_article("b", "Zweiter.", D, "b.de"), _profile(_unit(2001), names))
    assert second.new_story and second.story_id != first.story_id


@pytest.mark.slow
def test_worker_processes_place_articles_exactly_as_one_process_does() -> None:
    articles = [
        _article("f1", FLOOD_1, D, "a.de"),
        _article("b1", BUDGET, D, "b.de"),
        _article("f2", FLOOD_2, D + dt.timedelta(days=1), "c.de"),
        _article("cp", FLOOD_1 + " (dpa)", D + dt.timedelta(days=1), "d.de"),
    ]
    one = Clusterer(window_days=7).add_many(articles)
    two = Clusterer(window_days=7).add_many(articles, workers=2)
    assert one == two
    assert [a.reason["kind"] for a in two] == ["founder", "founder", "similar", "copy"]
