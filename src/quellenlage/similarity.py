"""How likely two articles report the same story: a score in [0, 1] with its features.

Each article is first turned into a :class:`Profile` (cheap, computed once, reused for every pair):

- ``head``: the fast multilingual USE embedding of title and lead (``quellenlage.embed``, "fuse"),
- ``doc``: the same for the first :data:`DOC_CHARS` characters (full profiles only),
- ``sents``: fuse embeddings of its first :data:`MAX_SENTENCES` sentences,
- ``names``: capitalised words that are not sentence-initial (a cheap stand-in for entities that
  also matches across languages: "Selenskyj", "Biden", "Pfizer"),
- ``lemmas``: content-word lemmas (simplemma, per language),
- ``numbers``: digit tokens (years, counts, amounts; language independent),
- ``published``: the publication date, when known.

A pair's features (:data:`FEATURES`) are cosines, sentence alignment and set overlaps; a linear
model (ridge regression fitted on SemEval-2022 Task 8 by ``quellenlage eval similarity --save``) maps them to a similarity. The model ships as
``models/similarity/full.json`` and ``light.json`` (coefficients, readable). Publication-date proximity is not in the
text model (SemEval pairs carry no dates); clustering (:mod:`quellenlage.stories`) uses it as a
window and reports the gap in each membership reason.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from .errors import ModelError

MAX_SENTENCES = 40  # sentences embedded per article; later ones rarely change the story
MAX_SENTENCE_CHARS = 400
FEATURES = (
    "cos_doc",  # cosine of whole-document fuse embeddings (the plain baseline)
    "cos_head",  # cosine of fuse embeddings of the first HEAD_CHARS characters (title and lead)
    "cos_mean",  # cosine of the mean sentence embeddings
    "align",  # mean best-match cosine of each sentence to the other article (symmetric)
    "align_top",  # mean of the top 3 best-match cosines
    "lead",  # cosine of the first sentences (headline and lead)
    "names",  # Jaccard of capitalised non-initial words
    "names_min",  # overlap coefficient of the same sets
    "lemmas",  # Jaccard of content lemmas (0 across languages: see same_lang)
    "numbers",  # Jaccard of digit tokens
    "same_lang",
)
# The cheap subset used for bulk clustering (no sentence embeddings, no lemmatiser): whole-store
# clustering embeds one text per article instead of up to 40 sentences.
LIGHT_FEATURES = ("cos_head", "names", "names_min", "numbers", "same_lang")
DOC_CHARS = 2000  # characters of title + text embedded as the document vector
# Characters embedded for the light profile. fuse cost grows linearly with length (measured on
# FANG-COVID: 200 chars 47 docs/s, 2000 chars 4.5 docs/s on one contended core), so bulk clustering
# embeds only the title and lead.
HEAD_CHARS = 300

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"\w+", re.UNICODE)
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-ZÄÖÜ][\wäöüß-]{2,}")
_NUMBER = re.compile(r"\b\d[\d.,]*\d\b|\b\d\b")
_SEPARATOR = re.compile(r"[.,]")
_SIMPLEMMA_LANGS = {"de", "en", "es", "fr", "it", "pl", "tr", "ru"}


@dataclass(frozen=True, slots=True)
class Profile:
    """What similarity needs to know about one article; build many at once with :func:`profiles`."""

    head: np.ndarray  # fuse embedding of the first HEAD_CHARS characters
    doc: np.ndarray | None  # None for light profiles (bulk clustering)
    sents: np.ndarray | None  # None for light profiles
    names: frozenset[str]
    lemmas: frozenset[str]
    numbers: frozenset[str]
    language: str | None = None
    published: dt.date | None = None


def sentences(text: str) -> list[str]:
    """Split ``text`` into at most :data:`MAX_SENTENCES` non-empty sentences (cheap regex rules)."""
    parts = [part.strip()[:MAX_SENTENCE_CHARS] for part in _SENTENCE_END.split(text)]
    return [part for part in parts if len(part) > 3][:MAX_SENTENCES] or [
        text.strip()[:MAX_SENTENCE_CHARS] or "."
    ]


def _names(text: str) -> frozenset[str]:
    names = set()
    for sentence in _SENTENCE_END.split(text):
        for word in _NAME.findall(sentence):
            names.add(word.lower())
    return frozenset(names)


@cache
def _stopwords() -> frozenset[str]:
    """spaCy's German and English stop word lists (data-only modules, no model)."""
    from spacy.lang.de.stop_words import STOP_WORDS as GERMAN
    from spacy.lang.en.stop_words import STOP_WORDS as ENGLISH

    return frozenset(GERMAN | ENGLISH)


def _lemmas(text: str, language: str | None) -> frozenset[str]:
    import simplemma

    lang = language if language in _SIMPLEMMA_LANGS else "de"
    stop = _stopwords()
    out = set()
    for word in _WORD.findall(text):
        if len(word) < 4 or word.isdigit():
            continue
        lemma = simplemma.lemmatize(word, lang=lang).lower()
        if lemma not in stop:
            out.add(lemma)
    return frozenset(out)


