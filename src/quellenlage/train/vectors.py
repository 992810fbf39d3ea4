"""Train the static word vectors of the NER model (floret: fastText with hashed subwords).

Why floret: German names are often rare or unseen compounds and inflections. floret stores no word
table at all, only ``FLORET_BUCKETS`` hashed rows for words and their character 4- and 5-grams, so
every token, seen or not, gets a vector, in a table small enough to ship (50k x 64 float32 = 13 MB).
spaCy computes floret vectors natively at run time; the ``floret`` package is needed to train only.

Text (unlabelled, used only to learn word co-occurrence): the titles and bodies of the FANG-COVID
articles (``reliability/fang-covid-train.jsonl.gz``, ~31k German news articles 2020-21) and the token
text of the NER *training* side (GermEval training half, SmartData training documents, LER, WikiANN
train). Held-out NER parts and WikiANN val/test are never read.

Usage::

    OMP_NUM_THREADS=1 nice -n 15 python -m quellenlage.train.vectors --out /tmp/ner_vectors

writes ``corpus.txt`` (one tokenised line per paragraph/sentence), ``vectors.floret`` and a spaCy
pipeline directory ``spacy/`` holding the vectors (``nlp.vocab.vectors``), which
:func:`quellenlage.train.ner.build_nlp` copies into the NER model.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path

from .. import nerdata
from ..errors import ConfigError

log = logging.getLogger(__name__)

# floret hyper-parameters: spaCy's recommended German floret settings (hashCount 2, n-grams 4-5),
# with dim and buckets cut to fit the 50 MB package budget. Not tuned on any NER data.
FLORET_DIM = 64
FLORET_BUCKETS = 50_000
FLORET_MINN = 4
FLORET_MAXN = 5
FLORET_HASH_COUNT = 2
FLORET_EPOCHS = 2  # fastText default 5
# Share of FANG-COVID articles used (hash-sampled by id). Budget, not tuning: dim 64, 2 epochs and half
# the articles (~16M tokens) fit the 25-minute time box on the shared 2-core machine (load ~10).
FANG_SHARE = 0.5
FLORET_MIN_COUNT = 3

# Close to spaCy's German tokenizer for what matters to vectors: words with inner hyphens, dots and
# apostrophes stay whole ("EU-Kommission", "z.B.", "Merkel's"), digits group, punctuation splits off.
_TOKEN = re.compile(r"\w+(?:[-.'’]\w+|,\d+)*|[^\w\s]")


@dataclass(frozen=True)
class VectorsConfig:
    shared_data: str  # ../shared/data
    out: str
    seed: int = 0
    threads: int = 2
    dim: int = FLORET_DIM
    buckets: int = FLORET_BUCKETS
    epochs: int = FLORET_EPOCHS
    fang_share: float = FANG_SHARE


def tokenize(text: str) -> list[str]:
    """Regex tokenisation, one list per call (no sentence splitting)."""
    return _TOKEN.findall(text)


def fang_lines(path: Path, share: float = 1.0, seed: int = 0) -> Iterator[str]:
    """Tokenised, space-joined paragraphs of the FANG-COVID titles and bodies (``share`` of articles)."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for raw in handle:
            record = json.loads(raw)
            if share < 1.0 and nerdata.bucket("fang:" + str(record.get("id")), seed) >= share:
                continue
            for part in [record.get("title") or "", *(record.get("text") or "").split("\n")]:
                tokens = tokenize(part)
                if len(tokens) >= 3:
                    yield " ".join(tokens)


def ner_train_lines(ner_dir: Path, seed: int) -> Iterator[str]:
    """Token text of the NER training side only (the same selection as training, minus dev)."""
    for name, fmt in (("germeval2014-dev.tsv", "germeval"), ("smartdata-train.jsonl", "smartdata")):
        train, _ = nerdata.split(nerdata.read_file(ner_dir / name), fmt)
        for sentence in train:
            if not nerdata.is_dev(sentence, fmt, seed):
                yield " ".join(sentence.tokens)
    for name in ("ler-dev.conll", "ler-test.conll", "wikiann-de-train.conllu"):
        for sentence in nerdata.read_file(ner_dir / name):
            yield " ".join(sentence.tokens)


