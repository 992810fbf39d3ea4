"""Renderers for a briefing: JSON (the contract in ``schema/briefing.schema.json``), Markdown with
``[A3]`` references (article A, sentence 3) and a list of the cited passages, and standalone HTML
(jinja2 with autoescape, no external resources) that highlights every cited span in its article.

:func:`render` is the entry point; :func:`to_dict` gives the JSON value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from typing import Any

from .briefing import UNKNOWN_OUTLET, Briefing, build_briefing
from .compare import same_statement
from .errors import ConfigError
from .models import Claim, DateMention, EntityType, NumberMention, Span
from .story import StoryAnalysis

FORMATS = ("json", "md", "html")
SNIPPET_CHARS = 240


def render(briefing_or_analysis: Briefing | StoryAnalysis, fmt: str = "json") -> str:
    """Render a briefing (or an analysis, whose briefing is built first) as ``json``, ``md`` or ``html``."""
    briefing = (
        briefing_or_analysis
        if isinstance(briefing_or_analysis, Briefing)
        else build_briefing(briefing_or_analysis)
    )
    if fmt == "json":
        return json.dumps(to_dict(briefing), ensure_ascii=False, indent=2)
    if fmt == "md":
        return to_markdown(briefing)
    if fmt == "html":
        return to_html(briefing)
    raise ConfigError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")


class _Texts:
    def __init__(self, analysis: StoryAnalysis) -> None:
        self.analysis = analysis
        self.texts = {a.id: a.text for a in analysis.story.articles}
        self.readings = {r.article.id: r for r in analysis.story.readings}

    def span(self, span: Span) -> dict[str, Any]:
        return {
            "article_id": span.article_id,
            "start": span.start,
            "end": span.end,
            "text": self.texts[span.article_id][span.start : span.end],
        }

    def spans(self, spans: Iterable[Span]) -> list[dict[str, Any]]:
        return [self.span(s) for s in spans]

    def ref(self, span: Span) -> str:
        """``A3``: the article's label and the 1-based number of the sentence the span starts in."""
        sentence = self.readings[span.article_id].sentence_at(span.start)
        number = sentence.index + 1 if sentence else 0
        return f"{self.analysis.label(span.article_id)}{number}"


def _date(mention: DateMention, texts: _Texts) -> dict[str, Any]:
    return {
        "raw": mention.raw,
        "kind": mention.kind,
        "value": mention.value.isoformat() if mention.value else None,
        "precision": mention.precision,
        "span": texts.span(mention.span),
    }


def _number(mention: NumberMention, texts: _Texts) -> dict[str, Any]:
    return {
        "raw": mention.raw,
        "value": mention.value,
        "unit": mention.unit,
        "kind": mention.kind,
        "span": texts.span(mention.span),
    }


def _quotes(
    analysis: StoryAnalysis, names: dict[str, str], types: dict[str, EntityType], texts: _Texts
) -> list:
    clusters: list[dict[str, Any]] = []
    for claim in analysis.story.claims:
        if not claim.is_factual:
            continue
        for quote in claim.quotes:
            if quote.kind not in ("direct", "indirect"):
                continue
            speaker_ref = quote.speaker_entity_id or claim.attributed_to
            speaker = names.get(speaker_ref, speaker_ref) if speaker_ref else None
            person = types.get(speaker_ref or "") is EntityType.PER
            home = next(
                (
                    c
                    for c in clusters
                    if same_statement(c["text"], quote.text)
                    and (not person or not c["person"] or c["speaker"] == speaker)
                ),
                None,
            )
            if home is None:
                home = {
                    "speaker": speaker,
                    "person": person,
                    "text": quote.text,
                    "spans": [],
                    "variants": [],
                    "articles": [],
                }
                clusters.append(home)
            elif person and not home["person"]:
                home["speaker"], home["person"] = speaker, True
            home["spans"].append(texts.span(quote.span))
            if quote.text not in home["variants"]:
                home["variants"].append(quote.text)
            if claim.article_id not in home["articles"]:
                home["articles"].append(claim.article_id)
    for cluster in clusters:
        del cluster["person"]
    return clusters


