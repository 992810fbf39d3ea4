"""``quellenlage serve``: the web app and JSON API (needs the ``web`` extra)."""

from __future__ import annotations

import secrets

import click

from ..errors import ModelError
from ..settings import load_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (keep loopback unless proxied).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--db", metavar="PATH", help="Database file (overrides the db setting).")
@click.option("--config", type=click.Path(dir_okay=False), help="TOML config file.")
@click.option("--read-only", is_flag=True, help="Do not create an API token: nothing can be analysed or fetched.")
def serve(host: str, port: int, db: str | None, config: str | None, read_only: bool) -> None:
    """Serve the web app (Analyse, stories, articles, sources, search) and the JSON API under /api."""
    try:
        import uvicorn

        from ..web.app import create_app
    except ImportError as exc:
        raise ModelError(f"the web app needs the web extra: pip install 'quellenlage[web]' ({exc})") from None
    settings = load_settings(config, db=db)
    if not settings.api_token and not read_only:
        settings = settings.replace(api_token=secrets.token_urlsafe(18))
        click.echo(f"API token for this run (needed to analyse): {settings.api_token}")
        click.echo("set QUELLENLAGE_API_TOKEN to keep one, or pass --read-only")
    click.echo(f"quellenlage on http://{host}:{port}/  (database {settings.db})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