def write_corpus(cfg: VectorsConfig) -> tuple[Path, dict[str, object]]:
    data = Path(cfg.shared_data)
    fang = data / "reliability" / "fang-covid-train.jsonl.gz"
    if not fang.exists():
        raise ConfigError(
            f"vector training text not found: {fang}; point --shared-data at the shared data directory"
        )
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    corpus, record = out / "corpus.txt", out / "corpus.json"
    fang_sha = nerdata.file_sha256(fang)
    if record.is_file() and corpus.is_file():
        earlier: dict[str, object] = json.loads(record.read_text(encoding="utf-8"))
        if (earlier.get("fang_sha256"), earlier.get("seed"), earlier.get("share")) == (
            fang_sha,
            cfg.seed,
            cfg.fang_share,
        ):
            return corpus, earlier  # the same text, written by an earlier (interrupted) run
    lines = tokens = 0
    with open(corpus, "w", encoding="utf-8") as handle:
        for line in chain(
            fang_lines(fang, cfg.fang_share, cfg.seed), ner_train_lines(data / "ner", cfg.seed)
        ):
            handle.write(line + "\n")
            lines += 1
            tokens += line.count(" ") + 1
    info: dict[str, object] = {
        "lines": lines,
        "tokens": tokens,
        "fang_sha256": fang_sha,
        "seed": cfg.seed,
        "share": cfg.fang_share,
    }
    record.write_text(json.dumps(info) + "\n", encoding="utf-8")
    return corpus, info


def train_vectors(cfg: VectorsConfig) -> dict[str, object]:
    """Write the corpus, train floret, convert to a spaCy vectors pipeline; returns a record."""
    try:
        import floret  # type: ignore[import-untyped]
    except ImportError as exc:  # train-time only dependency
        raise ConfigError("training vectors needs floret: `pip install floret` (MIT licence)") from exc
    import spacy
    from spacy.training.initialize import convert_vectors

    started = time.monotonic()
    corpus, info = write_corpus(cfg)
    log.info("corpus %s in %.1f min", info, (time.monotonic() - started) / 60)
    model = floret.train_unsupervised(
        str(corpus),
        model="cbow",
        mode="floret",
        hashCount=FLORET_HASH_COUNT,
        bucket=cfg.buckets,
        minn=FLORET_MINN,
        maxn=FLORET_MAXN,
        dim=cfg.dim,
        epoch=cfg.epochs,
        minCount=FLORET_MIN_COUNT,
        thread=cfg.threads,
        verbose=2,  # progress on stderr
    )
    out = Path(cfg.out)
    floret_path = out / "vectors.floret"
    model.save_floret_vectors(str(floret_path))
    nlp = spacy.blank("de")
    convert_vectors(nlp, floret_path, truncate=0, prune=-1, name="quellenlage_floret_de", mode="floret")
    nlp.to_disk(out / "spacy")
    record = {
        "config": asdict(cfg),
        "floret": {
            "minn": FLORET_MINN,
            "maxn": FLORET_MAXN,
            "hash_count": FLORET_HASH_COUNT,
            "min_count": FLORET_MIN_COUNT,
            "model": "cbow",
        },
        **info,
        "minutes": round((time.monotonic() - started) / 60, 2),
    }
    (out / "vectors.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def main(argv: list[str] | None = None) -> None:
    default_shared = Path(__file__).resolve().parents[3].parent / "shared" / "data"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared-data", default=str(default_shared))
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cfg = VectorsConfig(args.shared_data, args.out, seed=args.seed, threads=args.threads)
    print(json.dumps(train_vectors(cfg)))


if __name__ == "__main__":
    main()
