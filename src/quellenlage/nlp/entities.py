"""Named entities: recognise mentions, propagate them through the article, group them into entities.

Pipeline of :func:`find_entities`::

    recognizers (RuleRecognizer; later also ModelRecognizer)  ->  merge_mentions
        ->  propagate (a name found once is found everywhere, also as surname or genitive)
        ->  canonicalise (one Entity per real-world thing, name = longest full form)

The rule recogniser works on capitalisation plus lexicons (see :mod:`quellenlage.nlp.gazetteer`).
German capitalises every noun, so a capitalised word is a name candidate only when the lexicon does
not know it, and it becomes a mention only with evidence: a gazetteer entry, a given name, a role
noun before it ("Präsident …"), a second unknown capitalised word, an acronym, or an
organisation head ("Außenministerium"). Derived adjectives (``russischen``, ``britisch-französische``)
are lower case and never entities. Parts of hyphenated compounds (``NATO-Präsenz``) are not
recognised; propagation adds them as ``source="propagated"`` mentions of the known name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from quellenlage.models import Article, Entity, EntityType, Mention, Sentence, Span
from quellenlage.nlp.gazetteer import (
    gazetteer,
    is_common_word,
    is_demonym,
    is_derived_noun,
    is_english,
    is_place_noun,
    is_role,
    org_head,
    surname_like,
)
from quellenlage.nlp.linking import canonicalise, propagate

WORD = re.compile(r"\w+(?:[-'’.&]\w+)*\.?|[^\w\s]", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])(?<!\d\.)\s+(?=[\"„»(A-ZÄÖÜ])|\n+(?![a-zäöüß])")
GENITIVE_ARTICLES = {"des", "der", "eines", "einer"}
DETERMINERS = {
    "der",
    "die",
    "das",
    "dem",
    "den",
    "des",
    "ein",
    "eine",
    "einem",
    "einen",
    "eines",
    "beim",
    "zum",
    "zur",
    "vom",
}
COMPANY_SUFFIXES = {"AG", "GmbH", "SE", "KG", "e.V.", "Inc.", "Ltd.", "mbH", "KGaA"}
ORG_HEADS = ("ministerium", "ministeriums")
# Slavic surname endings: a single unknown capitalised word with one of these is a person.
PER_ENDINGS = ("owa", "ewa", "owna", "ski", "skyj", "enko", "witsch", "ow", "ew")
# English words that start capitalised titles ("The Lost Boys"): never part of a guessed person name.
FOREIGN_FUNCTION_WORDS = {
    "The",
    "A",
    "An",
    "Of",
    "And",
    "By",
    "In",
    "On",
    "For",
    "To",
    "Me",
    "My",
    "With",
    "New",
}
OPENING_MARKS = {"„", "‚", "»", "«", '"', "“", "(", "[", ":", "–", "-"}
PLACE_PREPOSITIONS = {"in", "nach", "aus", "bei"}
SPEECH_VERBS = {"sagte", "sagt", "erklärte", "erklärt", "betonte", "meinte", "schrieb", "warnte", "sagten"}
NOT_ACRONYMS = {"II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "OK", "TV", "PS", "US"}


class EntityRecognizer(Protocol):
    """Anything that finds mentions in a text; ``article_id`` reaches it through the spans."""

    name: str

    def recognize(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]: ...


@dataclass(frozen=True, slots=True)
class _Tok:
    start: int
    end: int
    text: str

    @property
    def cap(self) -> bool:
        return self.text[:1].isupper()

    @property
    def bare(self) -> str:
        return self.text.rstrip(".") if self.text not in {"Dr.", "Prof.", "e.V."} else self.text


@lru_cache(maxsize=1024)
def words(text: str, start: int, end: int) -> tuple[_Tok, ...]:
    """Word and punctuation tokens of ``text[start:end]`` with absolute offsets.

    Memoised for the last 1,024 sentences (a few recent articles): the rules, quotes and
    descriptions each walk every sentence (about five calls per sentence in ``read()``). The key's
    article text hashes once (``str`` caches its hash); the cache keeps the texts of those recent
    articles alive, each at most ``settings.max_input_bytes`` as ingested."""
    out = []
    for m in WORD.finditer(text, start, end):
        word = m.group()
        if word.endswith(".") and len(word) > 1 and word not in {"Dr.", "Prof.", "e.V.", "Inc.", "Ltd."}:
            out.append(_Tok(m.start(), m.end() - 1, word[:-1]))
            out.append(_Tok(m.end() - 1, m.end(), "."))
        else:
            out.append(_Tok(m.start(), m.end(), word))
    return tuple(out)


def sentence_ranges(text: str, sentences: Sequence[Sentence]) -> list[tuple[int, int]]:
    """Sentence spans from the reading, or a naive split (lines, then ``. X``) when none are given."""
    if sentences:
        return [(s.span.start, s.span.end) for s in sentences]
    ranges, last = [], 0
    for m in _SENTENCE_END.finditer(text):
        ranges.append((last, m.start()))
        last = m.end()
    ranges.append((last, len(text)))
    return [(a, b) for a, b in ranges if b > a]


def _unknown(tok: _Tok) -> bool:
    return tok.cap and tok.text.replace("-", "").isalpha() and not is_common_word(tok.text)


class RuleRecognizer:
    """Rules over capitalisation, lexicons and triggers; see the module docstring."""

    name = "rules"

    def __init__(self, article_id: str = "") -> None:
        self.article_id = article_id

    def recognize(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]:
        article_id = sentences[0].span.article_id if sentences else self.article_id
        mentions: list[Mention] = []
        for start, end in sentence_ranges(text, sentences):
            for a, b, kind in self._sentence(words(text, start, end)):
                span = Span(article_id, a, b)
                mentions.append(Mention(span, text[a:b], kind, "rules"))
        return mentions

    def _sentence(self, toks: Sequence[_Tok]) -> Iterator[tuple[int, int, EntityType]]:
        i, n = 0, len(toks)
        while i < n:
            found = self._at(toks, i)
            if found is None:
                i += 1
                continue
            j, kind = found
            yield toks[i].start, toks[j - 1].end, kind
            i = j

    def _at(self, toks: Sequence[_Tok], i: int) -> tuple[int, EntityType] | None:
        """The end index and type of a mention starting at token ``i``, or None."""
        g = gazetteer()
        tok = toks[i]
        if not (tok.cap or tok.text[:1].isdigit() and tok.text in g.names):
            return None
        match = self._gazetteer_match(toks, i)
        after_determiner = i > 0 and toks[i - 1].text.lower() in DETERMINERS
        if match is not None and match[0] == i + 1 and after_determiner and tok.text.lower() in g.lexicon:
            match = None  # "beim Gießen": a nominalised verb, not the city
        if is_demonym(tok.text):
            return None  # "Wiener", "Teheraner": derived from a place name, not a name
        if match is not None:
            j, kind = match
            if kind is EntityType.PER:
                return self._extend_name(toks, j, after_first_name=tok.text in g.first_names), kind
            return j, kind
        head = org_head(tok.text) if i + 1 < len(toks) else None
        if head is not None:
            end = self._org_name(toks, i + 1)
            if end is not None and head == "part":
                return end, EntityType.ORG
            if end is not None:
                return None  # the name after "Partei", "Zeitung" … starts its own mention
        if is_role(tok.text):
            return None  # the name after a role noun starts its own mention (see _after_role)
        first_name = tok.text in g.first_names
        # after a role, a known word that is no derived noun may start the name ("Emmanuel")
        name_like = _unknown(tok) or not is_derived_noun(tok.text) and surname_like(tok.text)
        if first_name or self._after_role(toks, i) and name_like:
            j = self._extend_name(toks, i + 1, after_first_name=first_name)
            alone = first_name and not _next_cap(toks, i) and (i > 0 or tok.text.lower() not in g.lexicon)
            if j > i + 1 or _unknown(tok) or alone:
                return j, EntityType.PER
        if i > 0 and is_place_noun(toks[i - 1].text) and _unknown(tok):
            j = i + 1
            while j < len(toks) and j - i < 3 and _unknown(toks[j]):
                j += 1
            return j, EntityType.LOC
        text = tok.text
        if i > 0 and org_head(toks[i - 1].text) == "intro":
            end = self._org_name(toks, i)
            if end is not None:
                return end, EntityType.ORG
        if _acronym(text):
            j = i + 1
            while j < len(toks) and _acronym(toks[j].text):
                j += 1  # "DIE ZEIT": a name in capitals is one mention
            if j > i + 1 or text.lower() not in g.lexicon:
                return j, EntityType.ORG
        if text.lower().endswith(ORG_HEADS) and "-" not in text:
            return i + 1, EntityType.ORG
        j = i
        while (
            j < len(toks)
            and toks[j].cap
            and toks[j].text not in COMPANY_SUFFIXES
            and toks[j].text.replace("-", "").isalnum()
        ):
            j += 1
        if j < len(toks) and toks[j].text in COMPANY_SUFFIXES and j > i:
            return j + 1, EntityType.ORG
        if _unknown(tok) and tok.text not in FOREIGN_FUNCTION_WORDS:
            j = i + 1
            while (
                j < len(toks)
                and j - i < 4
                and _unknown(toks[j])
                and toks[j].text not in FOREIGN_FUNCTION_WORDS
            ):
                j += 1
            if j - i >= 2:
                return j, EntityType.PER
            if i > 0 and text.endswith(PER_ENDINGS) and len(text) > 5:
                return j, EntityType.PER
            if i > 0 and "-" not in text and toks[i - 1].text not in OPENING_MARKS and not is_english(text):
                return j, _guess_type(toks, i)
        return None

    def _org_name(self, toks: Sequence[_Tok], i: int) -> int | None:
        """End of the name after an organisation head: a gazetteer name, acronyms or an unknown word."""
        name = self._gazetteer_match(toks, i)
        if name is not None and name[1] is not EntityType.PER:
            return name[0]
        j = i
        while j < len(toks) and _acronym(toks[j].text):
            j += 1
        if j > i:
            return j
        return i + 1 if _unknown(toks[i]) else None

    def _gazetteer_match(self, toks: Sequence[_Tok], i: int) -> tuple[int, EntityType] | None:
        g = gazetteer()
        texts = [t.text for t in toks[i : i + 8]]
        first = texts[0]
        candidates = list(g.by_first.get(first, ()))
        if first.endswith("s") and len(first) > 3:
            candidates += [c for c in g.by_first.get(first[:-1], ()) if len(c) == 1]
        for entry in candidates:
            k = len(entry)
            got = texts[:k]
            if len(got) < k:
                continue
            if tuple(got) == entry or (
                got[:-1] == list(entry[:-1]) and got[-1] in {entry[-1] + "s", entry[-1] + "es"}
            ):
                return i + k, g.names[" ".join(entry)]
        return None

    def _after_role(self, toks: Sequence[_Tok], i: int) -> bool:
        """Whether token ``i`` follows a role noun, maybe with a genitive phrase and a comma."""
        j = i - 1
        if j >= 0 and toks[j].text == ",":
            j -= 1
        # skip back over a genitive attribute: "Sprecherin des russischen Außenministeriums"
        k = j
        while k >= 0 and not toks[k].cap and toks[k].text.isalpha():
            k -= 1
        if k >= 1 and toks[k].cap and not is_role(toks[k].text):
            back = k - 1
            while back >= 0 and toks[back].text.islower() and toks[back].text not in GENITIVE_ARTICLES:
                back -= 1
            if back >= 1 and toks[back].text in GENITIVE_ARTICLES and is_role(toks[back - 1].text):
                return True
        return j >= 0 and is_role(toks[j].bare)

    def _extend_name(self, toks: Sequence[_Tok], j: int, after_first_name: bool = False) -> int:
        """Extend a person name over following unknown capitalised words ("Maria" + "Sacharowa").

        Right after a given name, a known capitalised word is accepted as surname too ("Joachim
        Gauck", "Angela Merkel") unless it is a role, a place noun, an ordinary noun by its suffix or
        a non-person gazetteer name.
        """
        start = j
        g = gazetteer()
        while j < len(toks) and j - start < 3:
            tok = toks[j]
            if (
                _unknown(tok)
                or tok.text in g.first_names
                or after_first_name
                and j == start
                and tok.cap
                and tok.text.isalpha()
                and surname_like(tok.text)
            ):
                j += 1
            else:
                break
        return j


def _guess_type(toks: Sequence[_Tok], i: int) -> EntityType:
    """Type of a lone unknown capitalised word inside a sentence, from its form and neighbours.

    ``in/nach/aus X`` is a place, ``X sagte``/``laut X`` a person, an inner capital (``SpaceX``) an
    organisation; anything else is MISC: a name of unknown kind (product, drug, work, …), which
    :func:`canonicalise` outvotes when the same name also occurs with a known type.
    """
    text = toks[i].text
    before = toks[i - 1].text.lower()
    after = toks[i + 1].text if i + 1 < len(toks) else ""
    if any(c.isupper() for c in text[1:]) and not text.isupper():
        return EntityType.ORG
    if before in PLACE_PREPOSITIONS:
        return EntityType.LOC
    if before == "laut" or after in SPEECH_VERBS:
        return EntityType.PER
    return EntityType.MISC


def _acronym(word: str) -> bool:
    return len(word) >= 2 and word.isupper() and word.isalpha() and word not in NOT_ACRONYMS


def _next_cap(toks: Sequence[_Tok], i: int) -> bool:
    return i + 1 < len(toks) and toks[i + 1].cap


# ---------------------------------------------------------------------------------------------
# Merge (propagation and canonicalisation live in linking.py)
# ---------------------------------------------------------------------------------------------


def merge_mentions(per_recognizer: Sequence[Sequence[Mention]]) -> list[Mention]:
    """Merge the mention lists of several recognisers into one non-overlapping list.

    Earlier recognisers win on overlap; among overlapping mentions the longer span wins, then the
    earlier list. Today only the rules run; when the trained model joins, pass its list first to
    let it decide types, or extend this function with voting.
    """
    ranked = [
        (m.span.end - m.span.start, -rank, m)
        for rank, mentions in enumerate(per_recognizer)
        for m in mentions
    ]
    ranked.sort(key=lambda r: (-r[0], -r[1]))
    chosen: list[Mention] = []
    for _, _, m in ranked:
        if all(m.span.end <= c.span.start or m.span.start >= c.span.end for c in chosen):
            chosen.append(m)
    return sorted(chosen, key=lambda m: m.span.start)


# Which recognisers the reading layer runs (the ``entities`` setting): "rules", "model"/"combined"
# (the spaCy CNN alone / with the rules), "e5"/"e5+rules" (the fine-tuned e5 tagger alone / merged
# with the rules by quellenlage.nlp.ner_e5.combine), "e5s"/"e5s+rules" (the same with the small
# 6-layer model in models/ner_e5_small). Held-out exact-span F1 (`quellenlage eval ner --backend …`,
# README), GermEval / SmartData: e5+rules 0.754 / 0.822, e5 0.753 / 0.809, e5s+rules 0.736 / 0.807,
# rules 0.540 / 0.746, combined 0.523 / 0.685. The default is e5+rules (the quote and description
# layers keep their seed results with it); bench/read.py: e5+rules 3.2k tokens/s, e5s+rules 5.3k,
# rules 17.8k.
ENTITY_BACKENDS = ("rules", "model", "combined", "e5", "e5+rules", "e5s", "e5s+rules")
DEFAULT_ENTITY_BACKEND = "e5+rules"


def default_recognizers(article_id: str, backend: str = DEFAULT_ENTITY_BACKEND) -> tuple[EntityRecognizer, ...]:
    """The recognisers of ``backend``: ``model``/``combined`` use the spaCy CNN, ``e5``/``e5+rules``
    the fine-tuned e5 tagger (:mod:`quellenlage.nlp.ner_e5`); ``combined`` is merged with the rule
    mentions by :func:`quellenlage.nlp.ner_model.combine`, ``e5+rules`` by :func:`quellenlage.nlp.ner_e5.combine`."""
    if backend not in ENTITY_BACKENDS:
        raise ValueError(f"unknown entity backend {backend!r}; choose one of {', '.join(ENTITY_BACKENDS)}")
    if backend == "rules":
        return (RuleRecognizer(article_id),)
    if backend.startswith("e5"):
        from quellenlage.nlp.ner_e5 import E5Recognizer, backend_model_path

        e5 = E5Recognizer(article_id, backend_model_path(backend))
        return (RuleRecognizer(article_id), e5) if backend.endswith("+rules") else (e5,)
    from quellenlage.nlp.ner_model import ModelRecognizer

    if backend == "model":
        return (ModelRecognizer(article_id),)
    return (RuleRecognizer(article_id), ModelRecognizer(article_id))


def merge_recognized(names: Sequence[str], per_recognizer: Sequence[Sequence[Mention]]) -> list[Mention]:
    """One non-overlapping mention list from the outputs of the recognisers ``names``: rules + spaCy
    model by :func:`quellenlage.nlp.ner_model.combine`, rules + e5 by :func:`quellenlage.nlp.ner_e5.combine`,
    anything else by :func:`merge_mentions`."""
    if list(names) == ["rules", "model"]:
        from quellenlage.nlp.ner_model import combine

        return combine(per_recognizer[0], per_recognizer[1])
    if list(names) == ["rules", "e5"]:
        from quellenlage.nlp import ner_e5

        return ner_e5.combine(per_recognizer[0], per_recognizer[1])
    return merge_mentions(per_recognizer)


def find_entities(
    article: Article,
    sentences: Sequence[Sentence],
    recognizers: Sequence[EntityRecognizer] | None = None,
    backend: str = DEFAULT_ENTITY_BACKEND,
) -> tuple[Entity, ...]:
    """Recognise, merge, propagate and canonicalise the entities of one article."""
    recognizers = recognizers if recognizers is not None else default_recognizers(article.id, backend)
    per_recognizer = [_with_article(r.recognize(article.text, sentences), article.id) for r in recognizers]
    merged = merge_recognized([r.name for r in recognizers], per_recognizer)
    mentions = propagate(article.text, article.id, merged)
    return canonicalise(mentions)


def _with_article(mentions: list[Mention], article_id: str) -> list[Mention]:
    return [
        m
        if m.span.article_id == article_id
        else Mention(Span(article_id, m.span.start, m.span.end), m.text, m.type, m.source)
        for m in mentions
    ]
