"""Bulk JSONL conversion: the worker process gives the same results, in order, as converting here."""

from __future__ import annotations

import datetime as dt
import io
import json
import os

import pytest
from conftest import german_text

from quellenlage.ingest import bulk, iter_ingest
from quellenlage.ingest.build import make_article
from quellenlage.ingest.jsonl import BadRecord, Broken, Line, iter_lines
from quellenlage.models import OutcomeStatus

MAX_LINE = 4_000  # the too-long line below is longer


def _lines() -> bytes:
    """31 lines: articles (German and English, with and without url/date/language), a bad line, a
    non-object, an empty text and a line over MAX_LINE, spread over several chunks."""
    rows: list[bytes] = []
    for n in range(25):
        record: dict[str, object] = {"text": german_text(f"Artikel {n}."), "title": f"Titel {n}"}
        if n % 2:
            record |= {"url": f"https://www.example.de/a/{n}", "date": f"2021-03-0{1 + n % 9}"}
        if n % 5 == 0:
            record["text"] = f"The city council approved budget {n} for next year on Tuesday. " * 5
        if n % 7 == 0:
            record["language"] = "de-AT"
        rows.append(json.dumps(record, ensure_ascii=False).encode())
    rows[3:3] = [b"{not json", b"[1, 2]", json.dumps({"text": "  "}).encode()]
    rows.insert(20, json.dumps({"text": "x" * (MAX_LINE + 10)}).encode())
    rows.append(json.dumps({"text": "Kurz, aber ein Text: Der Rat tagt am Montag."}).encode())
    rows.append(json.dumps({"text": german_text("Ende."), "source": "Neustädter Bote"}).encode())
    return b"\n".join(rows) + b"\n"


def _convert(**options: int) -> list[tuple[Line | Broken, object]]:
    return list(bulk.convert_lines(iter_lines(io.BytesIO(_lines()), MAX_LINE), **options))


def _comparable(value: object) -> object:
    return str(value) if isinstance(value, BadRecord) else value  # exceptions compare by identity


def _results(converted: list[tuple[Line | Broken, object]]) -> list[tuple[object, object]]:
    return [(line, _comparable(value)) for line, value in converted]


@pytest.fixture(scope="module")
def here() -> list[tuple[Line | Broken, object]]:
    return _convert(workers=0)


def test_lines_converted_here_cover_every_case(here):
    values = [value for _, value in here]
    assert [line.number for line, _ in here] == list(range(1, 32))
    assert sum(isinstance(v, BadRecord) for v in values) == 2
    assert values[5] is None and here[20][0].data is None and here[20][1] is None  # empty text; too long
    articles = [v for v in values if v is not None and not isinstance(v, BadRecord)]
    assert len(articles) == 27
    assert {a.language for a in articles} == {"de", "en"}


@pytest.fixture()
def converted_here(monkeypatch) -> list[int]:
    """Line numbers converted in this process; the worker is warm before the first chunk is sent."""
    numbers: list[int] = []
    convert_here, start_pool = bulk._convert_here, bulk._start_pool

    def counted(line: Line | Broken) -> object:
        numbers.append(line.number)
        return convert_here(line)

    def warm_pool(workers: int) -> object:
        started = start_pool(workers)
        assert started is not None, "this system cannot start a worker process"
        started[1].result()
        return started

    monkeypatch.setattr(bulk, "_convert_here", counted)
    monkeypatch.setattr(bulk, "_start_pool", warm_pool)
    return numbers


@pytest.mark.parametrize(("inline_lines", "chunk_lines"), [(1, 1), (3, 4), (10, 50)])
def test_worker_gives_the_same_results_in_order(here, converted_here, inline_lines, chunk_lines):
    converted = _convert(inline_lines=inline_lines, chunk_lines=chunk_lines, workers=1)
    assert _results(converted) == _results(here)
    assert converted_here == list(range(1, inline_lines + 1))  # the rest came from the worker


def _die(chunk: list[bytes | None]) -> list[object]:
    os._exit(3)  # a worker killed mid-run (out of memory, SIGKILL)


