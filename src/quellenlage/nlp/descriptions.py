"""Appositions and role phrases that say who a person or organisation is.

Four patterns, each tied to a PER or ORG entity found by :mod:`quellenlage.nlp.entities`:

1. role before the name: ``der britische Premierminister Keir Starmer``,
   ``die Sprecherin des russischen Außenministeriums, Maria Sacharowa`` (comma optional);
2. apposition after the name: ``Maria Sacharowa, Sprecherin des Außenministeriums, sagte``;
   a group noun (``einer Gruppe …``, ``eines Bündnisses …``) attaches to the nearest organisation
   before it, not to a place in between (``der „Koalition der Willigen“ in Paris, einer Gruppe …``);
3. copula: ``Maria Sacharowa ist Sprecherin des russischen Außenministeriums und …``;
4. naming: ``Als Koalition der Willigen wird eine Gruppe westlicher Staaten bezeichnet, die …``.

``Description.text`` is the role phrase without its article and with whitespace collapsed, ready
for a "Wer ist …?" box; ``span`` locates it, ``anchor`` covers phrase and name together.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import simplemma

from quellenlage.models import Article, Description, Entity, EntityType, Sentence, Span
from quellenlage.nlp.entities import GENITIVE_ARTICLES, _Tok, sentence_ranges, words
from quellenlage.nlp.gazetteer import is_role

ARTICLES = {"der", "die", "das", "dem", "den", "des", "ein", "eine", "einer", "eines", "einem", "einen"}
GROUP_NOUNS = (
    "gruppe", "bündnis", "bündnisses", "zusammenschluss", "zusammenschlusses", "allianz",
    "organisation", "vereinigung", "koalition", "verband", "verbandes", "partei", "netzwerk",
    "netzwerks", "unternehmen", "unternehmens", "konzern", "konzerns", "behörde", "institution",
)  # fmt: skip
ADJECTIVE_ENDINGS = ("e", "en", "er", "es", "em")
NOT_ADJECTIVES = {
    "seine", "seinen", "seiner", "seines", "seinem", "ihre", "ihren", "ihrer", "ihres", "ihrem",
    "unsere", "unseren", "diese", "diesen", "dieser", "dieses", "diesem", "jene", "jenen", "jener",
    "welche", "welcher", "keine", "keinen", "keiner", "alle", "allen", "aller", "manche", "einige",
    "oder", "aber", "sowie", "wie", "ohne", "gegen", "unter", "über", "hinter", "wieder",
    "sie", "wir", "ihr", "er", "es", "sehr", "mehr", "immer", "später", "bereits", "wegen", "nie",
}  # fmt: skip
HONORIFICS = {"herr", "herrn", "frau", "dr.", "dr", "prof.", "prof"}  # titles, not roles
COPULAS = {"ist", "war"}
NAMING_VERBS = {"bezeichnet", "genannt"}
QUOTE_MARKS = set('„“”"»«‚‘’')


def _entity_at(entities: Sequence[Entity]) -> dict[int, tuple[Entity, int]]:
    """Start offset of each PER/ORG/LOC mention -> (entity, end offset)."""
    return {m.span.start: (e, m.span.end) for e in entities for m in e.mentions}


class _Sentence:
    def __init__(self, toks: Sequence[_Tok], at: dict[int, tuple[Entity, int]]) -> None:
        self.toks = [t for t in toks if t.text not in QUOTE_MARKS]
        self.at = at
        self.starts = {t.start: i for i, t in enumerate(self.toks)}

    def mention(self, i: int) -> tuple[Entity, int] | None:
        """Entity and end token index (exclusive) of a mention starting at token ``i``."""
        if i >= len(self.toks) or self.toks[i].start not in self.at:
            return None
        entity, end = self.at[self.toks[i].start]
        j = i
        while j < len(self.toks) and self.toks[j].start < end:
            j += 1
        return entity, j

    def noun_phrase(self, i: int) -> tuple[int, int, int] | None:
        """(phrase start without article, head index, end) of a noun phrase with genitives at ``i``."""
        toks, n = self.toks, len(self.toks)
        if i < n and toks[i].text.lower() in ARTICLES:
            i += 1
        if i + 1 < n and toks[i].text == "der" and toks[i - 1].text.lower() == "eine":
            i += 1  # "eine der schärfsten Stimmen"
        start = i
        while i < n and _adjective(toks[i].text):
            i += 1
        if (
            i >= n
            or not toks[i].cap
            or toks[i].start in self.at
            and self.at[toks[i].start][0].type is EntityType.PER
        ):
            return None
        head = i
        i += 1
        for _ in range(3):  # genitive attributes: "des russischen Außenministeriums", "westlicher Staaten"
            j = i
            bare_plural = j + 1 < n and toks[j].text.endswith("er") and _adjective(toks[j].text)
            if j < n and (toks[j].text in GENITIVE_ARTICLES or bare_plural):
                j += 1
                while j < n and _adjective(toks[j].text):
                    j += 1
                if j < n and toks[j].cap:
                    found = self.mention(j)
                    i = found[1] if found and found[0].type is not EntityType.PER else j + 1
                    continue
            break
        return start, head, i


def _adjective(word: str) -> bool:
    """An inflected attributive adjective ("britische", "russischen"), not an article or pronoun."""
    return (
        word.replace("-", "").isalpha()
        and word[:1].islower()
        and word.endswith(ADJECTIVE_ENDINGS)
        and word not in ARTICLES
        and word not in NOT_ADJECTIVES
        and not _verb_form(word)
    )


def _verb_form(word: str) -> bool:
    """A finite verb or participle ("sagte", "erklärten"): its lemma is an infinitive."""
    lemma = simplemma.lemmatize(word, lang="de")
    return lemma != word and lemma.endswith(("en", "ern", "eln"))


def _span(article: Article, toks: Sequence[_Tok], a: int, b: int) -> Span:
    return Span(article.id, toks[a].start, toks[b - 1].end)


def _description(
    article: Article, entity: Entity, toks: Sequence[_Tok], a: int, b: int, anchor: Span
) -> Description:
    span = _span(article, toks, a, b)
    text = re.sub(r"\s+", " ", article.text[span.start : span.end]).strip(" ,")
    return Description(entity.id, text, span, anchor)


def find_descriptions(
    article: Article, sentences: Sequence[Sentence], entities: Sequence[Entity]
) -> tuple[Description, ...]:
    """Role phrases and appositions of PER and ORG entities, in text order, without duplicates."""
    at = _entity_at(entities)
    found: dict[tuple[str, int, int], Description] = {}
    for start, end in sentence_ranges(article.text, sentences):
        s = _Sentence(words(article.text, start, end), at)
        for d in _sentence_descriptions(article, s):
            found.setdefault((d.entity_id, d.span.start, d.span.end), d)
    return tuple(sorted(found.values(), key=lambda d: d.span.start))


def _sentence_descriptions(article: Article, s: _Sentence) -> list[Description]:
    toks, out = s.toks, []
    for i, tok in enumerate(toks):
        if is_role(tok.text) and tok.cap:
            out.extend(_before_name(article, s, i))
        found = s.mention(i)
        if found is None:
            continue
        entity, j = found
        if j < len(toks) and toks[j].text == ",":
            out.extend(_after_name(article, s, i, j + 1))
        if j < len(toks) and toks[j].text in COPULAS and entity.type in {EntityType.PER, EntityType.ORG}:
            phrase = s.noun_phrase(j + 1)
            if phrase and _fits(entity, toks[phrase[1]].text):
                a, _, b = phrase
                anchor = Span(article.id, tok.start, toks[b - 1].end)
                out.append(_description(article, entity, toks, a, b, anchor))
        if i > 0 and toks[i - 1].text == "Als" and j < len(toks) and toks[j].text in {"wird", "werden"}:
            phrase = s.noun_phrase(j + 1)
            if phrase and phrase[2] < len(toks) and toks[phrase[2]].text in NAMING_VERBS:
                out.append(_naming(article, s, i, entity, phrase))
    return out


def _naming(
    article: Article, s: _Sentence, i: int, entity: Entity, phrase: tuple[int, int, int]
) -> Description:
    """``Als X wird eine Gruppe … bezeichnet, die …``: the phrase plus its relative clause.

    The span runs from the phrase to the end of the clause; the text marks the naming verb it leaves
    out with "[…]", as a quotation with an omission does ("Gruppe westlicher Staaten […], die …"), so
    that what the briefing quotes is still the source's wording.
    """
    toks = s.toks
    a, _, verb = phrase
    end = len(toks) - 1 if toks[-1].text == "." else len(toks)
    clean = article.text[toks[a].start : toks[verb - 1].end]
    if verb + 1 < end and toks[verb + 1].text == ",":
        clean += " […], " + article.text[toks[verb + 2].start : toks[end - 1].end]
    else:
        end = verb
    span = Span(article.id, toks[a].start, toks[end - 1].end)
    anchor = Span(article.id, toks[i - 1].start, toks[end - 1].end)
    return Description(entity.id, re.sub(r"\s+", " ", clean).strip(), span, anchor)


def _fits(entity: Entity, head: str) -> bool:
    """A copula phrase describes a person by a role, an organisation by a group noun."""
    if entity.type is EntityType.PER:
        return is_role(head) and head.lower() not in HONORIFICS
    return head.lower().startswith(GROUP_NOUNS)


def _before_name(article: Article, s: _Sentence, r: int) -> list[Description]:
    toks = s.toks
    if toks[r].text.lower() in HONORIFICS:
        return []
    phrase = s.noun_phrase(r)
    if phrase is None or phrase[1] != r:
        return []
    _, _, end = phrase
    a = r
    while a > 0 and _adjective(toks[a - 1].text):
        a -= 1  # adjectives before the role: "der britische Premierminister"
    k = end + 1 if end < len(toks) and toks[end].text == "," else end
    found = s.mention(k)
    if found is None or found[0].type is not EntityType.PER:
        return []
    entity, j = found
    first = a - 1 if a > 0 and toks[a - 1].text.lower() in ARTICLES else a
    anchor = Span(article.id, toks[first].start, toks[j - 1].end)
    return [_description(article, entity, toks, a, end, anchor)]


def _after_name(article: Article, s: _Sentence, i: int, k: int) -> list[Description]:
    toks = s.toks
    phrase = s.noun_phrase(k)
    if phrase is None:
        return []
    a, head, b = phrase
    if b < len(toks) and toks[b].text not in {",", ".", ";", ")", "–"}:
        return []
    head_word = toks[head].text.lower()
    entity = s.mention(i)[0]  # type: ignore[index]
    if head_word.startswith(GROUP_NOUNS):
        owner = _nearest_org(s, i)
        if owner is None:
            return []
        entity, i = owner
    elif not (is_role(toks[head].text) and entity.type is EntityType.PER):
        return []
    anchor = Span(article.id, toks[i].start, toks[b - 1].end)
    return [_description(article, entity, toks, a, b, anchor)]


def _nearest_org(s: _Sentence, i: int) -> tuple[Entity, int] | None:
    for j in range(i, -1, -1):
        found = s.mention(j)
        if found and found[0].type is EntityType.ORG:
            return found[0], j
    return None
