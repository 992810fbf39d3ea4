"""The SQLite store: migrations, idempotent upserts, search, outcomes, analyses, stories."""

from __future__ import annotations

import dataclasses
import datetime as dt
import sqlite3

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quellenlage.errors import StoreError
from quellenlage.migrations import MIGRATIONS
from quellenlage.models import (
    Article,
    DateSource,
    Origin,
    OriginKind,
    Outcome,
    OutcomeStatus,
    Paragraph,
    SkipReason,
    Span,
)
from quellenlage.serialize import from_dict, to_dict
from quellenlage.store import AmbiguousArticleId, ArticleNotFound, Store, StoredStory


def make_article(article_id: str = "a1", **changes: object) -> Article:
    text = "Russland warnt vor westlichen Truppen in der Ukraine.\n\nDie Sprecherin äußerte sich am Freitag."
    base = Article(
        id=article_id,
        text=text,
        url=f"https://example.org/{article_id}",
        outlet="example.org",
        outlet_source="url",
        title="Warnung aus Moskau",
        published=dt.date(2026, 2, 8),
        published_source=DateSource.METADATA,
        language="de",
        paragraphs=(Paragraph(0, 53), Paragraph(55, len(text))),
        origins=(
            Origin(
                OriginKind.REPUBLISHED,
                "naturalnews.com",
                dt.date(2026, 2, 7),
                "Quellen: …",
                Span(article_id, 0, 5),
            ),
        ),
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture()
def store(tmp_settings):
    with Store.open(tmp_settings) as opened:
        yield opened


def test_open_creates_parent_dirs_and_uses_wal_and_foreign_keys(tmp_path, tmp_settings) -> None:
    settings = tmp_settings.replace(db=str(tmp_path / "deep" / "er" / "q.db"))
    with Store.open(settings) as store:
        assert (tmp_path / "deep" / "er" / "q.db").is_file()
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store._conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store._conn.execute("PRAGMA busy_timeout").fetchone()[0] > 0


@pytest.mark.parametrize("kind", ["directory", "not-a-database", "postgres-url"])
def test_open_fails_with_a_store_error_naming_the_path(tmp_path, tmp_settings, kind: str) -> None:
    if kind == "directory":
        target = str(tmp_path)
    elif kind == "not-a-database":
        (tmp_path / "junk.db").write_bytes(b"this is not sqlite " * 100)
        target = str(tmp_path / "junk.db")
    else:
        target = "postgresql://localhost/q"
    with pytest.raises(StoreError) as info:
        Store.open(tmp_settings.replace(db=target))
    assert repr(target) in str(info.value)
    assert "--db" in str(info.value) or "QUELLENLAGE_DB" in str(info.value)


def test_migrations_are_applied_once_and_in_order(tmp_settings) -> None:
    calls: list[str] = []

    def _m100_extra(conn: sqlite3.Connection) -> None:
        calls.append("m100")
        conn.execute("CREATE TABLE extra (x INTEGER)")

    def _m101_more(conn: sqlite3.Connection) -> None:
        calls.append("m101")
        conn.execute("INSERT INTO extra VALUES (1)")  # needs m100 first

    with Store.open(tmp_settings):
        pass
    for _ in range(2):
        with Store.open(tmp_settings, migrations=(*MIGRATIONS, _m100_extra, _m101_more)) as store:
            assert store.applied_migrations() == [
                *(m.__name__ for m in MIGRATIONS),
                "_m100_extra",
                "_m101_more",
            ]
    assert calls == ["m100", "m101"]


def test_failed_migration_is_rolled_back_and_not_recorded(tmp_settings) -> None:
    def _m002_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half (x INTEGER)")
        conn.execute("THIS IS NOT SQL")

    with pytest.raises(StoreError, match="cannot open the database"):
        Store.open(tmp_settings, migrations=(*MIGRATIONS, _m002_broken))
    with Store.open(tmp_settings) as store:
        assert store.applied_migrations() == [m.__name__ for m in MIGRATIONS]
        tables = {r[0] for r in store._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "half" not in tables


def test_write_that_cannot_get_the_lock_raises_a_store_error(store: Store, tmp_settings) -> None:
    store._conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(tmp_settings.db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match="writing to the database .* failed: database is locked"):
            store.put_article(make_article())
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert store.put_article(make_article()) is True


def test_put_article_is_idempotent_and_updates_changed_text(store: Store) -> None:
    article = make_article()
    assert store.put_article(article, b"<html>raw</html>", "text/html") is True
    first = store.ingested_at("a1")
    assert store.put_article(article, b"<html>raw</html>", "text/html") is False
    assert store.count_articles() == 1
    changed = dataclasses.replace(article, text=article.text + " Neu.")
    assert store.put_article(changed, b"<html>raw 2</html>", "text/html") is True
    assert store.get_article("a1") == changed
    assert store.get_raw("a1") == (b"<html>raw 2</html>", "text/html")
    assert store.ingested_at("a1")[0] == first[0]
    assert store.count_articles() == 1


def test_get_article_returns_every_field_unchanged(store: Store) -> None:
    article = make_article(author="Erika Muster", source_label="fake")
    store.put_article(article, None, "")
    assert store.get_article("a1") == article
    assert store.get_article("missing") is None
    assert store.get_raw("missing") is None
    assert store.get_raw("a1") == (None, "")


def test_put_articles_reports_new_changed_and_repeated_items_in_one_batch(store: Store) -> None:
    a, b = make_article("a"), make_article("b")
    results = store.put_articles([(a, b"1", "x"), (b, b"2", "x"), (a, b"1", "x")])
    assert results == [True, True, False]
    assert store.put_articles([(a, b"1", "x"), (dataclasses.replace(b, title="Neu"), b"2", "x")]) == [
        False,
        True,
    ]


def test_iter_articles_pages_newest_first_and_filters_by_outlet(store: Store) -> None:
    store.put_articles(
        [
            (make_article("old", published=dt.date(2020, 1, 1)), None, ""),
            (make_article("new", published=dt.date(2026, 1, 1), outlet="other.de"), None, ""),
            (make_article("undated", published=None), None, ""),
        ]
    )
    assert [a.id for a in store.iter_articles()] == ["new", "old", "undated"]
    assert [a.id for a in store.iter_articles(limit=1, offset=1)] == ["old"]
    assert [a.id for a in store.iter_articles(outlet="other.de")] == ["new"]
    assert store.count_articles(outlet="example.org") == 2


def test_search_finds_words_in_title_and_text_and_follows_updates(store: Store) -> None:
    store.put_article(make_article("a1"))
    store.put_article(make_article("a2", title="Impfung", text="Über die Impfstoffe wurde berichtet."))
    hits = store.search("Sprecherin")
    assert [a.id for a, _ in hits] == ["a1"]
    assert "**Sprecherin**" in hits[0][1]
    assert [a.id for a, _ in store.search("impfung")] == ["a2"]  # title, case-insensitive
    assert [a.id for a, _ in store.search("Impf*")] == ["a2"]  # prefix
    assert [a.id for a, _ in store.search("uber")] == ["a2"]  # diacritics folded
    assert [a.id for a, _ in store.search("berichtet", outlet="example.org")] == ["a2"]
    assert store.search("berichtet", outlet="other.de") == []
    store.put_article(make_article("a1", text="Ganz anderer Inhalt."))
    assert store.search("Sprecherin") == []
    assert [a.id for a, _ in store.search("anderer")] == ["a1"]


def _fts_matches_content(store: Store) -> None:
    # FTS5 compares its index with the content table and raises on any difference.
    store._conn.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)")


def test_fts_index_follows_batches_of_new_changed_and_unchanged_articles(store: Store) -> None:
    first = [make_article(f"a{n}", text=f"Bericht Nummer {n} über den Haushalt.") for n in range(5)]
    assert store.put_articles([(a, None, "") for a in first]) == [True] * 5
    batch = [
        make_article("a1", text="Neuer Text zum Hallenbad."),  # changed
        make_article("a2", text="Bericht Nummer 2 über den Haushalt."),  # unchanged
        make_article("b1", text="Ein neuer Bericht über Radwege."),  # new
        make_article("b2", text="Noch ein Bericht über Radwege."),  # new
    ]
    assert store.put_articles([(a, None, "") for a in batch]) == [True, False, True, True]
    _fts_matches_content(store)
    assert sorted(a.id for a, _ in store.search("Radwege")) == ["b1", "b2"]
    assert [a.id for a, _ in store.search("Hallenbad")] == ["a1"]
    assert sorted(a.id for a, _ in store.search("Haushalt")) == ["a0", "a2", "a3", "a4"]
    assert store.put_articles([]) == []
    _fts_matches_content(store)


def test_articles_stored_before_the_per_batch_fts_migration_stay_searchable(tmp_settings) -> None:
    with Store.open(tmp_settings, migrations=MIGRATIONS[:2]) as store:  # with the FTS insert trigger
        # What the code before the migration did: a plain INSERT, indexed by the trigger.
        store._conn.execute(
            "INSERT INTO articles (id, title, text, outlet_source, published_source, paragraphs, origins,"
            " content_hash, ingested_at, updated_at) VALUES ('old', 'Alt', 'Vor dem Umbau gespeichert:"
            " Hallenbad.', 'unknown', 'unknown', '[]', '[]', 'x', '2026-01-01', '2026-01-01')"
        )
        _fts_matches_content(store)
    with Store.open(tmp_settings) as store:
        store.put_article(make_article("new", text="Nach dem Umbau gespeichert: Hallenbad."))
        _fts_matches_content(store)
        assert sorted(a.id for a, _ in store.search("Hallenbad")) == ["new", "old"]
        assert [a.id for a, _ in store.search("Vor")] == ["old"]


@pytest.mark.parametrize(
    "query",
    ["", "   ", '"', "AND", "NOT OR", "a:b", "(x", "*", "NEAR(a b)", "^x", "-", "\x00", "a\x00b", '""*'],
)
def test_search_treats_fts_syntax_as_plain_words(store: Store, query: str) -> None:
    store.put_article(make_article())
    assert isinstance(store.search(query), list)


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.characters()))  # surrogates included
def test_search_never_raises_for_any_text(store: Store, query: str) -> None:
    if not store.count_articles():
        store.put_article(make_article())
    results = store.search(query, limit=5)
    assert all(isinstance(snippet, str) for _, snippet in results)


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1), st.text(), st.none() | st.text())
def test_any_unicode_article_roundtrips_through_the_store(store: Store, aid: str, text: str, title) -> None:
    article = make_article(aid, text=text, title=title, origins=())
    store.put_article(article)
    assert store.get_article(aid) == article


