"""The ``quellenlage`` command.

Commands are listed here, in one place, as ``name: "module:attribute"`` and imported only when
invoked, so ``quellenlage --help`` stays fast and a missing optional extra only breaks its own
command. Each command module lives beside this file.
"""

from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from ..errors import QuellenlageError

# name -> "module:attribute" (relative to quellenlage.cli)
COMMANDS: dict[str, str] = {
    "analyze": "analyze_cmd:analyze",
    "batch": "batch_cmd:batch",
    "ingest": "ingest_cmd:ingest",
    "articles": "ingest_cmd:articles",
    "show": "ingest_cmd:show",
    "read": "read_cmd:read",
    "serve": "serve_cmd:serve",
    "settings": "settings_cmd:settings",
    "train": "train_cmd:train",
    "stories": "stories_cmd:stories",
    "story": "stories_cmd:story",
    "watch": "stories_cmd:watch",
}

EVAL_COMMANDS: dict[str, str] = {
    "subjectivity": "eval_models:subjectivity",
    "reliability": "eval_models:reliability",
    "ner": "eval_ner:ner",
    "similarity": "eval_similarity:similarity",
}


class LazyGroup(click.Group):
    def __init__(self, *args, lazy: dict[str, str], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module_name, attr = self.lazy[name].split(":")
            module = importlib.import_module(f"{__name__}.{module_name}")
            return getattr(module, attr)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.version_option(__version__, prog_name="quellenlage")
def cli() -> None:
    """quellenlage — what is actually known about a news story."""


@cli.group(cls=LazyGroup, lazy=EVAL_COMMANDS, name="eval")
def eval_group() -> None:
    """Evaluate a model-backed stage on a dataset; prints one JSON line."""


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except QuellenlageError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