def to_dict(briefing: Briefing) -> dict[str, Any]:
    """The JSON value of a briefing, as described by ``schema/briefing.schema.json``."""
    analysis = briefing.analysis
    texts = _Texts(analysis)
    names = {e.id: e.name for r in analysis.story.readings for e in r.entities}
    types = {e.id: e.type for r in analysis.story.readings for e in r.entities}
    group_of = {cid: g for g in analysis.comparison.groups for cid in g.claims}
    articles = []
    for article in analysis.story.articles:
        source = analysis.story.independence.of(article.id)
        window = analysis.window(article.id)
        origin = article.origin
        articles.append(
            {
                "id": article.id,
                "label": source.label,
                "outlet": source.outlet,
                "url": article.url,
                "title": article.title,
                "published": article.published.isoformat() if article.published else None,
                "published_inferred": (
                    {
                        "start": window.start.isoformat(),
                        "end": window.end.isoformat(),
                        "basis": window.basis,
                        "spans": texts.spans(window.spans),
                    }
                    if window
                    else None
                ),
                "origin": (
                    {
                        "kind": origin.kind.value,
                        "outlet": origin.outlet,
                        "date": origin.date.isoformat() if origin.date else None,
                        "raw": origin.raw,
                        "note": source.origin_note,
                    }
                    if origin
                    else None
                ),
                "independent_source": source.group,
                "language": article.language,
                "flags": sorted({s.kind for s in analysis.signals if s.target == article.id}),
            }
        )

    def claim_dict(claim: Claim) -> dict[str, Any]:
        group = group_of.get(claim.id)
        return {
            "id": claim.id,
            "article_id": claim.article_id,
            "text": claim.text,
            "status": group.status if group else "not_factual",
            "group": group.id if group else None,
            "section_role": claim.section_role.value,
            "is_factual": claim.is_factual,
            "articles": list(group.articles) if group else [claim.article_id],
            "spans": [texts.span(claim.span)],
            "entities": [names.get(e, e) for e in claim.entities],
            "dates": [_date(d, texts) for d in claim.dates],
            "numbers": [_number(n, texts) for n in claim.numbers],
            "attributed_to": names.get(claim.attributed_to, claim.attributed_to)
            if claim.attributed_to
            else None,
            "hedges": list(claim.hedges),
            "checkworthy": claim.checkworthy,
        }

    return {
        "story": {"title": analysis.title, "language": analysis.language, "articles": articles},
        "entities": [
            {
                "id": e.id,
                "name": e.name,
                "type": e.type.value,
                "aliases": list(e.aliases),
                "articles": list(e.articles),
                "descriptions": [{"text": d.text, "spans": texts.spans(d.spans)} for d in e.descriptions],
            }
            for e in analysis.entities
        ],
        "claims": [claim_dict(c) for c in analysis.story.claims],
        "groups": [
            {
                "id": g.id,
                "status": g.status,
                "claims": list(g.claims),
                "articles": list(g.articles),
                "sources": g.sources,
                "attributed_to": names.get(g.attributed_to, g.attributed_to) if g.attributed_to else None,
            }
            for g in analysis.comparison.groups
        ],
        "quotes": _quotes(analysis, names, types, texts),
        "conflicts": [
            {
                "kind": c.kind,
                "claims": list(c.claims),
                "explanation": c.explanation,
                "spans": texts.spans(c.spans),
            }
            for c in analysis.comparison.conflicts
        ],
        "timeline": [
            {
                "date": e.date.isoformat(),
                "precision": e.precision,
                "text": e.text,
                "claims": list(e.claims),
                "inferred": e.inferred,
                "spans": texts.spans(e.spans),
            }
            for e in analysis.timeline
        ],
        "signals": [
            {
                "kind": s.kind,
                "severity": s.severity,
                "explanation": s.explanation,
                "level": s.level,
                "target": s.target,
                "spans": texts.spans(s.spans),
                "data": dict(s.data),
            }
            for s in analysis.signals
        ],
        "briefing": {
            "title": briefing.title,
            "language": briefing.language,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "sentences": [
                        {"text": b.text, "spans": texts.spans(b.spans), "claims": list(b.claims)}
                        for b in s.sentences
                    ],
                }
                for s in briefing.sections
            ],
        },
    }


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 2].rsplit(" ", 1)[0] + " …"


