"""Errors users can act on.

Hierarchy::

    QuellenlageError                 base; ``str(e)`` says what happened and what to do
    ├── ConfigError                  a bad setting, config file or flag value
    ├── InputError                   an input cannot be read (carries ``input``)
    │   ├── UnsupportedInput         a type we do not ingest
    │   └── InputTooLarge            over the configured size cap
    ├── FetchError                   fetching a URL failed (carries ``url``)
    │   ├── FetchRefused             SSRF guard: private/loopback/link-local target, bad scheme
    │   ├── FetchTimeout
    │   └── FetchTooLarge
    ├── StoreError                   the database cannot be opened or migrated
    ├── StageError                   a pipeline stage failed or returned a bad value (carries ``stage``)
    └── ModelError                   a shipped model or an optional extra is missing
"""

from __future__ import annotations


class QuellenlageError(Exception):
    """Base class. The message names the offending value and what to do."""


class ConfigError(QuellenlageError):
    pass


class InputError(QuellenlageError):
    def __init__(self, message: str, input: str = "") -> None:
        super().__init__(message)
        self.input = input


def bad_rows(path: object, problems: list[str], shown: int = 5) -> InputError:
    """One :class:`InputError` for a data file's bad rows: the first ``shown`` named, the rest counted."""
    more = len(problems) - shown
    return InputError(
        f"{path} has {len(problems)} bad row(s): "
        + "; ".join(problems[:shown])
        + (f"; and {more} more" if more > 0 else "")
        + ". Fix or remove them and retry.",
        input=str(path),
    )


class UnsupportedInput(InputError):
    pass


class InputTooLarge(InputError):
    pass


class FetchError(QuellenlageError):
    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.url = url


class FetchRefused(FetchError):
    pass


class FetchTimeout(FetchError):
    pass


class FetchTooLarge(FetchError):
    pass


class StoreError(QuellenlageError):
    pass


class StageError(QuellenlageError):
    def __init__(self, message: str, stage: str = "") -> None:
        super().__init__(f"stage '{stage}' failed: {message}" if stage else message)
        self.stage = stage


class ModelError(QuellenlageError):
    pass
