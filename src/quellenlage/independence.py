"""Which articles are independent sources, and which are copies of one another.

Republished or syndicated copies count once. Two articles are copies when

- their texts are near-identical (word 5-gram shingles, MinHash LSH from datasketch for candidates,
  exact Jaccard to confirm),
- they carry the same agency origin (``dpa``, ``AFP`` …), or
- one names the other's outlet in its origin line ("Quellen: PublicDomain/naturalnews.com"), or
- they come from the same outlet (an outlet repeating itself does not corroborate itself).

Each group of copies is one independent source; its name is the outlet the copies stem from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from .models import Article, OriginKind

SHINGLE_SIZE = 5
MINHASH_PERMUTATIONS = 64
# Jaccard of word 5-gram shingles above which two texts are copies. Syndicated copies with a changed
# header/teaser score 0.6-0.95; different reports of one story score below 0.05 (seeds: 0.00).
# Re-run tests/test_compare.py after changing.
COPY_MIN_JACCARD = 0.5

_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class SourceGroup:
    """Articles that are one independent source; ``outlet`` is where they stem from."""

    key: str
    outlet: str
    articles: tuple[str, ...]
    reason: str  # "" for a single article, else near-duplicate | same agency | origin line | same outlet


@dataclass(frozen=True, slots=True)
class ArticleSource:
    article_id: str
    label: str  # "A", "B", …
    outlet: str  # the article's own outlet, else its origin's, else "Artikel A"
    origin_outlet: str | None  # the outlet the article says it stems from
    origin_note: str | None  # "stammt ursprünglich von naturalnews.com"
    group: str  # SourceGroup.key


@dataclass(frozen=True, slots=True)
class Independence:
    sources: tuple[ArticleSource, ...]
    groups: tuple[SourceGroup, ...]

    def of(self, article_id: str) -> ArticleSource:
        for source in self.sources:
            if source.article_id == article_id:
                return source
        raise KeyError(f"article {article_id!r} is not part of this story")

    def count(self, article_ids: set[str] | tuple[str, ...]) -> int:
        """How many independent sources the given articles represent."""
        return len({self.of(a).group for a in article_ids})


def label_for(index: int) -> str:
    """``0 → "A"``, ``25 → "Z"``, ``26 → "AA"``."""
    label = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        label = chr(ord("A") + rest) + label
    return label


def outlet_of(article: Article, label: str) -> str:
    if article.outlet:
        return article.outlet
    if article.origin and article.origin.outlet:
        return article.origin.outlet
    return f"Artikel {label}"


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    tokens = [t.lower() for t in _WORD.findall(text)]
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _near_duplicates(articles: tuple[Article, ...]) -> list[tuple[int, int]]:
    sets = [shingles(a.text) for a in articles]
    candidates: Iterable[tuple[int, int]]
    if len(articles) <= 12:
        candidates = combinations(range(len(articles)), 2)
    else:
        from datasketch import MinHash, MinHashLSH  # type: ignore[import-untyped]  # 0.4-1.5 s; large stories only

        lsh = MinHashLSH(threshold=COPY_MIN_JACCARD * 0.8, num_perm=MINHASH_PERMUTATIONS)
        hashes = []
        for i, items in enumerate(sets):
            mh = MinHash(num_perm=MINHASH_PERMUTATIONS)
            for item in items:
                mh.update(item.encode("utf-8"))
            hashes.append(mh)
            lsh.insert(str(i), mh)
        found = set()
        for i, mh in enumerate(hashes):
            for key in lsh.query(mh):
                j = int(key)
                if j != i:
                    found.add((min(i, j), max(i, j)))
        candidates = iter(sorted(found))
    return [(i, j) for i, j in candidates if jaccard(sets[i], sets[j]) >= COPY_MIN_JACCARD]


def _same(a: str | None, b: str | None) -> bool:
    return bool(a and b and a.strip().lower() == b.strip().lower())


def analyse_independence(articles: tuple[Article, ...]) -> Independence:
    """Label the articles A, B, …, name their outlets and origins and group copies."""
    n = len(articles)
    parent = list(range(n))
    reasons: dict[int, str] = {}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int, reason: str) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
        reasons.setdefault(min(ri, rj), reason)

    for i, j in _near_duplicates(articles):
        union(i, j, "near-duplicate")
    for i, j in combinations(range(n), 2):
        a, b = articles[i], articles[j]
        if (
            a.origin
            and b.origin
            and a.origin.kind is OriginKind.AGENCY
            and b.origin.kind is OriginKind.AGENCY
            and _same(a.origin.outlet, b.origin.outlet)
        ):
            union(i, j, "same agency")
        elif any(_same(o.outlet, b.outlet) for o in a.origins) or any(
            _same(o.outlet, a.outlet) for o in b.origins
        ):
            union(i, j, "origin line")
        elif (
            a.origin
            and b.origin
            and a.origin.kind is not OriginKind.AGENCY
            and _same(a.origin.outlet, b.origin.outlet)
        ):
            union(i, j, "same origin")
        elif _same(a.outlet, b.outlet):
            union(i, j, "same outlet")

    labels = [label_for(i) for i in range(n)]
    sources = []
    members: dict[int, list[int]] = {}
    for i in range(n):
        members.setdefault(find(i), []).append(i)
    for i, article in enumerate(articles):
        origin = article.origin.outlet if article.origin and article.origin.outlet else None
        if origin and _same(origin, article.outlet):
            origin = None
        note = f"stammt ursprünglich von {origin}" if origin else None
        sources.append(
            ArticleSource(
                article.id, labels[i], outlet_of(article, labels[i]), origin, note, f"S{find(i) + 1}"
            )
        )
    groups = []
    for root, idx in sorted(members.items()):
        origin_outlets = [o for i in idx if (o := sources[i].origin_outlet)]
        outlet = origin_outlets[0] if origin_outlets else sources[idx[0]].outlet
        groups.append(
            SourceGroup(
                f"S{root + 1}",
                outlet,
                tuple(articles[i].id for i in idx),
                reasons.get(root, "") if len(idx) > 1 else "",
            )
        )
    return Independence(tuple(sources), tuple(groups))
