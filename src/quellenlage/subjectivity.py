"""Sentence subjectivity: P(SUBJ) for German sentences.

The model is a logistic regression over the multilingual-e5-small sentence embedding
(:mod:`quellenlage.embed`, encoder ``"e5"``) plus five standardised cue counts (subjective cue
words, question marks, exclamation marks, quotation marks, sentence length). It was trained on the
CheckThat! 2025 German subjectivity training split; see ``models/subjectivity/MODEL_CARD.md`` for
the figures, the selection procedure and the non-commercial data licence.

The weights are plain numpy arrays in ``weights.npz`` plus ``meta.json`` (no pickle), so loading
runs no code from the file.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .embed import embed
from .errors import InputError, ModelError

MODEL_DIR = Path(__file__).parent / "models" / "subjectivity"
ENCODER = "e5"

# Words that often mark an evaluative, argumentative or emotional sentence in German news.
_CUES = re.compile(
    r"[!?]|\b(ich|wir|uns|man|sollte|müssen|muss|leider|natürlich|offenbar|angeblich|wohl|doch|eben|"
    r"gar|sogar|bloß|nur|endlich|eigentlich|wirklich|absolut|völlig|total|unglaublich|skandal\w*|"
    r"lüge\w*|propaganda|irrsinn\w*|wahn\w*)\b",
    re.IGNORECASE,
)
CUE_NAMES = ("cue_words", "question_marks", "exclamation_marks", "quotation_marks", "length")


def cue_features(sentences: Sequence[str]) -> np.ndarray:
    """Raw cue counts per sentence, shape ``(n, 5)``, in the order of :data:`CUE_NAMES`."""
    rows = [
        [
            len(_CUES.findall(s)),
            s.count("?"),
            s.count("!"),
            s.count('"') + s.count("„") + s.count("“"),
            len(s.split()) / 30,
        ]
        for s in sentences
    ]
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(CUE_NAMES))


def design_matrix(
    embeddings: np.ndarray, cues: np.ndarray, mean: np.ndarray, scale: np.ndarray, cue_weight: float
) -> np.ndarray:
    """Embedding columns followed by standardised, down-weighted cue columns."""
    return np.hstack([embeddings, (cues - mean) / scale * cue_weight])


@dataclass(frozen=True)
class SubjectivityModel:
    """A fitted linear model over :func:`design_matrix` columns."""

    coef: np.ndarray  # (384 + 5,)
    intercept: float
    cue_mean: np.ndarray
    cue_scale: np.ndarray
    cue_weight: float
    threshold: float = 0.5

    @classmethod
    @lru_cache(maxsize=1)
    def load(cls, directory: Path = MODEL_DIR) -> SubjectivityModel:
        """Load the shipped model once per process."""
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            with np.load(directory / "weights.npz", allow_pickle=False) as arrays:
                return cls(
                    coef=arrays["coef"],
                    intercept=float(meta["intercept"]),
                    cue_mean=arrays["cue_mean"],
                    cue_scale=arrays["cue_scale"],
                    cue_weight=float(meta["cue_weight"]),
                    threshold=float(meta["threshold"]),
                )
        except (OSError, KeyError, ValueError) as exc:
            raise ModelError(
                f"the subjectivity model in {directory} is missing or unreadable ({exc}); "
                "retrain it with `python -m quellenlage.train.subjectivity`"
            ) from exc

    def save(self, directory: Path, info: dict[str, object]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(
            directory / "weights.npz",
            coef=self.coef.astype(np.float32),
            cue_mean=self.cue_mean,
            cue_scale=self.cue_scale,
        )
        meta = {
            "encoder": ENCODER,
            "intercept": self.intercept,
            "cue_weight": self.cue_weight,
            "threshold": self.threshold,
            "cues": list(CUE_NAMES),
            **info,
        }
        (directory / "meta.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    def predict_proba(self, sentences: Sequence[str], embeddings: np.ndarray | None = None) -> np.ndarray:
        """P(SUBJ) per sentence; pass ``embeddings`` to reuse vectors already computed."""
        if len(sentences) == 0:
            return np.zeros(0)
        vectors = embed(sentences, ENCODER) if embeddings is None else embeddings
        x = design_matrix(vectors, cue_features(sentences), self.cue_mean, self.cue_scale, self.cue_weight)
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.intercept)))


def subjectivity_score(sentences: Sequence[str]) -> np.ndarray:
    """P(SUBJ) for each German sentence, in ``[0, 1]``."""
    return SubjectivityModel.load().predict_proba(list(sentences))


def read_tsv(path: Path) -> tuple[list[str], np.ndarray]:
    """Read a CheckThat! subjectivity TSV (``sentence_id sentence label``); labels as 1 = SUBJ."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc}", input=str(path)) from exc
    if not rows or not {"sentence", "label"} <= set(rows[0]):
        raise InputError(
            f"{path} is not a subjectivity TSV: expected a header with 'sentence' and 'label' columns",
            input=str(path),
        )
    labels = [r["label"].strip().upper() for r in rows]
    unknown = sorted(set(labels) - {"SUBJ", "OBJ"})
    if unknown:
        raise InputError(f"{path}: unknown labels {unknown}; expected SUBJ or OBJ", input=str(path))
    return [r["sentence"] for r in rows], np.array([lab == "SUBJ" for lab in labels], dtype=int)
