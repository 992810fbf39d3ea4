"""``quellenlage settings``: print every setting with its value and help text."""

from __future__ import annotations

import click

from ..settings import SETTINGS, load_settings


@click.command()
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="TOML config file.")
def settings(config: str | None) -> None:
    """Show every setting, its current value and what it does."""
    current = load_settings(config)
    for name, (_, help_text) in SETTINGS.items():
        click.echo(f"{name} = {getattr(current, name)!r}\n    {help_text}  [env QUELLENLAGE_{name.upper()}]")
