"""German NER datasets: readers, label mappings, deterministic splits and span scoring.

Every reader yields :class:`NerSentence` values — tokens with BIO tags over ``PER/LOC/ORG/MISC``.
The mappings from each corpus's own labels are written out below (and in the model card,
``models/ner/MODEL_CARD.md``); change them there too.

Splits are deterministic functions of the data and a seed (:data:`SPLIT_SEED`): a sentence or
document goes to the held-out side when ``sha256(f"{seed}:{key}")`` falls below the held-out share.
Held-out parts are for evaluation only and are never used in training.

Formats (detected by :func:`detect_format`):

- ``conll``     ``[idx] token tag`` per line, blank line between sentences (WikiANN, LER)
- ``germeval``  ``idx token outer inner`` (tab-separated), ``#`` comment lines
- ``smartdata`` JSONL, one document a line with ``text`` and character-span ``mentions``
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError

LABELS = ("PER", "LOC", "ORG", "MISC")
SCORED = frozenset({"PER", "LOC", "ORG"})  # MISC/OTH are trained but not scored
SPLIT_SEED = 0
GERMEVAL_HELDOUT_SHARE = 0.5
SMARTDATA_HELDOUT_SHARE = 0.2

# GermEval 2014: OTH -> MISC. ``*deriv`` ("deutsche") and ``*part`` ("EU-weit") are not names -> O.
GERMEVAL_MAP = {"PER": "PER", "LOC": "LOC", "ORG": "ORG", "OTH": "MISC"}

# SmartData: streets and stops are places a reader looks up, so they count as LOC;
# routes ("A 7", "S1", "Linie 5") are line/road designators, closer to product names -> MISC.
# Dates, times, numbers, durations, distances, triggers, disaster types, positions -> O.
SMARTDATA_MAP = {
    "person": "PER",
    "organization": "ORG",
    "organization-company": "ORG",
    "location": "LOC",
    "location-city": "LOC",
    "location-street": "LOC",
    "location-stop": "LOC",
    "location-route": "MISC",
}

# LER (legal decisions): people of all roles -> PER; places -> LOC; institutions, companies and
# courts -> ORG; brands -> MISC (GermEval's OTH covers products); laws, ordinances, EU norms,
# regulations, contracts, case-law citations and literature citations -> O: they are references,
# not named entities in news text, and they would swamp MISC with legal citation patterns.
LER_MAP = {
    "PER": "PER", "RR": "PER", "AN": "PER",
    "LD": "LOC", "ST": "LOC", "STR": "LOC", "LDS": "LOC",
    "ORG": "ORG", "UN": "ORG", "INN": "ORG", "GRT": "ORG",
    "MRK": "MISC",
}  # fmt: skip

WIKIANN_MAP = {"PER": "PER", "LOC": "LOC", "ORG": "ORG"}


@dataclass(frozen=True, slots=True)
class NerSentence:
    """One sentence (or, for SmartData, one line of a document) with BIO tags."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    doc_id: str = ""  # document the sentence belongs to (SmartData); "" otherwise

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


def map_tag(tag: str, mapping: dict[str, str]) -> str:
    """Map one ``B-X``/``I-X`` tag through ``mapping``; unknown types become ``O``."""
    if tag in ("O", "") or "-" not in tag:
        return "O"
    prefix, _, label = tag.partition("-")
    label = label.split(":")[-1]  # tolerate language-prefixed labels such as ``de:PER``
    mapped = mapping.get(label)
    if mapped is None or prefix not in ("B", "I"):
        return "O"
    return f"{prefix}-{mapped}"


def repair_bio(tags: Sequence[str]) -> tuple[str, ...]:
    """Turn an ``I-X`` that does not continue an ``X`` entity into ``B-X``."""
    out: list[str] = []
    for tag in tags:
        if tag.startswith("I-"):
            prev = out[-1] if out else "O"
            if prev == "O" or prev[2:] != tag[2:]:
                tag = "B-" + tag[2:]
        out.append(tag)
    return tuple(out)


