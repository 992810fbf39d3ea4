"""Direct and indirect speech with its speaker.

Kinds
- ``direct``: words inside quotation marks („…“, "…", »…«, «…», ‚…‘, “…”) in a sentence with
  an attribution (a reporting verb with its speaker, ``laut X``, ``X zufolge``, ``…, so X``), or in
  a Konjunktiv-I sentence that continues the reported speech of the sentence before.
- ``indirect``: the reported clause after a reporting verb (``erklärte, er habe …``,
  ``warnt, dass …``) or a continuing Konjunktiv-I sentence, when the sentence has no marks.
- ``term``: quotation marks without a speaker (scare quotes, names: ``die sogenannte „Koalition
  der Willigen“``). Recorded so that later stages can see them, never given a speaker.

Speakers resolve to entities: a named mention in the attribution clause (persons first), a
pronoun (``sagte sie``) to the nearest person before it in the paragraph, a role noun (``die
Sprecherin``) to the entity a description in the same article gives that role.

Speech-act nouns name authors: ``Die Warnung, die … Maria Sacharowa … aussprach`` makes the person
the speaker of the article's ``warnen`` quotes that were only attributed to a country or an
institution ("Russland warnt, …"): the article reports one warning, made by that person.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache

from quellenlage.models import Article, Description, Entity, EntityType, Quote, Sentence, Span
from quellenlage.nlp.descriptions import find_descriptions
from quellenlage.nlp.entities import _Tok, sentence_ranges, words
from quellenlage.nlp.gazetteer import entity_lines, is_role

QUOTE_PAIRS = re.compile(r"„([^„“”\"\n]{1,600}?)[“”\"]|\"([^\"\n]{1,600}?)\"|»([^»«\n]{1,600}?)«|"
                         r"«([^»«\n]{1,600}?)»|‚([^‚‘\n]{1,200}?)‘|“([^“”\n]{1,600}?)”")  # fmt: skip
KONJUNKTIV_I = {
    "sei", "seien", "habe", "werde", "könne", "müsse", "solle", "wolle", "dürfe", "stünden",
    "stehe", "gebe", "liege", "hätten", "wären", "würden",
}  # fmt: skip
PRONOUNS = {"er": "m", "sie": "f"}
NOT_REPORTED = {"desto", "je", "um", "wenn", "weil", "als", "obwohl", "während", "bevor", "nachdem", "wie"}
AUTHOR_VERBS = {"aussprach", "äußerte", "abgab", "formulierte", "machte", "erhob", "richtete", "aussprachen"}
MAX_SUBJECT_DISTANCE = 6  # tokens between a speaker before the verb and the verb; seeds + unit cases
CONTINUATION_SENTENCES = 2  # a Konjunktiv-I sentence continues speech reported this many sentences back


@cache
def _verbs() -> dict[str, tuple[str, str | None]]:
    """Verb form -> (lemma, separable particle or None)."""
    out: dict[str, tuple[str, str | None]] = {}
    for line in entity_lines("reporting_verbs.tsv"):
        lemma, particle, forms = line.split("\t")
        for form in forms.split():
            out.setdefault(form, (lemma, None if particle == "-" else particle))
    return out


@cache
def _speech_nouns() -> dict[str, str]:
    return dict(line.split("\t") for line in entity_lines("speech_nouns.tsv"))


class _Context:
    def __init__(self, article: Article, entities: Sequence[Entity], descriptions: Sequence[Description]):
        self.article = article
        self.at = {m.span.start: (e, m) for e in entities for m in e.mentions}
        self.mentions = sorted(
            ((m.span.start, e, m) for e in entities for m in e.mentions), key=lambda r: r[0]
        )
        self.descriptions = descriptions
        self.by_id = {e.id: e for e in entities}

    def paragraph_start(self, offset: int) -> int:
        for p in self.article.paragraphs:
            if p.start <= offset < p.end:
                return p.start
        return self.article.text.rfind("\n", 0, offset) + 1

    def previous_person(self, offset: int) -> tuple[Entity, str] | None:
        start = self.paragraph_start(offset)
        for pos, entity, mention in reversed(self.mentions):
            if start <= pos < offset and entity.type is EntityType.PER:
                return entity, mention.text
        return None

    def role_holder(self, role: str, offset: int) -> Entity | None:
        stem = role.lower().rstrip("n")
        holders = [d for d in self.descriptions if stem in d.text.lower()]
        before = [d for d in holders if d.span.start < offset] or holders
        ids = {d.entity_id for d in before}
        if not ids:
            return None
        best = max(before, key=lambda d: d.span.start) if len(ids) > 1 else before[0]
        return self.by_id.get(best.entity_id)


def _speaker_in(
    ctx: _Context, toks: Sequence[_Tok], lo: int, hi: int, near: int
) -> tuple[str | None, str, int, int] | None:
    """(entity id, text as written, first, last token) of the speaker in ``toks[lo:hi]``."""
    found = []
    for k in range(max(lo, 0), min(hi, len(toks))):
        if toks[k].start in ctx.at:
            entity, mention = ctx.at[toks[k].start]
            end = k
            while end + 1 < len(toks) and toks[end + 1].end <= mention.span.end:
                end += 1
            rank = {EntityType.PER: 0, EntityType.ORG: 1, EntityType.LOC: 2}.get(entity.type, 3)
            found.append((rank, abs(k - near), entity.id, mention.text, k, end))
    if found:
        _, _, eid, text, a, b = min(found)
        return eid, text, a, b
    for k in range(max(lo, 0), min(hi, len(toks))):
        word = toks[k].text
        if word in PRONOUNS and k != 0:
            person = ctx.previous_person(toks[k].start)
            if person:
                return person[0].id, word, k, k
        if word[:1].isupper() and is_role(word):
            holder = ctx.role_holder(word, toks[k].start)
            first = k - 1 if k > 0 and toks[k - 1].text.lower() in {"der", "die", "das", "ein", "eine"} else k
            return (
                (holder.id if holder else None),
                ctx.article.text[toks[first].start : toks[k].end],
                first,
                k,
            )
    return None


def _clause_bounds(toks: Sequence[_Tok], i: int) -> tuple[int, int]:
    lo = i
    while lo > 0 and toks[lo - 1].text not in {",", ":", ";", "–", "("}:
        lo -= 1
    hi = i + 1
    while hi < len(toks) and toks[hi].text not in {",", ".", ":", ";", "–", ")", "?", "!"}:
        hi += 1
    return lo, hi


def _attributions(ctx: _Context, toks: Sequence[_Tok]):
    """Yield (verb index, lemma, speaker) for each reporting verb or attribution phrase."""
    verbs = _verbs()
    for i, tok in enumerate(toks):
        lemma = None
        if tok.text in verbs:
            lemma, particle = verbs[tok.text]
            lo, hi = _clause_bounds(toks, i)
            if particle and not any(t.text == particle for t in toks[i + 1 : hi]):
                continue
            if lemma == "heißen" and not (i + 1 < len(toks) and toks[i + 1].text == "es"):
                continue
            speaker = _speaker_in(ctx, toks, i + 1, hi, i + 1)
            if speaker is None:
                speaker = _speaker_in(ctx, toks, max(lo, i - MAX_SUBJECT_DISTANCE), i, i - 1)
            yield i, lemma, speaker
        elif (
            tok.text.lower() == "laut"
            or tok.text == "zufolge"
            or (tok.text == "so" and i > 0 and toks[i - 1].text == "," and _ends_sentence(toks, i))
        ):
            lo, hi = (i - 3, i) if tok.text == "zufolge" else (i + 1, i + 5)
            speaker = _speaker_in(ctx, toks, lo, hi, i)
            if speaker:
                yield i, tok.text.lower(), speaker
        elif tok.text == "Angaben" and i > 0 and toks[i - 1].text.lower() == "nach":
            speaker = _speaker_in(ctx, toks, i + 1, i + 6, i + 1)
            if speaker:
                yield i, "angeben", speaker


def _ends_sentence(toks: Sequence[_Tok], i: int) -> bool:
    return all(t.text not in {",", ";"} for t in toks[i + 1 :])


def _reported_clause(toks: Sequence[_Tok], verb: int) -> tuple[int, int] | None:
    """Token range of the clause a verb reports: before ``, erklärte X`` or after ``warnt, dass``.

    For ``laut X …`` and ``X zufolge …`` it is the rest of the sentence after the attribution.
    """
    end = len(toks) - 1 if toks and toks[-1].text in {".", "!", "?"} else len(toks)
    if toks[verb].text.lower() == "laut" or toks[verb].text == "zufolge":
        k = verb + 1
        if toks[verb].text.lower() == "laut":
            while k < end and (toks[k].cap or toks[k].text.lower() in {"der", "des", "dem", "den", "die"}):
                k += 1
        if k < end and toks[k].text == ",":
            k += 1
        if verb <= 1 and end - k > 2:
            return k, end
        return None
    if verb > 1 and toks[verb - 1].text == ",":
        return (0, verb - 1) if verb - 1 > 2 else None
    for k in range(verb + 1, min(verb + 8, end)):
        if toks[k].text == ",":
            start = k + 1
            if start >= end or toks[start].text.lower() in NOT_REPORTED:
                return None
            words_after = {t.text for t in toks[start:end]}
            if toks[start].text in {"dass", "ob"} or words_after & KONJUNKTIV_I:
                return start, end
            return None
        if toks[k].text in {".", ";", ":"}:
            return None
    return None


def find_quotes(
    article: Article, sentences: Sequence[Sentence], entities: Sequence[Entity]
) -> tuple[Quote, ...]:
    """Direct, indirect and term quotes of one article in text order (see module docstring)."""
    descriptions = find_descriptions(article, sentences, entities)
    ctx = _Context(article, entities, descriptions)
    text = article.text
    # a quotation hugs its marks; space inside a mark means the pairing went wrong ("… “ und „ …")
    marks = [
        (m.start(g), m.end(g))
        for m in QUOTE_PAIRS.finditer(text)
        for g in range(1, 7)
        if m.group(g) and m.group(g) == m.group(g).strip()
    ]
    quotes: list[Quote] = []
    last: tuple[int, int, Quote] | None = None  # (sentence position, paragraph start, attributed quote)
    for position, (start, end) in enumerate(_joined(sentence_ranges(text, sentences), marks)):
        index = sentences[position].index if sentences else position
        toks = words(text, start, end)
        if not toks:
            continue
        inside = [(a, b) for a, b in marks if start <= a and b <= end]
        found = [f for f in _attributions(ctx, toks) if f[2] is not None or f[1] == "heißen"]
        paragraph = ctx.paragraph_start(start)
        inherited = None
        continues = last and position - last[0] <= CONTINUATION_SENTENCES and last[1] == paragraph
        if not found and continues and {t.text for t in toks} & KONJUNKTIV_I:
            inherited = last[2]  # type: ignore[index]
        new: list[Quote] = []
        for a, b in inside:
            span = Span(article.id, a, b)
            scare = "sogenannt" in text[max(start, a - 12) : a] or _is_name(ctx, a, b)
            if found and not scare:
                new.append(_quote(ctx, toks, _closest(toks, found, a, b), span, "direct", index))
            elif inherited and not scare:
                new.append(_inherit(inherited, span, text, "direct", index))
            else:
                new.append(Quote(text[a:b], span, "term", sentence=index))
        for choice in found:
            clause = _reported_clause(toks, choice[0])
            if clause:
                span = Span(article.id, toks[clause[0]].start, toks[clause[1] - 1].end)
                if not any(span.start <= a < span.end for a, _ in inside):
                    new.append(_quote(ctx, toks, choice, span, "indirect", index))
        if not inside and not found and inherited:
            last_tok = len(toks) - 1 if toks[-1].text in {".", "!", "?"} else len(toks)
            span = Span(article.id, toks[0].start, toks[last_tok - 1].end)
            new.append(_inherit(inherited, span, text, "indirect", index))
        new.sort(key=lambda q: q.span.start)
        quotes.extend(new)
        spoken = [q for q in new if q.kind != "term" and q.speaker_text]
        if spoken:
            last = (position, paragraph, spoken[-1])
    return tuple(_apply_speech_act_authors(ctx, quotes, sentences))


def _joined(ranges: list[tuple[int, int]], marks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sentence ranges, with the end of a range moved over a quotation that runs on.

    A quotation of several sentences (``„A. B.“, sagte X.``) is read with the sentence it starts
    in; the sentences it covers keep their positions but become empty.
    """
    out = list(ranges)
    for k, (start, end) in enumerate(out):
        for a, b in marks:
            if start <= a < end < b:
                last = max(j for j, (s, _) in enumerate(out) if s < b)
                out[k] = (start, out[last][1])
                for j in range(k + 1, last + 1):
                    out[j] = (out[last][1], out[last][1])
                end = out[k][1]
    return out


