"""Sections (with roles) and sentences of one article.

The text is read as lines. A line break followed by a lowercase continuation (or after a hard-wrapped
line of 55–100 characters that stops mid-sentence) is a wrapped line and joined; everything else
separates units. A unit is

- a *bullet* (``a)``, ``1.``, ``–``, ``-``, ``•`` …) or an item of a run of three or more short
  unpunctuated lines: never joined with its neighbours, split into sentences like a paragraph,
- a *heading*: a short line without final punctuation (or a short ``Wer/Was …?`` question) that is
  followed by more text; it is its own sentence with ``is_heading=True``,
- a *paragraph*: split into sentences on the tokens.

Section roles come from ``data/nlp/section_roles.tsv``: heading patterns open a section with a
role (sub-headings keep the current role); line patterns (teaser lines, ``Quellen:``, disclaimers)
make a section of their own after which the previous role resumes; a ``Wer ist …?`` box heading
sets the role of its own section only. A parenthesised or bracketed insertion that is the headline
of another piece (``(Böse Propaganda: Selenskyj behauptet, …)``, ``[Lesen Sie auch: …]``) becomes
a TEASER section covering exactly the insertion; credits like ``(Titelbild: …)`` do not.

Sentence ends are ``.``, ``!``, ``?``, ``…`` followed by a token that does not start lowercase;
abbreviations and ordinals (``z.B.``, ``am 8. Januar``) are single tokens and do not end sentences.
Quotes: a quote of at most ``QUOTE_KEEP_CHARS`` characters is never split, so a short multi-sentence
quote stays in one sentence with its attribution; longer quotes split at their internal ends.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

from ..models import Article, Section, SectionRole, Sentence, Span, Token
from .tokens import data_lines, tokenize

# A quote up to this length stays in one sentence. Chosen so that the usual two or three short
# quoted sentences in news prose stay with their "sagte X"; re-check tests/nlp/test_sections.py.
QUOTE_KEEP_CHARS = 250
# Headings: at most this many characters and words (longest heading in the seeds: 56 chars, 8 words).
HEADING_MAX_CHARS = 100
HEADING_MAX_WORDS = 14
# A line this long (typical wrap widths are 60-80) that ends in a lowercase word without punctuation was wrapped mid-sentence.
WRAP_MIN_CHARS = 55
# … and a longer line is a whole paragraph that merely lacks its final period (FANG-COVID).
WRAP_MAX_CHARS = 100
# This many short unpunctuated lines in a row are list items, not headings (recipes, enumerations
# without bullet marks in FANG-COVID); 001's "Erklärungen" + "Wer ist …?" pair stays two headings.
LIST_MIN_LINES = 3
# A parenthesised insertion needs at least this many words to be a teaser headline.
TEASER_MIN_WORDS = 6

_BULLET = re.compile(r"^(?:[a-zA-Z]\)|\d{1,2}[.)]|[–\-•*·▪►])\s+")
_TERMINAL = ".!?…"
_END_PUNCT = re.compile(r"[.!?…:;,][\"“”»«'’)\]]*$")
_SENTENCE_END = re.compile(r"[.!?…:;][\"“”»«'’)\]]*$")
_INNER_END = re.compile(r"[.!?][\"“”»«)]?\s+[A-ZÄÖÜ„(\[]")
_W_QUESTION = re.compile(
    r"^(?:Wer|Was|Wie|Warum|Weshalb|Wieso|Wann|Wo|Woher|Wohin|Welche[rsmn]?)\b.*\?[\"“”»«]?$"
)
_BRAND_LINE = re.compile(r"^[A-ZÄÖÜ0-9]{2,6}$")
_INSERTION = re.compile(r"\(([^()\n]{20,600})\)|\[([^\[\]\n]{20,600})\]")
_HEADLINE_COLON = re.compile(r"^[A-ZÄÖÜ0-9„\"][^:.!?]{0,60}:\s+\S")
_HEADLINE_COLON_CAPITAL = re.compile(r"^[A-ZÄÖÜ0-9„\"][^:.!?]{0,60}:\s+[A-ZÄÖÜ0-9„\"]")
_OPEN_QUOTES = {"„", "»", "‚"}
_CLOSE_QUOTES = {"“", "”", "«", "‘", "’", '"', "'"}


@dataclass
class _Unit:
    start: int
    end: int
    kind: str  # heading | bullet | paragraph | teaser
    role: SectionRole | None = None  # role forced by a line pattern
    opens: SectionRole | None = None  # role a heading opens
    box: bool = False  # the role holds for this heading's section only


@lru_cache(maxsize=1)
def _role_patterns() -> tuple[tuple[str, SectionRole, re.Pattern[str]], ...]:
    rows = []
    for line in data_lines("section_roles.tsv"):
        scope, role, pattern = line.split("\t")
        rows.append((scope, SectionRole(role), re.compile(pattern, re.IGNORECASE)))
    return tuple(rows)


def _match_role(text: str, scope: str) -> SectionRole | None:
    for pattern_scope, role, pattern in _role_patterns():
        if pattern_scope == scope and pattern.fullmatch(text.strip()):
            return role
    return None


def _lines(text: str) -> list[tuple[int, int, bool]]:
    """Non-empty lines as (start, end, after_blank) with wrapped lines joined."""
    out: list[tuple[int, int, bool]] = []
    pos, blank = 0, True
    for raw in text.split("\n"):
        start, end = pos, pos + len(raw)
        pos = end + 1
        stripped = raw.strip()
        if not stripped:
            blank = True
            continue
        start += len(raw) - len(raw.lstrip())
        end -= len(raw) - len(raw.rstrip())
        if out and not blank and _continues(text[out[-1][0] : out[-1][1]], stripped):
            out[-1] = (out[-1][0], end, out[-1][2])
        else:
            out.append((start, end, blank))
        blank = False
    return out


def _continues(previous: str, line: str) -> bool:
    if _BULLET.match(line) or _SENTENCE_END.search(previous) or _match_role(previous, "line"):
        return False
    if line[:1].islower():
        return True
    last_line = previous.rsplit("\n", 1)[-1]
    last_word = last_line.rsplit(None, 1)[-1]
    return (
        WRAP_MIN_CHARS <= len(last_line) <= WRAP_MAX_CHARS
        and last_word[:1].islower()
        and not _BULLET.match(previous)
    )


def _is_heading_line(line: str) -> bool:
    if len(line) > HEADING_MAX_CHARS or len(line.split()) > HEADING_MAX_WORDS or _BULLET.match(line):
        return False
    if _W_QUESTION.match(line):
        return len(line.split()) <= 10
    return not _END_PUNCT.search(line) and not _INNER_END.search(line)


def _insertions(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Teaser insertions (absolute offsets, brackets included) inside one paragraph."""
    found = []
    for match in _INSERTION.finditer(text, start, end):
        inner = (match.group(1) or match.group(2)).strip()
        before = text[start : match.start()].rstrip()
        lowered = inner.lower()
        cue = any(lowered.startswith(c) for c in data_lines("teaser_cues.txt")) or inner.startswith(
            ("→", "►")
        )
        after = text[match.end() : end].lstrip(" ")
        # a headline has several words, starts capitalised and has no final period
        words = len(inner.split())
        long_enough = words >= TEASER_MIN_WORDS and not inner.endswith(".") and not inner[:1].islower()
        # after a finished sentence: "… machen würde. (Böse Propaganda: Selenskyj behauptet, …)"
        standalone = not before or before[-1] in _TERMINAL + '“”"»«'
        # or squeezed in before the final period: "… ab (Die Handschrift des Tiefen Staats: …)."
        before_period = after[:1] in {".", "!", "?"} and (
            _HEADLINE_COLON_CAPITAL.match(inner) is not None or inner.endswith("!")
        )
        headline = long_enough and (
            (standalone and _HEADLINE_COLON.match(inner) is not None) or (bool(before) and before_period)
        )
        credit = _match_role(inner, "line") not in (None, SectionRole.TEASER)  # "(Titelbild: …)"
        if (cue or headline) and not credit:
            found.append((match.start(), match.end()))
    return found