def _blocks(lines: Iterable[str], comments: bool = False) -> Iterator[list[list[str]]]:
    block: list[list[str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line.strip():
            if block:
                yield block
            block = []
            continue
        if comments and line.startswith("#"):
            continue
        block.append(line.split("\t") if "\t" in line else line.split())
    if block:
        yield block


def read_conll(lines: Iterable[str], mapping: dict[str, str] = WIKIANN_MAP) -> Iterator[NerSentence]:
    """``token tag`` or ``idx token tag`` lines; the tag is the last column."""
    for block in _blocks(lines):
        tokens = tuple(cols[-2] if len(cols) >= 2 else cols[0] for cols in block)
        tags = repair_bio([map_tag(cols[-1], mapping) if len(cols) >= 2 else "O" for cols in block])
        yield NerSentence(tokens, tags)


def read_germeval(lines: Iterable[str]) -> Iterator[NerSentence]:
    """``idx token outer inner`` lines; only the outer (top-level) tag is used."""
    for block in _blocks(lines, comments=True):
        tokens = tuple(cols[1] for cols in block)
        tags = repair_bio([map_tag(cols[2], GERMEVAL_MAP) for cols in block])
        yield NerSentence(tokens, tags)


def read_smartdata(lines: Iterable[str]) -> Iterator[NerSentence]:
    """One JSON document a line; yields one tokenised sentence per non-empty text line.

    Tokenisation is spaCy's German tokenizer; mention boundaries that fall inside a token are
    widened to whole tokens.
    """
    from spacy.lang.de import German

    tokenizer = German().tokenizer
    for raw in lines:
        if not raw.strip():
            continue
        record = json.loads(raw)
        text: str = record["text"]
        mentions = sorted(
            (m["start"], m["end"], SMARTDATA_MAP[m["type"]])
            for m in record.get("mentions", ())
            if m["type"] in SMARTDATA_MAP
        )
        offset = 0
        for line in text.split("\n"):
            start, end = offset, offset + len(line)
            offset = end + 1
            if not line.strip():
                continue
            doc = tokenizer(line)
            words = [t for t in doc if not t.is_space]
            tags = ["O"] * len(words)
            for m_start, m_end, label in mentions:
                if m_start < start or m_end > end:
                    continue
                inside = [
                    i
                    for i, tok in enumerate(words)
                    if tok.idx + start < m_end and tok.idx + len(tok) + start > m_start
                ]
                if not inside or any(tags[i] != "O" for i in inside):
                    continue  # nested or overlapping mentions: keep the first (outer) one
                tags[inside[0]] = f"B-{label}"
                for i in inside[1:]:
                    tags[i] = f"I-{label}"
            if words:
                yield NerSentence(tuple(t.text for t in words), tuple(tags), doc_id=record["id"])


def detect_format(path: Path) -> str:
    """``smartdata``, ``germeval`` or ``conll`` from the file's first non-empty lines."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped or stripped.startswith("# "):
                continue
            if stripped.startswith("{"):
                return "smartdata"
            cols = stripped.split("\t")
            if len(cols) >= 4:
                return "germeval"
            if len(cols) >= 2 or len(stripped.split()) >= 2:
                return "conll"
            break
    raise InputError(
        f"cannot tell the NER format of {path}: expected CoNLL, GermEval TSV or SmartData JSONL",
        input=str(path),
    )


def read_file(path: Path | str, fmt: str | None = None) -> list[NerSentence]:
    """Read a dataset file in any supported format (``fmt`` auto-detected when None)."""
    path = Path(path)
    fmt = fmt or detect_format(path)
    with open(path, encoding="utf-8") as handle:
        if fmt == "smartdata":
            return list(read_smartdata(handle))
        if fmt == "germeval":
            return list(read_germeval(handle))
        mapping = LER_MAP if path.name.startswith("ler") else WIKIANN_MAP
        return list(read_conll(handle, mapping))


# ---------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------


def bucket(key: str, seed: int = SPLIT_SEED) -> float:
    """A stable number in [0, 1) for ``key``: the same on every machine and Python version."""
    digest = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_heldout(sentence: NerSentence, fmt: str, seed: int = SPLIT_SEED) -> bool:
    """True when the sentence belongs to the evaluation-only part of its corpus."""
    if fmt == "germeval":
        return bucket(sentence.key, seed) < GERMEVAL_HELDOUT_SHARE
    if fmt == "smartdata":
        return bucket(sentence.doc_id, seed) < SMARTDATA_HELDOUT_SHARE
    return False


DEV_SHARE = 0.10  # share of the training side (GermEval sentences, SmartData docs) kept for dev


def is_dev(sentence: NerSentence, fmt: str, seed: int = SPLIT_SEED) -> bool:
    """True for the dev part of the training side: used for model selection, never trained on."""
    if is_heldout(sentence, fmt, seed) or fmt not in ("germeval", "smartdata"):
        return False
    key = sentence.key if fmt == "germeval" else sentence.doc_id
    return bucket("dev:" + key, seed) < DEV_SHARE


def split(
    sentences: Sequence[NerSentence], fmt: str, seed: int = SPLIT_SEED
) -> tuple[list[NerSentence], list[NerSentence]]:
    """``(train, heldout)`` for GermEval (by sentence) and SmartData (by document)."""
    train: list[NerSentence] = []
    heldout: list[NerSentence] = []
    for sentence in sentences:
        (heldout if is_heldout(sentence, fmt, seed) else train).append(sentence)
    return train, heldout


def file_sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Scoring
# ---------------------------------------------------------------------------------------------


def bio_spans(tags: Sequence[str]) -> set[tuple[int, int, str]]:
    """Token spans ``(start, end_exclusive, label)`` from (repaired) BIO tags."""
    spans: set[tuple[int, int, str]] = set()
    start, label = -1, ""
    for i, tag in enumerate([*repair_bio(tags), "O"]):
        if label and not (tag.startswith("I-") and tag[2:] == label):
            spans.add((start, i, label))
            label = ""
        if tag.startswith("B-"):
            start, label = i, tag[2:]
    return spans


@dataclass
class SpanScore:
    """Exact-span micro scores over :data:`SCORED` types, with per-type counts."""

    tp: dict[str, int]
    fp: dict[str, int]
    fn: dict[str, int]

    @classmethod
    def empty(cls) -> SpanScore:
        return cls({t: 0 for t in SCORED}, {t: 0 for t in SCORED}, {t: 0 for t in SCORED})

    def add(self, gold: Iterable[tuple[int, int, str]], pred: Iterable[tuple[int, int, str]]) -> None:
        gold_set = {s for s in gold if s[2] in SCORED}
        pred_set = {s for s in pred if s[2] in SCORED}
        for s in gold_set & pred_set:
            self.tp[s[2]] += 1
        for s in pred_set - gold_set:
            self.fp[s[2]] += 1
        for s in gold_set - pred_set:
            self.fn[s[2]] += 1

    @staticmethod
    def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"p": round(p, 4), "r": round(r, 4), "f1": round(f, 4)}

    def micro(self) -> dict[str, float]:
        return self._prf(sum(self.tp.values()), sum(self.fp.values()), sum(self.fn.values()))

    def per_type(self) -> dict[str, dict[str, float]]:
        return {
            t: {**self._prf(self.tp[t], self.fp[t], self.fn[t]), "support": self.tp[t] + self.fn[t]}
            for t in sorted(SCORED)
        }
