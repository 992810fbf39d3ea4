"""Article reliability score from the text alone, with reasons that point into the text.

``score_article(article)`` returns P(unreliable) in ``[0, 1]`` and the reasons that moved it most.
The score is one logistic regression over two kinds of columns, so every contribution is exact
and additive on the log-odds scale:

- word 1–2-gram TF-IDF of the *neutralised* title and text (letters only, lowercased), and
- the interpretable style features of :mod:`quellenlage.features`, standardised.

It is then Platt-calibrated on out-of-fold scores from publisher-grouped cross-validation.

Only title and text are used — never the URL, the outlet or the dataset label. Before the text
model sees an article, :func:`clean_lines` removes what identifies a publisher rather than the
content: URLs and e-mail addresses, the names of the training publishers, bylines (``Von …``),
source/photo lines, bracketed teasers, typography (quote and dash styles, whitespace layout), and
any line that repeats across many training articles (newsletter banners, donation and book ads,
disclaimers) — see :func:`boilerplate_keys`.

Shipped files (``models/reliability/``, see its MODEL_CARD.md): ``weights.npz`` (numpy arrays, no
pickle), ``vocabulary.txt.gz`` (one n-gram a line), ``boilerplate-keys.txt.gz`` (digests of line keys) and
``meta.json``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from .errors import ModelError
from .features import FEATURE_NAMES, FEATURES, count_vector, features_from_counts, matches
from .models import Article, Span

MODEL_DIR = Path(__file__).parent / "models" / "reliability"
TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}\b"  # letters only: numbers and dates are features, not tokens
MAX_REASONS = 8
BOILERPLATE_FILE = "boilerplate-keys.txt.gz"  # line_key digests, one a line
TRAINING_KEYS_FILE = "training-keys.txt.gz"  # article_key digests of the training articles, one a line
TOPIC_WORDS_FILE = "topic-words.txt.gz"  # TopicWords.lines(), blanked before the model reads a text
MAX_SPANS = 5

_URL = re.compile(
    r"https?://\S+|www\.\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:de|com|net|org|news|tv|info|eu|ru)\b\S*", re.IGNORECASE
)
_URL_HINT = re.compile(r"\.(?:de|com|net|org|news|tv|info|eu|ru)\b|www\.|https?:", re.IGNORECASE)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
# The eight FANG-COVID publishers and their self-mentions; the model must not learn who wrote a text.
_PUBLISHERS = re.compile(
    r"tagesspiegel|ZEIT ONLINE|Zeit Online|DIE ZEIT|\bZEIT\b|\bRT\s?(?:DE|Deutsch|deutsch|DE\.?)\b|"
    r"\bRT\b|journalistenwatch|jouwatch|contra[- ]?magazin|\bCM\b|pravda[- ]?tv|rubikon|politikstube",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^\s*(?:von|by)\s+[\w.\- ]{2,60}$|^\s*\(?\w{0,10}/?dpa/?\w{0,10}\)?\s*$", re.IGNORECASE)
_SOURCE_LINE = re.compile(
    r"^\s*(?:quelle|quellen|foto|fotos|bild|bilder|titelbild|beitragsbild|copyright|©|mehr zum thema|"
    r"lesen sie auch|auch interessant|weiterlesen|redaktioneller hinweis)\b.{0,300}$",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"^\s*\[.*\]\s*$")
# Newsletter and subscription promos: house advertising, not content.
_PROMO = re.compile(r"newsletter|abonnieren|abonnement", re.IGNORECASE)
# Agency and syndication credits ("mit Material von dpa", "(AFP)"): the top weights of a first model
# showed them as publisher fingerprints (house credit style), so they are removed before the text
# model. Agency copy as a signal belongs to ingest/origin, not to this score.
_CREDITS = re.compile(
    r"\bmit material (?:von|der|des)\b|\bmaterial von\b|"
    r"\b(?:dpa|afp|reuters|epd|kna|sid|dts|apa|ap|funke(?:-mediengruppe)?)\b",
    re.IGNORECASE,
)
# Case-insensitive patterns are matched on the lowercased line by their lowercase twin (about three
# times faster than re.IGNORECASE on Unicode text; normalising runs over every line of a corpus).
# Escapes (\\S, \\b …) keep their case.
_CASELESS = tuple(
    (p, re.compile(re.sub(r"(\\.)|([^\\]+)", lambda m: m.group(1) or m.group(2).lower(), p.pattern)))
    for p in (_URL, _PUBLISHERS, _CREDITS)
)
# Datelines at the start of a text ("Berlin – ", "BERLIN/MOSKAU (dpa) - ", "Osnabrück. ", "Wien: "):
# place names in the house layout of an agency or paper, not content. One to three capitalised words
# (joined by spaces or "/"), an optional bracketed credit, then a dash, a colon, or a full stop
# followed by a capitalised word. Titles, abbreviations and articles ("Dr. ", "Prof. ", "Die Krise:")
# do not start a place.
_NOT_PLACE = r"(?!(?:Dr|Prof|St|Nr|Mr|Mrs|Ms|Dipl|Ing|Hr|Fr|Der|Die|Das|Den|Dem|Des|Ein|Eine|Einer)\b)"
_DATELINE = re.compile(
    r"^\s*" + _NOT_PLACE + r"[A-ZÄÖÜ][\w'-]{2,}"
    r"(?:\s*/\s*[A-ZÄÖÜ][\w'-]{2,}|\s[A-ZÄÖÜ][\w'-]{2,}){0,2}"
    r"\s*(?:\([^()\n]{1,40}\)\s*)?(?:[-–—―:]\s+|\.\s+(?=[A-ZÄÖÜ„\"]))"
)
_QUOTES = re.compile(r"[„“”\"«»‚‘’']")
_DASHES = re.compile(r"[–—―‒]")
_SPACE = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_INVISIBLE = re.compile(r"[\u00ad\u200b\u200c\u200d\ufeff]")


@lru_cache(maxsize=1)
def _old_spellings() -> re.Pattern[str]:
    """One pattern for the pre-1996 "ß" spellings listed in ``spelling.txt``."""
    path = MODEL_DIR / "spelling.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelError(f"the spelling list {path} is missing ({exc}); reinstall quellenlage") from exc
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def modern_spelling(line: str) -> str:
    """Rewrite pre-1996 "ß" after a short vowel as "ss" (``daß`` → ``dass``, ``muß`` → ``muss``).

    Only the fragments listed in ``models/reliability/spelling.txt``; ``Spaß``, ``Straße``, ``groß``
    and other words whose "ß" is still correct stay as they are.
    """
    if "ß" not in line:
        return line
    return _old_spellings().sub(lambda m: m.group(0).replace("ß", "ss"), line)


def strip_dateline(line: str) -> str:
    """``line`` without a leading dateline (``"Berlin – Der Senat …"`` → ``"Der Senat …"``).

    Meant for the first line of an article's text only; a place name later in the text is content.
    """
    return _DATELINE.sub("", line, count=1)


def normalise_line(line: str) -> str:
    """Neutralise typography, old spelling, publisher self-mentions and topic names in one line."""
    line = modern_spelling(_INVISIBLE.sub("", line))
    if _URL_HINT.search(line):  # the full URL pattern backtracks at every word; most lines have none
        line = _blank_caseless(*_CASELESS[0], line)
    line = _EMAIL.sub(" ", line)
    for pattern, fast in _CASELESS[1:]:  # publisher names, agency credits
        line = _blank_caseless(pattern, fast, line)
    line = blank_topic_words(line)
    line = _QUOTES.sub('"', line)
    line = _DASHES.sub("-", line)
    return _SPACE.sub(" ", line).strip()


@dataclass(frozen=True)
class TopicWords:
    """Words that name what a text is about rather than how it is written: one-word names of
    people, places and organisations, nationality nouns, and adjectives derived from them
    (``Russland``, ``Putin``, ``Russen``, ``russischen``). Blanked before the model sees a text, so
    that a newspaper's report on Russia does not read as "unreliable" because the low-reliability
    publishers of the training data covered Russia (see MODEL_CARD.md)."""

    words: frozenset[str]  # lower-case
    stems: tuple[str, ...]  # "russ", "chines": + "isch", "ische", "ischen", … is an adjective

    def __post_init__(self) -> None:
        # One order, so that equal lists compare equal.
        object.__setattr__(self, "stems", tuple(sorted(set(self.stems))))

    @cached_property
    def adjective(self) -> re.Pattern[str]:
        if not self.stems:
            return re.compile(r"(?!)")
        alternation = "|".join(re.escape(s) for s in sorted(self.stems, key=len, reverse=True))
        return re.compile(rf"(?:{alternation})isch(?:e|en|er|es|em)?")

    def is_topic(self, word: str) -> bool:
        lower = word.lower()
        return lower in self.words or bool(self.adjective.fullmatch(lower))

    def lines(self) -> list[str]:
        """The file form: one word a line, stems marked with a leading ``=``."""
        return sorted(self.words) + [f"={stem}" for stem in sorted(self.stems)]

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> TopicWords:
        items = [line.strip() for line in lines if line.strip()]
        return cls(
            words=frozenset(i for i in items if not i.startswith("=")),
            stems=tuple(sorted(i[1:] for i in items if i.startswith("="))),
        )


_WORD = re.compile(r"[^\W\d_]{3,}")


@lru_cache(maxsize=1)
def topic_words(directory: Path = MODEL_DIR) -> TopicWords:
    """The shipped model's topic words (``topic-words.txt.gz``; none for a model saved without)."""
    path = directory / TOPIC_WORDS_FILE
    if not path.exists():
        return TopicWords(frozenset(), ())
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return TopicWords.from_lines(handle)