def test_a_dead_worker_leaves_no_line_without_a_result(here, converted_here, monkeypatch):
    monkeypatch.setattr(bulk, "_convert_chunk", _die)
    converted = _convert(inline_lines=2, chunk_lines=3, workers=1)
    assert _results(converted) == _results(here)
    assert converted_here == list(range(1, 32))  # every chunk sent to the worker was redone here


def _hang(chunk: list[bytes | None]) -> list[object]:
    import time

    time.sleep(3600)  # a worker blocked on a lock it inherited from the forking process
    return []


def test_a_hung_worker_is_killed_and_its_lines_are_converted_here(here, converted_here, monkeypatch):
    import time

    monkeypatch.setattr(bulk, "_convert_chunk", _hang)
    monkeypatch.setattr(bulk, "CHUNK_TIMEOUT_S", 0.5)
    started = time.monotonic()
    converted = _convert(inline_lines=2, chunk_lines=3, workers=1)
    assert _results(converted) == _results(here)
    assert converted_here == list(range(1, 32))
    assert time.monotonic() - started < 30  # the hung worker neither blocks the run nor its shutdown


def test_lines_are_converted_here_when_no_worker_can_start(here, monkeypatch):
    monkeypatch.setattr(bulk, "_start_pool", lambda workers: None)
    assert _results(_convert(inline_lines=2, workers=1)) == _results(here)


def test_stopping_early_shuts_the_worker_down():
    lines = bulk.convert_lines(iter_lines(io.BytesIO(_lines()), MAX_LINE), inline_lines=1, chunk_lines=2)
    first = [next(lines) for _ in range(8)]
    lines.close()  # the generator's finally shuts the pool down; nothing is left running
    assert [line.number for line, _ in first] == list(range(1, 9))


def test_articles_survive_the_trip_from_the_worker_unchanged():
    text = "Quelle: dpa\n\n" + german_text("Übersetzt von Anna.")
    article = make_article(text, url="https://www.example.de/x", title="T", published=dt.date(2021, 3, 1))
    assert article.paragraphs and article.origins
    assert bulk._unpack(bulk._pack(article)) == article
    assert bulk._unpack(bulk._pack(None)) is None


def test_a_large_jsonl_file_is_read_through_the_worker_with_one_outcome_a_line(
    tmp_path, settings, monkeypatch, converted_here
):
    monkeypatch.setattr(bulk, "INLINE_LINES", 5)
    monkeypatch.setattr(bulk, "CHUNK_LINES", 4)
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(_lines())
    items = list(iter_ingest([str(path)], settings.replace(max_input_bytes=MAX_LINE)))
    assert [item.outcome.input for item in items] == [f"{path}:{n}" for n in range(1, 32)]
    reasons = [item.outcome.reason for item in items if item.outcome.status is not OutcomeStatus.STORED]
    assert sorted(reasons) == ["bad-line", "bad-line", "empty", "line-too-long", "too-short"]
    assert converted_here == [1, 2, 3, 4, 5]


def test_storing_through_the_worker_twice_is_idempotent_and_searchable(tmp_path, settings, monkeypatch):
    from quellenlage.store import Store
    from quellenlage.storing import store_items

    monkeypatch.setattr(bulk, "INLINE_LINES", 3)
    monkeypatch.setattr(bulk, "CHUNK_LINES", 5)
    path = tmp_path / "bulk.jsonl"
    path.write_bytes(_lines())
    settings = settings.replace(max_input_bytes=MAX_LINE)
    with Store.open(settings) as store:
        first = list(store_items(store, iter_ingest([str(path)], settings), "one"))
        again = list(store_items(store, iter_ingest([str(path)], settings), "two"))
        stored = [o for o in first if o.status is OutcomeStatus.STORED]
        assert len(first) == len(again) == 31 and len(stored) == 26
        assert [o.reason for o in again if o.article_id in {s.article_id for s in stored}] == [
            "duplicate"
        ] * 26
        assert store.count_articles() == 26
        assert [a.title for a, _ in store.search("budget 15")] == ["Titel 15"]


def test_a_platform_without_fork_converts_every_line_here(here, monkeypatch):
    def no_fork(method: str) -> object:
        raise ValueError(f"cannot find context for {method!r}")

    monkeypatch.setattr(bulk.multiprocessing, "get_context", no_fork)
    assert bulk._start_pool(1) is None
    assert _results(_convert(inline_lines=2, workers=1)) == _results(here)
