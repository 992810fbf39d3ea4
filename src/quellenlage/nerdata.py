"""German NER datasets: readers, label mappings, deterministic splits and span scoring.

Every reader yields :class:`NerSentence` values — tokens with BIO tags over ``PER/LOC/ORG/MISC``.
The mappings from each corpus's own labels are written out below (and in the model card,
``models/ner/MODEL_CARD.md``); change them there too.

Splits are deterministic functions of the data and a seed (:data:`SPLIT_SEED`): a sentence or
document goes to the held-out side when ``sha256(f"{seed}:{key}")`` falls below the held-out share.
Held-out parts are for evaluation only and are never used in training.

Formats (detected from the content by :func:`sniff`, never from the file name):

- ``conll``     ``[idx] token [columns…] tag`` per line, blank line between sentences: WikiANN
  (``idx token tag``), LER (``token tag``), CoNLL-2003 (``token POS chunk tag``); tab- or
  space-separated; ``-DOCSTART-`` lines, CoNLL-U ``# text = …`` comments and WikiANN's ``de:``
  token prefixes are skipped; BIO, IOB1 and BIOES/BILOU tags; the LER label set is recognised by
  its legal types (``RR``, ``GRT``, ``GS``, …) and mapped with :data:`LER_MAP`
- ``germeval``  ``idx token outer inner`` (tab- or space-separated), ``#`` comment lines (the
  official files put ``#<TAB>source [date]`` before each sentence)
- ``smartdata`` JSONL, one document a line with ``text`` and character-span ``mentions``

All files are read as UTF-8 with or without a byte-order mark, with any line ending.
"""

from __future__ import annotations

import hashlib
import json
import re
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

# Any other CoNLL file: the common spellings of the four types (OntoNotes' GPE is a place; GermEval's
# OTH is MISC). Types not listed (``LOCderiv``, ``DATE``, ``NORP``, …) become ``O``.
CONLL_MAP = {
    "PER": "PER", "PERSON": "PER",
    "LOC": "LOC", "LOCATION": "LOC", "GPE": "LOC",
    "ORG": "ORG", "ORGANIZATION": "ORG", "ORGANISATION": "ORG",
    "MISC": "MISC", "OTH": "MISC",
}  # fmt: skip

# Types only the LER corpus uses: a file with any of them is read with LER_MAP.
LER_ONLY = frozenset(LER_MAP) - {"PER", "ORG"} | {"GS", "VO", "EUN", "VS", "VT", "RS", "LIT"}

_TAG = re.compile(r"^(?:O|[BIESLU]-\S+)$")
_LANG_PREFIX = re.compile(r"^[a-z]{2,3}:(?=.)")
_CONLLU_COMMENT = re.compile(r"^#\s*(?:text|sent_id|newdoc|newpar|doc_id|id|source)\b")
_SNIFF_LINES = 400


def is_tag(text: str) -> bool:
    """``O`` or ``B-``/``I-``/``E-``/``S-``/``L-``/``U-`` followed by a type."""
    return bool(_TAG.match(text))


@dataclass(frozen=True, slots=True)
class NerSentence:
    """One sentence (or, for SmartData, one line of a document) with BIO tags."""

    tokens: tuple[str, ...]
    tags: tuple[str, ...]
    doc_id: str = ""  # document the sentence belongs to (SmartData); "" otherwise

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


_PREFIX = {"B": "B", "I": "I", "S": "B", "U": "B", "E": "I", "L": "I"}  # BIOES/BILOU -> BIO


def map_tag(tag: str, mapping: dict[str, str]) -> str:
    """Map one tag through ``mapping`` to ``B-X``/``I-X``; unknown types become ``O``.

    BIOES/BILOU prefixes become BIO (``S-``/``U-`` start, ``E-``/``L-`` continue an entity);
    type names match case-insensitively.
    """
    if tag in ("O", "") or "-" not in tag:
        return "O"
    prefix, _, label = tag.partition("-")
    label = label.split(":")[-1]  # tolerate language-prefixed labels such as ``de:PER``
    mapped = mapping.get(label) or mapping.get(label.upper())
    if mapped is None or prefix not in _PREFIX:
        return "O"
    return f"{_PREFIX[prefix]}-{mapped}"


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


