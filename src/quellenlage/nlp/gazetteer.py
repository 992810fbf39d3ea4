"""Name lists and the common-noun lexicon behind the rule recogniser, loaded once, lazily.

Data files (``quellenlage/data/entities/``)
- ``names.tsv``: names from ship-ok NER training data and CLDR territory names, built by
  ``scripts/build_gazetteer.py``.
- ``manual.tsv``: a short hand-curated list (international organisations, multiword names),
  with an optional third column naming the canonical form of inflected or short forms.
- ``first_names.txt``: given names (first tokens of PER names in the training data).
- ``roles.txt``: role and title nouns that introduce a person's name.
- ``places.txt``: nouns that introduce a place name ("Atomkraftwerk Saporischschja").
- ``org_heads.txt``: nouns that make an organisation of the name after them ("Universität Hamburg").
- ``demonyms.txt``: nationality nouns ("Spanier", "Franzosen"), never names.
- ``not_names.txt``: other words the silver data tags but that the gazetteer must not list.

The common-noun lexicon is the German lookup lemma table of ``spacy-lookups-data`` (a declared
dependency, read in place, not copied): every key and value. German capitalises all nouns, so a
capitalised word is only a name candidate when neither this lexicon nor simplemma's German
dictionary knows it.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

import simplemma

from quellenlage.models import EntityType

# Noun-forming suffixes: a capitalised word ending in one of these is an ordinary noun even when
# the lexicon does not list the compound ("Eskalationsrhetorik" is caught by the compound split,
# "Internationalisierung" by the suffix).
NOUN_SUFFIXES = (
    "ung", "ungen", "heit", "heiten", "keit", "keiten", "schaft", "schaften", "ismus",
    "ität", "itäten", "tion", "tionen", "nisse", "nissen", "chen", "lein", "ierung",
)  # fmt: skip
# Minimum lengths for splitting an unknown compound into known head and modifier; calibrated by
# eye on the seeds ("Kriegsachse" = Krieg+s+Achse) while keeping "Starmer" and "Witkoff" whole.
MIN_HEAD = 4
MIN_MODIFIER = 3


@dataclass(frozen=True)
class Gazetteer:
    names: dict[str, EntityType]  # surface (tokens joined by one space) -> type
    canonical: dict[str, str]  # inflected or short form -> canonical name ("Europäischen Union")
    by_first: dict[str, tuple[tuple[str, ...], ...]]  # first token -> token tuples, longest first
    first_names: frozenset[str]
    roles: tuple[str, ...]
    places: tuple[str, ...]
    org_heads: dict[str, str]  # head -> "part" | "intro"
    lexicon: frozenset[str]  # known words, as written in the lemma table (case kept)
    lexicon_lower: frozenset[str]
    demonyms: frozenset[str] = frozenset()  # "Spanier", "Franzosen": no names


def _data(name: str) -> str:
    return resources.files("quellenlage.data.entities").joinpath(name).read_text(encoding="utf-8")


def entity_lines(name: str) -> list[str]:
    """Non-empty, non-comment lines of ``quellenlage/data/entities/<name>``, as written."""
    return [line for line in _data(name).splitlines() if line.strip() and not line.startswith("#")]


@cache
def gazetteer() -> Gazetteer:
    """Load every list once (about one second, most of it the lemma table)."""
    names: dict[str, EntityType] = {}
    canonical: dict[str, str] = {}
    for line in entity_lines("names.tsv") + entity_lines("manual.tsv"):
        surface, kind, *rest = line.split("\t")
        names[surface] = EntityType(kind)
        if rest and not rest[0].isdigit():
            canonical[surface] = rest[0]
    demonyms = frozenset(entity_lines("demonyms.txt"))
    for word in [*entity_lines("not_names.txt"), *demonyms]:
        names.pop(word, None)
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for surface in names:
        tokens = tuple(surface.split(" "))
        grouped.setdefault(tokens[0], []).append(tokens)
    by_first = {k: tuple(sorted(v, key=len, reverse=True)) for k, v in grouped.items()}
    table = resources.files("spacy_lookups_data").joinpath("data/de_lemma_lookup.json.gz")
    with table.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as handle:
        lemmas: dict[str, str] = json.load(handle)
    lexicon = frozenset(lemmas) | frozenset(lemmas.values())
    return Gazetteer(
        names=names,
        canonical=canonical,
        by_first=by_first,
        first_names=frozenset(entity_lines("first_names.txt")),
        roles=tuple(entity_lines("roles.txt")),
        places=tuple(entity_lines("places.txt")),
        org_heads=dict(line.split("\t") for line in entity_lines("org_heads.txt")),
        lexicon=lexicon,
        lexicon_lower=frozenset(w.lower() for w in lexicon),
        demonyms=demonyms,
    )


def is_dictionary_word(word: str) -> bool:
    """True for a word of the German lemma table or simplemma's dictionary that the gazetteer does
    not list as a name ("Staaten", "Truppen"; not "Württemberg")."""
    return word not in gazetteer().names and _known(word)


@lru_cache(maxsize=65536)
def _known(word: str) -> bool:
    g = gazetteer()
    if word in g.lexicon or word.lower() in g.lexicon_lower:
        return True
    return simplemma.is_known(word, lang="de") or simplemma.is_known(word.lower(), lang="de")


@lru_cache(maxsize=65536)
def is_common_word(word: str) -> bool:
    """True when a capitalised ``word`` is an ordinary German word, not a name candidate.

    Known to the lemma table or to simplemma's German dictionary, a noun by its suffix, or a
    compound whose head and modifier are known ("Kriegsachse" = Krieg + s + Achse). Gazetteer
    names are never common words.
    """
    if word in gazetteer().names:
        return False
    return _common(word, depth=0)


def _common(word: str, depth: int) -> bool:
    return _known(word) or is_derived_noun(word, depth)


@lru_cache(maxsize=65536)
def is_derived_noun(word: str, depth: int = 0) -> bool:
    """An ordinary noun by its form: a noun suffix, a hyphen compound, or a known head + modifier.

    Unlike :func:`is_common_word` this ignores dictionaries that also list given names, so
    "Flüchtlingslager" is a derived noun while "Emmanuel" is not.
    """
    lower = word.lower()
    if lower.endswith(NOUN_SUFFIXES):
        return True
    if "-" in word:
        return _common(word.rsplit("-", 1)[1].capitalize(), depth)
    if depth > 1:
        return False
    for cut in range(MIN_MODIFIER, len(word) - MIN_HEAD + 1):
        if _known(word[cut:].capitalize()):
            modifier = word[:cut].capitalize()
            stripped = [modifier] + [
                modifier[: -len(e)] for e in ("s", "es", "n", "en") if modifier.endswith(e)
            ]
            if any(len(m) >= MIN_MODIFIER and (_known(m) or _common(m, depth + 1)) for m in stripped):
                return True
    return False


@cache
def _suffix_pool(name: str) -> frozenset[str]:
    """``gazetteer().roles`` or ``.places`` as a set, for suffix lookups."""
    return frozenset(getattr(gazetteer(), name))


@cache
def _org_head_rank() -> dict[str, int]:
    return {head: i for i, head in enumerate(gazetteer().org_heads)}


def _ends_with_any(stem: str, pool: frozenset[str], min_length: int) -> bool:
    """``any(stem.endswith(p) and len(p) >= min_length for p in pool)``, by looking up each suffix
    of ``stem`` (its length in steps) instead of scanning the pool (thousands of entries)."""
    return any(stem[i:] in pool for i in range(len(stem) - min_length + 1))


@lru_cache(maxsize=65536)
def is_role(word: str) -> bool:
    """True for a role or title noun ("Präsident", "US-Sondergesandte", "Außenministerin")."""
    lower = word.lower().rsplit("-", 1)[-1]
    roles = _suffix_pool("roles")
    for ending in ("innen", "in", "en", "n", "s", "r", ""):
        stem = lower.removesuffix(ending) if ending else lower
        if stem and _ends_with_any(stem, roles, 1):
            return True
    return False


@lru_cache(maxsize=65536)
def is_place_noun(word: str) -> bool:
    """True for a noun that introduces a place name ("Stadt", "Atomkraftwerks")."""
    lower = word.lower()
    for stem in (lower, lower.removesuffix("s"), lower.removesuffix("es")):
        if stem in _suffix_pool("places") or _ends_with_any(stem, _suffix_pool("places"), 5):
            return True
    return False


@lru_cache(maxsize=65536)
def org_head(word: str) -> str | None:
    """``"part"`` or ``"intro"`` for a noun that makes an organisation of the following name."""
    heads = gazetteer().org_heads
    rank = _org_head_rank()
    lower = word.lower()
    for stem in (lower, lower.removesuffix("s"), lower.removesuffix("es")):
        # the first head in file order that is the stem or (if longer than 4) one of its suffixes
        found = [stem[i:] for i in range(len(stem)) if stem[i:] in heads and (i == 0 or len(stem) - i > 4)]
        if found:
            return heads[min(found, key=rank.__getitem__)]
    return None


def is_demonym(word: str) -> bool:
    """A word made from a place name with -er/-erin/-ern ("Wiener", "Teheraner", "Berlinerin")."""
    names = gazetteer().names
    for ending in ("er", "erin", "ern", "ers", "erinnen"):
        stem = word.removesuffix(ending)
        if stem != word and (names.get(stem) is EntityType.LOC or names.get(stem + "e") is EntityType.LOC):
            return True
    return False


def is_english(word: str) -> bool:
    """An English word ("Where", "Proud") in a title or slogan: no name of ours."""
    return simplemma.is_known(word.lower(), lang="en")


def surname_like(word: str) -> bool:
    """Could be a surname: a gazetteer person, or no role, place noun or suffix-marked noun."""
    kind = gazetteer().names.get(word)
    if kind is not None:
        return kind is EntityType.PER
    return not (is_role(word) or is_place_noun(word) or word.lower().endswith(NOUN_SUFFIXES))