def _units(text: str) -> list[_Unit]:
    lines = _lines(text)
    units: list[_Unit] = []
    plain = [_is_heading_line(text[s:e]) and _match_role(text[s:e], "heading") is None for s, e, _ in lines]
    for i, (start, end, _blank) in enumerate(lines):
        line = text[start:end]
        # three or more short unpunctuated lines in a row are a list ("Meerrettich", "Cayenne" …)
        in_list = any(
            all(plain[k : k + LIST_MIN_LINES])
            for k in range(max(0, i - LIST_MIN_LINES + 1), min(i + 1, len(lines) - LIST_MIN_LINES + 1))
        )
        forced = _match_role(line, "line") or (_match_role(line, "first") if i == 0 else None)
        if forced is None and _BRAND_LINE.match(line):
            forced = SectionRole.HEADER
        if forced is not None:
            units.append(_Unit(start, end, "heading" if _is_heading_line(line) else "paragraph", role=forced))
        elif _BULLET.match(line) or in_list:
            units.append(_Unit(start, end, "bullet"))
        elif _is_heading_line(line) and i + 1 < len(lines):
            box = _match_role(line, "box")
            units.append(
                _Unit(start, end, "heading", opens=box or _match_role(line, "heading"), box=bool(box))
            )
        else:
            cursor = start
            for ins_start, ins_end in _insertions(text, start, end):
                if text[cursor:ins_start].strip():
                    units.append(_Unit(cursor, ins_start, "paragraph"))
                units.append(_Unit(ins_start, ins_end, "teaser", role=SectionRole.TEASER))
                cursor = ins_end
            if text[cursor:end].strip():
                units.append(_Unit(cursor, end, "paragraph"))
    return units


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _protected(tokens: tuple[Token, ...]) -> set[int]:
    """Indices of tokens inside short quotes, where no sentence may end."""
    protected: set[int] = set()
    opened: int | None = None
    for i, tok in enumerate(tokens):
        t = tok.text
        if opened is None and (t in _OPEN_QUOTES or t in {"“", "”", '"', "«"}):
            opened = i
        elif opened is not None and (t in _CLOSE_QUOTES or t == "»" and tokens[opened].text == "«"):
            if tok.end - tokens[opened].start <= QUOTE_KEEP_CHARS:
                # the end mark right before the closing quote may still end the sentence
                last = i - 1 if tokens[i - 1].text in _TERMINAL else i
                protected.update(range(opened, last))
            opened = None
    return protected