def _closest(toks: Sequence[_Tok], found: list, a: int, b: int):
    """The attribution whose reported clause holds the quote, else the one with the nearest verb."""
    for choice in found:
        clause = _reported_clause(toks, choice[0])
        if clause and toks[clause[0]].start <= a and b <= toks[clause[1] - 1].end:
            return choice
    return min(found, key=lambda f: min(abs(toks[f[0]].start - b), abs(toks[f[0]].end - a)))


def _is_name(ctx: _Context, a: int, b: int) -> bool:
    """Quotation marks around nothing but a name ("„Koalition der Willigen“")."""
    return a in ctx.at and ctx.at[a][1].span.end == b


def _quote(ctx: _Context, toks: Sequence[_Tok], choice, span: Span, kind: str, index: int) -> Quote:
    verb, lemma, speaker = choice
    text = ctx.article.text
    if speaker is None:
        attribution = Span(span.article_id, toks[verb].start, toks[verb].end)
        return Quote(text[span.start : span.end], span, kind, None, None, attribution, lemma, index)
    eid, written, a, b = speaker
    lo, hi = min(verb, a), max(verb, b)
    attribution = Span(span.article_id, toks[lo].start, toks[hi].end)
    return Quote(text[span.start : span.end], span, kind, eid, written, attribution, lemma, index)


