"""``quellenlage ingest / articles / show`` against a temporary database.

Most tests replace ``iter_ingest`` by a small fake that follows its documented API, so they test
this command (batching, duplicates, summary, exit codes) and not extraction; the end-to-end tests
at the bottom run the real ingest package on the seed articles and on bad inputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from quellenlage import storing
from quellenlage.cli import cli, ingest_cmd
from quellenlage.models import Article, Outcome, OutcomeStatus, Paragraph, SkipReason
from quellenlage.settings import load_settings
from quellenlage.store import Store


@dataclasses.dataclass(frozen=True)
class FakeItem:
    outcome: Outcome
    article: Article | None
    raw: bytes | None
    raw_type: str


def fake_iter_ingest(inputs, settings):
    """Like quellenlage.ingest.iter_ingest for plain text files: first line is the title."""
    for name in inputs:
        path = Path(name)
        if not path.is_file():
            yield FakeItem(
                Outcome(name, OutcomeStatus.FAILED, "unreadable", f"no such file: {name}"), None, None, ""
            )
            continue
        data = path.read_bytes()
        if not data.strip():
            yield FakeItem(
                Outcome(name, OutcomeStatus.SKIPPED, SkipReason.EMPTY.value, "the file is empty"),
                None,
                None,
                "",
            )
            continue
        title, _, text = data.decode().partition("\n")
        article_id = hashlib.sha1(title.encode()).hexdigest()[:16]
        article = Article(
            id=article_id, text=text, title=title, outlet="example.org", language="de",
            paragraphs=(Paragraph(0, len(text)),),
        )  # fmt: skip
        yield FakeItem(
            Outcome(name, OutcomeStatus.STORED, article_id=article_id), article, data, "text/plain"
        )


@pytest.fixture()
def fake_ingest(monkeypatch):
    monkeypatch.setattr(ingest_cmd, "_iter_ingest", fake_iter_ingest)


@pytest.fixture()
def db(tmp_path) -> str:
    return str(tmp_path / "cli.db")


def run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def write(tmp_path: Path, name: str, content: str) -> str:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return str(path)


def test_ingest_stores_articles_records_outcomes_and_summarises(tmp_path, db, fake_ingest) -> None:
    a = write(tmp_path, "a.txt", "Truppen in der Ukraine\nRussland warnt vor Truppen.")
    b = write(tmp_path, "b.txt", "Impfung\nÜber die Impfstoffe wurde berichtet.")
    empty = write(tmp_path, "empty.txt", "")
    result = run("ingest", a, b, empty, str(tmp_path / "missing.txt"), "--db", db)
    assert result.exit_code == 0, result.output
    assert "stored" in result.output and "empty" in result.output and "unreadable" in result.output
    assert "missing.txt" in result.output and "no such file" in result.output
    with Store.open(load_settings(db=db)) as store:
        assert store.count_articles() == 2
        (article,) = [x for x in store.iter_articles() if x.title == "Impfung"]
        assert store.get_raw(article.id) == (Path(b).read_bytes(), "text/plain")
        assert [o.status for _, _, o in store.outcomes_for(article.id)] == [OutcomeStatus.STORED]


def test_reingest_reports_duplicates_and_exits_zero(tmp_path, db, fake_ingest) -> None:
    a = write(tmp_path, "a.txt", "Titel\nText.")
    run("ingest", a, "--db", db)
    result = run("ingest", a, "--db", db, "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary["counts"] == {"skipped": 1}
    assert summary["reasons"] == {"skipped/duplicate": 1}
    assert "already stored" in summary["outcomes"][0]["detail"]


def test_changed_text_for_the_same_id_is_stored_again(tmp_path, db, fake_ingest) -> None:
    path = write(tmp_path, "a.txt", "Titel\nErste Fassung.")
    run("ingest", path, "--db", db)
    write(tmp_path, "a.txt", "Titel\nZweite Fassung.")
    summary = json.loads(run("ingest", path, "--db", db, "--json").output)
    assert summary["counts"] == {"stored": 1}
    listing = json.loads(run("articles", "Fassung", "--db", db, "--json").output)
    assert (
        len(listing) == 1 and "**Zweite**" not in listing[0]["snippet"] and "Zweite" in listing[0]["snippet"]
    )


def test_ingest_exits_one_when_no_input_was_stored(tmp_path, db, fake_ingest) -> None:
    empty = write(tmp_path, "empty.txt", "  \n")
    result = run("ingest", empty, str(tmp_path / "nope.txt"), "--db", db)
    assert result.exit_code == 1
    assert "empty" in result.output and "nope.txt" in result.output


def test_ingest_without_inputs_is_a_usage_error(db) -> None:
    result = CliRunner().invoke(cli, ["ingest", "--db", db])
    assert result.exit_code == 2
    assert "INPUT" in result.output


def test_ingest_into_an_unopenable_db_names_the_path(tmp_path, fake_ingest) -> None:
    a = write(tmp_path, "a.txt", "Titel\nText.")
    result = CliRunner().invoke(cli, ["ingest", a, "--db", str(tmp_path)])
    assert result.exit_code == 1
    assert f"cannot open the database '{tmp_path}'" in result.output


def test_summary_caps_the_listing_and_json_lists_everything(tmp_path, db, fake_ingest, monkeypatch) -> None:
    monkeypatch.setattr(ingest_cmd, "LISTING_CAP", 3)
    missing = [str(tmp_path / f"gone{i}.txt") for i in range(5)]
    ok = write(tmp_path, "ok.txt", "Titel\nText.")
    result = run("ingest", ok, *missing, "--db", db)
    assert result.exit_code == 0
    assert "gone2.txt" in result.output and "gone3.txt" not in result.output
    assert "… and 2 more" in result.output
    summary = json.loads(run("ingest", *missing, "--db", db, "--json").output)
    assert [o["input"] for o in summary["outcomes"]] == missing


def test_batches_keep_input_order_and_detect_repeats_within_a_run(
    tmp_path, db, fake_ingest, monkeypatch
) -> None:
    monkeypatch.setattr(storing, "BATCH_SIZE", 2)
    paths = [write(tmp_path, f"{i}.txt", f"Titel {i % 3}\nText.") for i in range(7)]
    summary = json.loads(run("ingest", *paths, "--db", db, "--json").output)
    assert [o["input"] for o in summary["outcomes"]] == paths
    assert [o["status"] for o in summary["outcomes"]] == ["stored"] * 3 + ["skipped"] * 4
    with Store.open(load_settings(db=db)) as store:
        assert len(store.outcomes_of_run(summary["run_id"])) == 7


def test_articles_lists_newest_first_with_paging_and_outlet_filter(tmp_path, db, fake_ingest) -> None:
    paths = [write(tmp_path, f"{i}.txt", f"Titel {i}\nText {i}.") for i in range(3)]
    run("ingest", *paths, "--db", db)
    listing = json.loads(run("articles", "--db", db, "--json", "--limit", "2").output)
    assert len(listing) == 2 and set(listing[0]) == {"id", "published", "outlet", "language", "title", "url"}
    assert json.loads(run("articles", "--db", db, "--json", "--outlet", "other.de").output) == []
    text = run("articles", "--db", db, "--offset", "1").output
    assert "2–3 of 3 articles" in text and "example.org" in text


def test_articles_search_highlights_matches_and_survives_fts_syntax(tmp_path, db, fake_ingest) -> None:
    run("ingest", write(tmp_path, "a.txt", "Warnung\nDie Sprecherin [warnte] am Freitag."), "--db", db)
    result = run("articles", "Sprecherin", "--db", db)
    assert "Warnung" in result.output and "Sprecherin" in result.output and "1 matches" in result.output
    for query in ['"', "NOT", "a:b", "(", "*"]:
        assert run("articles", query, "--db", db).exit_code == 0


def test_show_by_prefix_prints_metadata_outcomes_and_text(tmp_path, db, fake_ingest) -> None:
    path = write(tmp_path, "a.txt", "Truppen\nRussland warnt [nicht markup].")
    run("ingest", path, "--db", db)
    article_id = json.loads(run("articles", "--db", db, "--json").output)[0]["id"]
    result = run("show", article_id[:6], "--db", db)
    assert result.exit_code == 0
    assert article_id in result.output and "Russland warnt [nicht markup]." in result.output
    assert "example.org (from unknown)" in result.output and "stored" in result.output
    data = json.loads(run("show", article_id, "--db", db, "--json").output)
    assert data["article"]["title"] == "Truppen" and data["raw_type"] == "text/plain"
    assert data["outcomes"][0]["status"] == "stored" and data["outcomes"][0]["input"] == path
    raw = CliRunner().invoke(cli, ["show", article_id, "--db", db, "--raw"])
    assert raw.stdout_bytes == Path(path).read_bytes()


def test_show_unknown_or_ambiguous_id_exits_one_with_advice(tmp_path, db, fake_ingest) -> None:
    run("ingest", *[write(tmp_path, f"{i}.txt", f"T{i}\nx") for i in range(40)], "--db", db)
    result = CliRunner().invoke(cli, ["show", "zzzz", "--db", db])
    assert result.exit_code == 1 and "no stored article id starts with 'zzzz'" in result.output
    ids = [a["id"] for a in json.loads(run("articles", "--db", db, "--json", "--limit", "40").output)]
    prefix = next(a[0] for a in ids if sum(b.startswith(a[0]) for b in ids) > 1)
    result = CliRunner().invoke(cli, ["show", prefix, "--db", db])
    assert result.exit_code == 1 and "matches several articles" in result.output


# -- end to end with the real ingest package ---------------------------------------------------------


def _real_ingest_available() -> bool:
    try:
        from quellenlage.ingest import iter_ingest  # noqa: F401
    except ImportError:
        return False
    return True


real = pytest.mark.skipif(not _real_ingest_available(), reason="quellenlage.ingest.iter_ingest not there yet")


@real
def test_real_ingest_of_the_seeds_then_show_and_search(seed_paths, db) -> None:
    result = run("ingest", *map(str, seed_paths), "--db", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"] == {"stored": 2}
    again = json.loads(run("ingest", *map(str, seed_paths), "--db", db, "--json").output)
    assert again["reasons"] == {"skipped/duplicate": 2}
    hits = json.loads(run("articles", "Ukraine", "--db", db, "--json").output)
    assert len(hits) >= 1
    shown = json.loads(run("show", hits[0]["id"][:8], "--db", db, "--json").output)
    assert shown["article"]["language"] == "de" and shown["article"]["paragraphs"]


@real
def test_real_ingest_of_only_bad_inputs_exits_one(tmp_path, db) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = CliRunner().invoke(
        cli, ["ingest", str(empty), str(tmp_path / "missing.txt"), "--db", db, "--json"]
    )
    assert result.exit_code == 1
    outcomes = json.loads(result.output)["outcomes"]
    assert [o["input"] for o in outcomes] == [str(empty), str(tmp_path / "missing.txt")]
    assert all(o["status"] in ("skipped", "failed") and o["detail"] for o in outcomes)


@real
def test_real_ingest_reads_jsonl_from_stdin(db) -> None:
    text = "Die Landesregierung hat am Dienstag neue Regeln für Schulen beschlossen. " * 8
    lines = [
        json.dumps(
            {"url": "https://www.example.de/a", "title": "Schulen", "text": text, "date": "2021-03-04"}
        ),
        "kein json",
    ]
    result = CliRunner().invoke(cli, ["ingest", "-", "--db", db, "--json"], input="\n".join(lines).encode())
    assert result.exit_code == 0, result.output
    outcomes = json.loads(result.output)["outcomes"]
    assert [o["status"] for o in outcomes] == ["stored", "failed"]
    assert outcomes[0]["detail"] == ""  # "ready to store" was the reader's word, not the final one
    shown = json.loads(run("show", outcomes[0]["article_id"], "--db", db, "--json").output)
    assert shown["article"]["published"] == "2021-03-04" and shown["raw_type"] == "application/jsonl"
