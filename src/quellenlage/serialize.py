"""Dataclasses to JSON-ready dicts and back, driven by field type hints.

``to_dict(obj)`` turns a dataclass into plain JSON values: dates become ISO strings, enums their
values, tuples lists, nested dataclasses dicts. ``from_dict(cls, data)`` reads such a dict back into
``cls`` by following the type hints of its fields, so it works for every dataclass in
:mod:`quellenlage.models` and for the dataclasses later stages define in their own modules::

    >>> from quellenlage.models import Span
    >>> to_dict(Span("a1", 0, 4))
    {'article_id': 'a1', 'start': 0, 'end': 4}
    >>> from_dict(Span, {'article_id': 'a1', 'start': 0, 'end': 4})
    Span(article_id='a1', start=0, end=4)

Supported hints: ``str``, ``int``, ``float``, ``bool``, ``None``, ``datetime.date``,
``datetime.datetime``, enums, dataclasses, ``X | None`` (and other unions of these), ``tuple[X, ...]``,
fixed ``tuple[X, Y]``, ``list[X]``, ``dict[str, X]`` and ``Any`` (passed through unchanged).
A dict that does not fit its class raises ``ValueError`` naming the class, field and value.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import types
import typing
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["from_dict", "from_value", "to_dict", "to_value"]


def to_dict(obj: Any) -> dict[str, Any]:
    """A dataclass instance as a dict of JSON values (field order kept)."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"to_dict expects a dataclass instance, got {type(obj).__name__}: {obj!r:.80}")
    return {f.name: to_value(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def to_value(value: Any) -> Any:
    """Any supported value as JSON (``None``, bool, int, float, str, list, dict)."""
    if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(value, enum.Enum):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):  # datetime is a date; isoformat covers both
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_dict(value)
    if isinstance(value, (tuple, list)):
        return [to_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_value(item) for key, item in value.items()}
    raise TypeError(f"cannot serialise {type(value).__name__} value {value!r:.80}; use a supported type")


def from_dict(cls: type[T], data: dict[str, Any]) -> T:
    """Build ``cls`` from a dict made by :func:`to_dict`. Missing fields with defaults take the default."""
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__}: expected a dict, got {type(data).__name__}: {data!r:.80}")
    hints = _field_hints(cls)  # type: ignore[arg-type]  # classes are hashable; typeshed's type[T] is not
    unknown = set(data) - set(hints)
    if unknown:
        raise ValueError(
            f"{cls.__name__}: unknown field(s) {sorted(unknown)}; known fields are {sorted(hints)}"
        )
    kwargs = {}
    for name, hint in hints.items():
        if name in data:
            try:
                kwargs[name] = from_value(hint, data[name])
            except (ValueError, TypeError) as exc:
                raise ValueError(f"{cls.__name__}.{name}: {exc}") from None
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        raise ValueError(f"{cls.__name__}: {exc}; the dict has {sorted(data)}") from None


def from_value(hint: Any, value: Any) -> Any:
    """Read a JSON value back as the type ``hint`` describes."""
    if hint is Any:
        return value
    origin = typing.get_origin(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _from_union(typing.get_args(hint), value)
    if hint is type(None):
        if value is not None:
            raise ValueError(f"expected null, got {value!r:.80}")
        return None
    if origin in (tuple, list):
        if not isinstance(value, (list, tuple)):
            raise ValueError(f"expected a list for {hint}, got {type(value).__name__}: {value!r:.80}")
        args = typing.get_args(hint)
        if origin is list or (len(args) == 2 and args[1] is Ellipsis):
            items = [from_value(args[0] if args else Any, item) for item in value]
        else:
            if len(args) != len(value):
                raise ValueError(f"expected {len(args)} items for {hint}, got {len(value)}: {value!r:.80}")
            items = [from_value(arg, item) for arg, item in zip(args, value)]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"expected an object for {hint}, got {type(value).__name__}: {value!r:.80}")
        key_hint, value_hint = typing.get_args(hint) or (Any, Any)
        return {from_value(key_hint, k): from_value(value_hint, v) for k, v in value.items()}
    if isinstance(hint, type):
        return _from_plain(hint, value)
    raise TypeError(f"unsupported type hint {hint!r}; extend quellenlage.serialize.from_value")


def _from_plain(cls: type, value: Any) -> Any:
    if dataclasses.is_dataclass(cls):
        return from_dict(cls, value)
    if issubclass(cls, enum.Enum):
        return cls(value)
    if cls is dt.datetime:  # before date: a datetime is a date
        if not isinstance(value, str):
            raise ValueError(f"expected an ISO datetime string, got {value!r:.80}")
        return dt.datetime.fromisoformat(value)
    if cls is dt.date:
        if not isinstance(value, str):
            raise ValueError(f"expected an ISO date string, got {value!r:.80}")
        return dt.date.fromisoformat(value)
    if cls is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true/false, got {value!r:.80}")
        return value
    if cls is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if cls in (int, str) and isinstance(value, cls) and not isinstance(value, bool):
        return value
    if cls is object:
        return value
    raise ValueError(f"expected {cls.__name__}, got {type(value).__name__}: {value!r:.80}")


def _from_union(args: tuple[Any, ...], value: Any) -> Any:
    if value is None:
        if type(None) in args:
            return None
        raise ValueError(f"null is not allowed here (expected one of {args})")
    errors = []
    for arg in args:
        if arg is type(None):
            continue
        try:
            return from_value(arg, value)
        except (ValueError, TypeError) as exc:
            errors.append(str(exc))
    raise ValueError(f"{value!r:.80} matches none of {args}: {'; '.join(errors)}")


@functools.cache
def _field_hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of the init fields of a dataclass (string annotations included)."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"from_dict expects a dataclass type, got {cls!r}")
    try:
        hints = typing.get_type_hints(cls)
    except NameError as exc:
        raise TypeError(f"cannot resolve the type hints of {cls.__qualname__}: {exc}") from None
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if f.init}