def _inherit(previous: Quote, span: Span, text: str, kind: str, index: int) -> Quote:
    return Quote(
        text[span.start : span.end], span, kind, previous.speaker_entity_id, previous.speaker_text,
        previous.attribution_span, previous.verb, index,
    )  # fmt: skip


def _apply_speech_act_authors(
    ctx: _Context, quotes: list[Quote], sentences: Sequence[Sentence]
) -> list[Quote]:
    """Give ``warnen`` quotes of a country or institution the person who made "the warning"."""
    authors: dict[str, tuple[str, str]] = {}  # verb lemma -> (entity id, mention text)
    nouns = _speech_nouns()
    for start, end in sentence_ranges(ctx.article.text, sentences):
        toks = words(ctx.article.text, start, end)
        for i, tok in enumerate(toks):
            if tok.text not in nouns or i + 2 >= len(toks) or toks[i + 1].text != ",":
                continue
            close = next(
                (k for k in range(i + 2, min(i + 25, len(toks))) if toks[k].text in AUTHOR_VERBS), None
            )
            if close is None:
                continue
            persons = [
                ctx.at[t.start] for t in toks[i + 2 : close]
                if t.start in ctx.at and ctx.at[t.start][0].type is EntityType.PER
            ]  # fmt: skip
            if persons:
                authors.setdefault(nouns[tok.text], (persons[0][0].id, persons[0][1].text))
    out = []
    for q in quotes:
        author = authors.get(q.verb or "")
        speaker = ctx.by_id.get(q.speaker_entity_id or "")
        if (
            author
            and q.kind != "term"
            and (speaker is None or speaker.type in {EntityType.LOC, EntityType.ORG})
        ):
            q = Quote(q.text, q.span, q.kind, author[0], author[1], q.attribution_span, q.verb, q.sentence)
        out.append(q)
    return out
