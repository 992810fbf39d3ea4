"""Helpers shared by the command modules: store options, opening the store, user errors, eval outputs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ..errors import QuellenlageError
from ..settings import Settings, load_settings
from ..store import Store


def store_options(command: Any) -> Any:
    """Add ``--db`` and ``--config`` to a command."""
    command = click.option("--config", type=click.Path(dir_okay=False), help="TOML config file.")(command)
    return click.option("--db", metavar="PATH", help="Database file (overrides the db setting).")(command)


def data_option(help: str) -> Any:
    """The required ``--data FILE`` of the eval commands (an existing file, passed as a Path)."""
    return click.option("--data", type=click.Path(path_type=Path, exists=True, dir_okay=False),
                        required=True, help=help)


def errors_option(what: str) -> Any:
    """The optional ``--errors FILE`` of the eval commands (passed as a Path, or None)."""
    return click.option(
        "--errors",
        "errors_path",
        type=click.Path(path_type=Path, dir_okay=False, writable=True),
        default=None,
        help=f"Also write {what} as JSON lines to this file.",
    )


def write_json_lines(path: Path, rows: Iterable[dict[str, object]]) -> None:
    """One JSON object per line, UTF-8, non-ASCII kept readable."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


@contextmanager
def user_errors() -> Iterator[None]:
    """Show QuellenlageErrors as click errors (exit 1) with their message, also under CliRunner."""
    try:
        yield
    except QuellenlageError as exc:
        raise click.ClickException(str(exc)) from None


def open_store(db: str | None, config: str | None) -> tuple[Settings, Store]:
    settings = load_settings(config, db=db)
    return settings, Store.open(settings)
