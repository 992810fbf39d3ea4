"""Content signals: what the text of one article shows about how it was made.

Each detector is a small pure function of a :class:`Reading` (or :class:`Article`) returning a tuple of
:class:`Signal` with evidence spans; at most one signal per kind and article, carrying every span.
Rules that apply everywhere:

- words inside quotation marks are reported speech, not the outlet's language;
- labelled commentary (``SectionRole.OPINION``) is labelled, not punished: style rules skip it;
- cue lists live in ``data/signals/content_de.json`` and ``loaded_language_de.tsv``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence

import simplemma
from spacy.lang.de.stop_words import STOP_WORDS

from quellenlage.errors import ModelError
from quellenlage.models import Article, Reading, SectionRole, Signal, Span

from .common import (
    REPORT_LIKE,
    Word,
    examples,
    excerpt,
    inside,
    lemma,
    lexicon_hits,
    merge,
    patterns,
    quoted_regions,
    regex_hits,
    spans,
    units,
    word_set,
    words,
)

# Severity escalates when a cue recurs: one anonymous source or one loaded word can be style, three
# are a pattern. Chosen by reading the seeds and FANG-COVID samples; re-run tests/test_signals.py.
RECURRING = 3
# A subjectivity hook scores a batch of sentences (P(subjective) each, same order); the trained model's
# is :func:`quellenlage.subjectivity.subjectivity_score`, chosen by the ``subjectivity`` setting.
Subjectivity = Callable[[Sequence[str]], Iterable[float]]
# Subjectivity model hook: sentences scoring at least this are flagged. 0.7 keeps precision high for a
# reader-facing claim; recalibrate with `quellenlage eval subjectivity` when the model changes.
# Through this signal (real reading layer, CheckThat! 2025 German dev, 491 sentences, 373 candidates)
# it flags 89 sentences at SUBJ precision 0.76, recall 0.39 (model of commit b02dc14).
SUBJECTIVITY_THRESHOLD = 0.7
# Rule fallback: a sentence is subjective with one evaluative word, or two stance adverbs. Calibrated on
# CheckThat! 2025 German train+dev (1,291 sentences, 37.3 % SUBJ), unattributed sentences only:
# >=1 evaluative word: 12 hits, all SUBJ; one stance adverb alone: 28 hits, 54 % SUBJ (too weak);
# first person alone: 125 hits, 62 % SUBJ (too weak; on FANG-COVID it flagged interview answers).
# "natürlich"/"endlich" are conversational fillers and not counted as stance. Checked by
# tests/test_signals.py::test_subjectivity_rule_is_precise_on_checkthat.
RULE_MIN_EVALUATIVE = 1
RULE_MIN_STANCE = 2
# Exclamation marks outside quotes: at least this many, and at least one per this many sentences.
EXCLAMATION_MIN = 3
EXCLAMATION_SENTENCES_PER_MARK = 5
# All-caps words needed for the shouting signal. A word counts when it is a known German word set in
# capitals (LÜGE, SKANDAL); unknown ones are acronyms (DEHOGA, LGBTIQ). FANG-COVID check: the first
# version counted every 5+ letter word and fired on 7 % of zeit.de/tagesspiegel.de articles
# ("ZEIT ONLINE", association names).
CAPS_MIN = 2
CAPS_MIN_KNOWN = 4  # the dictionary knows many 3-letter acronyms (TUI, NRW, BER); those need shout_words
# Headline–body mismatch: at least this many title nouns absent from the body, and this share of all
# title nouns. Low severity: headlines legitimately paraphrase. FANG-COVID check: with all content
# words (verbs too) and share 0.5 it fired on 13 % of real-labelled articles; re-check after changes.
HEADLINE_MIN_TERMS = 2
HEADLINE_MISSING_SHARE = 0.6
HEADLINE_PREFIX = 5

_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}
_CAPS_WORD = re.compile(r"\b[A-ZÄÖÜ]{2,}(?:-[A-ZÄÖÜ]{2,})*\b")


def _signal(
    kind: str,
    severity: str,
    explanation: str,
    reading: Reading,
    found: Sequence[Span],
    data: tuple[tuple[str, str], ...] = (),
) -> Signal:
    return Signal(kind, severity, explanation, tuple(found), "article", reading.article.id, data)


def _escalate(base: str, count: int) -> str:
    if count >= RECURRING and _SEVERITY_RANK[base] < _SEVERITY_RANK["medium"]:
        return "medium"
    return base


def call_to_share(reading: Reading) -> tuple[Signal, ...]:
    """Appeals to spread the text ("Teile die Wahrheit!"), anywhere except inside quotations."""
    found = spans(reading, regex_hits(reading, patterns("call_to_share"), roles=None))
    if not found:
        return ()
    text = f"Der Text fordert zum Weiterverbreiten auf ({examples(reading, found)}), was in Nachrichtentexten unüblich ist."
    return (_signal("call_to_share", "medium", text, reading, found, (("count", str(len(found))),)),)


def inserted_teasers(reading: Reading) -> tuple[Signal, ...]:
    """Teasers for other pieces inserted into the running text (sections with role TEASER)."""
    teasers = [s for s in reading.sections if s.role is SectionRole.TEASER]
    if not teasers:
        return ()
    found = tuple(s.span for s in teasers)
    example = examples(reading, found, 1)
    if len(found) == 1:
        text = f"In den Text ist ein Anriss eines anderen Beitrags eingefügt, der nicht zum Bericht gehört ({example})."
    else:
        text = (
            f"In den Text sind {len(found)} Anrisse anderer Beiträge eingefügt, die nicht zum Bericht "
            f"gehören, etwa {example}."
        )
    return (_signal("inserted_teaser", "medium", text, reading, found, (("count", str(len(found))),)),)


def cross_promotion(reading: Reading) -> tuple[Signal, ...]:
    """Cross-links, newsletter and donation appeals ("Lesen Sie auch", "Unterstützen Sie uns")."""
    teaser_ranges = [(s.span.start, s.span.end) for s in reading.sections if s.role is SectionRole.TEASER]
    hits = [
        h
        for h in regex_hits(reading, patterns("cross_promotion"), roles=None)
        if not inside(h[0], h[1], teaser_ranges)
    ]  # already reported as inserted teaser
    found = spans(reading, hits)
    if not found:
        return ()
    text = f"Der Text enthält Eigenwerbung, Querverweise oder Spendenaufrufe ({examples(reading, found)})."
    return (_signal("cross_promotion", "low", text, reading, found, (("count", str(len(found))),)),)


def loaded_language(reading: Reading) -> tuple[Signal, ...]:
    """Loaded and sensational words in the outlet's own report text (lexicon, lemma-based)."""
    hits = lexicon_hits(reading)
    if not hits:
        return ()
    found = spans(reading, [(a, b) for a, b, _ in hits])
    severity = max((e.severity for _, _, e in hits), key=_SEVERITY_RANK.__getitem__)
    severity = _escalate(severity, len(found))
    text = f"Der Text verwendet in eigener Sache wertende oder reißerische Begriffe, etwa {examples(reading, found)}."
    terms = sorted({e.surface for _, _, e in hits})
    return (
        _signal(
            "loaded_language",
            severity,
            text,
            reading,
            found,
            (("count", str(len(found))), ("terms", ", ".join(terms)), ("ptc_technique", "Loaded_Language")),
        ),
    )


