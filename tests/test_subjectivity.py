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


def _write_tsv(tmp_path, text, encoding="utf-8"):
    """``text`` byte for byte (no newline translation) as ``data.tsv``."""
    path = tmp_path / "data.tsv"
    path.write_bytes(text.encode(encoding))
    return path


def test_read_tsv_keeps_every_row_with_raw_and_csv_quoted_quotes(tmp_path):
    path = _write_tsv(
        tmp_path,
        "sentence_id\tsentence\tlabel\n"
        '1\t"Lockdown in Dauerschleife" könne man sich nicht leisten.\tOBJ\n'  # raw, balanced
        '2\tEr sagte: "Das ist ein Skandal!\tSUBJ\n'  # raw, unbalanced: swallowed rows before
        "3\tDie Regierung beschloss neue Regeln.\tOBJ\n"
        '4\t"""Vor einer Woche war ich noch der Beleg"", sagte er."\tOBJ\n'  # CSV-quoted
        '5\t"Mit dem ""Rat"" (1775) erhielt Polen Einrichtungen."\tOBJ\n'
        '6\tDas ist "völliger Irrsinn", sagt er"\tSUBJ\n',  # starts plain, ends with a raw quote
    )
    sentences, labels = read_tsv(path)
    assert sentences == [
        '"Lockdown in Dauerschleife" könne man sich nicht leisten.',
        'Er sagte: "Das ist ein Skandal!',
        "Die Regierung beschloss neue Regeln.",
        '"Vor einer Woche war ich noch der Beleg", sagte er.',
        'Mit dem "Rat" (1775) erhielt Polen Einrichtungen.',
        'Das ist "völliger Irrsinn", sagt er"',
    ]
    assert labels.tolist() == [0, 1, 0, 0, 0, 1]


def test_read_tsv_reads_the_shared_dev_file_row_for_row(shared_data):
    path = shared_data / "subjectivity" / "checkthat2025-dev-de.tsv"
    data_lines = [line for line in path.read_text(encoding="utf-8").splitlines()[1:] if line.strip()]
    sentences, labels = read_tsv(path)
    assert len(sentences) == len(labels) == len(data_lines) == 491
    assert sentences[14].startswith('"Lockdown in Dauerschleife" könne')  # CSV-quoted in the file


@pytest.mark.parametrize(
    "text",
    [
        "\ufeffsentence\tlabel\nEin Satz.\tOBJ\nWas für ein Unsinn!\tSUBJ\n",  # BOM, no id column
        "\ufeffsentence_id\tsentence\tlabel\n1\tEin Satz.\tOBJ\n2\tWas für ein Unsinn!\tSUBJ\n",
        "Sentence_ID\tSentence\tLabel\n1\tEin Satz.\tOBJ\n2\tWas für ein Unsinn!\tSUBJ\n",
        "SENTENCE_ID\tSENTENCE\tLABEL\n1\tEin Satz.\tobj\n2\tWas für ein Unsinn!\tSubj\n",
        (
            "sentence_id\tsentence\tlabel\tsolved_conflict\n1\tEin Satz.\tOBJ\tFalse\n"
            "2\tWas für ein Unsinn!\tSUBJ\tTrue\n"
        ),
        "sentence_id\tlabel\tsentence\n1\tOBJ\tEin Satz.\n2\tSUBJ\tWas für ein Unsinn!\n",
        "label\tsentence\nOBJ\tEin Satz.\nSUBJ\tWas für ein Unsinn!\n",
        "sentence_id\tsentence\tlabel\r\n1\tEin Satz.\tOBJ\r\n2\tWas für ein Unsinn!\tSUBJ\r\n",  # CRLF
        "sentence_id\tsentence\tlabel\n1\tEin Satz.\tOBJ\n\n2\tWas für ein Unsinn!\tSUBJ\n\n\n",
        "sentence_id\tsentence\tlabel\n1\tEin Satz.\tOBJ\n2\tWas für ein Unsinn!\tSUBJ",  # no final newline
    ],
    ids=[
        "bom",
        "bom-with-id",
        "title-case-header",
        "upper-case-header",
        "solved-conflict",
        "reordered",
        "label-first",
        "crlf",
        "blank-lines",
        "no-final-newline",
    ],
)
def test_read_tsv_accepts_format_variations(tmp_path, text):
    sentences, labels = read_tsv(_write_tsv(tmp_path, text))
    assert sentences == ["Ein Satz.", "Was für ein Unsinn!"]
    assert labels.tolist() == [0, 1]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("1\tEin Satz.\tOBJ\n2\tEin Satz ohne Label.\n", r"line 3: 2 tab-separated fields, the header has 3"),
        ("1\tEin Satz.\tOBJ\n2\tEin Satz.\tNEUTRAL\n", r"line 3: label 'NEUTRAL', expected SUBJ or OBJ"),
        ("1\tEin Satz.\tOBJ\n2\tEin Satz.\t\n", r"line 3: label '', expected SUBJ or OBJ"),
        ("1\tEin Satz.\tOBJ\n2\t \tSUBJ\n", r"line 3: empty sentence"),
        ("1\tEin\tSatz.\tOBJ\n", r"line 2: 4 tab-separated fields.*tab inside the sentence"),
    ],
    ids=["missing-label", "unknown-label", "empty-label", "empty-sentence", "tab-in-sentence"],
)
def test_read_tsv_names_the_line_of_a_bad_row(tmp_path, rows, message):
    path = _write_tsv(tmp_path, "sentence_id\tsentence\tlabel\n" + rows)
    with pytest.raises(InputError, match=message) as error:
        read_tsv(path)
    assert str(path) in str(error.value) and "Fix or remove them" in str(error.value)


def test_read_tsv_lists_the_first_bad_rows_and_counts_the_rest(tmp_path):
    path = _write_tsv(tmp_path, "sentence\tlabel\n" + "".join(f"Satz {i}.\tX\n" for i in range(8)))
    with pytest.raises(InputError, match=r"8 bad row\(s\): line 2: .*line 6: .*; and 3 more"):
        read_tsv(path)


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "id\ttext\tclass\n1\tEin Satz.\tOBJ\n", "sentence,label\nEin Satz.,OBJ\n"],
    ids=["empty", "blank", "other-columns", "comma-separated"],
)
def test_read_tsv_rejects_files_without_the_header(tmp_path, text):
    with pytest.raises(InputError, match="expected a tab-separated header with 'sentence' and 'label'"):
        read_tsv(_write_tsv(tmp_path, text))


def test_read_tsv_rejects_a_header_without_rows(tmp_path):
    with pytest.raises(InputError, match="has a header but no rows"):
        read_tsv(_write_tsv(tmp_path, "sentence_id\tsentence\tlabel\n"))


def test_read_tsv_says_when_a_file_is_not_utf8(tmp_path):
    with pytest.raises(InputError, match="save it as UTF-8"):
        read_tsv(_write_tsv(tmp_path, "sentence\tlabel\nEin schöner Satz.\tSUBJ\n", encoding="latin-1"))


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
