"""Article reliability: leakage removal, fold hygiene, explained scores with valid spans, eval command."""

from __future__ import annotations

import gzip
import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import sparse

from quellenlage.cli import cli
from quellenlage.features import COUNT_NAMES, FEATURE_NAMES, FEATURES, count_vector, matches, text_features
from quellenlage.models import Article
from quellenlage.reliability import (
    ReliabilityModel,
    boilerplate_keys,
    clean_lines,
    line_key,
    normalise_line,
    score_article,
)
from quellenlage.train.reliability import inner_folds, lopo, publisher_weights, select_columns
from quellenlage.train.reliability_eval import PROTOCOLS, group_folds, make_folds

SHRILL = Article(
    id="a1",
    title="Die Wahrheit über die Corona-Diktatur!",
    text=(
        "Teilen Sie diesen Artikel, bevor er gelöscht wird! Die Lügenpresse verschweigt euch die "
        "Wahrheit. Wer glaubt noch diesem Regime? Die Mainstreammedien betreiben Propaganda und "
        "Panikmache!!! Wacht endlich auf, wir lassen uns das nicht mehr gefallen!\n"
        "Die Eliten wollen den Impfzwang, das ist ein SKANDAL."
    ),
)
SOBER = Article(
    id="a2",
    title="Bundesregierung verlängert Maßnahmen",
    text=(
        "Berlin. Die Bundesregierung hat die Corona-Maßnahmen bis zum 14. März verlängert. Das teilte "
        "Regierungssprecher Steffen Seibert am Mittwoch mit. Laut Robert Koch-Institut lag die "
        "Sieben-Tage-Inzidenz zuletzt bei 62,4. \u201eWir müssen vorsichtig bleiben\u201c, sagte "
        "Kanzlerin Angela Merkel nach den Beratungen mit den Ministerpräsidenten der Länder.\n"
        "Die Länder sollen die Öffnung der Schulen selbst regeln, hieß es nach Angaben von Teilnehmern."
    ),
)


def test_clean_lines_removes_what_identifies_a_publisher():
    text = (
        "Von Max Mustermann\n"
        "[Wenn Sie alle Nachrichten live wollen, empfehlen wir unsere App.]\n"
        "Wie RT DE berichtet, steht es auf https://de.rt.com/x und bei journalistenwatch.com.\n"
        "Quelle: tagesspiegel.de\n"
        "Er sagte \u201eNein\u201c \u2013 und ging."
    )
    lines = clean_lines("Titel", text)
    joined = "\n".join(lines).lower()
    for leak in ("mustermann", "empfehlen", "rt de", "http", "rt.com", "journalistenwatch", "tagesspiegel"):
        assert leak not in joined
    assert lines[0] == "Titel"
    assert 'Er sagte "Nein" - und ging.' in lines


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Laut ZEIT ONLINE und rt.com sagte er", "Laut und sagte er"),
        ("Mehr bei WWW.Example.DE/x heute", "Mehr bei heute"),
        ("Mit Material von DPA und Reuters.", "und ."),
        ("İstanbul: Tagesspiegel berichtet", "İstanbul: berichtet"),  # lowercasing changes length here
        # Known over-reach: the outlet names match in any case, so "die Zeit" (time) goes too.
        ("Die Zeit läuft ab, sagte sie", "läuft ab, sagte sie"),
        ("Nichts zu entfernen in dieser Zeile", "Nichts zu entfernen in dieser Zeile"),
    ],
)
def test_normalise_line_blanks_publishers_urls_and_credits_in_any_case(line, expected):
    assert normalise_line(line) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Teilen Sie das! BITTE TEILEN, bitte teilen.",
        "Die LÜGENPRESSE und die Lügenpresse, sagte er, angeblich.",
        "Wir, ihr und ich: UNSER Land, mein Haus.",
        "Ein neutraler Satz ohne Signalwörter.",
    ],
)
def test_lowercased_counting_agrees_with_the_evidence_matches(text):
    counts = dict(zip(COUNT_NAMES, count_vector(text)))
    for feature in FEATURES:
        if feature.lexicon is not None:
            assert counts[feature.lexicon] == len(matches(feature, text)), feature.name


def test_boilerplate_keys_are_lines_repeated_across_documents():
    docs = [["Unterstützen Sie uns!", f"Inhalt {i}"] for i in range(5)] + [["Einmalig"]]
    assert boilerplate_keys(docs, min_documents=5) == {line_key("unterstützen sie uns!")}


