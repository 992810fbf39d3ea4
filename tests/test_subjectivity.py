"""Sentence subjectivity: cue counts, the numpy SVM, a cached model, the eval command, and the
fine-tuned e5 model (numpy runtime, torch training)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from quellenlage import encoder
from quellenlage.cli import cli
from quellenlage.encoder import quantise_difference
from quellenlage.errors import InputError, ModelError
from quellenlage.subjectivity import (
    SHAPE_NAMES,
    FinetunedModel,
    Standardiser,
    SubjectivityModel,
    cue_features,
    cue_lexicon,
    cue_names,
    read_tsv,
    subjectivity_score,
)
from quellenlage.train import subjectivity as training

PAIRS = [
    (
        "Diese völlig irre Politik ist ein Skandal und eine Zumutung für uns alle!",
        "Die Bundesregierung hat am Dienstag neue Regeln für Einreisende beschlossen.",
    ),
    (
        "Wer glaubt eigentlich noch diesen Lügen der Regierung?",
        "Das Robert Koch-Institut meldete 1.200 neue Fälle.",
    ),
    (
        "Ich finde, man sollte endlich aufhören, die Menschen zu bevormunden.",
        "Der Zug nach Hamburg fährt ab Montag stündlich.",
    ),
    (
        "Das ist doch wohl ein schlechter Witz, den uns die Regierung da zumutet.",
        "Der Gemeinderat stimmte mit 14 zu 9 Stimmen für den Neubau der Schule.",
    ),
]


def _count(sentence: str, group: str) -> float:
    return float(cue_features([sentence])[0, cue_names().index(group)])


@pytest.mark.parametrize(
    ("sentence", "group", "expected"),
    [
        ("Das war doch wohl klar.", "particle", 2),
        ("Ich glaube, wir wissen es.", "first_person", 2),
        ("Das ist leider offenbar so.", "stance", 2),
        ("Die Entscheidung ist völlig absurd.", "intensifier", 1),
        ("Die Entscheidung ist völlig absurd.", "evaluative", 1),
        ("Der Minister sagte, er habe keine Kenntnis.", "reported", 2),
        ("Laut Polizei hieß es zunächst, niemand sei verletzt.", "reported", 3),
        ("Man müsste das ändern.", "modal", 1),
        ("Die sogenannten Experten schweigen.", "stance", 1),
        # Must NOT fire: cue words are whole words, not parts of other words.
        ("In Japan endet die Saison im Januar.", "particle", 0),
        ("Das Gutachten liegt dem Gericht vor.", "evaluative", 0),
        ("Die Ichthyologin untersucht Fische.", "first_person", 0),
        ("Die Wahlbeteiligung lag bei 61 Prozent.", "evaluative", 0),
        ("Der Bus fährt um acht Uhr ab.", "reported", 0),
    ],
)
def test_cue_groups_count_whole_words(sentence, group, expected):
    assert _count(sentence, group) == expected


def test_cue_phrases_match_across_spaces():
    assert _count("Die Lage ist immer noch angespannt.", "intensifier") == 1
    assert _count("Die Lage ist noch immer angespannt.", "intensifier") == 0


@pytest.mark.parametrize(
    ("sentence", "name", "expected"),
    [
        ("Wirklich?!", "question_marks", 1),
        ("Wirklich?!", "exclamation_marks", 1),
        ("Wer hat das entschieden?", "ends_with_question", 1),
        ("Hat er? Nein, er hat nicht.", "ends_with_question", 0),
        ("Das ist eine LÜGE und ein SKANDAL.", "caps_words", 2),
        ("Die NATO und die EU tagen.", "caps_words", 1),  # short acronyms (EU) are not counted
        ("Er nannte es „absurd“.", "quotation_marks", 2),
        ("Der Zug fährt.", "question_marks", 0),
    ],
)
def test_shape_counts(sentence, name, expected):
    assert _count(sentence, name) == expected


def test_cue_features_have_one_column_per_name_and_one_row_per_sentence():
    cues = cue_features(["Wirklich?!", "Der Zug fährt.", ""])
    assert cues.shape == (3, len(cue_names()))
    assert cue_names()[-len(SHAPE_NAMES) :] == SHAPE_NAMES
    assert cue_features([]).shape == (0, len(cue_names()))


def test_malformed_cue_lexicon_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "cues.tsv"
    path.write_text("# comment\nparticle\tja\nevaluative-without-tab\n", encoding="utf-8")
    with pytest.raises(ModelError, match=r"cues.tsv:3"):
        cue_lexicon(path)


def _toy_training_set(n: int = 60, dim: int = 8) -> tuple[np.ndarray, list[str], np.ndarray]:
    rng = np.random.default_rng(0)
    labels = np.arange(n) % 2
    vectors = rng.normal(size=(n, dim)) + labels[:, None] * 1.5
    sentences = ["Das ist doch wirklich ein Skandal!" if y else "Der Rat tagte am Montag." for y in labels]
    return vectors.astype(np.float32), sentences, labels


def test_numpy_decision_matches_scikit_learn():
    vectors, sentences, labels = _toy_training_set()
    model = training.fit(vectors, sentences, labels)
    x = np.hstack([model.embedding_scaler(vectors), model.cue_scaler(cue_features(sentences))])
    reference = training._svm(x, labels).decision_function(x)
    np.testing.assert_allclose(model.decision(x), reference, atol=1e-4)


def test_calibrated_probabilities_separate_the_toy_classes():
    vectors, sentences, labels = _toy_training_set()
    model = training.fit(vectors, sentences, labels)
    scores = model.predict_proba(sentences, vectors)
    assert model.platt_slope > 0
    assert scores[labels == 1].mean() > 0.7
    assert scores[labels == 0].mean() < 0.3


def test_saved_model_loads_back_with_the_same_scores(tmp_path):
    vectors, sentences, labels = _toy_training_set()
    model = training.fit(vectors, sentences, labels)
    model.save(tmp_path, {"note": "toy"})
    loaded = SubjectivityModel.load(tmp_path)
    np.testing.assert_allclose(
        loaded.predict_proba(sentences, vectors), model.predict_proba(sentences, vectors), atol=1e-5
    )
    assert json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))["note"] == "toy"


def test_model_with_other_cue_columns_is_refused(tmp_path):
    vectors, sentences, labels = _toy_training_set()
    model = training.fit(vectors, sentences, labels)
    model.save(tmp_path, {})
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    meta["cues"] = meta["cues"][:-1]
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="retrain"):
        SubjectivityModel.load(tmp_path)


def test_missing_model_says_how_to_retrain(tmp_path):
    with pytest.raises(ModelError, match=r"python -m quellenlage\.train\.subjectivity"):
        SubjectivityModel.load(tmp_path)


def _toy_finetuned(cues: bool = False, seed: int = 0) -> FinetunedModel:
    """The base e5 with a perturbed top layer and a random head (a stand-in for a trained model)."""
    rng = np.random.default_rng(seed)
    top = encoder.dense_layers()[-1]
    tuned = encoder.Layer(
        **{f: (v + rng.normal(scale=0.01, size=v.shape)).astype(np.float32) for f, v in top.__dict__.items()}
    )
    n_cues = len(cue_names()) if cues else 0
    scaler = Standardiser(np.zeros(n_cues), np.ones(n_cues)) if cues else None
    return FinetunedModel(
        first_tuned=11,
        layers=(tuned,),
        head_weight=rng.normal(size=384 + n_cues),
        head_bias=0.2,
        cue_scaler=scaler,
        cues=cue_names() if cues else (),
    )


def test_difference_quantisation_error_is_within_half_a_step():
    rng = np.random.default_rng(1)
    base = rng.normal(size=(6, 4)).astype(np.float32)
    tuned = base + rng.normal(scale=1e-3, size=base.shape).astype(np.float32)
    codes, scale = quantise_difference(tuned, base)
    assert codes.dtype == np.int8 and scale.shape == (4,)
    restored = base + codes * scale
    assert (np.abs(restored - tuned) <= scale / 2 + 1e-7).all()


@pytest.mark.parametrize("cues", [False, True])
def test_saved_finetuned_model_loads_back_with_the_same_scores(tmp_path, cues):
    model = _toy_finetuned(cues)
    model.save(tmp_path, {"note": "toy"})
    loaded = FinetunedModel.load(tmp_path)
    sentences = [s for pair in PAIRS for s in pair]
    np.testing.assert_allclose(loaded.predict_proba(sentences), model.predict_proba(sentences), atol=2e-3)
    assert json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))["note"] == "toy"
    assert loaded.cues == model.cues


def test_precomputed_embeddings_give_the_same_scores():
    model = _toy_finetuned(cues=True)
    sentences = list(PAIRS[0])
    np.testing.assert_allclose(
        model.predict_proba(sentences, model.encode(sentences)), model.predict_proba(sentences)
    )


def test_finetuned_model_with_other_cue_columns_is_refused(tmp_path):
    _toy_finetuned(cues=True).save(tmp_path, {})
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    meta["cues"] = meta["cues"][:-1]
    (tmp_path / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="retrain"):
        FinetunedModel.load(tmp_path)


def test_missing_finetuned_model_says_how_to_train_it(tmp_path):
    with pytest.raises(ModelError, match=r"python -m quellenlage\.train\.finetune"):
        FinetunedModel.load(tmp_path)


def test_read_tsv_rejects_unknown_labels(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("sentence_id\tsentence\tlabel\n1\tEin Satz.\tMAYBE\n", encoding="utf-8")
    with pytest.raises(InputError, match="MAYBE"):
        read_tsv(path)


@pytest.mark.slow
@pytest.mark.parametrize(("subjective", "objective"), PAIRS)
def test_subjective_sentence_scores_above_objective_one(subjective, objective):
    high, low = subjectivity_score([subjective, objective])
    assert high > low


@pytest.mark.slow
def test_shipped_model_labels_clear_cases_at_its_threshold():
    model = SubjectivityModel.load()
    scores = model.predict_proba([s for pair in PAIRS for s in pair])
    assert (scores[0::2] >= model.threshold).all(), scores
    assert (scores[1::2] < model.threshold).all(), scores


@pytest.mark.slow
def test_scores_are_probabilities_one_per_sentence():
    scores = subjectivity_score([s for pair in PAIRS for s in pair])
    assert scores.shape == (len(PAIRS) * 2,)
    assert ((scores >= 0) & (scores <= 1)).all()


def test_no_sentences_give_no_scores():
    assert subjectivity_score([]).shape == (0,)


@pytest.mark.slow
def test_model_is_loaded_once():
    assert SubjectivityModel.load() is SubjectivityModel.load()


def _pairs_tsv(path, labels=("SUBJ", "OBJ")):
    """PAIRS as a CheckThat! TSV, the first sentence of each pair labelled ``labels[0]``."""
    rows = [
        f"{i}{j}\t{s}\t{lab}" for i, pair in enumerate(PAIRS) for j, (s, lab) in enumerate(zip(pair, labels))
    ]
    path.write_text("sentence_id\tsentence\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.mark.slow
def test_eval_subjectivity_prints_one_json_line(tmp_path):
    path = _pairs_tsv(tmp_path / "tiny.tsv")
    result = CliRunner().invoke(cli, ["eval", "subjectivity", "--data", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    metrics = json.loads(lines[0])
    assert {"macro_f1", "subj_f1", "accuracy", "n", "sentences_per_s"} <= set(metrics)
    assert metrics["n"] == len(PAIRS) * 2
    assert np.isclose(metrics["macro_f1"], 1.0)


@pytest.mark.slow
def test_eval_subjectivity_lists_misclassified_sentences(tmp_path):
    # every pair's labels swapped: the model (right on these pairs, test above) is wrong on all
    path = _pairs_tsv(tmp_path / "swapped.tsv", labels=("OBJ", "SUBJ"))
    errors = tmp_path / "errors.jsonl"
    result = CliRunner().invoke(cli, ["eval", "subjectivity", "--data", str(path), "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["errors_file"] == str(errors)
    listed = [json.loads(line) for line in errors.read_text(encoding="utf-8").splitlines()]
    assert len(listed) == len(PAIRS) * 2
    first = listed[0]
    assert first["sentence"] == PAIRS[0][0] and first["gold"] == "OBJ" and first["predicted"] == "SUBJ"
    assert first["p_subj"] >= 0.5


def test_torch_training_module_mirrors_the_numpy_forward():
    pytest.importorskip("torch")
    from quellenlage.train import finetune

    sentences = [
        "Ein kurzer Satz.",
        "Die Regierung hat am Dienstag ein deutlich längeres Gesetz beschlossen.",
    ]
    assert finetune.max_difference(sentences) < 1e-4


def test_a_short_fine_tuning_run_exports_a_model_that_numpy_runs_identically(tmp_path):
    pytest.importorskip("torch")
    from quellenlage.train import finetune

    sentences = [s for pair in PAIRS for s in pair]
    labels = np.array([1, 0] * len(PAIRS))
    setting = finetune.Setting(top=1, lr=1e-4, epochs=2, cues=True)
    net, scaler, history = finetune.train(setting, sentences, labels, (sentences, labels), log=False)
    assert [h["epoch"] for h in history] == [1, 2]
    model = finetune.export(net, scaler, setting)
    assert model.first_tuned == 11 and len(model.layers) == 1
    states = finetune.bottom_states(sentences, 11)
    cues = scaler(cue_features(sentences)).astype(np.float32)
    np.testing.assert_allclose(model.predict_proba(sentences), finetune.predict(net, states, cues), atol=1e-4)
    model.save(tmp_path, {})
    np.testing.assert_allclose(
        FinetunedModel.load(tmp_path).predict_proba(sentences), model.predict_proba(sentences), atol=2e-3
    )