def _split_sentences(tokens: tuple[Token, ...]) -> list[tuple[Token, ...]]:
    final_abbrevs = data_lines("sentence_final_abbreviations.txt")
    protected = _protected(tokens)
    sentences, begin = [], 0
    i = 0
    while i < len(tokens):
        t = tokens[i].text
        ends = t in _TERMINAL or t in {"?!", "!?", "..."} or (t.lower() in final_abbrevs)
        if ends and i not in protected:
            j = i + 1
            while j < len(tokens) and (
                tokens[j].text in _TERMINAL or tokens[j].text in _CLOSE_QUOTES | {")", "]"}
            ):
                j += 1
            nxt = tokens[j].text if j < len(tokens) else ""
            if (
                not nxt
                or not nxt[:1].islower()
                and not (t.lower() in final_abbrevs and not nxt[:1].isupper())
            ) and nxt not in {",", ";", ":"}:
                sentences.append(tokens[begin:j])
                begin, i = j, j
                continue
        i += 1
    if begin < len(tokens):
        sentences.append(tokens[begin:])
    return sentences


def segment(article: Article) -> tuple[tuple[Section, ...], tuple[Sentence, ...]]:
    """Sections with roles and the sentences (with tokens) of ``article``."""
    text, aid = article.text, article.id
    all_tokens = tokenize(text)
    starts = [t.start for t in all_tokens]
    sections: list[Section] = []
    sentences: list[Sentence] = []
    role = SectionRole.REPORT
    open_section: dict | None = None  # type: ignore[type-arg]

    def close() -> None:
        nonlocal open_section
        if open_section is not None:
            s = open_section
            sections.append(
                Section(len(sections), s["role"], Span(aid, s["start"], s["end"]), s["heading"], s["hspan"])
            )
        open_section = None

    for unit in _units(text):
        start, end = _strip(text, unit.start, unit.end)
        if not any(ch.isalnum() for ch in text[start:end]):
            continue  # nothing to read, e.g. the "." left behind a teaser before the final period
        if unit.role is not None:
            close()
            open_section = {"role": unit.role, "start": start, "end": end, "heading": None, "hspan": None}
        elif unit.kind == "heading":
            close()
            if not unit.box:
                role = unit.opens or role
            heading = text[start:end]
            open_section = {"role": unit.opens or role, "start": start, "end": end, "heading": heading,
                            "hspan": Span(aid, start, end)}  # fmt: skip
        elif open_section is None:
            close()
            open_section = {"role": role, "start": start, "end": end, "heading": None, "hspan": None}
        open_section["end"] = end
        lo, hi = bisect_left(starts, start), bisect_left(starts, end)
        unit_tokens = all_tokens[lo:hi]
        groups = [unit_tokens] if unit.kind == "heading" else _split_sentences(unit_tokens)
        for group in groups:
            if group:
                sentences.append(
                    Sentence(
                        index=len(sentences),
                        span=Span(aid, group[0].start, group[-1].end),
                        section=len(sections),
                        is_heading=unit.kind == "heading" and unit.role is None,
                        tokens=group,
                    )
                )
        if unit.role is not None:
            close()
    close()
    return tuple(sections), tuple(sentences)
