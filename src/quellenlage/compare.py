"""Align claims across articles and find where the outlets disagree.

Alignment: candidate pairs of factual claims from different articles come from sentence-embedding
cosine (multilingual USE through :func:`quellenlage.embed.embed`); a pair is accepted when a weighted
score of cosine, stem overlap, entity overlap and quote overlap passes :data:`ALIGN_MIN_SCORE`.
Accepted pairs are joined into groups (union-find). A group is ``corroborated`` when it spans at least
two independent sources, ``conflicting`` when its claims give different numbers, dates or speakers,
else ``single_source``.

Conflicts carry both sides' spans and a one-sentence German explanation:

- ``quote_wording``: the same speaker's statement quoted in different words,
- ``number``: different values for the same quantity,
- ``date``: the same event on different days,
- ``attribution``: the same words given to different speakers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np

from .claims import REPORTING_STEMS
from .independence import Independence
from .models import Claim, EntityType, Quote, Reading, Span

Embedder = Callable[[Sequence[str]], np.ndarray]

# Calibration, fast USE, claims compared without their attribution frames (content_text):
# - seeds through the real reading layer (about 80 factual claims, 6 true cross-outlet pairs marked by
#   hand): the true paraphrase pairs score 0.53-0.71 and are linked; the nearest false pairs (one
#   speaker's different statements, generic lead sentences) score up to 0.49 and are not. Quote
#   variants of one statement link claims whose sentences are otherwise worded apart (cos 0.23-0.32).
# - 20 FANG-COVID vaccine articles from different weeks (mostly not one story): 1 group across
#   outlets remains (border controls of the Bundesinnenministerium, plausibly true), was 11.
# A pair must also be mutually best across its two articles. Re-run tests/test_compare.py,
# tests/test_seeds_story.py and `bench/analyze.py` (groups_corroborated) after changing any of these.
CANDIDATE_MIN_COS = 0.25
W_COS, W_CHARS, W_ENTITIES, W_QUOTE = 0.5, 0.3, 0.25, 0.2
ALIGN_MIN_SCORE = 0.5
# Fragments shorter than this ("(DM)", "Foto: dpa") are never aligned: their similarity says nothing.
ALIGN_MIN_WORDS = 4
# Shared entities add sum(idf) / (ENTITY_IDF_SATURATION · log n), capped at 1 (n = claims compared):
# two rare names shared count fully, one rare name about half, the story's ubiquitous country names
# barely. With a fixed cap, one shared rare name (Merkel, Israel) linked unrelated claims of 20
# FANG-COVID articles; with 1.5 · log n those links fall under ALIGN_MIN_SCORE and the seed pairs stay.
ENTITY_IDF_SATURATION = 1.5
# Two quotes are variants of one statement when this share of the shorter quote's words matches
# (prefix or compound-suffix match).
QUOTE_VARIANT_MIN_OVERLAP = 0.5
# Variants of one statement have similar length; a two-word quote inside a long one is not a variant
# (FANG: a show title „maischberger. die woche“ matched a sentence through "Woche").
QUOTE_MAX_LENGTH_RATIO = 3
STEM_LENGTH = 6

_STOPWORD_TEXT = """
aber alle als also auch auf aus bei bis dann das dass dem den der des die dies diese dieser
durch ein eine einem einen einer eines für hat hatte haben ihre ihren im in ist mit nach nicht
noch nur oder sich sie sind so über um und uns von vor war wird werden wie zu zum zur seit sei
seien sowie sollen soll würde würden dabei damit jede jeder jedes sein seine seiner the and of
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class ClaimGroup:
    """Claims from one or more articles that state the same proposition."""

    id: str
    claims: tuple[str, ...]  # claim ids, in article order
    articles: tuple[str, ...]
    sources: int  # independent sources among the articles
    status: str  # corroborated | single_source | conflicting
    representative: str  # the claim id shown for the group
    attributed_to: str | None = None  # most specific speaker found in the group (entity id or name)


