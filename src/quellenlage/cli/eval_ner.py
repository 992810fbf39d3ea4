"""``quellenlage eval ner``: exact-span micro-F1 of an entity recogniser on a gold NER file.

The gold file (CoNLL, GermEval TSV or SmartData JSONL, auto-detected) is read into tokenised
sentences. Each document (SmartData) or block of :data:`SENTENCES_PER_ARTICLE` sentences (the other
formats) becomes one article whose text is the tokens joined by single spaces, one sentence per line,
so every gold token has known character offsets. The recogniser sees that text and the sentences
(with their tokens) exactly as the reading layer would pass them.

Scoring: exact character spans and types over PER/LOC/ORG; MISC, GermEval OTH and everything the
mappings in :mod:`quellenlage.nerdata` turn into ``O`` are ignored on both sides.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .. import nerdata
from ..errors import ModelError
from ..models import Mention, Sentence, Span, Token
from ..nerdata import NerSentence
from .common import errors_option, write_json_lines

SENTENCES_PER_ARTICLE = 40
BACKENDS = ("e5", "e5+rules", "e5s", "e5s+rules", "model", "combined", "rules")
DEFAULT_BACKEND = "e5+rules"  # what the reading layer runs (its setting `entities`)


def _articles(sentences: Sequence[NerSentence], fmt: str) -> list[list[NerSentence]]:
    if fmt == "smartdata":
        docs: dict[str, list[NerSentence]] = {}
        for s in sentences:
            docs.setdefault(s.doc_id, []).append(s)
        return list(docs.values())
    return [
        list(sentences[i : i + SENTENCES_PER_ARTICLE])
        for i in range(0, len(sentences), SENTENCES_PER_ARTICLE)
    ]


def build_article(
    article_id: str, sentences: Sequence[NerSentence]
) -> tuple[str, tuple[Sentence, ...], set[tuple[int, int, str]]]:
    """``(text, sentences, gold character spans)`` for one article made of gold sentences."""
    lines: list[str] = []
    out: list[Sentence] = []
    gold: set[tuple[int, int, str]] = set()
    offset = 0
    for index, sentence in enumerate(sentences):
        tokens: list[Token] = []
        pos = offset
        for word in sentence.tokens:
            tokens.append(Token(pos, pos + len(word), word, word))
            pos += len(word) + 1
        line = " ".join(sentence.tokens)
        out.append(Sentence(index, Span(article_id, offset, offset + len(line)), 0, tokens=tuple(tokens)))
        for a, b, label in nerdata.bio_spans(sentence.tags):
            gold.add((tokens[a].start, tokens[b - 1].end, label))
        lines.append(line)
        offset += len(line) + 1
    return "\n".join(lines), tuple(out), gold


def _recognizers(backend: str, model_path: str | None) -> list[Any]:
    out: list[Any] = []
    if backend in ("rules", "combined") or backend.endswith("+rules"):
        try:
            from ..nlp.entities import RuleRecognizer
        except ImportError as exc:
            raise ModelError(f"the rules backend needs quellenlage.nlp.entities: {exc}") from exc
        out.append(RuleRecognizer())
    if backend in ("model", "combined"):
        from ..nlp.ner_model import ModelRecognizer, load_model

        load_model(model_path)
        out.append(ModelRecognizer(model_path=model_path))
    if backend.startswith("e5"):
        from .. import encoder
        from ..nlp.ner_e5 import E5Recognizer, backend_model_path, load

        model_path = model_path or backend_model_path(backend)

        encoder.load_model()
        load(model_path)
        out.append(E5Recognizer(model_path=model_path))
    return out


def run_eval(
    path: Path | str,
    backend: str = "model",
    split: str = "all",
    limit: int | None = None,
    model_path: str | None = None,
    errors: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    """Evaluate ``backend`` on the gold file; returns the metrics printed by the command. With
    ``errors``, every missed (``fn``) and spurious (``fp``) span is appended to it as a dict."""
    path = Path(path)
    fmt = nerdata.detect_format(path)
    sentences = nerdata.read_file(path, fmt)
    if split != "all":
        if fmt == "conll":
            raise click.UsageError(f"--split {split} applies to GermEval TSV and SmartData JSONL only")
        keep = nerdata.is_heldout if split == "heldout" else nerdata.is_dev
        sentences = [s for s in sentences if keep(s, fmt)]
    if limit is not None and fmt != "smartdata":
        sentences = sentences[:limit]
    articles = _articles(sentences, fmt)
    if limit is not None and fmt == "smartdata":
        articles = articles[:limit]

    load_started = time.perf_counter()
    from ..nlp.entities import merge_recognized

    recognizers = _recognizers(backend, model_path)
    load_seconds = time.perf_counter() - load_started

    score = nerdata.SpanScore.empty()
    n_tokens = n_sentences = 0
    elapsed = 0.0
    for i, article in enumerate(articles):
        text, sents, gold = build_article(f"eval-{i}", article)
        started = time.perf_counter()
        outputs: list[list[Mention]] = [r.recognize(text, sents) for r in recognizers]
        mentions = merge_recognized([r.name for r in recognizers], outputs)
        elapsed += time.perf_counter() - started
        predicted = {(m.span.start, m.span.end, m.type.value) for m in mentions}
        score.add(gold, predicted)
        if errors is not None:
            errors.extend(span_errors(text, gold, predicted))
        n_tokens += sum(len(s.tokens) for s in sents)
        n_sentences += len(sents)
    return {
        "eval": "ner",
        "data": path.name,
        "format": fmt,
        "split": split,
        "backend": backend,
        "articles": len(articles),
        "sentences": n_sentences,
        "tokens": n_tokens,
        **score.micro(),
        "per_type": score.per_type(),
        "tokens_per_s": round(n_tokens / elapsed) if elapsed else None,
        "load_seconds": round(load_seconds, 3),
    }


def span_errors(
    text: str, gold: set[tuple[int, int, str]], predicted: set[tuple[int, int, str]]
) -> list[dict[str, object]]:
    """Missed and spurious spans of one article, each with its surface and the line it is in."""
    out: list[dict[str, object]] = []
    for kind, spans in (("fn", gold - predicted), ("fp", predicted - gold)):
        for start, end, label in sorted(spans):
            line_start = text.rfind("\n", 0, start) + 1
            line_end = text.find("\n", end)
            out.append(
                {
                    "kind": kind,
                    "label": label,
                    "text": text[start:end],
                    "sentence": text[line_start : line_end if line_end >= 0 else len(text)],
                }
            )
    return out


@click.command()
@click.option(
    "--data", "data", required=True, type=click.Path(exists=True, dir_okay=False), help="Gold file."
)
@click.option(
    "--backend",
    type=click.Choice(list(BACKENDS)),
    default=DEFAULT_BACKEND,
    show_default=True,
    help="e5 = the fine-tuned e5 tagger, e5+rules = it merged with the rules, e5s/e5s+rules = the same "
    "with the small 6-layer model (faster); model/combined = the "
    "spaCy CNN alone / with the rules; rules = the rule recogniser. See README for the figures.",
)
@click.option(
    "--split",
    type=click.Choice(["all", "heldout", "dev"]),
    default="all",
    show_default=True,
    help="heldout: the GermEval/SmartData part training never sees; dev: the model-selection part.",
)
@click.option("--limit", type=int, default=None, help="First N sentences (SmartData: documents).")
@click.option("--model", "model_path", type=click.Path(file_okay=False), default=None, help="Model dir.")
@errors_option("every missed (fn) and spurious (fp) span with its sentence")
def ner(
    data: str, backend: str, split: str, limit: int | None, model_path: str | None, errors_path: Path | None
) -> None:
    """Exact-span micro-F1 over PER/LOC/ORG; prints one JSON line."""
    errors: list[dict[str, object]] = []
    result = run_eval(data, backend, split, limit, model_path, errors if errors_path else None)
    if errors_path is not None:
        write_json_lines(errors_path, errors)
        result["errors_file"] = str(errors_path)
    click.echo(json.dumps(result, ensure_ascii=False))