def profiles(
    texts: Sequence[str],
    languages: Sequence[str | None] | None = None,
    published: Sequence[dt.date | None] | None = None,
    *,
    light: bool = False,
) -> list[Profile]:
    """Profiles for many texts; embeddings are computed in batches (the slow part, ~900 sentences/s).

    ``light=True`` skips sentence embeddings and lemmas: enough for :data:`LIGHT_FEATURES`.
    """
    from .embed import embed

    languages = list(languages) if languages is not None else [None] * len(texts)
    published = list(published) if published is not None else [None] * len(texts)
    split = [[] if light else sentences(text) for text in texts]
    flat = [sentence for group in split for sentence in group]
    sentence_vectors = embed(flat, "fuse") if flat else None
    doc_vectors = None if light else embed([text[:DOC_CHARS] for text in texts], "fuse")
    head_vectors = embed([text[:HEAD_CHARS] for text in texts], "fuse")
    out = []
    at = 0
    for i, text in enumerate(texts):
        n = len(split[i])
        out.append(
            Profile(
                head=head_vectors[i],
                doc=None if doc_vectors is None else doc_vectors[i],
                sents=None if sentence_vectors is None or light else sentence_vectors[at : at + n],
                names=_names(text),
                lemmas=frozenset() if light else _lemmas(text, languages[i]),
                numbers=_numbers(text),
                language=languages[i],
                published=published[i],
            )
        )
        at += n
    return out


def _numbers(text: str) -> frozenset[str]:
    """Digit tokens without separators, so "2.000" (German) and "2,000" (English) match."""
    return frozenset(_SEPARATOR.sub("", number) for number in _NUMBER.findall(text))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-12)


def features(a: Profile, b: Profile) -> dict[str, float]:
    """The features of a pair by name (:data:`FEATURES`; only the light ones if a profile is light)."""
    same_lang = a.language is not None and a.language == b.language
    out = {
        "cos_head": float(a.head @ b.head),
        "names": _jaccard(a.names, b.names),
        "names_min": _overlap(a.names, b.names),
        "numbers": _jaccard(a.numbers, b.numbers),
        "same_lang": float(same_lang),
    }
    if a.sents is None or b.sents is None or a.doc is None or b.doc is None:
        return out
    out["cos_doc"] = float(a.doc @ b.doc)
    sims = a.sents @ b.sents.T
    best_a, best_b = sims.max(axis=1), sims.max(axis=0)
    out["cos_mean"] = float(_unit(a.sents.mean(axis=0)) @ _unit(b.sents.mean(axis=0)))
    out["align"] = 0.5 * (float(best_a.mean()) + float(best_b.mean()))
    out["align_top"] = 0.5 * (float(np.sort(best_a)[-3:].mean()) + float(np.sort(best_b)[-3:].mean()))
    out["lead"] = float(_unit(a.sents[:2].mean(axis=0)) @ _unit(b.sents[:2].mean(axis=0)))
    out["lemmas"] = _jaccard(a.lemmas, b.lemmas) if same_lang else 0.0
    return out


def feature_vector(values: dict[str, float], names: Sequence[str] = FEATURES) -> np.ndarray:
    return np.array([values[name] for name in names], dtype=np.float64)


@dataclass(frozen=True)
class LinearModel:
    """``score = clip(intercept + coef · (x - mean) / scale, 0, 1)``; 1 = same story."""

    names: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    info: dict[str, Any]

    def score(self, values: dict[str, float]) -> float:
        """Score one pair from its feature dict (see :func:`features`)."""
        return float(self.predict(feature_vector(values, self.names))[0])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores for rows of features in the order of ``self.names``."""
        z = (np.atleast_2d(x) - np.asarray(self.mean)) / np.asarray(self.scale)
        return np.clip(self.intercept + z @ np.asarray(self.coef), 0.0, 1.0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinearModel:
        names = tuple(data.get("features", ()))
        if not names or not set(names) <= set(FEATURES):
            raise ModelError(
                "the similarity model was fitted on other features than this version computes; "
                "refit it with `quellenlage eval similarity --data FILE --save DIR`"
            )
        return cls(
            names,
            tuple(data["coef"]),
            float(data["intercept"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            data["info"],
        )


def fit(
    x: np.ndarray,
    y: np.ndarray,
    names: Sequence[str] = FEATURES,
    alpha: float = 1.0,
    info: dict[str, Any] | None = None,
) -> LinearModel:
    """Ridge regression of ``y`` (1 = same story, 0 = unrelated) on standardised ``x`` (columns ``names``)."""
    from sklearn.linear_model import Ridge  # type: ignore[import-untyped]

    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    ridge = Ridge(alpha=alpha).fit((x - mean) / scale, y)
    return LinearModel(
        tuple(names),
        tuple(float(c) for c in ridge.coef_),
        float(ridge.intercept_),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
        info or {},
    )


MODEL_DIR = ("models", "similarity")


@cache
def shipped_model(kind: str = "full") -> LinearModel:
    """A model fitted on the whole SemEval-2022 Task 8 train file: ``"full"`` or ``"light"``."""
    path = resources.files("quellenlage").joinpath(*MODEL_DIR, f"{kind}.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(
            f"the similarity model is missing (quellenlage/models/similarity/{kind}.json); reinstall the "
            "package or fit it with `quellenlage eval similarity --data semeval2022-task8-train.csv --save DIR`"
        ) from exc
    return LinearModel.from_dict(data)


def similarity(a: Profile, b: Profile, model: LinearModel | None = None) -> float:
    """The same-story score of two profiled articles, in [0, 1] (light model if a profile is light)."""
    if model is None:
        model = shipped_model("light" if a.sents is None or b.sents is None else "full")
    return model.score(features(a, b))


def overall_to_target(overall: float) -> float:
    """SemEval "Overall" (1 = very similar … 4 = very dissimilar) to a similarity in [0, 1]."""
    return (4.0 - overall) / 3.0