@dataclass(frozen=True, slots=True)
class Conflict:
    kind: str  # quote_wording | number | date | attribution
    claims: tuple[str, str]
    explanation: str
    spans: tuple[Span, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    groups: tuple[ClaimGroup, ...]
    conflicts: tuple[Conflict, ...]

    def group_of(self, claim_id: str) -> ClaimGroup | None:
        for group in self.groups:
            if claim_id in group.claims:
                return group
        return None


def default_embedder(texts: Sequence[str]) -> np.ndarray:
    from .embed import embed

    return embed(list(texts))


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text) if w.lower() not in STOPWORDS]


def quote_overlap(a: str, b: str) -> float:
    """Share of the shorter quote's words found in the other, by prefix or compound suffix."""
    wa, wb = _quote_words(a), _quote_words(b)
    if not wa or not wb:
        return 0.0
    short, long_ = (wa, wb) if len(wa) <= len(wb) else (wb, wa)

    def match(x: tuple[str, str], y: tuple[str, str]) -> bool:
        if x[0][:STEM_LENGTH] == y[0][:STEM_LENGTH]:
            return True
        shorter, longer = (x[1], y[1]) if len(x[1]) <= len(y[1]) else (y[1], x[1])
        return len(shorter) >= 4 and longer.endswith(shorter)

    return sum(any(match(x, y) for y in long_) for x in short) / len(short)


@lru_cache(maxsize=4096)
def _quote_words(text: str) -> tuple[tuple[str, str], ...]:
    """Content words of a quote, each with its inflection ending stripped."""
    return tuple((w, _strip_ending(w)) for w in _words(text))


def _strip_ending(word: str) -> str:
    """Drop a German inflection ending (-n, -en, -e, -s) so that compounds match their heads."""
    for ending in ("en", "n", "e", "s"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def _norm_quote(text: str) -> str:
    return " ".join(_strip_ending(w) for w in _words(text))


class _Lookup:
    """Entity names and types across readings; :meth:`key` is the story-level entity
    (:func:`quellenlage.nlp.linking.link_entities`), so entity ids compare across articles."""

    def __init__(self, readings: Sequence[Reading]) -> None:
        from .nlp.linking import link_entities

        self.names: dict[str, str] = {}
        self.types: dict[str, EntityType] = {}
        for reading in readings:
            for entity in reading.entities:
                self.names[entity.id] = entity.name
                self.types[entity.id] = entity.type
        self.linked = link_entities(readings)

    def key(self, entity_id: str) -> str:
        return self.linked.get(entity_id) or self.names.get(entity_id, entity_id).lower()

    def is_person(self, ref: str | None) -> bool:
        return ref is not None and self.types.get(ref) is EntityType.PER

    def name(self, ref: str | None) -> str:
        return self.names.get(ref, ref) if ref else ""


def pair_scores(
    claims: Sequence[Claim],
    readings: dict[str, Reading],
    lookup: _Lookup,
    embedder: Embedder | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Alignment scores of all claim pairs, as matrices: ``(score, cos, quote)``.

    ``score = W_COS·cos + W_CHARS·chars + W_ENTITIES·min(1, shared idf / (saturation·log n)) + W_QUOTE·quote``
    where ``cos`` is the sentence-embedding cosine and ``chars`` the character 3-5-gram tf-idf cosine of
    the claims without their attribution frames (:func:`content_text`), ``shared idf`` sums the idf of
    the entities both claims name, and ``quote`` is 1 when they quote one statement.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(claims)
    texts = [content_text(c, readings.get(c.article_id)) for c in claims]
    vectors = (embedder or default_embedder)(texts)
    cos = np.asarray(vectors @ vectors.T, dtype=np.float32)
    tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True).fit_transform(texts)
    chars = (tfidf @ tfidf.T).toarray().astype(np.float32)
    keys = [sorted({lookup.key(e) for e in c.entities}) for c in claims]
    vocabulary = {k: i for i, k in enumerate(sorted({k for ks in keys for k in ks}))}
    rows = [i for i, ks in enumerate(keys) for _ in ks]
    cols = [vocabulary[k] for ks in keys for k in ks]
    incidence = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, max(len(vocabulary), 1)))
    df = np.asarray(incidence.sum(axis=0)).ravel()
    idf = np.log(n / np.maximum(df, 1))
    shared = (incidence.multiply(idf[None, :]).tocsr() @ incidence.T).toarray()
    quote = np.zeros((n, n), dtype=np.float32)
    quoting = [i for i, c in enumerate(claims) if _direct(c)]
    for x, i in enumerate(quoting):
        for j in quoting[x + 1 :]:
            if quote_variants(claims[i], claims[j]):
                quote[i, j] = quote[j, i] = 1.0
    saturation = ENTITY_IDF_SATURATION * max(np.log(n), 1.0)
    score = W_COS * cos + W_CHARS * chars + W_ENTITIES * np.minimum(1.0, shared / saturation)
    return score + W_QUOTE * quote, cos, quote


