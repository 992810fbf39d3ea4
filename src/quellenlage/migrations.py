"""Schema migrations of the SQLite store: functions applied once, in order, each recorded by name
in the ``migrations`` table by :meth:`quellenlage.store.Store.open`.

Never edit a released migration; add a new function to :data:`MIGRATIONS`. Each migration runs in
the store's transaction, so a failing one leaves no trace. The tables are described in
:mod:`quellenlage.store`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .errors import StoreError


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one (``executescript`` would commit the migration's transaction)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise StoreError(f"incomplete SQL statement in a migration: {statement.strip()[:80]!r}")


def _m001_initial(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE articles (
            pk INTEGER PRIMARY KEY,           -- stable rowid for the FTS index
            id TEXT NOT NULL UNIQUE,
            url TEXT, outlet TEXT, outlet_source TEXT NOT NULL, title TEXT, author TEXT,
            published TEXT, published_source TEXT NOT NULL, language TEXT, text TEXT NOT NULL,
            paragraphs TEXT NOT NULL, origins TEXT NOT NULL, source_label TEXT,
            raw BLOB, raw_type TEXT NOT NULL DEFAULT '', content_hash TEXT NOT NULL,
            ingested_at TEXT NOT NULL, updated_at TEXT NOT NULL
        );
        CREATE INDEX articles_outlet ON articles (outlet);
        CREATE INDEX articles_published ON articles (published);
        CREATE VIRTUAL TABLE articles_fts USING fts5(
            title, text, content='articles', content_rowid='pk', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
            INSERT INTO articles_fts (rowid, title, text) VALUES (new.pk, new.title, new.text);
        END;
        CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.pk, old.title, old.text);
        END;
        CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text ON articles BEGIN
            INSERT INTO articles_fts (articles_fts, rowid, title, text)
            VALUES ('delete', old.pk, old.title, old.text);
            INSERT INTO articles_fts (rowid, title, text) VALUES (new.pk, new.title, new.text);
        END;
        CREATE TABLE outcomes (
            pk INTEGER PRIMARY KEY, run_id TEXT NOT NULL, input TEXT NOT NULL, status TEXT NOT NULL,
            reason TEXT NOT NULL, detail TEXT NOT NULL, article_id TEXT, at TEXT NOT NULL
        );
        CREATE INDEX outcomes_article ON outcomes (article_id);
        CREATE INDEX outcomes_run ON outcomes (run_id);
        CREATE TABLE analyses (
            kind TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, created_at TEXT NOT NULL,
            json TEXT NOT NULL, PRIMARY KEY (kind, key)
        );
        CREATE TABLE stories (
            id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
            first_published TEXT, last_published TEXT, extra TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE story_articles (
            story_id TEXT NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
            article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
            reason TEXT NOT NULL, PRIMARY KEY (story_id, article_id)
        );
        CREATE INDEX story_articles_article ON story_articles (article_id);
        """,
    )


def _m002_fts_automerge(conn: sqlite3.Connection) -> None:
    # Merge FTS segments in larger steps. Storing all 31,447 FANG articles: 1,427 -> 1,676 articles
    # per CPU second (+17 %); warm searches on the result were not slower (min of 5 runs, 16-115 ms
    # vs 17-164 ms for "Impfpflicht", "Drosten Lockdown", "Impf*", "Merkel"). Re-run
    # bench/ingest.py (store_articles_per_cpu_s) after changing.
    conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 16)")


def _m003_fts_insert_per_batch(conn: sqlite3.Connection) -> None:
    # New articles enter the FTS index in one INSERT … SELECT per write transaction
    # (Store.put_articles) instead of a trigger per row; the update and delete triggers stay.
    # Storing 4,000 FANG articles in batches of 500: 2.36-2.75 CPU-s vs 2.81-3.28 with the trigger
    # (3 runs each, shared machine), the same search results. Re-run bench/ingest.py
    # (store_articles_per_cpu_s) after changing.
    conn.execute("DROP TRIGGER articles_fts_insert")


Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: tuple[Migration, ...] = (_m001_initial, _m002_fts_automerge, _m003_fts_insert_per_batch)