def test_line_keys_are_digests_of_the_first_50_lowercased_characters():
    key = line_key("Unterstützen Sie uns! " + "x" * 60)
    assert key == line_key("unterstützen sie uns! " + "x" * 28 + "anders weiter")
    assert key != line_key("Unterstützen Sie uns nicht")
    assert len(key) == 16 and "unterst" not in key  # no text of the line in the shipped list


def test_the_shipped_boilerplate_list_holds_digests_only():
    keys = ReliabilityModel.load().boilerplate
    assert keys and all(len(k) == 16 and set(k) <= set("0123456789abcdef") for k in keys)


def test_text_features_are_finite_and_named():
    values = text_features(SHRILL.text)
    assert values.shape == (len(FEATURE_NAMES),)
    assert np.isfinite(values).all()
    assert (
        values[FEATURE_NAMES.index("share_calls")]
        > text_features(SOBER.text)[FEATURE_NAMES.index("share_calls")]
    )


def test_select_columns_drops_ngrams_of_too_few_publishers():
    counts = sparse.csr_matrix(np.array([[1, 1], [1, 0], [1, 0], [1, 1]], dtype=np.float32))
    groups = np.array(["a", "b", "c", "a"])
    cols, idf = select_columns(counts, np.arange(4), max_features=10, min_df=1, groups=groups)
    assert cols.tolist() == [0]  # column 1 occurs only at publisher "a"
    assert idf.shape == (1,)


def test_inner_folds_hold_out_whole_publishers_and_keep_both_labels():
    groups = np.array(["f1"] * 5 + ["f2"] * 5 + ["f3"] * 5 + ["r1"] * 10)
    labels = np.array([1] * 15 + [0] * 10)
    folds = inner_folds(groups, labels, k=3)
    covered = np.concatenate(folds)
    assert sorted(covered.tolist()) == list(range(25))
    for fold in folds:
        fake_publishers = {g for g in groups[fold] if g.startswith("f")}
        assert len(fake_publishers) <= 1
        rest = np.setdiff1d(np.arange(25), fold)
        assert set(labels[rest]) == {0, 1}
        for g in fake_publishers:  # never split across folds
            assert set(np.flatnonzero(groups == g)) <= set(fold.tolist())


def _corpus(per_publisher: int = 12) -> list[dict[str, str]]:
    """Five publishers; each article one line of sentences drawn from its label's pool, so no line
    repeats often enough to count as boilerplate."""
    rng = np.random.default_rng(0)
    pools = {
        label: [
            s.strip() + "." for s in article.text.replace("!", ".").replace("?", ".").split(".") if s.strip()
        ]
        for label, article in (("fake", SHRILL), ("real", SOBER))
    }
    records = []
    for n, (source, label) in enumerate(
        [
            ("f1.example", "fake"),
            ("f2.example", "fake"),
            ("f3.example", "fake"),
            ("r1.example", "real"),
            ("r2.example", "real"),
        ]
    ):
        for i in range(per_publisher):
            sentences = rng.choice(pools[label], size=4, replace=False).tolist()
            text = f"Meldung {n * 100 + i}: " + " ".join(sentences)
            records.append(
                {
                    "id": f"{source}-{i}",
                    "url": "",
                    "date": "",
                    "source": source,
                    "label": label,
                    "title": "",
                    "text": text,
                }
            )
    return records


def test_lopo_scores_every_publisher_with_both_models():
    result = lopo(_corpus())
    assert result["publishers"] == 5
    assert set(result["per_source"]) == {"f1.example", "f2.example", "f3.example", "r1.example", "r2.example"}
    assert 0.0 <= result["roc_auc"] <= 1.0 and 0.0 <= result["baseline_roc_auc"] <= 1.0
    assert result["roc_auc"] > 0.9  # texts differ sharply by label here
    assert 0.0 <= result["roc_auc_logit"] <= 1.0 and 0.0 <= result["baseline_roc_auc_logit"] <= 1.0
    assert result["pair_folds"] == 6  # two real × three fake publishers, each pair held out together
    assert result["pair_roc_auc_min"] <= result["pair_roc_auc"] <= 1.0
    assert 0.0 <= result["baseline_pair_roc_auc"] <= 1.0


def test_lopo_without_pairs_skips_pair_folds():
    result = lopo(_corpus(), pairs=False)
    assert "pair_roc_auc" not in result and "roc_auc" in result


