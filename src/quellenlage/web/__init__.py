"""The web app and JSON API (``quellenlage serve``). Needs the ``web`` extra."""
