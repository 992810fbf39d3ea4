"""The article store: SQLite today, with an interface a PostgreSQL store can follow.

Callers see only :class:`Store` methods taking and returning model values (``Article``,
``Outcome``, plain dicts); every SQL statement lives in this module. The SQL is kept portable
(``ON CONFLICT … DO UPDATE``, ISO-8601 text dates, JSON in TEXT columns) except for full-text
search, which is FTS5 here and would be ``tsvector`` behind the same :meth:`Store.search`.

Tables (created by :mod:`quellenlage.migrations`)::

    migrations      name, applied_at                        one row per applied migration function
    articles        every Article field; paragraphs/origins as JSON; raw BLOB + raw_type; hash
    articles_fts    FTS5 over title and text; new rows indexed by put_articles, changes by triggers
    outcomes        run_id, input, status, reason, detail, article_id, at   (every ingest outcome)
    analyses        kind, key, version, created_at, json    (readings, briefings, … via serialize)
    stories         id, title, created_at, updated_at, first/last_published, extra (JSON)
    story_articles  story_id, article_id, reason (JSON)

One connection does all writes (WAL, ``busy_timeout``, foreign keys on); readers in other processes
see committed data. Use it as a context manager or call :meth:`Store.close`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from .errors import StoreError
from .migrations import MIGRATIONS, Migration
from .models import Article, DateSource, Origin, Outcome, OutcomeStatus, Paragraph
from .serialize import from_dict, to_dict

BUSY_TIMEOUT_MS = 5_000  # how long a writer waits for another process's lock before failing
SNIPPET_MARK = ("**", "**")  # around matched terms in search snippets
_ARTICLE_FIELDS = (
    "id", "url", "outlet", "outlet_source", "title", "author", "published", "published_source", "language",
    "text", "paragraphs", "origins", "source_label",
)  # fmt: skip
_ARTICLE_COLUMNS = ", ".join(_ARTICLE_FIELDS)
_STORY_COLUMNS = "id, title, created_at, updated_at, first_published, last_published, extra"
_UPSERT_FIELDS = (*_ARTICLE_FIELDS, "raw", "raw_type", "content_hash", "ingested_at", "updated_at")
_UPSERT_ARTICLE = (
    f"INSERT INTO articles ({', '.join(_UPSERT_FIELDS)}) VALUES ({', '.join('?' for _ in _UPSERT_FIELDS)})"
    " ON CONFLICT (id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _UPSERT_FIELDS if name not in ("id", "ingested_at"))
    + " WHERE articles.content_hash <> excluded.content_hash"  # unchanged content: no write, rowcount 0
)


def _index_new_rows(conn: sqlite3.Connection, last_pk: int | None) -> int:
    """Put the rows with a pk above ``last_pk`` into the FTS index (None: none); the new maximum pk."""
    if last_pk is not None:
        conn.execute(
            "INSERT INTO articles_fts (rowid, title, text) SELECT pk, title, text FROM articles WHERE pk > ?",
            (last_pk,),
        )
    (top,) = conn.execute("SELECT coalesce(max(pk), 0) FROM articles").fetchone()
    return int(top)


class ArticleNotFound(StoreError):
    """No stored article has this id or id prefix."""


class AmbiguousArticleId(StoreError):
    """An id prefix matches more than one stored article."""


@dataclass(frozen=True)
class StoredStory:
    """A story as the store keeps it: members with the clustering reason for each.

    ``first_published``/``last_published`` are computed by the store from the member articles.
    """

    id: str
    title: str
    members: tuple[tuple[str, dict[str, Any]], ...] = ()  # (article id, reason as JSON values)
    created_at: str = ""
    updated_at: str = ""
    first_published: dt.date | None = None
    last_published: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # reserved for the clustering stage

    @property
    def article_ids(self) -> tuple[str, ...]:
        return tuple(article_id for article_id, _ in self.members)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _fts_query(text: str) -> str:
    """Any user text as a safe FTS5 query: every word a quoted string, ANDed; ``word*`` is a prefix."""
    text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates cannot be bound
    terms = []
    for word in text.replace("\x00", " ").split():  # FTS5 reads the query as a C string
        prefix = word.endswith("*") and len(word.rstrip("*")) > 0
        word = word.rstrip("*") if prefix else word
        terms.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms)


class Store:
    """All persistent state. Open with :meth:`Store.open`.

    Write transactions are serialised by a lock, so threads may share one store (the ingest writer
    thread, the web app); SQLite itself serialises use of the connection (``threadsafety == 3``).
    """

    def __init__(self, conn: sqlite3.Connection, path: str) -> None:
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def open(cls, settings: Any, migrations: Sequence[Migration] = MIGRATIONS) -> Store:
        """Open (and create or migrate) the database at ``settings.db``."""
        path = str(settings.db)
        if path.startswith(("postgresql://", "postgres://")):
            raise StoreError(
                f"database URL {path!r}: the PostgreSQL store is not available yet; "
                "set db to a SQLite file path (--db PATH or QUELLENLAGE_DB)"
            )
        conn = None
        try:
            if path != ":memory:":
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
                path = str(Path(path).expanduser())
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            store = cls(conn, path)
            store._migrate(migrations)
            return store
        except (OSError, sqlite3.Error, StoreError) as exc:
            if conn is not None:
                conn.close()
            raise StoreError(
                f"cannot open the database {path!r}: {exc}; check that the path is a writable "
                "SQLite file (or pass another one with --db PATH)"
            ) from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self._conn
                except BaseException:
                    if self._conn.in_transaction:  # SQLite may have rolled back already (disk full)
                        self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:  # locked, disk full, read-only file, …
                raise StoreError(
                    f"writing to the database {self.path!r} failed: {exc}; check free disk space and "
                    "that no other process holds a long write lock"
                ) from None

    def _migrate(self, migrations: Sequence[Migration]) -> None:
        self._conn.execute("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        done = {row[0] for row in self._conn.execute("SELECT name FROM migrations")}
        for migration in migrations:
            if migration.__name__ in done:
                continue
            with self._transaction() as conn:  # DDL is transactional: a failed migration leaves no trace
                migration(conn)
                conn.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (migration.__name__, _now())
                )

    def _one(self, sql: str, *params: Any) -> tuple[Any, ...] | None:
        return self._conn.execute(sql, params).fetchone()

    def applied_migrations(self) -> list[str]:
        return [row[0] for row in self._conn.execute("SELECT name FROM migrations ORDER BY rowid")]

    # -- articles ------------------------------------------------------------------------------

    def put_article(self, article: Article, raw: bytes | None = None, raw_type: str = "") -> bool:
        """Insert or update one article. False when the same content was already stored."""
        return self.put_articles([(article, raw, raw_type)])[0]

    def put_articles(self, items: Iterable[tuple[Article, bytes | None, str]]) -> list[bool]:
        """Upsert many articles in one transaction; per item True if inserted or changed.

        "Changed" compares a hash of the article's fields, not ``raw``: the same article read from
        slightly different bytes (a new ad in the HTML) is unchanged and keeps its first raw.
        """
        now = _now()
        results = []
        with self._transaction() as conn:
            # Rows inserted now get a pk above the current maximum (INTEGER PRIMARY KEY picks max+1);
            # they enter the FTS index together below, changed rows through the update trigger.
            last_pk = _index_new_rows(conn, None)
            unindexed: set[str] = set()  # ids written since the last _index_new_rows
            for article, raw, raw_type in items:
                if article.id in unindexed:
                    # The same id again: if its row is new, index it before the update trigger
                    # 'deletes' it from the index (deleting an unindexed row corrupts FTS5).
                    last_pk, unindexed = _index_new_rows(conn, last_pk), set()
                unindexed.add(article.id)
                row = _article_row(article)
                digest = hashlib.blake2b(json.dumps(row).encode(), digest_size=16).hexdigest()
                cursor = conn.execute(_UPSERT_ARTICLE, (*row, raw, raw_type, digest, now, now))
                results.append(cursor.rowcount > 0)
            _index_new_rows(conn, last_pk)
        return results

    def get_article(self, article_id: str) -> Article | None:
        row = self._one(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", article_id)
        return _row_article(row) if row else None

    def get_raw(self, article_id: str) -> tuple[bytes | None, str] | None:
        """The input bytes an article was made from and their type, or None for an unknown id."""
        row = self._one("SELECT raw, raw_type FROM articles WHERE id = ?", article_id)
        return (row[0], row[1]) if row else None

    def ingested_at(self, article_id: str) -> tuple[str, str] | None:
        """(first ingested, last changed) as ISO timestamps, or None for an unknown id."""
        row = self._one("SELECT ingested_at, updated_at FROM articles WHERE id = ?", article_id)
        return (row[0], row[1]) if row else None

    def iter_articles(
        self, limit: int | None = None, offset: int = 0, outlet: str | None = None
    ) -> Iterator[Article]:
        """Articles newest first (undated last), optionally of one outlet."""
        where, params = ("WHERE outlet = ?", [outlet]) if outlet is not None else ("", [])
        cursor = self._conn.execute(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles {where}"
            " ORDER BY published IS NULL, published DESC, pk LIMIT ? OFFSET ?",
            (*params, -1 if limit is None else limit, offset),
        )
        while rows := cursor.fetchmany(500):
            yield from (_row_article(row) for row in rows)

    def count_articles(self, outlet: str | None = None) -> int:
        if outlet is None:
            row = self._one("SELECT count(*) FROM articles")
        else:
            row = self._one("SELECT count(*) FROM articles WHERE outlet = ?", outlet)
        return int(row[0]) if row else 0

    def search(
        self, query: str, limit: int = 20, offset: int = 0, outlet: str | None = None
    ) -> list[tuple[Article, str]]:
        """Full-text search over title and text, optionally in one outlet; any string is a safe
        query (words are ANDed, ``word*`` matches a prefix). (article, snippet), best match first."""
        match = _fts_query(query)
        if not match:
            return []
        rows = self._conn.execute(
            f"SELECT {', '.join('a.' + name for name in _ARTICLE_FIELDS)},"
            " snippet(articles_fts, -1, ?, ?, '…', 16) FROM articles_fts"
            " JOIN articles a ON a.pk = articles_fts.rowid"
            " WHERE articles_fts MATCH ? AND (? IS NULL OR a.outlet = ?)"
            " ORDER BY bm25(articles_fts), a.pk LIMIT ? OFFSET ?",
            (*SNIPPET_MARK, match, outlet, outlet, limit, offset),
        ).fetchall()
        return [(_row_article(row[:-1]), row[-1]) for row in rows]

    def resolve_article_id(self, prefix: str) -> str:
        """The full id of the one article whose id is or starts with ``prefix``."""
        if not prefix:
            raise ArticleNotFound("an empty article id matches nothing; give an id or its first characters")
        if self._one("SELECT 1 FROM articles WHERE id = ?", prefix):
            return prefix
        rows = self._conn.execute(
            "SELECT id FROM articles WHERE id >= ? AND id < ? ORDER BY id LIMIT 6",
            (prefix, prefix + "\U0010ffff"),
        ).fetchall()
        if not rows:
            raise ArticleNotFound(
                f"no stored article id starts with {prefix!r}; list ids with 'quellenlage articles'"
            )
        if len(rows) > 1:
            shown = ", ".join(row[0] for row in rows[:5]) + (", …" if len(rows) > 5 else "")
            raise AmbiguousArticleId(
                f"article id prefix {prefix!r} matches several articles ({shown}); give more characters"
            )
        return rows[0][0]

    # -- outcomes ------------------------------------------------------------------------------

    def record_outcomes(self, run_id: str, outcomes: Iterable[Outcome]) -> None:
        now = _now()
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO outcomes (run_id, input, status, reason, detail, article_id, at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run_id, o.input, o.status.value, o.reason, o.detail, o.article_id, now) for o in outcomes],
            )

    def outcomes_for(self, article_id: str) -> list[tuple[str, str, Outcome]]:
        """Every recorded outcome that names this article, oldest first, as (run_id, at, outcome)."""
        rows = self._conn.execute(
            "SELECT run_id, at, input, status, reason, detail, article_id FROM outcomes"
            " WHERE article_id = ? ORDER BY pk",
            (article_id,),
        ).fetchall()
        return [(r[0], r[1], Outcome(r[2], OutcomeStatus(r[3]), r[4], r[5], r[6])) for r in rows]

    def outcomes_of_run(self, run_id: str) -> list[Outcome]:
        rows = self._conn.execute(
            "SELECT input, status, reason, detail, article_id FROM outcomes WHERE run_id = ? ORDER BY pk",
            (run_id,),
        ).fetchall()
        return [Outcome(r[0], OutcomeStatus(r[1]), r[2], r[3], r[4]) for r in rows]

    # -- analyses ------------------------------------------------------------------------------

    def put_analysis(self, kind: str, key: str, obj: dict[str, Any], version: int = 1) -> None:
        """Store a JSON-able dict (``serialize.to_dict`` of a reading, briefing, …) under kind+key."""
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO analyses (kind, key, version, created_at, json) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (kind, key) DO UPDATE SET version = excluded.version,"
                " created_at = excluded.created_at, json = excluded.json",
                (kind, key, version, _now(), text),
            )

    def get_analysis(self, kind: str, key: str) -> dict[str, Any] | None:
        row = self._one("SELECT json FROM analyses WHERE kind = ? AND key = ?", kind, key)
        return json.loads(row[0]) if row else None

    def analysis_version(self, kind: str, key: str) -> int | None:
        row = self._one("SELECT version FROM analyses WHERE kind = ? AND key = ?", kind, key)
        return row[0] if row else None

    # -- stories -------------------------------------------------------------------------------

    def put_story(self, story: StoredStory) -> StoredStory:
        """Insert or replace a story and its membership; returns it as stored (dates filled in)."""
        now = _now()
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO stories (id, title, created_at, updated_at, extra) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at,"
                " extra = excluded.extra",
                (story.id, story.title, now, now, json.dumps(story.extra, ensure_ascii=False)),
            )
            conn.execute("DELETE FROM story_articles WHERE story_id = ?", (story.id,))
            try:
                conn.executemany(
                    "INSERT INTO story_articles (story_id, article_id, reason) VALUES (?, ?, ?)",
                    [
                        (story.id, aid, json.dumps(reason, ensure_ascii=False))
                        for aid, reason in story.members
                    ],
                )
            except sqlite3.IntegrityError:
                missing = [aid for aid in story.article_ids if self.get_article(aid) is None]
                raise StoreError(
                    f"story {story.id!r} names articles that are not stored ({missing or 'duplicates'}); "
                    "store the articles first and list each once"
                ) from None
            conn.execute(
                "UPDATE stories SET first_published = (SELECT min(a.published) FROM story_articles s"
                " JOIN articles a ON a.id = s.article_id WHERE s.story_id = stories.id),"
                " last_published = (SELECT max(a.published) FROM story_articles s"
                " JOIN articles a ON a.id = s.article_id WHERE s.story_id = stories.id) WHERE id = ?",
                (story.id,),
            )
        stored = self.get_story(story.id)
        assert stored is not None
        return stored

    def get_story(self, story_id: str) -> StoredStory | None:
        row = self._one(f"SELECT {_STORY_COLUMNS} FROM stories WHERE id = ?", story_id)
        return self._row_story(row) if row else None

    def list_stories(self, limit: int = 50, offset: int = 0) -> list[StoredStory]:
        """Stories, the most recently published first."""
        rows = self._conn.execute(
            f"SELECT {_STORY_COLUMNS} FROM stories"
            " ORDER BY last_published IS NULL, last_published DESC, id LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()
        return [self._row_story(row) for row in rows]

    def stories_of(self, article_id: str) -> list[str]:
        rows = self._conn.execute(
            "SELECT story_id FROM story_articles WHERE article_id = ? ORDER BY story_id", (article_id,)
        )
        return [row[0] for row in rows]

    def _row_story(self, row: Sequence[Any]) -> StoredStory:
        rows = self._conn.execute(
            "SELECT s.article_id, s.reason FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " WHERE s.story_id = ? ORDER BY a.published IS NULL, a.published, a.pk",
            (row[0],),
        ).fetchall()
        members = tuple((aid, json.loads(reason)) for aid, reason in rows)
        return StoredStory(
            row[0], row[1], members, row[2], row[3], _date(row[4]), _date(row[5]), json.loads(row[6])
        )


# -- row mapping (kept apart from SQL text so a PostgreSQL store can reuse it) -----------------------


def _article_row(a: Article) -> tuple[Any, ...]:
    return (
        a.id, a.url, a.outlet, a.outlet_source, a.title, a.author,
        a.published.isoformat() if a.published else None, a.published_source.value, a.language, a.text,
        json.dumps([[p.start, p.end] for p in a.paragraphs]),
        json.dumps([to_dict(o) for o in a.origins], ensure_ascii=False),
        a.source_label,
    )  # fmt: skip


def _row_article(row: Sequence[Any]) -> Article:
    return Article(
        id=row[0], url=row[1], outlet=row[2], outlet_source=row[3], title=row[4], author=row[5],
        published=_date(row[6]), published_source=DateSource(row[7]), language=row[8], text=row[9],
        paragraphs=tuple(Paragraph(start, end) for start, end in json.loads(row[10])),
        origins=tuple(from_dict(Origin, o) for o in json.loads(row[11])),
        source_label=row[12],
    )  # fmt: skip


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None