def test_resolve_article_id_by_prefix(store: Store) -> None:
    store.put_articles([(make_article(i), None, "") for i in ("abc123", "abd456", "abd789")])
    assert store.resolve_article_id("abc") == "abc123"
    assert store.resolve_article_id("abd456") == "abd456"
    with pytest.raises(AmbiguousArticleId, match="'abd' matches several articles.*abd456, abd789"):
        store.resolve_article_id("abd")
    with pytest.raises(ArticleNotFound, match="no stored article id starts with 'zz'"):
        store.resolve_article_id("zz")
    with pytest.raises(ArticleNotFound):
        store.resolve_article_id("")


def test_outcomes_are_recorded_per_run_and_found_by_article(store: Store) -> None:
    stored = Outcome("a.html", OutcomeStatus.STORED, article_id="a1")
    skipped = Outcome("b.txt", OutcomeStatus.SKIPPED, SkipReason.TOO_SHORT.value, "only 12 characters")
    store.record_outcomes("run-1", [stored, skipped])
    store.record_outcomes("run-2", [Outcome("a.html", OutcomeStatus.SKIPPED, "duplicate", article_id="a1")])
    assert store.outcomes_of_run("run-1") == [stored, skipped]
    found = store.outcomes_for("a1")
    assert [(run, o.status) for run, _, o in found] == [
        ("run-1", OutcomeStatus.STORED),
        ("run-2", OutcomeStatus.SKIPPED),
    ]


