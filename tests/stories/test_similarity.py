"""Story similarity: features on hand-built pairs, the shipped model, CV fold grouping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quellenlage.cli.eval_similarity import Pair, base_pair_id, group_folds, read_pairs
from quellenlage.errors import InputError, ModelError
from quellenlage.similarity import (
    FEATURES,
    LIGHT_FEATURES,
    LinearModel,
    features,
    fit,
    profiles,
    sentences,
    shipped_model,
    similarity,
)

FLOOD_A = (
    "Hochwasser in Passau: Pegel steigt auf 9,80 Meter. Die Stadt Passau hat am Montag den Katastrophenfall "
    "ausgerufen. Oberbürgermeister Jürgen Dupper sagte, 2.000 Helfer seien im Einsatz. Die Donau erreichte "
    "am Abend einen Pegel von 9,80 Metern. Die Altstadt wurde teilweise evakuiert."
)
FLOOD_B = (
    "Katastrophenfall in Passau ausgerufen. Wegen des Hochwassers der Donau gilt in Passau seit Montag der "
    "Katastrophenfall. Rund 2.000 Einsatzkräfte helfen, erklärte Jürgen Dupper. Der Pegel lag am Abend bei "
    "9,80 Metern, Teile der Altstadt mussten geräumt werden."
)
FLOOD_EN = (
    "Passau declares disaster as Danube floods. The Bavarian city of Passau declared a state of disaster on "
    "Monday. Mayor Jürgen Dupper said 2,000 helpers were deployed. The Danube reached 9.80 metres in the "
    "evening, and parts of the old town were evacuated."
)
BUDGET = (
    "Bundestag beschließt Haushalt 2025. Der Bundestag hat den Haushalt für das kommende Jahr verabschiedet. "
    "Finanzminister Christian Lindner verteidigte die Schuldenbremse. Die Opposition kritisierte Kürzungen "
    "bei der Bahn und in der Entwicklungshilfe."
)


@pytest.fixture(scope="module")
def flood() -> list:
    return profiles([FLOOD_A, FLOOD_B, FLOOD_EN, BUDGET], ["de", "de", "en", "de"])


def test_sentences_splits_on_sentence_ends_and_newlines() -> None:
    assert sentences("Erster Satz. Zweiter Satz!\nDritter") == ["Erster Satz.", "Zweiter Satz!", "Dritter"]


def test_features_of_same_story_pair_exceed_unrelated_pair(flood: list) -> None:
    same, other = features(flood[0], flood[1]), features(flood[0], flood[3])
    assert set(same) == set(FEATURES)
    for name in ("cos_doc", "align", "names", "numbers", "lemmas"):
        assert same[name] > other[name], name
    assert same["same_lang"] == 1.0


def test_names_and_numbers_match_across_languages(flood: list) -> None:
    cross = features(flood[0], flood[2])
    assert cross["same_lang"] == 0.0 and cross["lemmas"] == 0.0
    assert cross["names"] > 0  # "passau", "dupper", "donau"
    assert cross["numbers"] > 0  # "9" / "80" survive either decimal mark


@pytest.mark.parametrize("other", [1, 2])
def test_shipped_model_ranks_same_story_above_unrelated(flood: list, other: int) -> None:
    assert similarity(flood[0], flood[other]) > similarity(flood[0], flood[3]) + 0.15


def test_light_profiles_use_the_light_model(flood: list) -> None:
    light = profiles([FLOOD_A, FLOOD_B, BUDGET], ["de", "de", "de"], light=True)
    assert light[0].sents is None and set(features(light[0], light[1])) == set(LIGHT_FEATURES)
    assert similarity(light[0], light[1]) > similarity(light[0], light[2])


def test_linear_model_round_trips_and_rejects_unknown_features() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((40, 2))
    model = fit(x, x[:, 0] * 0.5 + 0.2, names=("cos_doc", "names"), alpha=0.01)
    again = LinearModel.from_dict(model.to_dict())
    assert np.allclose(again.predict(x), model.predict(x))
    assert again.score({"cos_doc": 0.6, "names": 0.1, "unused": 3.0}) == pytest.approx(0.5, abs=0.05)
    with pytest.raises(ModelError, match="refit"):
        LinearModel.from_dict({**model.to_dict(), "features": ["made_up"]})


def test_shipped_models_name_their_training_data() -> None:
    for kind in ("full", "light"):
        assert shipped_model(kind).info["data"].startswith("semeval2022-task8")


@pytest.mark.parametrize(
    ("pair_id", "base"),
    [
        ("1484039360it_1484180228it", "1484039360_1484180228"),
        ("1556488279_1573093212fr", "1556488279_1573093212"),
    ],
)
def test_base_pair_id_strips_language_suffixes(pair_id: str, base: str) -> None:
    assert base_pair_id(pair_id) == base


def test_cv_folds_never_split_a_base_pair() -> None:
    ids = ["1_2", "1de_2de", "1es_2", "3_4", "5_6", "5fr_6fr", "7_8", "9_10", "9it_10it", "11_12"]
    groups = [base_pair_id(i) for i in ids]
    folds = group_folds(groups, k=3)
    for group in set(groups):
        assert len({f for f, g in zip(folds, groups, strict=True) if g == group}) == 1
    assert set(folds) == {0, 1, 2}


def test_read_pairs_names_missing_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("pair_id,text1\n1_2,x\n")
    with pytest.raises(InputError, match="Overall"):
        read_pairs(bad)
    good = tmp_path / "good.csv"
    good.write_text('pair_id,lang1,lang2,text1,text2,Overall\n1de_2de,de,de,"a, b",c,1.5\n')
    assert read_pairs(good) == [Pair("1de_2de", "de", "de", "a, b", "c", 1.5)]


def test_eval_similarity_heldout_prints_one_json_line_with_baseline(tmp_path: Path) -> None:
    import csv
    import json

    from click.testing import CliRunner

    from quellenlage.cli import cli

    rows = []
    for i in range(6):  # same-story pairs (1.0) and unrelated pairs (4.0), German and German-English
        rows.append((f"{i}0_{i}1", "de", "de", FLOOD_A, FLOOD_B, 1.0))
        rows.append((f"{i}2_{i}3", "de", "en", FLOOD_A, FLOOD_EN, 1.5))
        rows.append((f"{i}4_{i}5", "de", "de", FLOOD_B, BUDGET, 4.0))
    data = tmp_path / "pairs.csv"
    with data.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["pair_id", "lang1", "lang2", "text1", "text2", "Overall"])
        writer.writerows(rows)
    result = CliRunner().invoke(cli, ["eval", "similarity", "--data", str(data), "--mode", "heldout"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    out = json.loads(line)
    assert out["mode"] == "heldout" and out["n"] == 18
    assert out["pearson"] > 0.8 and out["baseline_pearson"] > 0.5
    assert set(out["by_lang"]) == {"de-de", "de-en"} and out["pairs_per_s"] > 0