def _attributed(reading: Reading, start: int, end: int, ws_lemmas: set[str]) -> bool:
    if ws_lemmas & word_set("reporting_lemmas"):
        return True
    return any(q.span.start < end and start < q.span.end for q in reading.quotes)


def _rule_subjective(ws: Sequence[Word]) -> bool:
    """The rule fallback: evaluative words or stance adverbs among the sentence's own words."""
    evaluative = sum(w.lemma in word_set("evaluative") for w in ws)
    stance = sum(
        w.lemma in word_set("stance_adverbs") or w.text.lower() in word_set("stance_adverbs") for w in ws
    )
    return evaluative >= RULE_MIN_EVALUATIVE or stance >= RULE_MIN_STANCE


def subjectivity_candidates(reading: Reading) -> list[tuple[int, int, list[Word]]]:
    """The sentences :func:`subjective_report` judges: REPORT units, not headings, unattributed, with
    words of their own (a sentence that is all quotation is reported speech).

    Each is ``(start, end, words outside quotations)``; the model hook sees exactly these sentences.
    """
    text = reading.article.text
    regions = quoted_regions(reading)
    out = []
    for unit in units(reading):
        if unit.role is not SectionRole.REPORT or unit.heading:  # headings are not sentences of report
            continue
        ws = [w for w in words(text, unit.start, unit.end) if not inside(w.start, w.end, regions)]
        if ws and not _attributed(reading, unit.start, unit.end, {w.lemma for w in ws}):
            out.append((unit.start, unit.end, ws))
    return out


