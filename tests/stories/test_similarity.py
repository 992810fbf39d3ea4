"""Story similarity: features on hand-built pairs, the shipped model, CV fold grouping."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from quellenlage.errors import InputError, ModelError
from quellenlage.similarity import (
    E5_FEATURES,
    FEATURES,
    LIGHT_FEATURES,
    LinearModel,
    TreeModel,
    char_grams,
    e5_windows,
    features,
    load_model,
    model_kind,
    profiles,
    sentences,
    shipped_model,
    similarity,
    trigrams,
)
from quellenlage.train.similarity import (
    Pair,
    PairFile,
    base_pair_id,
    fit,
    fit_trees,
    group_folds,
    read_pair_file,
    read_pairs,
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
    for name in (
        "cos_doc",
        "align",
        "align_min",
        "share_50",
        "names",
        "names_grams",
        "numbers",
        "lemmas",
        "grams",
    ):
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
    for kind in ("e5", "full", "light"):
        assert shipped_model(kind).info["data"].startswith("semeval2022-task8")
    assert set(shipped_model("e5").names) == set(E5_FEATURES)
    assert isinstance(shipped_model("full"), TreeModel) and isinstance(shipped_model("light"), LinearModel)


def test_unknown_model_kind_names_the_choices() -> None:
    with pytest.raises(ModelError, match="e5, full, light"):
        shipped_model("huge")


@pytest.mark.parametrize(
    ("a", "b", "least"),
    [
        ("Selenskyj", "Zelensky", 0.3),  # German and English transliteration
        ("Merkel", "Merkels", 0.6),  # genitive
        ("Müller", "Muller", 1.0),  # umlaut dots dropped
    ],
)
def test_name_trigrams_match_spelling_variants(a: str, b: str, least: float) -> None:
    ta, tb = trigrams(frozenset({a.lower()})), trigrams(frozenset({b.lower()}))
    assert len(ta & tb) / len(ta | tb) >= least


@pytest.mark.parametrize(("a", "b"), [("Selenskyj", "Bundestag"), ("Passau", "Lindner"), ("Biden", "Pfizer")])
def test_name_trigrams_of_different_names_barely_overlap(a: str, b: str) -> None:
    ta, tb = trigrams(frozenset({a.lower()})), trigrams(frozenset({b.lower()}))
    assert len(ta & tb) / len(ta | tb) < 0.15


def _gram_cosine(a: str, b: str) -> float:
    ga, gb = char_grams(a), char_grams(b)
    return sum(w * gb.get(g, 0.0) for g, w in ga.items())


def test_char_grams_are_unit_length_and_match_inflected_compounds() -> None:
    grams = char_grams("Hochwasser an der Donau")
    assert sum(w * w for w in grams.values()) == pytest.approx(1.0)
    assert char_grams("") == {}
    inflected = _gram_cosine("Die Hochwasserlage in Passau", "Wegen der Hochwasserlagen in Passaus Altstadt")
    unrelated = _gram_cosine("Die Hochwasserlage in Passau", "Der Finanzminister verteidigte den Haushalt")
    assert inflected > 0.4
    assert unrelated < 0.15


def test_tree_model_reproduces_sklearn_and_round_trips_through_json() -> None:
    import json

    from sklearn.ensemble import HistGradientBoostingRegressor

    from quellenlage.train.similarity import TREE_BLEND, TREE_PARAMS

    rng = np.random.default_rng(1)
    x = rng.random((300, 3))
    y = np.clip(0.6 * x[:, 0] + 0.3 * (x[:, 1] > 0.5) + 0.05 * rng.standard_normal(300), 0, 1)
    names = ("cos_doc", "names", "numbers")
    model = fit_trees(x, y, names=names, info={"data": "synthetic"})
    reference = HistGradientBoostingRegressor(random_state=0, **TREE_PARAMS).fit(x, y)
    unseen = rng.random((50, 3))
    unseen[::7, 1] = np.nan  # missing values follow the branch sklearn takes
    assert np.allclose(model.raw(unseen), reference.predict(unseen), atol=1e-6)
    assert model.linear is not None and model.blend == TREE_BLEND
    blended = TREE_BLEND * reference.predict(x) + (1 - TREE_BLEND) * model.linear.raw(x)
    assert np.allclose(model.predict(x), np.clip(blended, 0, 1), atol=1e-6)
    again = load_model(json.loads(json.dumps(model.to_dict())))
    assert isinstance(again, TreeModel) and np.allclose(again.predict(x), model.predict(x))
    assert again.score({"cos_doc": 0.9, "names": 0.9, "numbers": 0.5}) > again.score(
        {"cos_doc": 0.1, "names": 0.1, "numbers": 0.5}
    )
    with pytest.raises(ModelError, match="refit"):
        load_model({**model.to_dict(), "features": ["made_up"]})


def test_model_kind_picks_the_richest_model_both_profiles_allow(flood: list) -> None:
    light = profiles([FLOOD_A], ["de"], light=True)[0]
    assert model_kind(flood[0], flood[1]) == "full"
    assert model_kind(flood[0], light) == "light" and model_kind(light, light) == "light"
    assert "cos_e5" not in features(flood[0], flood[1])


@pytest.mark.slow
def test_e5_profiles_use_the_e5_model_and_rank_same_story_first() -> None:
    profs = profiles([FLOOD_A, FLOOD_EN, BUDGET], ["de", "en", "de"], e5=True)
    assert model_kind(profs[0], profs[1]) == "e5"
    values = features(profs[0], profs[1])
    assert set(values) == set(E5_FEATURES)
    assert values["cos_e5"] > features(profs[0], profs[2])["cos_e5"]
    assert similarity(profs[0], profs[1]) > similarity(profs[0], profs[2]) + 0.15
    assert values["cos_e5_opening"] > features(profs[0], profs[2])["cos_e5_opening"]
    assert profiles([FLOOD_A], light=True, e5=True)[0].e5 is None  # light profiles never run e5


@pytest.mark.slow
def test_e5_opening_is_the_unit_mean_of_the_window_vectors() -> None:
    from quellenlage.embed import embed

    long_text = f"{FLOOD_A} {FLOOD_B}"  # two windows
    (prof,) = profiles([long_text], ["de"], e5=True)
    windows = embed(e5_windows(long_text), "e5")
    assert len(windows) == 2
    np.testing.assert_allclose(prof.e5, windows[0], atol=1e-6)  # the head is the first window
    mean = windows.mean(axis=0)
    np.testing.assert_allclose(prof.e5_opening, mean / np.linalg.norm(mean), atol=1e-6)
    assert float(prof.e5 @ prof.e5_opening) < 0.9999  # the second window changes the vector


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [""]),  # the head window is always there, even empty
        ("Kurze Meldung.", ["Kurze Meldung."]),
        ("a" * 450, ["a" * 300, "a" * 150]),
        ("a" * 300 + " \n  ", ["a" * 300]),  # a blank second window is dropped
        ("b" * 300 + "c" * 300 + "d" * 400, ["b" * 300, "c" * 300]),  # nothing after E5_OPENING_CHARS
    ],
)
def test_e5_windows_cut_the_opening_into_head_sized_windows(text: str, expected: list[str]) -> None:
    assert e5_windows(text) == expected


def test_e5_opening_cosine_falls_back_to_the_head_cosine_for_hand_built_profiles(flood: list) -> None:
    from dataclasses import replace

    head = np.zeros(384, dtype=np.float32)
    head[0] = 1.0
    other = np.zeros(384, dtype=np.float32)
    other[:2] = np.sqrt(0.5)
    a, b = replace(flood[0], e5=head), replace(flood[1], e5=other)
    values = features(a, b)
    assert values["cos_e5_opening"] == pytest.approx(values["cos_e5"]) == pytest.approx(np.sqrt(0.5))
    opened = features(replace(a, e5_opening=other), replace(b, e5_opening=other))
    assert opened["cos_e5_opening"] == pytest.approx(1.0) and opened["cos_e5"] == pytest.approx(np.sqrt(0.5))


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


def _write_csv(tmp_path: Path, text: str) -> Path:
    """``text`` byte for byte (no newline translation) as ``pairs.csv``."""
    path = tmp_path / "pairs.csv"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize(
    "header",
    [
        "\ufeffpair_id,lang1,lang2,text1,text2,Overall",  # BOM before the first column name
        "pair_id,url1_lang,url2_lang,text1,text2,Overall",  # the official file's language columns
        "\ufeffPAIR_ID,URL1_LANG,Url2_Lang,Text1,TEXT2,overall",
        "Unnamed: 0,pair_id,lang1,lang2,text1,text2,Geography,Overall,Style,Tone",  # the shared file's extras
    ],
    ids=["bom", "url-lang", "bom-any-case", "extra-columns"],
)
def test_read_pair_file_accepts_header_variations(tmp_path: Path, header: str) -> None:
    names = [name.strip("\ufeff").lower() for name in header.split(",")]
    values = {
        "pair_id": "1de_2en",
        "lang1": "de",
        "url1_lang": "de",
        "lang2": "EN",
        "url2_lang": "EN",
        "text1": "Text eins",
        "text2": "Text two",
        "overall": "2.5",
    }
    row = ",".join(values.get(name, "x") for name in names)
    path = _write_csv(tmp_path, f"{header}\r\n{row}\r\n")
    assert read_pair_file(path) == PairFile((Pair("1de_2en", "de", "en", "Text eins", "Text two", 2.5),))


def test_read_pair_file_skips_and_counts_rows_without_a_score_or_a_text(tmp_path: Path) -> None:
    path = _write_csv(
        tmp_path,
        "pair_id,lang1,lang2,text1,text2,Geography,Overall\n"
        "1_2,de,de,a,b,NA,1\n"  # NA in a column that is not read: kept
        "3_4,de,de,a,b,1,NA\n"
        "5_6,de,de,a,b,1,\n"
        "7_8,de,de,a,b,1, n/a \n"
        "9_10,de,de,,b,1,2\n"
        '11_12,de,de,a,"  ",1,2\n'
        "13_14,de,de,a,b,1,4\n",
    )
    read = read_pair_file(path)
    assert [p.pair_id for p in read.pairs] == ["1_2", "13_14"]
    assert (read.skipped_no_score, read.skipped_no_text) == (3, 2)
    assert read_pairs(path) == list(read.pairs)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("1_2,de,de,a,b,2\n3_4,de,de,a,b,abc\n", r"line 3: Overall 'abc' is not a number"),
        ("1_2,de,de,a,b,5\n", r"line 2: Overall '5' is outside 1-4"),
        ("1_2,de,de,a,b,2\n3_4,de,de,a\n", r"line 3: 4 fields, the header has 6"),
        ('1_2,de,de,"a\nzweite Zeile",b,2\n3_4,de,de,a,b,x\n', r"line 4: Overall 'x'"),  # after a 2-line text
    ],
    ids=["not-a-number", "out-of-range", "short-row", "line-after-multiline-text"],
)
def test_read_pair_file_names_the_line_of_a_bad_row(tmp_path: Path, rows: str, message: str) -> None:
    path = _write_csv(tmp_path, "pair_id,lang1,lang2,text1,text2,Overall\n" + rows)
    with pytest.raises(InputError, match=message) as error:
        read_pair_file(path)
    assert str(path) in str(error.value) and "Fix or remove them" in str(error.value)


def test_read_pair_file_names_both_spellings_of_a_missing_language_column(tmp_path: Path) -> None:
    path = _write_csv(tmp_path, "pair_id,text1,text2,Overall\n1_2,a,b,2\n")
    with pytest.raises(InputError, match=r"lacks columns \['lang1 or url1_lang', 'lang2 or url2_lang'\]"):
        read_pair_file(path)


def test_eval_similarity_reports_mode_and_skipped_rows(tmp_path: Path) -> None:
    import json

    from click.testing import CliRunner

    from quellenlage.cli import cli

    rows = [
        f'{i}0_{i}1,de,de,"{FLOOD_A}","{FLOOD_B}",1.0\n{i}2_{i}3,de,de,"{FLOOD_B}","{BUDGET}",4.0\n'
        for i in range(2)
    ]
    data = _write_csv(
        tmp_path,
        "\ufeffpair_id,url1_lang,url2_lang,text1,text2,Overall\n"
        + "".join(rows)
        + f'90_91,de,de,"{FLOOD_A}","{FLOOD_B}",NA\n92_93,de,de,"{FLOOD_A}",,1.0\n',
    )
    args = ["eval", "similarity", "--data", str(data), "--mode", "heldout", "--no-e5"]
    result = CliRunner().invoke(cli, [*args, "--cache", str(tmp_path / "vectors")])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["mode"] == "heldout" and out["model"] == "full" and out["n"] == 4
    assert (out["skipped_no_score"], out["skipped_no_text"]) == (1, 1)


def test_eval_similarity_help_says_heldout_does_not_fit() -> None:
    from click.testing import CliRunner

    from quellenlage.cli import cli

    result = CliRunner().invoke(cli, ["eval", "similarity", "--help"])
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert (
        "[default: heldout]" in text and "heldout: score the shipped models on --data without fitting" in text
    )


def test_eval_similarity_heldout_leaves_out_the_shipped_training_pairs(shared_data) -> None:
    from quellenlage.train.similarity import pair_key, read_pair_file, training_pair_keys

    pairs = read_pair_file(shared_data / "similarity" / "semeval2022-task8-train.csv").pairs
    trained = training_pair_keys()
    assert all(pair_key(p) in trained for p in pairs)  # the shipped models were fitted on every pair
    assert len(trained) > 0.99 * len(pairs)  # a few pairs repeat


def test_eval_similarity_heldout_refuses_a_file_of_training_pairs_only(tmp_path: Path, shared_data) -> None:
    import csv

    from click.testing import CliRunner

    from quellenlage.cli import cli

    with (shared_data / "similarity" / "semeval2022-task8-train.csv").open(
        encoding="utf-8", newline=""
    ) as handle:
        rows = [row for _, row in zip(range(8), csv.reader(handle), strict=False)]
    path = tmp_path / "seen.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    result = CliRunner().invoke(cli, ["eval", "similarity", "--data", str(path), "--no-e5"])
    assert result.exit_code != 0
    assert "fitted on" in str(result.exception) and "--mode cv" in str(result.exception)


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
    result = CliRunner().invoke(
        cli,
        [
            "eval",
            "similarity",
            "--data",
            str(data),
            "--mode",
            "heldout",
            "--cache",
            str(tmp_path / "vectors"),
        ],
    )
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    out = json.loads(line)
    assert out["mode"] == "heldout" and out["n"] == 18 and out["model"] == "e5"
    assert out["pearson"] > 0.8 and out["full_pearson"] > 0.8 and out["baseline_pearson"] > 0.5
    assert set(out["by_lang"]) == {"de-de", "de-en"} and out["pairs_per_s"] > 0
    assert {path.name.split("-")[0] for path in (tmp_path / "vectors").iterdir()} == {"fuse", "e5"}
