"""Train the shipped German NER model (spaCy ``tok2vec`` + ``ner``), optionally with floret vectors.

Optional static floret vectors are trained here too, first, by :mod:`quellenlage.train.vectors` on
unlabelled German news text (``vectors="auto"`` builds them once into a cache directory in the
system's temp dir and reuses them); ``vectors=None`` (default, the shipped model) uses hash
embeddings only.

Data (see :mod:`quellenlage.nerdata` for readers, mappings and splits):

- GermEval 2014 dev, the non-held-out half (by sentence hash)
- SmartData, the non-held-out 80 % of documents (by document-id hash)
- LER dev + test: sentences with an entity, plus a hash-sampled share of the entity-free ones
- WikiANN train (silver; optional, ``include_wikiann``)

Model selection uses a dev set that is never part of any evaluation: 600 WikiANN *val* sentences plus
a hash-selected 10 % of the SmartData training documents and of the GermEval training half
(those 10 % are then not trained on); checkpoints are chosen by ``select_on`` (:func:`dev_score`). The held-out GermEval half, held-out SmartData documents and
WikiANN *test* are never read here.

Reproducible: seeds for Python, NumPy and thinc are fixed, and the sha256 of every data file, the
seed and the configuration go into the model's ``meta.json``. Wall-clock stopping
(``max_minutes``) is the one non-deterministic element: record it with the result.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import nerdata
from ..errors import ConfigError
from ..nerdata import NerSentence

log = logging.getLogger(__name__)

LER_EMPTY_SHARE = 0.15  # entity-free LER sentences kept (the corpus is ~90 % citation-heavy prose)
AUTO_VECTORS = "auto"
WIKI_DEV_SENTENCES = 600  # WikiANN val sentences at the end of the dev set


@dataclass(frozen=True)
class TrainConfig:
    data_dir: str
    out: str
    seed: int = 0
    max_minutes: float = 35.0
    max_epochs: int = 30
    include_wikiann: bool = True
    width: int = 96
    depth: int = 4
    embed_size: int = 10000
    hidden_width: int = 64
    dropout: float = 0.2
    eval_every: int = 400  # optimizer steps between dev evaluations
    resume_from: str | None = None  # continue training a saved model (same data and dev set)
    # spaCy pipeline dir holding static vectors, "auto" (train them with quellenlage.train.vectors,
    # cached), or None (hash embeddings only)
    # The defaults reproduce the shipped model (no static vectors, news gold once, selection on the
    # whole dev set). The floret experiment of MODEL_CARD.md is
    # ``vectors="auto", news_repeat=3, select_on="news_f1"``.
    vectors: str | None = None
    # copies of each GermEval/SmartData training sentence: the small news gold against ~25k LER and
    # WikiANN sentences
    news_repeat: int = 1
    select_on: str = "f1"  # dev score that picks the checkpoint: "f1" (whole dev) or "news_f1"


def load_training_data(
    cfg: TrainConfig,
) -> tuple[list[NerSentence], list[NerSentence], dict[str, str]]:
    """``(train, dev, sha256 by file name)``; never returns a held-out sentence."""
    data = Path(cfg.data_dir)
    files = {
        "germeval": data / "germeval2014-dev.tsv",
        "smartdata": data / "smartdata-train.jsonl",
        "ler-dev": data / "ler-dev.conll",
        "ler-test": data / "ler-test.conll",
        "wikiann-val": data / "wikiann-de-val.conllu",
    }
    if cfg.include_wikiann:
        files["wikiann-train"] = data / "wikiann-de-train.conllu"
    hashes = {path.name: nerdata.file_sha256(path) for path in files.values()}
    train: list[NerSentence] = []
    dev: list[NerSentence] = []

    germeval, _ = nerdata.split(nerdata.read_file(files["germeval"]), "germeval")
    smart, _ = nerdata.split(nerdata.read_file(files["smartdata"]), "smartdata")
    for fmt, sentences in (("germeval", germeval), ("smartdata", smart)):
        for sentence in sentences:
            if nerdata.is_dev(sentence, fmt, cfg.seed):
                dev.append(sentence)
            else:
                train.extend([sentence] * cfg.news_repeat)
    for name in ("ler-dev", "ler-test"):
        for sentence in nerdata.read_file(files[name]):
            has_entity = any(tag != "O" for tag in sentence.tags)
            if has_entity or nerdata.bucket("ler:" + sentence.key, cfg.seed) < LER_EMPTY_SHARE:
                train.append(sentence)
    wiki_val = nerdata.read_file(files["wikiann-val"])
    dev.extend(random.Random(cfg.seed).sample(wiki_val, WIKI_DEV_SENTENCES))  # always last (dev_score)
    if cfg.include_wikiann:
        train.extend(nerdata.read_file(files["wikiann-train"]))
    return train, dev, hashes


def resolve_vectors(cfg: TrainConfig) -> str | None:
    """The vectors pipeline directory to use, training the floret vectors first for ``"auto"``."""
    if cfg.vectors != AUTO_VECTORS:
        return cfg.vectors
    import tempfile

    from .vectors import VectorsConfig, train_vectors

    cache = Path(tempfile.gettempdir()) / f"quellenlage-ner-vectors-seed{cfg.seed}"
    if not (cache / "vectors.json").is_file():
        log.info("training floret vectors into %s", cache)
        train_vectors(VectorsConfig(str(Path(cfg.data_dir).parent), str(cache), seed=cfg.seed))
    return str(cache / "spacy")


def build_nlp(cfg: TrainConfig, vectors: str | None = None):  # type: ignore[no-untyped-def]
    """A blank German pipeline with a shared hash-embedding CNN and a transition-based NER.

    With ``vectors`` (a spaCy pipeline directory), its static vectors are copied into the vocab and
    concatenated to the hash embeddings (``pretrained_vectors``).
    """
    import spacy

    nlp = spacy.blank("de")
    if vectors:
        nlp.vocab.vectors = spacy.load(vectors).vocab.vectors
    nlp.add_pipe(
        "tok2vec",
        config={
            "model": {
                "@architectures": "spacy.HashEmbedCNN.v2",
                "pretrained_vectors": bool(vectors),
                "width": cfg.width,
                "depth": cfg.depth,
                "embed_size": cfg.embed_size,
                "window_size": 1,
                "maxout_pieces": 3,
                "subword_features": True,  # NORM + PREFIX + SUFFIX + SHAPE
            }
        },
    )
    nlp.add_pipe(
        "ner",
        config={
            "model": {
                "@architectures": "spacy.TransitionBasedParser.v2",
                "state_type": "ner",
                "extra_state_tokens": False,
                "hidden_width": cfg.hidden_width,
                "maxout_pieces": 2,
                "use_upper": True,
                "nO": None,
                "tok2vec": {
                    "@architectures": "spacy.Tok2VecListener.v1",
                    "width": cfg.width,
                    "upstream": "*",
                },
            }
        },
    )
    return nlp


def to_examples(nlp, sentences: Sequence[NerSentence]) -> list:  # type: ignore[no-untyped-def]
    from spacy.tokens import Doc
    from spacy.training import Example

    examples = []
    for sentence in sentences:
        words = list(sentence.tokens)
        reference = Doc(nlp.vocab, words=words, ents=list(sentence.tags))
        examples.append(Example(Doc(nlp.vocab, words=words), reference))
    return examples


def evaluate(nlp, sentences: Sequence[NerSentence]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Exact-span micro P/R/F1 over PER/LOC/ORG on pre-tokenised sentences."""
    from spacy.tokens import Doc

    score = nerdata.SpanScore.empty()
    docs = (Doc(nlp.vocab, words=list(s.tokens)) for s in sentences)
    for sentence, doc in zip(sentences, nlp.pipe(docs, batch_size=256), strict=True):
        pred = {(e.start, e.end, e.label_) for e in doc.ents}
        score.add(nerdata.bio_spans(sentence.tags), pred)
    return score.micro()


