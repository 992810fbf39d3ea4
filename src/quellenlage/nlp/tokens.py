"""German tokens with absolute offsets and a lemma for every token.

Tokenisation is spaCy's blank German tokenizer (rule-based, no model download); lemmas come from
the German lookup table in ``spacy-lookups-data``. Words the table does not know get, in order:

1. lowercase words: ``simplemma``,
2. capitalised words: a lower-cased lookup (sentence-initial ``Vorgesehen`` → ``vorsehen``), then
   ``simplemma`` (``Sicherheitsgarantien`` → ``Sicherheitsgarantie``) unless all it does is strip
   an ``-s`` (``Reuters``), then the last part of a hyphenated compound (``US-Bodentruppen`` →
   ``US-Bodentruppe``), then a compound rule: the longest head noun the table knows is lemmatised
   and the modifier kept (``Klorollen`` → ``Klorolle``),
3. a genitive rule for names in context: ``Selenskyjs`` → ``Selenskyj`` when the bare form occurs
   in the same text at least as often.

Measured on 200 FANG-COVID articles (291k word tokens): 38.2% table, 1.0% lower-cased lookup,
5.9% simplemma, 0.8% compound/hyphen rule, 0.1% genitive rule; the rest are not in the table and
are their own lemma (function words and lemma forms: "und", "der", "Klimaschutz").

Abbreviations that spaCy splits off their period (``u.ä.``, ``Abs.``; list in
``data/nlp/abbreviations.txt``) are glued back so that their period never ends a sentence. Number
tokens that spaCy glues to a sentence-final period (``2022.``, ``1.200.000.``) are split
into the number and the period unless the period is an ordinal marker (``am 8. Januar``).

The tokenizer and the table load once, lazily, on first use.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache, lru_cache
from importlib import resources

from ..models import Token

_NUMBER_WITH_PERIOD = re.compile(r"^\d[\d.,]*\.$")
_DAY_MONTH = re.compile(r"^\d{1,2}\.\d{1,2}\.$")
_GENITIVE_NAME = re.compile(r"^[A-ZÄÖÜ][a-zäöüß]+[^sxzß]s$")
# Compound heads shorter than this are too often accidental matches ("Ten", "Ort", "mich").
_MIN_HEAD = 5


@cache
def data_lines(name: str) -> tuple[str, ...]:
    """Non-empty, non-comment lines of ``quellenlage/data/nlp/<name>``, loaded once."""
    text = resources.files("quellenlage").joinpath("data", "nlp", name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def data_table(name: str) -> dict[str, str]:
    """A two-column tab-separated data file as a dict (first column lower-cased)."""
    return {k.strip().lower(): v.strip() for k, v in (line.split("\t", 1) for line in data_lines(name))}


def months() -> dict[str, int]:
    return {k: int(v) for k, v in data_table("months.tsv").items()}


@lru_cache(maxsize=1)
def _tokenizer():  # type: ignore[no-untyped-def]
    import spacy

    return spacy.blank("de").tokenizer


@lru_cache(maxsize=1)
def _table():  # type: ignore[no-untyped-def]
    """spaCy's lookup ``Table`` (keys are string hashes, so it must be queried with ``.get(word)``)."""
    from spacy.lookups import load_lookups

    return load_lookups("de", ["lemma_lookup"]).get_table("lemma_lookup")


@lru_cache(maxsize=200_000)
def _simplemma(word: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(word, lang="de"))


@lru_cache(maxsize=200_000)
def lemma_of(word: str) -> str:
    """The lemma of one word form, without document context."""
    table = _table()
    found = table.get(word)
    if found is not None:
        return found
    if not word[:1].isalpha():
        return word
    if not word[:1].isupper():
        return _simplemma(word)
    lower = table.get(word.lower())
    if lower is not None and lower != word.lower():
        return lower
    fallback = _simplemma(word)
    if fallback != word and fallback != word[:-1]:  # a stripped "-s" is left to the genitive rule
        return fallback
    if "-" in word:
        prefix, _, head = word.rpartition("-")
        return f"{prefix}-{lemma_of(head)}" if head[:1].isupper() else word
    for cut in range(4, len(word) - _MIN_HEAD + 1):  # modifiers of three letters are rare
        head = word[cut:].capitalize()
        head_lemma = table.get(head)
        # the head lemma must look like an inflection of the head (the table maps "Sein" → "mein")
        if head_lemma and head_lemma != head and head_lemma[:1].isupper() and head_lemma[:3] == head[:3]:
            return word[:cut] + head_lemma.lower()
    return word


def _join_abbreviations(words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Glue ``Abs`` + ``.`` back into ``Abs.`` for the abbreviations spaCy splits."""
    known = _abbreviations()
    out: list[tuple[int, int, str]] = []
    for start, end, text in words:
        if text == "." and out and out[-1][1] == start and (out[-1][2] + ".").lower() in known:
            prev_start, _, prev_text = out.pop()
            out.append((prev_start, end, prev_text + "."))
        else:
            out.append((start, end, text))
    return out


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    return frozenset(data_lines("abbreviations.txt"))


def _split_number_period(words: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Split ``2022.`` into ``2022`` + ``.`` where the period ends a sentence, keep ``8.`` ordinals."""
    out: list[tuple[int, int, str]] = []
    for i, (start, end, text) in enumerate(words):
        if _NUMBER_WITH_PERIOD.match(text) and not _is_ordinal(words, i):
            out.append((start, end - 1, text[:-1]))
            out.append((end - 1, end, "."))
        else:
            out.append((start, end, text))
    return out


def _is_ordinal(words: list[tuple[int, int, str]], i: int) -> bool:
    text = words[i][2]
    nxt = words[i + 1][2] if i + 1 < len(words) else ""
    if _DAY_MONTH.match(text):  # "am 20.07. in Köln" keeps its date; "… am 20.07. Dann" ends
        return bool(nxt) and not nxt[:1].isupper()
    digits = text[:-1]
    if not digits.isdigit() or len(digits) > 3:
        return False  # years and grouped numbers ("2022.", "1.200.000.") end sentences
    prev = words[i - 1][2].lower() if i > 0 else ""
    if nxt.lower() in data_table("months.tsv") or prev in data_lines("ordinal_predecessors.txt"):
        return True
    if not nxt or nxt[:1] in '"“”»«)':
        return False
    # "Es sind 3. Die …" is rare; a following capitalised word after a bare number with a period is
    # most often a new sentence, a lowercase word a continued ordinal phrase ("8. und 9. Januar").
    return not nxt[:1].isupper()


def tokenize(text: str, start: int = 0) -> tuple[Token, ...]:
    """Tokens of ``text`` with offsets shifted by ``start`` and a lemma for every token."""
    from spacy.attrs import IDX, IS_SPACE, LENGTH  # type: ignore[import-not-found]

    doc = _tokenizer()(text)
    words = [
        (int(idx), int(idx + length), text[idx : idx + length])
        for idx, length, space in doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()
        if not space
    ]
    words = _split_number_period(_join_abbreviations(words))
    present = Counter(w for _, _, w in words if w[:1].isupper())
    tokens = []
    for s, e, word in words:
        lemma = lemma_of(word)
        # "Selenskyjs" → "Selenskyj" when the bare name is in the text at least as often
        # ("Gates" is more frequent than a stray "Gate", so Bill Gates keeps his s)
        if lemma == word and _GENITIVE_NAME.match(word) and present[word[:-1]] >= present[word]:
            lemma = word[:-1]
        tokens.append(Token(start=start + s, end=start + e, text=word, lemma=lemma))
    return tuple(tokens)