@pytest.mark.parametrize("compressed", [False, True])
def test_eval_reliability_prints_one_json_line(tmp_path, compressed):
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _corpus(6))
    path = tmp_path / ("tiny.jsonl.gz" if compressed else "tiny.jsonl")
    if compressed:
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(lines)
    else:
        path.write_text(lines, encoding="utf-8")
    args = ["eval", "reliability", "--data", str(path), "--protocols", "pairs,groups,lopo,random"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    out = result.stdout.strip().splitlines()
    assert len(out) == 1
    assert "folds" in result.stderr  # the progress bar goes to stderr, never into the JSON line
    metrics = json.loads(out[0])
    assert {
        "headline",
        "pair_roc_auc",
        "pair_roc_auc_min",
        "pair_f1",
        "pair_per_source",
        "group_roc_auc",
        "leaky_random_roc_auc",
        "roc_auc",
        "roc_auc_logit",
        "f1",
        "baseline_roc_auc",
        "baseline_roc_auc_logit",
        "baseline_pair_roc_auc",
        "baseline_f1",
        "per_source",
        "articles_per_s",
        "n",
    } <= set(metrics)
    assert metrics["headline"] == "pair_roc_auc"
    assert metrics["n"] == 30


def test_eval_reliability_rejects_an_unknown_protocol(tmp_path):
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _corpus(6)), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["eval", "reliability", "--data", str(path), "--protocols", "pairs,lopp"]
    )
    assert result.exit_code != 0
    assert "lopp" in str(result.exception) and "pairs, groups, lopo, random" in str(result.exception)


def test_group_folds_hold_out_one_real_publisher_and_some_fake_ones_each():
    groups = np.array(["r1"] * 4 + ["r2"] * 4 + ["f1"] * 6 + ["f2"] * 5 + ["f3"] * 2)
    labels = np.array([0] * 8 + [1] * 13)
    folds = group_folds(groups, labels)
    assert len(folds) == 2
    assert sorted(g for fold in folds for g in fold) == ["f1", "f2", "f3", "r1", "r2"]
    for fold in folds:
        assert len([g for g in fold if g.startswith("r")]) == 1
        assert any(g.startswith("f") for g in fold)


def test_make_folds_never_put_a_test_publisher_in_training_except_the_random_split():
    groups = np.array(["r1"] * 4 + ["r2"] * 4 + ["f1"] * 6 + ["f2"] * 5 + ["f3"] * 2)
    labels = np.array([0] * 8 + [1] * 13)
    folds = make_folds(groups, labels, PROTOCOLS)
    assert [f.protocol for f in folds].count("pairs") == 6
    assert [f.protocol for f in folds].count("lopo") == 5
    for fold in folds:
        train = np.setdiff1d(np.arange(len(groups)), fold.test)
        shared = set(groups[fold.test]) & set(groups[train])
        assert bool(shared) == (fold.protocol == "random"), fold


@pytest.mark.parametrize(
    ("groups", "labels"),
    [
        (["a", "a", "a", "b", "c", "c"], [1, 1, 1, 1, 0, 0]),
        (["a"] * 9 + ["b", "c", "d"], [1] * 9 + [1, 0, 0]),
    ],
)
def test_publisher_weights_give_each_label_half_and_each_publisher_an_equal_share(groups, labels):
    groups, labels = np.array(groups), np.array(labels)
    weights = publisher_weights(groups, labels)
    assert weights.sum() == pytest.approx(len(groups))
    for lab in (0, 1):
        assert weights[labels == lab].sum() == pytest.approx(len(groups) / 2)
        shares = {g: weights[groups == g].sum() for g in set(groups[labels == lab])}
        assert max(shares.values()) == pytest.approx(min(shares.values()))


@pytest.mark.slow
def test_shipped_model_is_loaded_once():
    assert ReliabilityModel.load() is ReliabilityModel.load()


@pytest.mark.slow
def test_shrill_article_scores_above_sober_report():
    shrill, sober = score_article(SHRILL), score_article(SOBER)
    assert 0.0 <= sober.score < shrill.score <= 1.0


@pytest.mark.slow
@pytest.mark.parametrize("article", [SHRILL, SOBER], ids=["shrill", "sober"])
def test_reasons_are_german_weighted_and_point_into_the_text(article):
    result = score_article(article)
    assert result.reasons
    assert 0.0 <= result.threshold <= 1.0
    weights = [abs(r.weight) for r in result.reasons]
    assert weights == sorted(weights, reverse=True)
    for reason in result.reasons:
        assert reason.text.endswith(".")
        for span in reason.spans:
            assert span.article_id == article.id
            assert 0 <= span.start < span.end <= len(article.text)
            assert span.text(article.text).strip()
        if "Wortwahl" in reason.text:
            term = reason.text.split("\u201e")[1].split("\u201c")[0]
            first = reason.spans[0].text(article.text).lower()
            assert re.findall(r"[^\W\d_]+", first) == term.split()