def dev_score(nlp, dev: Sequence[NerSentence]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Scores on the whole dev set plus ``news_f1`` on its GermEval + SmartData part.

    ``TrainConfig.select_on="news_f1"`` selects checkpoints on the news part: the whole dev set is 64 %
    WikiANN (silver, title-like sentences), which favours Wikipedia style over news text.
    """
    news = dev[: len(dev) - WIKI_DEV_SENTENCES]
    return {**evaluate(nlp, dev), "news_f1": evaluate(nlp, news)["f1"]}


def train(cfg: TrainConfig) -> dict[str, object]:
    """Train, keep the best model on dev, write it to ``cfg.out``; returns the training record."""
    import numpy
    import spacy
    from spacy.util import compounding, fix_random_seed, minibatch

    if cfg.select_on not in ("f1", "news_f1"):
        raise ConfigError(f"select_on must be 'f1' or 'news_f1', not {cfg.select_on!r}")
    random.seed(cfg.seed)
    numpy.random.seed(cfg.seed)
    fix_random_seed(cfg.seed)
    vectors = None if cfg.resume_from else resolve_vectors(cfg)  # own clock: not in max_minutes
    started = time.monotonic()
    train_sents, dev_sents, hashes = load_training_data(cfg)
    log.info("train %d sentences, dev %d", len(train_sents), len(dev_sents))
    if cfg.resume_from:
        nlp = spacy.load(cfg.resume_from)
        examples = to_examples(nlp, train_sents)
        optimizer = nlp.resume_training()
    else:
        nlp = build_nlp(cfg, vectors)
        examples = to_examples(nlp, train_sents)
        optimizer = nlp.initialize(lambda: examples, sgd=None)
    rng = random.Random(cfg.seed)
    deadline = started + cfg.max_minutes * 60
    best: tuple[float, bytes | None, dict[str, object]] = (-1.0, None, {})
    previous = nlp.meta.get("quellenlage_training") if cfg.resume_from else None
    if cfg.resume_from:
        best = (dev_score(nlp, dev_sents)[cfg.select_on], nlp.to_bytes(), {"step": 0, "resumed": True})
    history: list[dict[str, object]] = []
    step = 0
    out_of_time = False
    for epoch in range(cfg.max_epochs):
        rng.shuffle(examples)
        losses: dict[str, float] = {}
        for batch in minibatch(examples, size=compounding(8.0, 64.0, 1.001)):
            nlp.update(batch, drop=cfg.dropout, sgd=optimizer, losses=losses)
            step += 1
            if step % cfg.eval_every == 0:
                scores = dev_score(nlp, dev_sents)
                minutes = round((time.monotonic() - started) / 60, 2)
                record: dict[str, object] = {
                    "epoch": epoch,
                    "step": step,
                    "minutes": minutes,
                    **scores,
                    "loss": round(float(losses.get("ner", 0.0)), 1),
                }
                history.append(record)
                log.info("%s", record)
                if scores[cfg.select_on] > best[0]:
                    best = (scores[cfg.select_on], nlp.to_bytes(), record)
            if time.monotonic() > deadline:
                out_of_time = True
                break
        if out_of_time:
            break
    scores = dev_score(nlp, dev_sents)
    if scores[cfg.select_on] > best[0]:
        best = (scores[cfg.select_on], nlp.to_bytes(), {"step": step, **scores, "final": True})
    assert best[1] is not None
    nlp.from_bytes(best[1])
    minutes = round((time.monotonic() - started) / 60, 2)
    result: dict[str, object] = {
        "config": asdict(cfg),
        "data_sha256": hashes,
        "train_sentences": len(train_sents),
        "dev_sentences": len(dev_sents),
        "best": best[2],
        "history": history,
        "steps": step,
        "training_minutes": minutes,
        "spacy_version": spacy.__version__,
        "vectors": _vectors_record(vectors),
        "resumed_from": previous,
    }
    nlp.meta["name"] = "quellenlage_ner"
    nlp.meta["version"] = "0.1.0"
    nlp.meta["description"] = (
        "German NER (PER/LOC/ORG/MISC) with floret vectors trained here; see MODEL_CARD.md"
    )
    nlp.meta["quellenlage_training"] = {k: v for k, v in result.items() if k != "history"}
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(out)
    return result


def _vectors_record(vectors: str | None) -> dict[str, object] | None:
    if not vectors:
        return None
    import json

    info = Path(vectors).parent / "vectors.json"
    record = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
    return {"path": vectors, **record}
