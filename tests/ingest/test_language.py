"""Language identification on a prefix."""

from __future__ import annotations

import csv
import gzip
import itertools
import json

import pytest

from quellenlage.ingest.language import PREFIX_CHARS, _identifier, detect_language
from quellenlage.ingest.normalize import normalize_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen.", "de"),
        ("The city council approved the budget for next year on Tuesday evening.", "en"),
        ("Le conseil municipal a adopté mardi le budget de l'année prochaine.", "fr"),
        ("Городской совет во вторник утвердил бюджет на следующий год.", "ru"),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "12345 67 89", "— … ✓ ✓"])
def test_detect_language_without_letters_is_none(text):
    assert detect_language(text) is None


GERMAN = "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen. "
ENGLISH = "The city council approved the budget for next year on Tuesday evening. "


@pytest.mark.parametrize(
    ("head", "tail", "expected"),
    [(GERMAN, ENGLISH, "de"), (ENGLISH, GERMAN, "en")],
)
def test_only_the_prefix_is_read(head, tail, expected):
    prefix = head * 3
    assert len(prefix) > PREFIX_CHARS
    assert detect_language(prefix + tail * 200) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GERMAN, "de"),  # shorter than the prefix: the whole text is read
        (ENGLISH, "en"),
        (GERMAN[:60] + " " + ENGLISH * 3, "en"),  # the prefix is mostly English
        (ENGLISH[:40] + " " + GERMAN * 3, "de"),
    ],
)
def test_short_texts_and_mixed_prefixes(text, expected):
    assert detect_language(text) == expected


@pytest.mark.slow
def test_prefix_agrees_with_full_text_on_fang(shared_data):
    path = shared_data / "reliability" / "fang-covid-train.jsonl.gz"
    with gzip.open(path) as handle:
        texts = [
            json.loads(line)["text"] for line in itertools.islice(handle, 0, 30000, 100)
        ]  # 300 spread out
    identifier = _identifier()
    agree = sum(detect_language(text) == identifier.classify(text)[0] for text in texts)
    assert agree / len(texts) >= 0.99


@pytest.mark.slow
def test_prefix_accuracy_on_semeval_texts(shared_data):
    """The calibration of PREFIX_CHARS: gold languages of the SemEval-2022 Task 8 texts (10 languages);
    measured 99.64 % at 200 characters, 99.72 % at 300."""
    csv.field_size_limit(10**8)
    with (shared_data / "similarity" / "semeval2022-task8-train.csv").open(encoding="utf-8") as handle:
        gold = {
            normalize_text(row[f"text{n}"]): row[f"lang{n}"] for row in csv.DictReader(handle) for n in (1, 2)
        }
    gold = {text: language for text, language in gold.items() if len(text) >= 200}
    correct = sum(detect_language(text) == language for text, language in gold.items())
    assert len(gold) > 2000
    assert correct / len(gold) >= 0.995
