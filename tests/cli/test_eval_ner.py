"""`quellenlage eval ner`: the error listing."""

from __future__ import annotations

import json

from click.testing import CliRunner

from quellenlage.cli import cli
from quellenlage.cli.eval_ner import span_errors


def test_span_errors_list_missed_and_spurious_spans_with_their_line():
    text = "Olaf Scholz reiste nach Paris .\nDie EU tagte ."
    gold = {(0, 11, "PER"), (24, 29, "LOC"), (36, 38, "ORG")}
    predicted = {(0, 11, "PER"), (24, 29, "ORG")}
    errors = span_errors(text, gold, predicted)
    assert {(e["kind"], e["label"], e["text"], e["sentence"]) for e in errors} == {
        ("fn", "LOC", "Paris", "Olaf Scholz reiste nach Paris ."),
        ("fn", "ORG", "EU", "Die EU tagte ."),
        ("fp", "ORG", "Paris", "Olaf Scholz reiste nach Paris ."),
    }


def test_eval_ner_writes_the_errors_file(tmp_path):
    gold = tmp_path / "gold.conll"
    gold.write_text("Angela\tB-PER\nMerkel\tI-PER\nbesuchte\tO\nParis\tB-LOC\n.\tO\n\n", encoding="utf-8")
    errors = tmp_path / "errors.jsonl"
    result = CliRunner().invoke(
        cli, ["eval", "ner", "--data", str(gold), "--backend", "rules", "--errors", str(errors)]
    )
    assert result.exit_code == 0, result.output
    line = json.loads(result.output)
    assert line["errors_file"] == str(errors)
    rows = [json.loads(r) for r in errors.read_text(encoding="utf-8").splitlines()]
    # every error row is a span of the gold sentence, and their count matches the score
    assert all(r["sentence"] == "Angela Merkel besuchte Paris ." for r in rows)
    assert sum(r["kind"] == "fn" for r in rows) == round(2 * (1 - line["r"]))