@pytest.mark.slow
def test_empty_article_gets_a_score_without_failing():
    result = score_article(Article(id="e", text=""))
    assert 0.0 <= result.score <= 1.0


def _tiny_model() -> ReliabilityModel:
    coef = np.r_[0.1, 2.0, -1.0, np.zeros(len(FEATURE_NAMES))]
    return ReliabilityModel(
        vocabulary=("corona", "lügenpresse", "sagte"),
        idf=np.ones(3),
        coef=coef,
        intercept=0.0,
        feature_mean=np.zeros(len(FEATURE_NAMES)),
        feature_scale=np.ones(len(FEATURE_NAMES)),
        platt=(1.0, 0.0),
        threshold=0.5,
        boilerplate=frozenset({line_key("Unterstützen Sie uns!")}),
    )


def test_model_round_trips_through_its_files(tmp_path):
    _tiny_model().save(tmp_path, {"note": "test"})
    loaded = ReliabilityModel.load.__wrapped__(ReliabilityModel, tmp_path)
    assert loaded.vocabulary == ("corona", "lügenpresse", "sagte")
    assert loaded.boilerplate == {line_key("Unterstützen Sie uns!")}
    np.testing.assert_allclose(loaded.coef, _tiny_model().coef)


def test_ngram_reasons_carry_their_log_odds_and_spans():
    article = Article(id="t", text="Die Lügenpresse lügt, sagte er.")
    result = _tiny_model().score_article(article)
    by_term = {r.text.split("\u201e")[1].split("\u201c")[0]: r for r in result.reasons}
    assert by_term["lügenpresse"].weight > 0 > by_term["sagte"].weight
    assert by_term["lügenpresse"].spans[0].text(article.text) == "Lügenpresse"
    assert by_term["sagte"].spans[0].text(article.text) == "sagte"


def _write_jsonl(path, records):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def test_read_jsonl_normalises_labels_and_fills_what_it_can(tmp_path):
    from quellenlage.train.reliability import read_jsonl

    rows = [
        {"source": "a.example", "label": "Fake", "title": None, "text": "Eins."},
        {"source": "b.example", "label": "REAL", "text": None},
        {"url": "https://www.c.example/x", "label": " unreliable ", "text": "Drei."},
    ]
    records = read_jsonl(_write_jsonl(tmp_path / "x.jsonl", rows))
    assert [r["label"] for r in records] == ["fake", "real", "fake"]
    assert records[1]["text"] == "" and records[0]["title"] == ""
    assert records[2]["source"] == "c.example"  # no source field: the URL's host


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"source": "a.example", "label": "satire", "text": "x"}, "label 'satire'"),
        ({"label": "fake", "text": "x"}, "names no publisher"),
    ],
)
def test_read_jsonl_names_the_line_it_cannot_use(tmp_path, row, message):
    from quellenlage.errors import InputError
    from quellenlage.train.reliability import read_jsonl

    good = {"source": "a.example", "label": "fake", "text": "x"}
    path = _write_jsonl(tmp_path / "x.jsonl", [good, row])
    with pytest.raises(InputError, match=message) as info:
        read_jsonl(path)
    assert "x.jsonl:2" in str(info.value)


def test_a_label_with_one_publisher_skips_the_folds_it_cannot_form():
    # Only one real publisher: every pair fold would train without a real article.
    records = [r for r in _corpus(30) if r["source"] != "r2.example"]
    result = lopo(records, protocols=("pairs", "groups", "random", "shipped"))
    assert "pair_roc_auc" not in result
    assert set(result["skipped_folds"]) == {f"pairs r1.example + f{i}.example" for i in (1, 2, 3)}
    assert result["headline"] == "shipped_roc_auc" and 0.0 <= result["shipped_roc_auc"] <= 1.0
    assert "leaky_random_roc_auc" in result  # the random split needs no second publisher


