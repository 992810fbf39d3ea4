"""Language identification on a prefix."""

from __future__ import annotations

import gzip
import itertools
import json

import pytest

from quellenlage.ingest.language import PREFIX_CHARS, _identifier, detect_language


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


def test_only_the_prefix_is_read():
    german = "Der Stadtrat hat am Dienstag den Haushalt für das kommende Jahr beschlossen. " * 5
    assert len(german) > PREFIX_CHARS
    assert detect_language(german + "The rest of this long text is English. " * 200) == "de"


@pytest.mark.slow
def test_prefix_agrees_with_full_text_on_fang(shared_data):
    path = shared_data / "reliability" / "fang-covid-train.jsonl.gz"
    with gzip.open(path) as handle:
        texts = [json.loads(line)["text"] for line in itertools.islice(handle, 0, 6000, 60)]  # 100 spread out
    identifier = _identifier()
    agree = sum(detect_language(text) == identifier.classify(text)[0] for text in texts)
    assert agree / len(texts) >= 0.99