def to_markdown(briefing: Briefing) -> str:
    """Markdown with ``[A3]`` references after each sentence and the cited passages at the end."""
    texts = _Texts(briefing.analysis)
    cited: dict[str, Span] = {}
    lines = [f"# {briefing.title}", ""]
    for section in briefing.sections:
        lines += [f"## {section.title}", ""]
        bullet = (
            "- "
            if section.key in ("corroborated", "single_source", "conflicts", "timeline", "sources", "infobox")
            else ""
        )
        for sentence in section.sentences:
            refs = []
            for span in sentence.spans:
                ref = texts.ref(span)
                cited.setdefault(ref, span)
                if ref not in refs:
                    refs.append(ref)
            lines.append(f"{bullet}{sentence.text} " + "".join(f"[{r}]" for r in refs))
        lines.append("")
    lines += ["## Quellen", ""]
    analysis = briefing.analysis
    for article in analysis.story.articles:
        source = analysis.story.independence.of(article.id)
        parts = [f"**{source.label}**: {article.outlet or UNKNOWN_OUTLET}"]
        if article.url:
            parts.append(f"<{article.url}>")
        parts.append(f"veröffentlicht {article.published:%d.%m.%Y}" if article.published else "ohne Datum")
        if source.origin_note:
            parts.append(source.origin_note)
        lines.append("- " + " · ".join(parts))
    lines += ["", "## Belegstellen", ""]
    for ref, span in sorted(cited.items(), key=lambda item: (item[1].article_id, item[1].start)):
        reading = texts.readings[span.article_id]
        found = reading.sentence_at(span.start)
        passage = (
            texts.texts[span.article_id][found.span.start : found.span.end]
            if found
            else (texts.texts[span.article_id][span.start : span.end])
        )
        lines.append(f"- [{ref}] {_snippet(passage)}")
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _template():  # type: ignore[no-untyped-def]
    from jinja2 import Environment, select_autoescape

    source = resources.files("quellenlage").joinpath("templates/briefing.html.j2").read_text(encoding="utf-8")
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(source)


def _segments(text: str, spans: list[Span], label: str) -> list[dict[str, Any]]:
    """The article text cut at every span boundary; covered pieces are marked, span starts anchored."""
    points = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    anchors: dict[int, list[str]] = {}
    for span in spans:
        anchor = f"{label}-{span.start}-{span.end}"
        if anchor not in anchors.setdefault(span.start, []):
            anchors[span.start].append(anchor)
    out = []
    for a, b in pairwise(points):
        covered = any(s.start <= a and b <= s.end for s in spans)
        out.append({"text": text[a:b], "mark": covered, "anchors": anchors.get(a, [])})
    return out


def to_html(briefing: Briefing) -> str:
    """A standalone HTML page; all article text goes through jinja2's autoescape."""
    analysis = briefing.analysis
    texts = _Texts(analysis)
    used: dict[str, list[Span]] = {}
    sections = []
    for section in briefing.sections:
        sentences = []
        for sentence in section.sentences:
            refs = []
            for span in sentence.spans:
                used.setdefault(span.article_id, []).append(span)
                refs.append(
                    {
                        "label": texts.ref(span),
                        "href": f"#{analysis.label(span.article_id)}-{span.start}-{span.end}",
                    }
                )
            sentences.append({"text": sentence.text, "refs": refs})
        sections.append({"title": section.title, "key": section.key, "sentences": sentences})
    articles = []
    for article in analysis.story.articles:
        source = analysis.story.independence.of(article.id)
        articles.append(
            {
                "label": source.label,
                "outlet": article.outlet or UNKNOWN_OUTLET,
                "url": article.url,
                "origin": source.origin_note,
                "published": f"{article.published:%d.%m.%Y}" if article.published else None,
                "segments": _segments(article.text, used.get(article.id, []), source.label),
            }
        )
    return _template().render(
        title=briefing.title, lang=briefing.language, sections=sections, articles=articles
    )
