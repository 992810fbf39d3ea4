"""The trained German NER model that ships with the package, as an entity recogniser.

:class:`ModelRecognizer` runs the spaCy pipeline in ``quellenlage/models/ner`` (``tok2vec`` + ``ner``,
trained from scratch by ``quellenlage train ner``; see its ``MODEL_CARD.md``) on the reading's
sentences. It never re-tokenises a sentence that already has tokens: a spaCy ``Doc`` is built from
the token texts and the gaps between their offsets, so every entity maps back to exact character
offsets in the article text.

:func:`combine` merges rule and model mentions (rules below):

1. Model mentions are the backbone for PER/LOC/ORG spans in running text.
2. A ``gazetteer`` mention, or a rule ORG mention (company suffix, ministry head, acronym), wins over
   any model mention it overlaps: those patterns are precise and the model confuses ORG/LOC on them.
3. A rule mention that strictly contains an overlapping model mention of the same type wins
   (role-triggered full names: the rules see "Präsident Emmanuel Macron" as one name).
4. Rule mentions that overlap no model mention are kept (names the model missed); model-only
   mentions are kept, MISC included. The result does not overlap and is sorted by offset.

The model is loaded once per process, lazily, on first use (:func:`load_model`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from ..errors import ModelError
from ..models import EntityType, Mention, Sentence, Span

MODEL_DIR = Path(__file__).resolve().parent.parent / "models" / "ner"
_TYPES = {t.value: t for t in EntityType}


@lru_cache(maxsize=4)
def load_model(path: str | None = None):  # type: ignore[no-untyped-def]
    """The spaCy pipeline at ``path`` (default: the shipped model), loaded once per process."""
    import spacy

    model_dir = Path(path) if path else MODEL_DIR
    if not (model_dir / "meta.json").is_file():
        raise ModelError(
            f"the NER model is missing at {model_dir}; reinstall quellenlage or train one with "
            "`quellenlage train ner --out DIR`"
        )
    return spacy.load(model_dir)


def _ranges(text: str, sentences: Sequence[Sentence]) -> list[tuple[int, int, tuple]]:  # type: ignore[type-arg]
    """``(start, end, tokens)`` per sentence; one line per range when no sentences are given."""
    if sentences:
        return [(s.span.start, s.span.end, s.tokens) for s in sentences]
    out, offset = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((offset, offset + len(line), ()))
        offset += len(line) + 1
    return out


class ModelRecognizer:
    """The shipped spaCy NER model behind the reading layer's recogniser interface."""

    name = "model"

    def __init__(self, article_id: str = "", model_path: str | None = None, batch_size: int = 64) -> None:
        self.article_id = article_id
        self.model_path = model_path
        self.batch_size = batch_size

    def recognize(self, text: str, sentences: Sequence[Sentence]) -> list[Mention]:
        from spacy.tokens import Doc

        nlp = load_model(self.model_path)
        article_id = sentences[0].span.article_id if sentences else self.article_id
        docs: list[Doc] = []
        starts: list[list[int]] = []  # absolute start offset of every token of every doc
        for start, end, tokens in _ranges(text, sentences):
            if tokens:
                words = [t.text for t in tokens]
                spaces = [a.end < b.start for a, b in pairwise(tokens)] + [False]
                docs.append(Doc(nlp.vocab, words=words, spaces=spaces))
                starts.append([t.start for t in tokens])
            else:
                doc = nlp.make_doc(text[start:end])
                docs.append(doc)
                starts.append([start + t.idx for t in doc])
        mentions: list[Mention] = []
        for doc, offsets in zip(self._run(nlp, docs), starts, strict=True):
            for ent in doc.ents:
                label = _TYPES.get(ent.label_)
                if label is None:
                    continue
                a = offsets[ent.start]
                last = doc[ent.end - 1]
                b = offsets[ent.end - 1] + len(last.text)
                mentions.append(Mention(Span(article_id, a, b), text[a:b], label, "model"))
        return mentions

    def _run(self, nlp, docs: list) -> Iterable:  # type: ignore[no-untyped-def,type-arg]
        for _, proc in nlp.pipeline:
            docs = list(proc.pipe(docs, batch_size=self.batch_size))
        return docs


def _overlaps(a: Mention, b: Mention) -> bool:
    return a.span.start < b.span.end and b.span.start < a.span.end


def _rule_wins(rule: Mention, model: Mention) -> bool:
    if rule.source == "gazetteer" or rule.type is EntityType.ORG:
        return True
    contains = rule.span.start <= model.span.start and model.span.end <= rule.span.end
    longer = (rule.span.end - rule.span.start) > (model.span.end - model.span.start)
    return rule.type is model.type and contains and longer


def combine(rule_mentions: Sequence[Mention], model_mentions: Sequence[Mention]) -> list[Mention]:
    """Merge rule and model mentions into one non-overlapping list (rules in the module docstring)."""
    chosen: list[Mention] = []
    beaten: set[int] = set()  # indices of model mentions replaced by a rule mention
    for rule in rule_mentions:
        rivals = [i for i, m in enumerate(model_mentions) if _overlaps(rule, m)]
        if not rivals:
            chosen.append(rule)
        elif all(_rule_wins(rule, model_mentions[i]) for i in rivals):
            chosen.append(rule)
            beaten.update(rivals)
    for i, model in enumerate(model_mentions):
        if i not in beaten and not any(_overlaps(model, c) for c in chosen):
            chosen.append(model)
    return sorted(chosen, key=lambda m: (m.span.start, m.span.end))