def content_text(claim: Claim, reading: Reading | None) -> str:
    """The claim without its attribution frame: the speaker's mentions, role phrases (appositions)
    and reporting verbs are cut, so that two different statements of one speaker do not look alike
    because of "Der ukrainische Präsident X erklärte"."""
    if reading is None:
        return claim.text
    start = claim.span.start
    cuts: list[tuple[int, int]] = []
    speaker = claim.attributed_to
    for entity in reading.entities:
        if entity.id == speaker:
            cuts += [(m.span.start, m.span.end) for m in entity.mentions]
    for description in reading.descriptions:
        if description.entity_id == speaker:
            cuts += [
                (description.anchor.start, description.anchor.end),
                (description.span.start, description.span.end),
            ]
    for match in _WORD.finditer(claim.text):
        word = match.group()
        if word.islower() and word.startswith(REPORTING_STEMS):
            cuts.append((start + match.start(), start + match.end()))
    chars = list(claim.text)
    for a, b in cuts:
        for i in range(max(a, start), min(b, claim.span.end)):
            chars[i - start] = " "
    text = " ".join("".join(chars).split())
    return text if len(text) >= 20 else claim.text


def same_statement(a: str, b: str) -> bool:
    """Whether two quoted passages are one statement in identical or varied wording: enough of the
    shorter one's words recur (at least two, unless it is one word), a content word of five letters or
    more among them, and neither is more than :data:`QUOTE_MAX_LENGTH_RATIO` times longer."""
    wa, wb = _quote_words(a), _quote_words(b)
    if not wa or not wb or max(len(wa), len(wb)) > QUOTE_MAX_LENGTH_RATIO * min(len(wa), len(wb)):
        return False
    overlap = quote_overlap(a, b)
    matched = round(overlap * min(len(wa), len(wb)))
    long_word = any(len(w) >= 5 for w, _ in wa) and any(len(w) >= 5 for w, _ in wb)
    return overlap >= QUOTE_VARIANT_MIN_OVERLAP and matched >= min(2, len(wa), len(wb)) and long_word


def quote_variants(a: Claim, b: Claim) -> bool:
    """Whether the two claims quote one statement (identical or varied wording)."""
    return any(same_statement(qa.text, qb.text) for qa in _direct(a) for qb in _direct(b))


def _direct(claim: Claim) -> tuple[Quote, ...]:
    """Direct quotes only: indirect speech is paraphrase, and quoted terms are not statements."""
    return tuple(q for q in claim.quotes if q.kind == "direct")


