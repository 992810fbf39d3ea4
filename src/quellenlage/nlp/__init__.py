"""The German reading layer: Article → Reading.

Stages, in order (each a pure function of typed values, each output checked by :func:`read`)::

    segment       sections.py      sections with roles, sentences with tokens and lemmas
    entities      entities.py      PER/ORG/LOC/MISC entities with mentions
    quotes        quotes.py        direct and indirect quotes with speakers
    descriptions  descriptions.py  role phrases and appositions tied to entities
    numbers       numbers.py       numbers with qualifier, unit and kind
    dates         dates.py         date mentions resolved against the reference date
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..errors import StageError
from ..models import Article, Reading
from .dates import find_dates, resolve_dates
from .descriptions import find_descriptions
from .entities import DEFAULT_ENTITY_BACKEND, find_entities
from .numbers import find_numbers
from .quotes import find_quotes
from .sections import segment
from .tokens import tokenize

__all__ = ["find_dates", "find_numbers", "read", "resolve_dates", "segment", "tokenize"]


def _run(stage: str, function: Callable[..., Any], *args: Any) -> Any:
    """Call one stage; an exception or a non-tuple result becomes a StageError naming the stage."""
    try:
        result = function(*args)
    except StageError:
        raise
    except Exception as exc:
        raise StageError(f"{type(exc).__name__}: {exc}", stage=stage) from exc
    if not isinstance(result, tuple):
        raise StageError(f"returned {type(result).__name__}, expected a tuple", stage=stage)
    return result


def read(
    article: Article, *, reference_date: dt.date | None = None, entities: str = DEFAULT_ENTITY_BACKEND
) -> Reading:
    """Read one article. ``reference_date`` (default ``article.published``) resolves relative dates;
    ``entities`` names the entity backend (the setting of that name, :data:`.entities.ENTITY_BACKENDS`)."""
    sections, sentences = _run("segment", segment, article)
    found = _run("entities", find_entities, article, sentences, None, entities)
    quotes = _run("quotes", find_quotes, article, sentences, found)
    descriptions = _run("descriptions", find_descriptions, article, sentences, found)
    numbers = _run("numbers", find_numbers, article, sentences)
    dates = _run("dates", find_dates, article, sentences, reference_date or article.published)
    return Reading(
        article=article,
        sections=sections,
        sentences=sentences,
        entities=found,
        quotes=quotes,
        descriptions=descriptions,
        numbers=numbers,
        dates=dates,
    )
