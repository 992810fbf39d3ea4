"""Build the entity gazetteer under ``src/quellenlage/data/entities/`` from ship-ok data.

Sources (licences in ../shared/README.md), all **ship-ok** training data:

- ``ner/wikiann-de-train.conllu`` (ODC-BY / CC BY-SA)
- ``ner/ler-dev.conll`` and ``ner/ler-test.conll`` (CC BY 4.0)
- ``ner/smartdata-train.jsonl`` (CC BY 4.0)
- German territory names from Babel's CLDR data (Unicode licence)

Never read here: ``germeval2014-dev.tsv`` and ``wikiann-de-{val,test}.conllu``: they are the
evaluation data for the recogniser.

Output
- ``names.tsv``: ``surface<TAB>type<TAB>count`` for names whose majority type covers >= 60 % of
  their tagged occurrences; single tokens also need to stand inside a tagged name in >= 60 % of
  all their occurrences (drops common nouns that silver data tagged now and then); dictionary
  words need five tags and 80 %; ``US-Truppen``-like compound parts are dropped.
- ``first_names.txt``: first tokens of multi-token PER names seen >= 2 times, same ratio test.

Run: ``.venv/bin/python scripts/build_gazetteer.py [../shared/data]``
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "quellenlage" / "data" / "entities"
LER_TYPES = {
    "PER": "PER", "RR": "PER", "AN": "PER",
    "LD": "LOC", "ST": "LOC", "STR": "LOC", "LDS": "LOC",
    "ORG": "ORG", "UN": "ORG", "INN": "ORG", "GRT": "ORG",
}  # fmt: skip
WORD = re.compile(r"\w+(?:[-'’.&]\w+)*", re.UNICODE)
MIN_TYPE_SHARE = 0.6  # majority type share; a name tagged LOC and ORG half/half is dropped
MIN_TAG_RATIO = 0.6  # single tokens: tagged occurrences / all occurrences
# Single tokens that are also dictionary words ("Krieg", "Getreide", "Berlin") need more evidence:
# tagged at least 5 times and in >= 80 % of occurrences (checked by eye on a sample of 60).
KNOWN_TAG_RATIO = 0.8
KNOWN_MIN_COUNT = 5
# English function words that open film and band titles tagged PER in WikiANN ("The Beatles").
NOT_FIRST_NAMES = {
    "The",
    "New",
    "Los",
    "Las",
    "San",
    "Santa",
    "Sankt",
    "St",
    "Le",
    "La",
    "El",
    "Der",
    "Die",
    "Das",
}


def _dictionary_word(word: str) -> bool:
    import simplemma

    return simplemma.is_known(word, lang="de")


def conll_sentences(path: Path, token_col: int, tag_col: int):
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if sentence:
                yield sentence
            sentence = []
            continue
        if len(parts) > max(token_col, tag_col):
            sentence.append((parts[token_col], parts[tag_col]))
    if sentence:
        yield sentence


def spans_from_bio(sentence, type_map=None):
    current: list[str] = []
    kind = None
    for token, tag in sentence + [("", "O")]:
        prefix, _, label = tag.partition("-")
        if type_map is not None:
            label = type_map.get(label, "")
        if prefix == "I" and kind == label and current:
            current.append(token)
            continue
        if current and kind:
            yield " ".join(current), kind
        current, kind = ([token], label) if prefix in {"B", "I"} and label else ([], None)


def main(data: Path) -> None:
    tagged: dict[str, Counter] = defaultdict(Counter)  # surface -> type counts
    occurrences: Counter = Counter()  # single token -> all occurrences
    first: Counter = Counter()
    inside: Counter = Counter()  # single token -> occurrences inside any tagged name

    def add(surface: str, kind: str) -> None:
        if len(surface) < 2 or not surface[0].isupper() and not surface[0].isdigit():
            return
        tagged[surface][kind] += 1
        parts = surface.split()
        inside.update(parts)
        if kind == "PER" and len(parts) >= 2 and parts[0].isalpha():
            first[parts[0]] += 1

    sources = [
        (data / "ner" / "wikiann-de-train.conllu", 1, 2, None),
        (data / "ner" / "ler-dev.conll", 0, 1, LER_TYPES),
        (data / "ner" / "ler-test.conll", 0, 1, LER_TYPES),
    ]
    for path, tok_col, tag_col, type_map in sources:
        for sentence in conll_sentences(path, tok_col, tag_col):
            occurrences.update(token for token, _ in sentence)
            for surface, kind in spans_from_bio(sentence, type_map):
                add(surface, kind)
    with (data / "ner" / "smartdata-train.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            doc = json.loads(line)
            text = doc["text"]
            occurrences.update(WORD.findall(text))
            for m in doc["mentions"]:
                kind = {"person": "PER", "organization": "ORG", "location": "LOC"}.get(
                    m["type"].split("-")[0]
                )
                if kind:
                    add(" ".join(WORD.findall(text[m["start"] : m["end"]])), kind)

    rows = []
    for surface, counts in tagged.items():
        kind, n = counts.most_common(1)[0]
        if n / sum(counts.values()) < MIN_TYPE_SHARE:
            continue
        if " " not in surface:
            ratio = inside[surface] / max(occurrences[surface], n)
            if (
                ratio < MIN_TAG_RATIO
                or _dictionary_word(surface)
                and (n < KNOWN_MIN_COUNT or ratio < KNOWN_TAG_RATIO)
            ):
                continue
            head, _, tail = surface.partition("-")
            if tail and head.isupper() and _dictionary_word(tail):
                continue  # "US-Truppen": a name part inside a compound, not a name
        rows.append((surface, kind, n))
    from babel import Locale  # build-time only

    for code, name in Locale("de").territories.items():
        if code.isalpha() and len(code) == 2:
            rows.append((name, "LOC", 1000))
    rows.sort(key=lambda r: (-r[2], r[0]))
    seen: set[str] = set()
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "names.tsv").open("w", encoding="utf-8") as out:
        out.write("# built by scripts/build_gazetteer.py from ship-ok training data only\n")
        out.write("# (wikiann-de-train, ler-dev/test, smartdata-train, CLDR territories via Babel);\n")
        out.write("# germeval2014-dev and wikiann-de-val/test are evaluation data and never read.\n")
        for surface, kind, n in rows:
            if surface not in seen:
                seen.add(surface)
                out.write(f"{surface}\t{kind}\t{n}\n")
    names = sorted(
        f
        for f, n in first.items()
        if n >= 2
        and inside[f] / max(occurrences[f], n) >= MIN_TAG_RATIO
        and len(f) > 1
        and f not in NOT_FIRST_NAMES
    )
    (OUT / "first_names.txt").write_text(
        "# built by scripts/build_gazetteer.py: first tokens of PER names in ship-ok training data\n"
        + "\n".join(names)
        + "\n",
        encoding="utf-8",
    )
    print(f"names.tsv: {len(seen)} names; first_names.txt: {len(names)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data")