def align(
    claims: Sequence[Claim],
    readings: Sequence[Reading],
    independence: Independence,
    embedder: Embedder | None = None,
) -> tuple[tuple[ClaimGroup, ...], dict[tuple[str, str], float]]:
    """Group the factual claims; returns the groups and the scores of accepted cross-article pairs.

    A pair of claims from different articles is linked when they quote one statement, or when its
    score reaches :data:`ALIGN_MIN_SCORE` and each is the other's best match in its article.
    """
    factual = [c for c in claims if c.is_factual and len(_WORD.findall(c.text)) >= ALIGN_MIN_WORDS]
    lookup = _Lookup(readings)
    scores: dict[tuple[str, str], float] = {}
    parent = list(range(len(factual)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(factual) > 1:
        score, cos, quote = pair_scores(factual, {r.article.id: r for r in readings}, lookup, embedder)
        articles = np.array([c.article_id for c in factual])
        other = articles[:, None] != articles[None, :]
        masked = np.where(other & (cos >= CANDIDATE_MIN_COS), score, -1.0)
        # best[i, k]: the claim of article k that matches claim i best.
        names = list(dict.fromkeys(articles.tolist()))
        column = {name: k for k, name in enumerate(names)}
        best = np.full((len(factual), len(names)), -1, dtype=np.int64)
        for name, k in column.items():
            idx = np.flatnonzero(articles == name)
            best[:, k] = idx[np.argmax(masked[:, idx], axis=1)]
        art = np.array([column[a] for a in articles])
        candidates = np.argwhere(np.triu((masked >= ALIGN_MIN_SCORE) | ((quote > 0) & other), k=1))
        for i, j in candidates:
            i, j = int(i), int(j)
            mutual = best[i, art[j]] == j and best[j, art[i]] == i
            if (masked[i, j] >= ALIGN_MIN_SCORE and mutual) or quote[i, j] > 0:
                scores[(factual[i].id, factual[j].id)] = round(float(score[i, j]), 3)
                ri, rj = find(i), find(j)
                parent[max(ri, rj)] = min(ri, rj)
    members: dict[int, list[Claim]] = {}
    for i, claim in enumerate(factual):
        members.setdefault(find(i), []).append(claim)
    groups = []
    for n, (_, group_claims) in enumerate(sorted(members.items()), start=1):
        groups.append(_group(f"G{n}", group_claims, independence, lookup))
    return tuple(groups), scores


def _group(group_id: str, claims: list[Claim], independence: Independence, lookup: _Lookup) -> ClaimGroup:
    article_ids = tuple(dict.fromkeys(c.article_id for c in claims))
    sources = independence.count(article_ids)
    speakers = [c.attributed_to for c in claims if c.attributed_to]
    persons = [s for s in speakers if lookup.is_person(s)]
    attributed = persons[0] if persons else (speakers[0] if speakers else None)
    representative = max(claims, key=lambda c: (c.attributed_to == attributed, c.checkworthy, -len(c.text)))
    return ClaimGroup(
        group_id,
        tuple(c.id for c in claims),
        article_ids,
        sources,
        "corroborated" if sources >= 2 else "single_source",
        representative.id,
        attributed,
    )


def _speakers_compatible(a: Quote, b: Quote, ca: Claim, cb: Claim, lookup: _Lookup) -> bool:
    sa = a.speaker_entity_id or ca.attributed_to
    sb = b.speaker_entity_id or cb.attributed_to
    if not (lookup.is_person(sa) and lookup.is_person(sb)):
        return True
    return lookup.key(sa) == lookup.key(sb)  # type: ignore[arg-type]


def find_conflicts(
    groups: Sequence[ClaimGroup], claims: Sequence[Claim], readings: Sequence[Reading], labels: dict[str, str]
) -> tuple[tuple[Conflict, ...], tuple[ClaimGroup, ...]]:
    """Conflicts between claims of different articles, and the groups with updated status."""
    by_id = {c.id: c for c in claims}
    lookup = _Lookup(readings)
    factual = [c for c in claims if c.is_factual]
    group_of = {cid: g.id for g in groups for cid in g.claims}
    group_speaker = {cid: g.attributed_to for g in groups for cid in g.claims}
    conflicts: list[Conflict] = []
    conflicting_groups: set[str] = set()
    seen: set[tuple[str, frozenset[str]]] = set()

    def add(
        kind: str, a: Claim, b: Claim, explanation: str, spans: tuple[Span, ...], key: frozenset[str]
    ) -> None:
        if (kind, key) in seen:
            return
        seen.add((kind, key))
        conflicts.append(Conflict(kind, (a.id, b.id), explanation, spans))
        if kind != "quote_wording" and group_of.get(a.id) == group_of.get(b.id):
            conflicting_groups.add(group_of[a.id])

    # Quotes: compare every pair of quotes in factual claims of different articles.
    for a, b in combinations([c for c in factual if _direct(c)], 2):
        if a.article_id == b.article_id:
            continue
        for qa in _direct(a):
            for qb in _direct(b):
                norm_a, norm_b = _norm_quote(qa.text), _norm_quote(qb.text)
                if not same_statement(qa.text, qb.text):
                    continue
                sa = qa.speaker_entity_id or a.attributed_to
                sb = qb.speaker_entity_id or b.attributed_to
                if (
                    norm_a == norm_b
                    and lookup.is_person(sa)
                    and lookup.is_person(sb)
                    and lookup.key(sa or "") != lookup.key(sb or "")
                ):
                    add(
                        "attribution",
                        a,
                        b,
                        f"Dieselben Worte „{qa.text}“ werden in {labels[a.article_id]} "
                        f"{lookup.name(sa)} und in {labels[b.article_id]} {lookup.name(sb)} zugeschrieben.",
                        (qa.span, qb.span),
                        frozenset({norm_a, lookup.key(sa or ""), lookup.key(sb or "")}),
                    )
                elif norm_a != norm_b and _speakers_compatible(qa, qb, a, b, lookup):
                    candidates = (sa, sb, group_speaker.get(a.id), group_speaker.get(b.id))
                    speaker = next((lookup.name(s) for s in candidates if lookup.is_person(s)), "")
                    who = f"von {speaker} " if speaker else ""
                    add(
                        "quote_wording",
                        a,
                        b,
                        f"Die Äußerung {who}wird unterschiedlich zitiert: {labels[a.article_id]} schreibt "
                        f"„{qa.text}“, {labels[b.article_id]} „{qb.text}“.",
                        (qa.span, qb.span),
                        frozenset({norm_a, norm_b}),
                    )
    # Numbers and dates: only within a group (the same proposition).
    for group in groups:
        members = [by_id[c] for c in group.claims]
        for a, b in combinations(members, 2):
            if a.article_id == b.article_id:
                continue
            for na in a.numbers:
                for nb in b.numbers:
                    if (
                        na.value is not None
                        and nb.value is not None
                        and na.value != nb.value
                        and na.kind == nb.kind
                        and na.kind in ("cardinal", "percent", "money")
                        and (na.unit or "") == (nb.unit or "")
                    ):
                        add(
                            "number",
                            a,
                            b,
                            f"Für dieselbe Angabe nennt {labels[a.article_id]} „{na.raw}“, "
                            f"{labels[b.article_id]} dagegen „{nb.raw}“.",
                            (na.span, nb.span),
                            frozenset({a.id, b.id, na.raw, nb.raw}),
                        )
            for da in a.dates:
                for db in b.dates:
                    if (
                        da.value
                        and db.value
                        and da.precision == db.precision == "day"
                        and da.value != db.value
                        and not (da.ambiguous or db.ambiguous)
                    ):
                        add(
                            "date",
                            a,
                            b,
                            f"Für dasselbe Ereignis nennt {labels[a.article_id]} den "
                            f"{da.value:%d.%m.%Y}, {labels[b.article_id]} den {db.value:%d.%m.%Y}.",
                            (da.span, db.span),
                            frozenset({a.id, b.id, str(da.value), str(db.value)}),
                        )
    updated = tuple(
        ClaimGroup(g.id, g.claims, g.articles, g.sources, "conflicting", g.representative, g.attributed_to)
        if g.id in conflicting_groups
        else g
        for g in groups
    )
    return tuple(conflicts), updated