def _columns(line: str) -> list[str]:
    return line.split("\t") if "\t" in line else line.split()


def _is_comment(line: str, width: int) -> bool:
    """A line opening with ``#`` is a comment unless it is a data row of the file's shape (a ``#``
    token in a token-first CoNLL file: ``# O``)."""
    if not line.startswith("#"):
        return False
    if _CONLLU_COMMENT.match(line):
        return True
    cols = _columns(line)
    return not (len(cols) == width and is_tag(cols[-1]))


def _blocks(lines: Iterable[str], width: int = 0) -> Iterator[list[list[str]]]:
    """Sentences as lists of column lists; comment and ``-DOCSTART-`` lines are dropped.
    ``width`` is the file's number of columns (0: every ``#`` line is a comment)."""
    block: list[list[str]] = []
    for raw in lines:
        line = raw.rstrip("\r\n").lstrip("\ufeff")
        if not line.strip():
            if block:
                yield block
            block = []
            continue
        if _is_comment(line, width):
            continue
        cols = _columns(line)
        if cols[0] == "-DOCSTART-" or (len(cols) > 1 and cols[1] == "-DOCSTART-"):
            continue
        block.append(cols)
    if block:
        yield block


@dataclass(frozen=True, slots=True)
class Layout:
    """What :func:`sniff` found out about a file: its format and, for CoNLL, where the columns are."""

    fmt: str  # "conll", "germeval" or "smartdata"
    width: int = 0  # columns per data line
    token_col: int = 0
    strip_prefix: bool = False  # WikiANN's "de:Berlin" tokens
    ler: bool = False  # LER's legal label set


def _sample_rows(path: Path) -> tuple[str, list[list[str]]]:
    """The first non-empty line and up to ``_SNIFF_LINES`` data rows (``#`` and DOCSTART lines skipped)."""
    first, rows = "", []
    with open(path, encoding="utf-8-sig") as handle:
        for line in handle:
            stripped = line.strip()
            if not stripped:
                continue
            first = first or stripped
            if first.startswith("{") or len(rows) >= _SNIFF_LINES:
                break
            if stripped.startswith("#") or "-DOCSTART-" in stripped:
                continue
            rows.append(_columns(line.rstrip("\r\n")))
    return first, rows


def sniff(path: Path | str) -> Layout:
    """The format and column layout of an NER file, from its first lines."""
    path = Path(path)
    try:
        first, rows = _sample_rows(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}", input=str(path)) from exc
    if first.startswith("{"):
        return Layout("smartdata")
    widths = [len(r) for r in rows]
    width = max(set(widths), key=widths.count) if widths else 0
    shaped = [r for r in rows if len(r) == width]
    if width < 2 or not shaped:
        raise InputError(
            f"cannot tell the NER format of {path}: expected CoNLL (token tag), GermEval TSV "
            "(idx token outer inner) or SmartData JSONL",
            input=str(path),
        )

    def share(test) -> float:
        return sum(1 for r in shaped if test(r)) / len(shaped)

    indexed = width >= 3 and share(lambda r: r[0].isdigit()) >= 0.95
    if width >= 4 and indexed and share(lambda r: is_tag(r[2]) and is_tag(r[3])) >= 0.95:
        return Layout("germeval", width=width, token_col=1)
    if share(lambda r: is_tag(r[-1])) < 0.9:
        raise InputError(
            f"cannot tell the NER format of {path}: the last column of its lines is not a tag "
            "(O, B-X, I-X, E-X, S-X); expected CoNLL (token tag), GermEval TSV or SmartData JSONL",
            input=str(path),
        )
    token_col = 1 if indexed else 0
    types = {r[-1].partition("-")[2].split(":")[-1].upper() for r in shaped}
    return Layout(
        "conll",
        width=width,
        token_col=token_col,
        strip_prefix=share(lambda r: bool(_LANG_PREFIX.match(r[token_col]))) >= 0.9,
        ler=bool(types & LER_ONLY),
    )


