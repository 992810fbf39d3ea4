"""Near-duplicates and syndication across the whole store, in sub-quadratic time.

Each text becomes a MinHash signature of its word 5-gram shingles (datasketch; the shingles are
hashed with numpy, see :func:`shingle_hashes`); a MinHash LSH index proposes candidates and the
signatures' estimated Jaccard confirms them, so no pair of texts is ever compared outside its LSH
buckets. :class:`DuplicateIndex` is incremental: an article arriving later is checked against
everything indexed so far, then added (story clustering uses it across the whole store).

:func:`near_duplicates` is the one-call form for the articles of one story, used by the comparison
stage (:mod:`quellenlage.independence`) so that copies count as one source: it returns groups of
article ids that are copies of one another, always confirmed by exact Jaccard (all pairs for small
inputs, LSH candidates for large ones).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from .models import Article

if TYPE_CHECKING:
    from datasketch import LeanMinHash, MinHashLSH  # type: ignore[import-untyped]

SHINGLE_SIZE = 5
PERMUTATIONS = 64
# Jaccard of word 5-gram shingles from which two texts count as copies. Agency copies with an
# edited teaser or footer score 0.5-0.95, different reports of one story < 0.1 (FANG-COVID sample,
# bench/stories.py; SemEval "Overall = 1" pairs by different outlets: median 0.02). Re-run
# tests/stories/test_dedup.py, tests/test_independence.py and
# `python bench/stories.py --sample 3000` after changing.
COPY_MIN_JACCARD = 0.5
# The LSH threshold is set below the copy threshold so that estimation noise (64 permutations:
# standard error ~0.06) does not hide true copies; candidates are then confirmed.
LSH_THRESHOLD = 0.4
EXACT_BELOW = 30  # compare all pairs exactly when there are at most this many texts

_WORD = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """Lower-cased word ``size``-grams of ``text``, as UTF-8 bytes (ready for hashing)."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)}


@cache
def _template() -> tuple[Any, Any]:
    """The seeded permutations and their scheme, drawn once per process (datasketch draws them
    again for every MinHash). datasketch is imported here, not at module level: it takes 1-2 s, and
    the comparison stage (small stories, exact path) never needs it."""
    from datasketch import MinHash

    mh = MinHash(num_perm=PERMUTATIONS, seed=1)
    return mh.permutations, mh.scheme


# Multipliers that combine the CRC-32 hashes of SHINGLE_SIZE consecutive words into one 64-bit
# shingle hash (a polynomial hash, wrapping modulo 2**64; odd constants from splitmix64).
_MIX = np.array(
    [0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9, 0x94D049BB133111EB, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F],
    dtype=np.uint64,
)


def shingle_hashes(text: str, size: int = SHINGLE_SIZE) -> np.ndarray:
    """The distinct 32-bit hashes of the word ``size``-gram shingles of ``text`` (see :func:`shingles`).

    Each word is hashed once (CRC-32 of its lower-cased UTF-8) and ``size`` consecutive word hashes
    are combined with numpy, instead of joining and hashing every shingle string (that took most of
    the time of clustering FANG-COVID). Two texts share a hash exactly when they share a shingle,
    up to 32-bit collisions (~1e-6 for texts of a few thousand words).
    """
    tokens = [w.lower().encode() for w in _WORD.findall(text)]
    if len(tokens) < size:  # a text shorter than one shingle is one shingle (as in shingles())
        return np.array([zlib.crc32(b" ".join(tokens))] if tokens else [], dtype=np.uint64)
    words = np.fromiter(map(zlib.crc32, tokens), dtype=np.uint64, count=len(tokens))
    n = len(words) - size + 1
    mixed = np.zeros(n, dtype=np.uint64)
    for k in range(size):  # uint64 arithmetic wraps silently
        mixed += words[k : k + n] * _MIX[k % len(_MIX)]
    folded = (mixed >> np.uint64(32)) ^ (mixed & np.uint64(0xFFFFFFFF))
    return np.unique(folded)


def signature(text: str) -> LeanMinHash:
    """The MinHash signature of the word-5-gram shingles of ``text`` (seeded, so it is stable
    across processes and picklable for worker processes)."""
    from datasketch import LeanMinHash, MinHash

    permutations, scheme = _template()
    mh = MinHash(num_perm=PERMUTATIONS, seed=1, hashfunc=int, permutations=permutations, scheme=scheme)
    hashes = shingle_hashes(text)
    if len(hashes):
        mh.update_batch(hashes.tolist())
    return LeanMinHash(mh)


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass
class DuplicateIndex:
    """An incremental LSH index of article signatures; ``add`` returns the copies found so far."""

    threshold: float = COPY_MIN_JACCARD
    _lsh: MinHashLSH = field(init=False)
    _signatures: dict[str, LeanMinHash] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        from datasketch import MinHashLSH

        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=PERMUTATIONS)

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, key: str) -> bool:
        return key in self._signatures

    def query(self, text: str) -> list[tuple[str, float]]:
        """Indexed keys whose texts are copies of ``text``, with the estimated Jaccard, best first."""
        return self._confirm(signature(text))

    def _confirm(self, sig: LeanMinHash, skip: str | None = None) -> list[tuple[str, float]]:
        found = []
        for key in self._lsh.query(sig):
            if key == skip:
                continue
            estimate = float(sig.jaccard(self._signatures[key]))
            if estimate >= self.threshold:
                found.append((key, round(estimate, 3)))
        return sorted(found, key=lambda kv: -kv[1])

    def add(self, key: str, text: str, sig: LeanMinHash | None = None) -> list[tuple[str, float]]:
        """Index ``text`` under ``key`` (once); return the earlier keys it copies (or that copy it).

        ``sig`` is ``signature(text)`` when the caller computed it already (in a worker process)."""
        if key in self._signatures:
            return self._confirm(self._signatures[key], skip=key)
        if sig is None:
            sig = signature(text)
        copies = self._confirm(sig)
        self._signatures[key] = sig
        self._lsh.insert(key, sig)
        return copies


def _groups(n_keys: Sequence[str], pairs: Iterable[tuple[int, int]]) -> list[set[str]]:
    parent = list(range(len(n_keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        parent[find(i)] = find(j)
    groups: dict[int, set[str]] = {}
    for i, key in enumerate(n_keys):
        groups.setdefault(find(i), set()).add(key)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: sorted(g))


def near_duplicates(articles: Sequence[Article], threshold: float = COPY_MIN_JACCARD) -> list[set[str]]:
    """Groups (size ≥ 2) of article ids whose texts are near-copies; singletons are left out.

    Two texts are copies when the Jaccard of their word 5-gram shingles reaches ``threshold``. For up
    to :data:`EXACT_BELOW` articles every pair is compared; above that the LSH index proposes
    candidates (sub-quadratic) and only those pairs are compared, exactly as well.
    """
    ids = [a.id for a in articles]
    sets = [shingles(a.text) for a in articles]
    candidates: Iterable[tuple[int, int]]
    if len(articles) <= EXACT_BELOW:
        candidates = combinations(range(len(articles)), 2)
    else:
        index = DuplicateIndex(threshold=LSH_THRESHOLD)  # proposes; the exact Jaccard decides
        position = {a.id: i for i, a in enumerate(articles)}
        candidates = [
            (position[key], i)
            for i, article in enumerate(articles)
            for key, _ in index.add(article.id, article.text)
        ]
    pairs = [(i, j) for i, j in candidates if jaccard(sets[i], sets[j]) >= threshold]
    return _groups(ids, pairs)
