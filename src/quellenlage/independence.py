"""Which articles are independent sources, and which are copies of one another.

Republished or syndicated copies count once. Two articles are copies when

- their texts are near-copies: :func:`quellenlage.dedup.near_duplicates`, the same test that finds
  syndicated copies across the store (Jaccard of word 5-gram shingles, MinHash LSH candidates in
  large stories, confirmed exactly), so an agency text republished with a new first sentence, a
  teaser or a footer counts once, while two reports that share quotes do not,
- they carry the same agency origin (``dpa``, ``AFP`` …), or
- one names the other's outlet in its origin line ("Quellen: PublicDomain/naturalnews.com"), or
- they come from the same outlet (an outlet repeating itself does not corroborate itself).

Each group of copies is one independent source; its name is the outlet the copies stem from.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from .dedup import near_duplicates
from .models import Article, OriginKind


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

    position: dict[str, int] = {}
    for i, article in enumerate(articles):
        position.setdefault(article.id, i)
    for group in near_duplicates(articles):
        first, *rest = sorted(position[key] for key in group)
        for j in rest:
            union(first, j, "near-duplicate")
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