_override: list[TopicWords] = []  # set by use_topic_words while a model is trained


def use_topic_words(words: TopicWords | None) -> None:
    """Blank ``words`` instead of the shipped model's (training a model with a new list); ``None``
    goes back to the shipped list."""
    _override[:] = [words] if words is not None else []
    _is_topic_word.cache_clear()


def current_topic_words() -> TopicWords:
    return _override[0] if _override else topic_words()


def blank_topic_words(line: str) -> str:
    """``line`` with every word of :func:`current_topic_words` replaced by a space."""
    if not current_topic_words().words:
        return line
    return _WORD.sub(lambda m: " " if _is_topic_word(m.group(0)) else m.group(0), line)


@lru_cache(maxsize=262_144)
def _is_topic_word(word: str) -> bool:  # words repeat: one lookup per distinct word
    return current_topic_words().is_topic(word)


def _blank_caseless(pattern: re.Pattern[str], fast: re.Pattern[str], line: str) -> str:
    """``pattern.sub(" ", line)``, matched on the lowercased line when lowercasing keeps offsets."""
    lower = line.lower()
    if len(lower) != len(line):  # e.g. "İ" lowercases to two characters
        return pattern.sub(" ", line)
    pieces, last = [], 0
    for match in fast.finditer(lower):
        pieces.append(line[last : match.start()])
        pieces.append(" ")
        last = match.end()
    if not pieces:
        return line
    pieces.append(line[last:])
    return "".join(pieces)