def test_analyses_store_serialised_dataclasses_by_kind_and_key(store: Store) -> None:
    article = make_article()
    store.put_analysis("reading", "a1", to_dict(article), version=2)
    assert from_dict(Article, store.get_analysis("reading", "a1")) == article
    assert store.analysis_version("reading", "a1") == 2
    store.put_analysis("reading", "a1", {"replaced": True})
    assert store.get_analysis("reading", "a1") == {"replaced": True}
    assert store.get_analysis("briefing", "a1") is None
    with pytest.raises(ValueError):
        store.put_analysis("x", "y", {"nan": float("nan")})


def test_stories_keep_members_with_reasons_and_published_range(store: Store) -> None:
    store.put_articles(
        [
            (make_article("a", published=dt.date(2026, 2, 7)), None, ""),
            (make_article("b", published=dt.date(2026, 2, 9)), None, ""),
            (make_article("c", published=None), None, ""),
        ]
    )
    story = store.put_story(StoredStory("s1", "Truppen", (("b", {"sim": 0.8}), ("a", {"sim": 1.0}))))
    assert story.article_ids == ("a", "b")  # by publication date
    assert (story.first_published, story.last_published) == (dt.date(2026, 2, 7), dt.date(2026, 2, 9))
    assert dict(story.members)["b"] == {"sim": 0.8}
    again = store.put_story(StoredStory("s1", "Truppen 2", (("c", {}),)))
    assert again.article_ids == ("c",) and again.created_at == story.created_at
    assert again.first_published is None
    store.put_story(StoredStory("s2", "Zweite", (("a", {}),)))
    assert [s.id for s in store.list_stories()] == ["s2", "s1"]
    assert store.stories_of("a") == ["s2"]
    assert store.get_story("nope") is None


def test_story_with_unknown_article_is_refused_and_leaves_the_old_story(store: Store) -> None:
    store.put_article(make_article("a"))
    store.put_story(StoredStory("s1", "T", (("a", {}),)))
    with pytest.raises(StoreError, match=r"not stored \(\['ghost'\]\)"):
        store.put_story(StoredStory("s1", "T", (("a", {}), ("ghost", {}))))
    assert store.get_story("s1").article_ids == ("a",)


def test_fts_index_holds_an_article_inserted_and_changed_in_the_same_batch(store: Store) -> None:
    # The update trigger would 'delete' the first version from the index before the batch's
    # INSERT … SELECT has put it there, leaving the index inconsistent with its content.
    first = make_article("c1", text="Erste Fassung über das Hallenbad.")
    second = make_article("c1", text="Zweite Fassung über die Radwege.")
    assert store.put_articles([(first, None, ""), (second, None, "")]) == [True, True]
    _fts_matches_content(store)
    assert store.search("Hallenbad") == []
    assert [a.id for a, _ in store.search("Radwege")] == ["c1"]