def test_shipped_protocol_fits_nothing_and_leaves_out_training_articles(monkeypatch):
    from quellenlage.reliability import article_key
    from quellenlage.train import reliability_eval

    records = _corpus(10)
    trained = {article_key(r["title"], r["text"]) for r in records[:7]}
    monkeypatch.setattr(reliability_eval, "training_keys", lambda: frozenset(trained))
    labels = np.array([r["label"] == "fake" for r in records], dtype=int)
    groups = np.array([r["source"] for r in records])
    out = reliability_eval.shipped_scores(records, labels, groups)
    assert out["shipped_left_out_as_training_articles"] == 7
    assert out["shipped_n"] == len(records) - 7
    assert sum(v["n"] for v in out["shipped_per_source"].values()) == len(records) - 7
    assert out["shipped_roc_auc"] > 0.8  # the shipped model tells the shrill pool from the sober one
    assert out["shipped_training_publishers_here"] == []  # none of the shipped model's publishers
    assert set(out["shipped_topic_check"]) == {"russia", "usa", "china", "vaccines"}


def test_topic_check_counts_articles_on_and_off_a_topic_per_label():
    from quellenlage.train.reliability_eval import topic_check

    records = [
        {"title": "Putin in Moskau", "text": "Der Kreml schweigt."},
        {"title": "Putin in Moskau", "text": "Der Kreml schweigt."},
        {"title": "Wetter", "text": "Es regnet in Hamburg."},
        {"title": "Russland", "text": "Russland und Putin."},
    ]
    labels, scores = np.array([0, 0, 0, 1]), np.array([0.9, 0.1, 0.2, 0.8])
    russia = topic_check(records, labels, scores, np.ones(4, bool), 0.5)["russia"]
    assert russia["real_on_n"] == 2 and russia["real_on_above"] == 0.5
    assert russia["real_off_n"] == 1 and russia["real_off_above"] == 0.0
    assert russia["fake_on_n"] == 1 and russia["fake_off_n"] == 0 and "fake_off_above" not in russia


def test_shipped_training_keys_are_digests_of_its_training_articles():
    from quellenlage.reliability import MODEL_DIR, training_keys

    keys = training_keys()
    meta = json.loads((MODEL_DIR / "meta.json").read_text(encoding="utf-8"))
    assert 0.99 * meta["n_train"] <= len(keys) <= meta["n_train"]  # FANG-COVID repeats a few articles
    assert all(re.fullmatch(r"[0-9a-f]{16}", k) for k in keys)


# Topic words ---------------------------------------------------------------------------------------


def test_topic_words_cover_names_demonyms_and_their_adjectives():
    from quellenlage.reliability import TopicWords

    topic = TopicWords(frozenset({"russland", "putin", "russen"}), ("russ", "französ"))
    for word in ("Russland", "Putin", "Russen", "russischen", "russisch", "französische"):
        assert topic.is_topic(word), word
    for word in ("politischen", "kritisch", "Regierung", "Russlands"):
        assert not topic.is_topic(word), word
    assert TopicWords.from_lines(topic.lines()) == topic


def test_blank_topic_words_uses_the_override_while_a_model_is_trained():
    from quellenlage.reliability import TopicWords, blank_topic_words, use_topic_words

    use_topic_words(TopicWords(frozenset({"moskau"}), ("russ",)))
    try:
        assert blank_topic_words("Die russische Regierung in Moskau schweigt.").split() == [
            "Die",
            "Regierung",
            "in",
            "schweigt.",
        ]
    finally:
        use_topic_words(None)


def test_shipped_topic_words_are_what_the_gazetteer_gives_now():
    """A changed gazetteer changes what the model would blank: retrain (make train-reliability)."""
    from quellenlage.reliability import topic_words
    from quellenlage.train.reliability import build_topic_words

    assert topic_words() == build_topic_words()
    assert topic_words().is_topic("Russland") and topic_words().is_topic("ukrainischen")


@pytest.mark.slow
def test_the_same_report_about_another_country_gets_the_same_score():
    report = (
        "Die {adj} Regierung in {city} hat am Mittwoch neue Sanktionen angekündigt. Das teilte ein "
        "Sprecher des Außenministeriums mit. Nach Angaben von Diplomaten sollen die Maßnahmen ab März gelten."
    )
    texts = [report.format(adj=a, city=c) for a, c in (("russische", "Moskau"), ("französische", "Paris"))]
    first, second = clean_lines(None, texts[0]), clean_lines(None, texts[1])
    assert first == second
    scores = ReliabilityModel.load().score_texts([None, None], texts)
    assert scores[0] == pytest.approx(scores[1])