def line_key(line: str) -> str:
    """The key under which a (normalised) line counts as repeated boilerplate: a 64-bit BLAKE2b
    digest (hex) of its first 50 lower-cased characters. A digest, not the text, so that the shipped
    boilerplate list holds no excerpt of the training corpus (FANG-COVID states no licence)."""
    return hashlib.blake2b(line.lower()[:50].encode("utf-8"), digest_size=8).hexdigest()


def article_key(title: str | None, text: str) -> str:
    """A 64-bit BLAKE2b digest (hex) of an article's title and text: lets an evaluation leave out
    the articles the shipped model was trained on without shipping any of their text."""
    return hashlib.blake2b(f"{title or ''}\n{text}".encode(), digest_size=8).hexdigest()


def training_keys(directory: Path = MODEL_DIR) -> frozenset[str]:
    """The :func:`article_key` of every article the model in ``directory`` was trained on (empty
    when the model was saved without them)."""
    path = directory / TRAINING_KEYS_FILE
    if not path.exists():
        return frozenset()
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(handle.read().split())


def training_publishers(directory: Path = MODEL_DIR) -> frozenset[str]:
    """The publishers the model in ``directory`` was trained on (from its ``meta.json``)."""
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"the reliability model's meta.json in {directory} is unreadable ({exc})") from exc
    return frozenset(meta.get("publishers", ()))


def clean_lines(title: str | None, text: str) -> list[str]:
    """Title and text as normalised lines, without bylines, source lines, bracketed teasers and the
    dateline at the start of the text."""
    out = []
    body = text.lstrip().split("\n")
    body[0] = strip_dateline(body[0])
    for raw in [title or "", *body]:
        if _BRACKETED.match(raw) or _BYLINE.match(raw) or _SOURCE_LINE.match(raw):
            continue
        if len(raw) < 400 and _PROMO.search(raw):
            continue
        line = normalise_line(raw)
        if len(line) > 1:
            out.append(line)
    return out


def boilerplate_keys(documents: Iterable[list[str]], min_documents: int = 5) -> set[str]:
    """Keys of lines that occur in at least ``min_documents`` documents (banners, ads, disclaimers).

    ``min_documents=5``: in FANG-COVID, real article lines almost never repeat verbatim in five
    articles, while newsletter banners and book ads repeat hundreds of times. Computed on training
    documents only; re-run ``quellenlage eval reliability`` after changing it.
    """
    counts: dict[str, int] = {}
    for lines in documents:
        for key in {line_key(line) for line in lines}:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= min_documents}