def subjective_report(reading: Reading, subjectivity: Subjectivity | None = None) -> tuple[Signal, ...]:
    """Evaluative sentences presented as report (REPORT sections only, unattributed, outside quotes).

    ``subjectivity`` maps a batch of sentences to P(subjective) each; it is called once per reading
    with every candidate sentence (none: not called), and a sentence is flagged at
    ``SUBJECTIVITY_THRESHOLD``. Without it a rule counts evaluative words and stance adverbs.
    First-person pronouns are not counted: in news they mostly mark interviews.
    """
    text = reading.article.text
    candidates = subjectivity_candidates(reading)
    if subjectivity is not None and candidates:
        scores = [float(p) for p in subjectivity([text[a:b] for a, b, _ in candidates])]
        if len(scores) != len(candidates):
            raise ModelError(
                f"the subjectivity model returned {len(scores)} scores for {len(candidates)} sentences; "
                "a subjectivity hook must return one P(subjective) per sentence, in order"
            )
        flags = [p >= SUBJECTIVITY_THRESHOLD for p in scores]
    else:
        flags = [_rule_subjective(ws) for _, _, ws in candidates]
    hits = [(a, b) for (a, b, _), flagged in zip(candidates, flags, strict=True) if flagged]
    if not hits:
        return ()
    found = spans(reading, hits)
    n = len(found)
    count = "enthält ein Satz" if n == 1 else f"enthalten {n} Sätze"
    explanation = f"Im Berichtsteil {count} Wertungen ohne Zuschreibung an eine Quelle, etwa {examples(reading, found, 1)}."
    method = "model" if subjectivity is not None else "rules"
    return (
        _signal(
            "subjective_report",
            _escalate("low", n),
            explanation,
            reading,
            found,
            (("count", str(n)), ("method", method)),
        ),
    )


def anonymous_sources(reading: Reading) -> tuple[Signal, ...]:
    """Claims resting on unnamed sources ("Experten warnen", "wie aus informierten Kreisen verlautete")."""
    found = spans(reading, regex_hits(reading, patterns("anonymous_source"), roles=REPORT_LIKE))
    if not found:
        return ()
    text = f"Der Text beruft sich auf nicht näher bezeichnete Quellen ({examples(reading, found)})."
    return (
        _signal(
            "anonymous_source",
            _escalate("low", len(found)),
            text,
            reading,
            found,
            (("count", str(len(found))),),
        ),
    )


def missing_metadata(article: Article) -> tuple[Signal, ...]:
    """No author (and no news agency named as origin) and no known publication date."""
    out = []
    agency = any(o.kind == "agency" for o in article.origins)
    if not article.author and not agency:
        out.append(
            Signal(
                "missing_author",
                "low",
                "Der Artikel nennt weder eine Autorin noch einen Autor.",
                (),
                "article",
                article.id,
                (("field", "author"), ("value", "")),
            )
        )
    if article.published is None:
        out.append(
            Signal(
                "missing_date",
                "low",
                "Für den Artikel ist kein Veröffentlichungsdatum bekannt.",
                (),
                "article",
                article.id,
                (("field", "published"), ("value", "")),
            )
        )
    return tuple(out)


def _mentioned(term: str, body_lower: str, body_lemmas: str) -> bool:
    """A title noun is mentioned when its surface, its lemma or its first part recurs in the body.

    The prefix check (first ``HEADLINE_PREFIX`` letters) lets compounds and inflections count
    ("Autohandels" ~ "Autohändler"); headlines paraphrase, so the check errs towards "mentioned".
    """
    low = term.lower()
    return low in body_lower or lemma(term) in body_lemmas or low[:HEADLINE_PREFIX] in body_lower


def headline_mismatch(reading: Reading) -> tuple[Signal, ...]:
    """Nouns of the title that the body never mentions (only when a title exists)."""
    article = reading.article
    if not article.title:
        return ()
    text = article.text
    at = text.find(article.title)
    body = text[:at] + text[at + len(article.title) :] if at >= 0 else text
    body_lower = body.lower()
    body_lemmas = " ".join(w.lemma for w in words(body))
    nouns = [
        w.text
        for w in words(article.title)
        if len(w.text) >= 4 and w.text[0].isupper() and w.text.lower() not in STOP_WORDS
    ]
    missing = [n for n in nouns if not _mentioned(n, body_lower, body_lemmas)]
    if len(missing) < HEADLINE_MIN_TERMS or len(missing) / max(1, len(nouns)) < HEADLINE_MISSING_SHARE:
        return ()
    found = (Span(article.id, at, at + len(article.title)),) if at >= 0 else ()
    named = " und ".join(excerpt(m) for m in missing[:2])
    text_de = f"Begriffe aus der Überschrift wie {named} kommen im Text selbst nicht vor."
    data = (("title", article.title), ("missing_terms", ", ".join(missing)))
    return (_signal("headline_mismatch", "low", text_de, reading, found, data),)