def read_conll(
    lines: Iterable[str], mapping: dict[str, str] = WIKIANN_MAP, layout: Layout | None = None
) -> Iterator[NerSentence]:
    """CoNLL lines; the tag is the last column, the token the first (or the second after an index).
    Without ``layout``: ``token tag`` or ``idx token tag`` as each line has two or three columns."""
    for block in _blocks(lines, layout.width if layout else 2):
        if layout is None:
            tokens = tuple(cols[-2] if len(cols) >= 2 else cols[0] for cols in block)
        else:
            col = layout.token_col
            tokens = tuple(cols[col] if len(cols) > col + 1 else cols[0] for cols in block)
            if layout.strip_prefix:
                tokens = tuple(_LANG_PREFIX.sub("", t) for t in tokens)
        tags = repair_bio([map_tag(cols[-1], mapping) if len(cols) >= 2 else "O" for cols in block])
        yield NerSentence(tokens, tags)


def read_germeval(lines: Iterable[str]) -> Iterator[NerSentence]:
    """``idx token outer inner`` lines; only the outer (top-level) tag is used."""
    for block in _blocks(lines):
        if any(len(cols) < 3 for cols in block):
            bad = next(cols for cols in block if len(cols) < 3)
            raise InputError(f"GermEval line has {len(bad)} columns, expected idx token outer inner: {bad}")
        tokens = tuple(cols[1] for cols in block)
        tags = repair_bio([map_tag(cols[2], GERMEVAL_MAP) for cols in block])
        yield NerSentence(tokens, tags)


def smartdata_type(name: object) -> str:
    """SmartData's type name in its usual spelling: ``ORGANIZATION_COMPANY`` -> ``organization-company``."""
    return str(name or "").strip().lower().replace("_", "-")


def read_smartdata(lines: Iterable[str]) -> Iterator[NerSentence]:
    """One JSON document a line; yields one tokenised sentence per non-empty text line.

    Tokenisation is spaCy's German tokenizer; mention boundaries that fall inside a token are
    widened to whole tokens.
    """
    from spacy.lang.de import German

    tokenizer = German().tokenizer
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.lstrip("\ufeff"))
        except json.JSONDecodeError as exc:
            raise InputError(f"SmartData line {number} is not JSON: {exc}") from exc
        text = record.get("text")
        if text is None or text == "":
            continue  # a document without text has no sentence to tag or to score
        if not isinstance(text, str):
            raise InputError(f"SmartData line {number}: 'text' must be a string, not {type(text).__name__}")
        doc_id = str(record["id"]) if record.get("id") is not None else f"line-{number}"
        typed = ((m, smartdata_type(m.get("type"))) for m in record.get("mentions") or ())
        mentions = sorted((m["start"], m["end"], SMARTDATA_MAP[t]) for m, t in typed if t in SMARTDATA_MAP)
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
                yield NerSentence(tuple(t.text for t in words), tuple(tags), doc_id=doc_id)


def detect_format(path: Path) -> str:
    """``smartdata``, ``germeval`` or ``conll`` (see :func:`sniff`)."""
    return sniff(path).fmt


def read_file(path: Path | str, fmt: str | None = None) -> list[NerSentence]:
    """Read a dataset file in any supported format (``fmt`` auto-detected when None)."""
    path = Path(path)
    layout = sniff(path)
    if fmt is not None and fmt != layout.fmt:
        layout = Layout(fmt, width=4 if fmt == "germeval" else 2, token_col=1 if fmt == "germeval" else 0)
    with open(path, encoding="utf-8-sig") as handle:
        if layout.fmt == "smartdata":
            return list(read_smartdata(handle))
        if layout.fmt == "germeval":
            return list(read_germeval(handle))
        return list(read_conll(handle, LER_MAP if layout.ler else CONLL_MAP, layout))


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