def model_text(lines: Sequence[str], boilerplate: set[str] | frozenset[str]) -> str:
    return "\n".join(line for line in lines if line_key(line) not in boilerplate)


def make_vectorizer(
    vocabulary: dict[str, int] | None = None, max_features: int | None = None, min_df: int = 1
) -> CountVectorizer:
    return CountVectorizer(
        lowercase=True,
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        vocabulary=vocabulary,
        max_features=max_features,
        min_df=min_df,
        dtype=np.float32,
    )


def tfidf(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF × IDF, rows L2-normalised (as sklearn's TfidfVectorizer with sublinear_tf)."""
    x = counts.astype(np.float32).tocsr(copy=True)
    x.data = 1.0 + np.log(x.data)
    x = x @ sparse.diags(idf.astype(np.float32))
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1))).ravel()
    return sparse.diags(1.0 / np.maximum(norms, 1e-12)) @ x


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason for the score: a German sentence, its log-odds contribution, its evidence."""

    text: str
    weight: float  # contribution to the log-odds of "unreliable"; > 0 raises the score
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class ReliabilityResult:
    score: float  # calibrated P(unreliable), 0..1
    reasons: tuple[Reason, ...]
    threshold: float = 0.5  # chosen on training folds; score >= threshold reads as "unreliable"


@dataclass(frozen=True)
class ReliabilityModel:
    """Fitted weights: TF-IDF columns first, then standardised features; Platt calibration on top."""

    vocabulary: tuple[str, ...]
    idf: np.ndarray
    coef: np.ndarray  # (len(vocabulary) + len(FEATURE_NAMES),)
    intercept: float
    feature_mean: np.ndarray
    feature_scale: np.ndarray
    platt: tuple[float, float]  # P = sigmoid(a * logit + b)
    threshold: float
    boilerplate: frozenset[str]

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, directory: Path = MODEL_DIR) -> ReliabilityModel:
        """Load the shipped model once per process."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            with gzip.open(directory / "vocabulary.txt.gz", "rt", encoding="utf-8") as handle:
                vocabulary = tuple(handle.read().split("\n"))
            with gzip.open(directory / BOILERPLATE_FILE, "rt", encoding="utf-8") as handle:
                boilerplate = frozenset(handle.read().split("\n"))
            with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
                return cls(
                    vocabulary=vocabulary,
                    idf=arrays["idf"],
                    coef=arrays["coef"],
                    intercept=float(meta["intercept"]),
                    feature_mean=arrays["feature_mean"],
                    feature_scale=arrays["feature_scale"],
                    platt=tuple(meta["platt"]),
                    threshold=float(meta["threshold"]),
                    boilerplate=boilerplate,
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(
                f"the reliability model in {directory} is missing or unreadable ({exc}); "
                "retrain it with `python -m quellenlage.train.reliability`"
            ) from exc

    def save(
        self,
        directory: Path,
        info: dict[str, object],
        trained_on: Sequence[str] = (),
        topic: TopicWords | None = None,
    ) -> None:
        """Write the model; ``trained_on`` are the :func:`article_key` digests of its training
        articles, ``topic`` the words blanked while it was trained (:class:`TopicWords`)."""
        directory.mkdir(parents=True, exist_ok=True)
        _write_gzip_lines(directory / TRAINING_KEYS_FILE, sorted(set(trained_on)))
        if topic is not None:
            _write_gzip_lines(directory / TOPIC_WORDS_FILE, topic.lines())
        _write_gzip_lines(directory / "vocabulary.txt.gz", self.vocabulary)
        _write_gzip_lines(directory / BOILERPLATE_FILE, sorted(self.boilerplate))
        np.savez_compressed(
            directory / "weights.npz",
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            feature_mean=self.feature_mean,
            feature_scale=self.feature_scale,
        )
        meta = {
            "intercept": self.intercept,
            "platt": list(self.platt),
            "threshold": self.threshold,
            "features": list(FEATURE_NAMES),
            **info,
        }
        (directory / "meta.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    @property
    def _vectorizer(self) -> CountVectorizer:
        return _vectorizer_for(self.vocabulary)

    def design(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Model columns for cleaned texts (output of :func:`model_text`)."""
        counts = self._vectorizer.transform(texts)
        feats = features_from_counts(np.vstack([count_vector(t) for t in texts]))
        z = (feats - self.feature_mean) / self.feature_scale
        return sparse.hstack([tfidf(counts, self.idf), sparse.csr_matrix(z)]).tocsr()

    def calibrate(self, logits: np.ndarray) -> np.ndarray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * logits + b)))

    def score_texts(self, titles: Sequence[str | None], texts: Sequence[str]) -> np.ndarray:
        cleaned = [model_text(clean_lines(t, x), self.boilerplate) for t, x in zip(titles, texts)]
        return self.calibrate(self.design(cleaned) @ self.coef + self.intercept)

    def score_article(self, article: Article) -> ReliabilityResult:
        cleaned = model_text(clean_lines(article.title, article.text), self.boilerplate)
        row = self.design([cleaned])
        contributions = row.multiply(self.coef.reshape(1, -1)).tocsr()
        score = float(self.calibrate(np.array([contributions.sum() + self.intercept]))[0])
        reasons = _feature_reasons(self, article, row, contributions) + _ngram_reasons(
            self, article, contributions
        )
        reasons.sort(key=lambda r: -abs(r.weight))
        return ReliabilityResult(score=score, reasons=tuple(reasons[:MAX_REASONS]), threshold=self.threshold)


def _write_gzip_lines(path: Path, lines: Sequence[str]) -> None:
    """One entry a line, gzip with a fixed timestamp so that retraining gives identical bytes."""
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write("\n".join(lines).encode("utf-8"))


@lru_cache(maxsize=2)
def _vectorizer_for(vocabulary: tuple[str, ...]) -> CountVectorizer:
    return make_vectorizer(vocabulary={term: i for i, term in enumerate(vocabulary)})


def _spans(article: Article, ranges: Iterable[tuple[int, int]]) -> tuple[Span, ...]:
    return tuple(Span(article.id, a, b) for a, b in list(ranges)[:MAX_SPANS])


def _feature_reasons(
    model: ReliabilityModel, article: Article, row: sparse.csr_matrix, contributions: sparse.csr_matrix
) -> list[Reason]:
    offset = len(model.vocabulary)
    dense = contributions[:, offset:].toarray().ravel()
    z = row[:, offset:].toarray().ravel()
    reasons = []
    for feature, weight, value in zip(FEATURES, dense, z):
        if abs(weight) < 0.05:  # below this a feature moves the odds by less than 5 %
            continue
        side = feature.high if value > 0 else feature.low
        direction = "spricht eher für" if weight > 0 else "spricht eher gegen"
        text = f"{side} Das {direction} einen unzuverlässigen Text."
        # Matches are evidence for "many …"; for "few …" there is nothing to point at.
        evidence = _spans(article, matches(feature, article.text)) if value > 0 else ()
        reasons.append(Reason(text, float(weight), evidence))
    return reasons


def _ngram_reasons(
    model: ReliabilityModel, article: Article, contributions: sparse.csr_matrix, top: int = 5
) -> list[Reason]:
    row = contributions[:, : len(model.vocabulary)].tocoo()
    order = np.argsort(-np.abs(row.data))[: top * 3]
    reasons = []
    for k in order:
        term, weight = model.vocabulary[row.col[k]], float(row.data[k])
        words = term.split()
        # "ss" in the vocabulary also finds the old spelling "ß" in the text (see modern_spelling).
        parts = (re.escape(w).replace("ss", "(?:ss|ß)") for w in words)
        pattern = re.compile(r"(?<!\w)" + r"\W+".join(parts) + r"(?!\w)", re.IGNORECASE)
        found = [m.span() for m in pattern.finditer(article.text)]
        if not found:  # only in the title, or split across a removed line
            continue
        kind = "unzuverlässig" if weight > 0 else "zuverlässig"
        text = f"Die Wortwahl \u201e{term}\u201c ist typisch für Texte aus als {kind} eingestuften Quellen."
        reasons.append(Reason(text, weight, _spans(article, found)))
        if len(reasons) == top:
            break
    return reasons


# What a reader must know before reading a score (shown with it in the web app and the API).
CAVEAT_DE = (
    "Forschungsmodell: Es schätzt allein aus dem Text, wie sehr ein Artikel den Texten der als "
    "unzuverlässig eingestuften Quellen im deutschen Korpus FANG-COVID (2020–2021) ähnelt. Die "
    "Einstufung dort gilt pro Verlag, nicht pro Artikel; der Wert ist kein Faktencheck."
)


def score_article(article: Article) -> ReliabilityResult:
    """Calibrated P(unreliable) of one article from its title and text, with reasons."""
    return ReliabilityModel.load().score_article(article)