def exclamations(reading: Reading) -> tuple[Signal, ...]:
    """Many exclamation marks outside quotations and outside labelled commentary."""
    text = reading.article.text
    regions = quoted_regions(reading)
    marks, n_sentences = [], 0
    for unit in units(reading):
        if unit.role is SectionRole.OPINION:
            continue
        n_sentences += 1
        marks += [
            (i, i + 1)
            for i in range(unit.start, unit.end)
            if text[i] == "!" and not inside(i, i + 1, regions)
        ]
    if len(marks) < EXCLAMATION_MIN or len(marks) * EXCLAMATION_SENTENCES_PER_MARK < n_sentences:
        return ()
    found = spans(reading, marks)
    explanation = f"Der Text setzt außerhalb von Zitaten auffällig viele Ausrufezeichen ({len(marks)} bei {n_sentences} Sätzen)."
    return (
        _signal(
            "exclamations",
            "low",
            explanation,
            reading,
            found,
            (("count", str(len(marks))), ("sentences", str(n_sentences))),
        ),
    )


def all_caps(reading: Reading) -> tuple[Signal, ...]:
    """Words set in capitals for emphasis; acronyms (NATO, EU, USA, listed or short) do not count."""
    text = reading.article.text
    regions = quoted_regions(reading)
    acronyms, shout = word_set("acronyms"), word_set("shout_words")
    hits = []
    for unit in units(reading):
        if unit.role is SectionRole.OPINION:
            continue
        for m in _CAPS_WORD.finditer(text, unit.start, unit.end):
            parts = m.group().split("-")
            if inside(m.start(), m.end(), regions) or any(p.lower() in acronyms for p in parts):
                continue
            if m.group().lower() in shout or all(len(p) >= CAPS_MIN_KNOWN and _known_word(p) for p in parts):
                hits.append((m.start(), m.end()))
    if len(hits) < CAPS_MIN:
        return ()
    found = spans(reading, hits)
    explanation = (
        f"Der Text hebt Wörter durch Großbuchstaben hervor ({examples(reading, found)}), "
        f"ein in Nachrichtentexten unübliches Stilmittel."
    )
    return (_signal("all_caps", "low", explanation, reading, found, (("count", str(len(found))),)),)


def _known_word(word: str) -> bool:
    return len(word) >= 3 and any(simplemma.is_known(w, lang="de") for w in (word.lower(), word.capitalize()))


def newness_spans(reading: Reading) -> tuple[Span, ...]:
    """Words that present events as new ("jüngst", "aktuell", "neu"), outside quotations."""
    pats = [re.compile(rf"\b{w}\b", re.IGNORECASE) for w in sorted(word_set("newness"))]
    return spans(reading, regex_hits(reading, pats, roles=REPORT_LIKE | {SectionRole.HEADER}))


def stale_signal(
    article: Article, gap_days: int, evidence: Sequence[Span], newness_spans: Sequence[Span]
) -> Signal:
    """Stale news presented as new: the events lie ``gap_days`` before publication, the wording says new.

    Called by the comparison stage, which measures the gap against the story's timeline; ``evidence``
    points at the dated event mentions, ``newness_spans`` at words like "jüngst".
    """
    if gap_days < 0:
        raise ValueError(
            f"gap_days must be >= 0, got {gap_days}; pass the days between event and publication"
        )
    # A week is the usual news cycle; a month or more is old news told as new.
    severity = "high" if gap_days >= 90 else "medium" if gap_days >= 21 else "low"
    words_used = []
    for span in newness_spans:
        word = excerpt(span.text(article.text))
        if word not in words_used:
            words_used.append(word)
    wording = f" mit Wörtern wie {' und '.join(words_used[:2])}" if words_used else ""
    when = f" am {article.published:%d.%m.%Y}" if isinstance(article.published, dt.date) else ""
    explanation = (
        f"Der Text stellt{wording} als neu dar, was rund {gap_days} Tage vor der "
        f"Veröffentlichung{when} geschah."
    )
    all_spans = tuple(merge_spans(list(evidence) + list(newness_spans)))
    data = (("gap_days", str(gap_days)), ("published", str(article.published or "")))
    return Signal("stale", severity, explanation, all_spans, "article", article.id, data)


def merge_spans(found: Sequence[Span]) -> list[Span]:
    by_article: dict[str, list[tuple[int, int]]] = {}
    for span in found:
        by_article.setdefault(span.article_id, []).append((span.start, span.end))
    return [Span(aid, a, b) for aid, ranges in by_article.items() for a, b in merge(ranges)]
