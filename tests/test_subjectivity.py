"""Sentence subjectivity: ordered scores, a cached model, and the eval command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from quellenlage.cli import cli
from quellenlage.errors import InputError
from quellenlage.subjectivity import SubjectivityModel, cue_features, read_tsv, subjectivity_score

pytestmark = pytest.mark.slow  # loads the e5 encoder

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
]


@pytest.mark.parametrize(("subjective", "objective"), PAIRS)
def test_subjective_sentence_scores_above_objective_one(subjective, objective):
    high, low = subjectivity_score([subjective, objective])
    assert high > low


def test_scores_are_probabilities_one_per_sentence():
    scores = subjectivity_score([s for pair in PAIRS for s in pair])
    assert scores.shape == (6,)
    assert ((scores >= 0) & (scores <= 1)).all()


def test_no_sentences_give_no_scores():
    assert subjectivity_score([]).shape == (0,)


def test_model_is_loaded_once():
    assert SubjectivityModel.load() is SubjectivityModel.load()


def test_cue_features_count_marks_per_sentence():
    cues = cue_features(["Wirklich?!", "Der Zug fährt."])
    assert cues.shape == (2, 5)
    assert cues[0, 1] == 1 and cues[0, 2] == 1
    assert cues[1, :4].sum() == 0


def test_read_tsv_rejects_unknown_labels(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("sentence_id\tsentence\tlabel\n1\tEin Satz.\tMAYBE\n", encoding="utf-8")
    with pytest.raises(InputError, match="MAYBE"):
        read_tsv(path)


def test_eval_subjectivity_prints_one_json_line(tmp_path):
    rows = [f"{i}\t{s}\t{lab}" for i, (pair) in enumerate(PAIRS) for s, lab in zip(pair, ("SUBJ", "OBJ"))]
    path = tmp_path / "tiny.tsv"
    path.write_text("sentence_id\tsentence\tlabel\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "subjectivity", "--data", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    metrics = json.loads(lines[0])
    assert {"macro_f1", "subj_f1", "accuracy", "n", "sentences_per_s"} <= set(metrics)
    assert metrics["n"] == 6
    assert np.isclose(metrics["macro_f1"], 1.0)
