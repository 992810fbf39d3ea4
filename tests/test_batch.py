"""The batch job: one output line per input, order, resume after a crash, engines, CLI."""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from quellenlage.batch import LocalEngine, done_inputs, make_engine, run_batch
from quellenlage.cli import cli
from quellenlage.errors import InputError, QuellenlageError
from quellenlage.settings import load_settings

REPORT = (
    "Berlin. Bundesgesundheitsminister Jens Spahn hat am Donnerstag neue Regeln angekündigt. "
    "Nach Angaben des Robert Koch-Instituts wurden 1.234 neue Fälle gemeldet. "
    "„Wir müssen vorsichtig bleiben“, sagte Spahn in Berlin. Die Länder wollen am Montag beraten."
)
RANT = (
    "Die Wahrheit über die Corona-Diktatur! Die Systemmedien verschweigen die dramatischen Folgen "
    "der Zwangsmaßnahmen. Jeder weiß es, aber niemand sagt es. Teile die Wahrheit! Bitte teilen, "
    "bevor es gelöscht wird! Die Regierung lügt uns seit Monaten an."
)


def _record(i: int, text: str) -> str:
    return json.dumps({"id": f"r{i}", "url": f"https://example.org/a/{i}", "date": "2020-11-13",
                       "title": f"Meldung {i}", "text": f"{text} (Meldung {i})"}, ensure_ascii=False)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    lines = [_record(1, REPORT), "{not json", _record(2, RANT), _record(3, "zu kurz"),
             _record(4, REPORT + " " + RANT), _record(5, REPORT)]
    path = tmp_path / "corpus.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_every_input_gets_one_line(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    counts = run_batch([str(corpus)], out, load_settings(), LocalEngine(1), chunk_size=2)
    rows = _rows(out)
    by_input = {row["input"]: row for row in rows}
    assert len(rows) == len(by_input) == 6
    assert by_input[f"{corpus}:2"]["status"] == "failed"
    assert by_input[f"{corpus}:4"] == {**by_input[f"{corpus}:4"], "status": "skipped", "reason": "too-short"}
    analysed = [r for r in rows if r["status"] == "analysed"]
    assert (counts.analysed, counts.skipped, counts.failed) == (4, 1, 1) == (len(analysed), 1, 1)
    # analysed rows come back in input order
    assert [r["input"] for r in analysed] == [f"{corpus}:{n}" for n in (1, 3, 5, 6)]
    for row in analysed:
        assert 0.0 <= row["reliability"]["score"] <= 1.0
        assert row["article"]["language"] == "de"
        assert row["reading"]["sentences"] >= 4
    report, rant = by_input[f"{corpus}:1"], by_input[f"{corpus}:3"]
    assert "Jens Spahn" in {e["name"] for e in report["reading"]["top_entities"]}
    # every listed entity points to where it is first mentioned in its article
    texts = {1: REPORT, 3: RANT}
    for n, row in ((1, report), (3, rant)):
        for entity in row["reading"]["top_entities"]:
            span = entity["first_span"]
            assert span["article_id"] == row["article"]["id"]
            assert texts[n][span["start"]:span["end"]] in {entity["name"], *entity["name"].split()}
    kinds = {s["kind"] for s in rant["signals"]}
    assert "call_to_share" in kinds
    assert "call_to_share" not in {s["kind"] for s in report["signals"]}
    # every signal span points into the article it came from
    for row in analysed:
        for signal in row["signals"]:
            for span in signal["spans"]:
                assert span["article_id"] == row["article"]["id"]


@pytest.mark.slow
def test_resume_after_a_crash_loses_and_repeats_nothing(corpus: Path, tmp_path: Path) -> None:
    full = tmp_path / "full.jsonl"
    run_batch([str(corpus)], full, load_settings(), LocalEngine(1))
    lines = full.read_text(encoding="utf-8").splitlines(keepends=True)
    # a crash after two complete lines, in the middle of writing the third
    out = tmp_path / "out.jsonl"
    out.write_text("".join(lines[:2]) + lines[2][:25], encoding="utf-8")
    counts = run_batch([str(corpus)], out, load_settings(), LocalEngine(1), resume=True)
    assert counts.resumed == 2
    assert sorted(r["input"] for r in _rows(out)) == sorted(r["input"] for r in _rows(full))


def test_existing_output_needs_resume(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="--resume"):
        run_batch([str(corpus)], out, load_settings(), LocalEngine(1))


def test_done_inputs_rejects_a_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "other.jsonl"
    path.write_text('{"something": 1}\n', encoding="utf-8")
    with pytest.raises(InputError, match="not a quellenlage batch result"):
        done_inputs(path)
    assert done_inputs(tmp_path / "missing.jsonl") == set()


def _double(chunk: list[int]) -> list[int]:  # top level: picklable for worker processes
    return [2 * x for x in chunk]


@pytest.mark.slow
def test_local_engine_keeps_order_across_processes() -> None:
    engine = LocalEngine(2)
    try:
        chunks = [[i, i + 1] for i in range(0, 40, 2)]
        results = list(engine.map(_double, iter(chunks)))  # type: ignore[arg-type]
    finally:
        engine.close()
    assert [x for chunk in results for x in chunk] == [2 * i for i in range(40)]


def test_engine_choices_are_checked() -> None:
    with pytest.raises(InputError, match="at least 1"):
        LocalEngine(0)
    with pytest.raises(InputError, match="unknown engine"):
        make_engine("spark", 2)
    with pytest.raises(InputError, match="only used with --engine ray"):
        make_engine("local", 2, "ray://head:10001")


def test_ray_engine_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the batch extra were not installed
    with pytest.raises(QuellenlageError, match=r"quellenlage\[batch\]"):
        make_engine("ray", 1)


@pytest.mark.slow
def test_cli_prints_a_summary_and_refuses_to_overwrite(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert (summary["analysed"], summary["skipped"], summary["failed"]) == (4, 1, 1)
    again = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(out)])
    assert again.exit_code == 1 and "--resume" in again.output
    resumed = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(out), "--resume"])
    assert resumed.exit_code == 0, resumed.output
    assert json.loads(resumed.output.strip().splitlines()[-1])["resumed"] == 6
    assert len(_rows(out)) == 6


@pytest.mark.slow
def test_ray_engine_gives_the_same_results_as_local(corpus: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray", reason="the Ray engine needs the batch extra")
    from quellenlage.batch import RayEngine

    local, remote = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_batch([str(corpus)], local, load_settings(), LocalEngine(1))
    engine = RayEngine(workers=2)
    try:
        assert engine.workers == 2
        run_batch([str(corpus)], remote, load_settings(), engine, chunk_size=1)
    finally:
        engine.close()
    assert _rows(remote) == _rows(local)


class _StubEngine:
    """Answers every chunk without the models; ``fail_after`` chunks, it raises (a crashed engine)."""

    workers = 1

    def __init__(self, fail_after: int | None = None) -> None:
        self.fail_after = fail_after

    def map(self, function, chunks):  # type: ignore[no-untyped-def]
        chunks = list(chunks)  # the whole input is ingested (and its skipped lines written) first
        for number, chunk in enumerate(chunks):
            if self.fail_after is not None and number >= self.fail_after:
                raise RuntimeError("worker died")
            yield [{"status": "analysed", "article": {"id": a.id}} for a in chunk]

    def close(self) -> None:
        pass


def test_the_same_input_given_twice_gets_one_line(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    counts = run_batch([str(corpus), str(corpus)], out, load_settings(), _StubEngine(), chunk_size=100)
    names = [row["input"] for row in _rows(out)]
    assert sorted(names) == sorted(set(names)) and len(names) == 6
    assert counts.analysed == 4


def test_a_crash_after_the_duplicate_lines_does_not_lose_the_first_reading(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(QuellenlageError, match="worker died"):
        run_batch([str(corpus), str(corpus)], out, load_settings(), _StubEngine(fail_after=0),
                  chunk_size=100)
    run_batch([str(corpus), str(corpus)], out, load_settings(), _StubEngine(), chunk_size=100,
              resume=True)
    analysed = {row["input"] for row in _rows(out) if row["status"] == "analysed"}
    assert analysed == {f"{corpus}:{n}" for n in (1, 3, 5, 6)}


def test_input_names_that_are_not_valid_utf8_are_written_and_resumed(tmp_path: Path) -> None:
    source = tmp_path / "bericht-\udcff.txt"  # a file name with an undecodable byte (POSIX)
    try:
        source.write_text(REPORT, encoding="utf-8")
    except (UnicodeEncodeError, OSError):
        pytest.skip("the file system does not take undecodable file names")
    out = tmp_path / "out.jsonl"
    counts = run_batch([str(source)], out, load_settings(), _StubEngine())
    assert counts.analysed == 1
    assert done_inputs(out) == {str(source)}
    again = run_batch([str(source)], out, load_settings(), _StubEngine(), resume=True)
    assert (again.resumed, again.analysed) == (1, 0)


def _blas_threads(chunk: list[int]) -> list[int]:  # top level: picklable for worker processes
    from threadpoolctl import threadpool_info

    return [max((pool["num_threads"] for pool in threadpool_info()), default=1) for _ in chunk]


@pytest.mark.slow
def test_local_workers_run_one_blas_thread_each(monkeypatch: pytest.MonkeyPatch) -> None:
    # Importing the engine's module in a worker loads numpy (and its BLAS thread pool) before the
    # initializer runs, so setting OMP_NUM_THREADS there alone comes too late.
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    engine = LocalEngine(2)
    try:
        results = list(engine.map(_blas_threads, iter([[0], [1]])))  # type: ignore[arg-type]
    finally:
        engine.close()
    assert results == [[1], [1]]


def test_an_engine_failure_says_how_to_continue(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    with pytest.raises(QuellenlageError, match=r"RuntimeError: worker died.*--resume") as caught:
        run_batch([str(corpus)], out, load_settings(), _StubEngine(fail_after=1), chunk_size=2)
    assert isinstance(caught.value.__cause__, RuntimeError)
    written = done_inputs(out)  # complete lines only: the first chunk and the skipped/failed lines
    assert {f"{corpus}:1", f"{corpus}:3"} <= written and f"{corpus}:5" not in written
    counts = run_batch([str(corpus)], out, load_settings(), _StubEngine(), chunk_size=2, resume=True)
    assert counts.resumed == len(written) and counts.analysed + counts.resumed == 4 + 2
    assert sorted(r["input"] for r in _rows(out)) == [f"{corpus}:{n}" for n in range(1, 7)]


def test_an_output_file_that_cannot_be_written_is_a_user_error(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "missing-folder" / "out.jsonl"
    with pytest.raises(InputError, match=r"cannot write .*out\.jsonl.*folder exists"):
        run_batch([str(corpus)], out, load_settings(), _StubEngine())


def test_an_unreachable_ray_cluster_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import types

    def init(**options: object) -> None:
        raise ConnectionError("Could not find any running Ray instance.")

    fake = types.SimpleNamespace(is_initialized=lambda: False, init=init)
    monkeypatch.setitem(sys.modules, "ray", fake)
    with pytest.raises(QuellenlageError, match=r"ray://head:10001.*Could not find.*--engine local"):
        make_engine("ray", 1, "ray://head:10001")


def test_workers_below_one_is_a_usage_error(corpus: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(tmp_path / "o.jsonl"), "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output
    assert not (tmp_path / "o.jsonl").exists()


# -- resume retries inputs whose analysis crashed ------------------------------------------------


class _FlakyEngine(_StubEngine):
    """Like _StubEngine, but the articles of the records numbered in ``broken`` come back as
    analysis errors (what :func:`assess_chunk` writes when reading or signals crash on one article)."""

    def __init__(self, broken: set[int], fail_after: int | None = None) -> None:
        super().__init__(fail_after)
        self.broken = {f"Meldung {n}" for n in broken}

    def map(self, function, chunks):  # type: ignore[no-untyped-def]
        chunks = list(chunks)
        for results, chunk in zip(super().map(function, chunks), chunks, strict=True):
            yield [
                {"status": "failed", "reason": "analysis-error", "detail": "ValueError: boom",
                 "article": r["article"]} if article.title in self.broken else r
                for r, article in zip(results, chunk, strict=True)
            ]


def _one_line_per_input(path: Path, corpus: Path) -> dict[str, dict]:
    rows = _rows(path)
    names = [row["input"] for row in rows]
    assert sorted(names) == [f"{corpus}:{n}" for n in range(1, 7)], names  # each input exactly once
    return {row["input"]: row for row in rows}


def test_resume_retries_inputs_whose_analysis_crashed(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    first = run_batch([str(corpus)], out, load_settings(), _FlakyEngine({2, 5}), chunk_size=2)
    assert (first.analysed, first.failed) == (2, 3)  # r2, r5 crashed; line 2 is not JSON
    counts = run_batch([str(corpus)], out, load_settings(), _StubEngine(), chunk_size=2, resume=True)
    assert (counts.resumed, counts.analysed, counts.failed) == (4, 2, 0)
    rows = _one_line_per_input(out, corpus)
    assert rows[f"{corpus}:3"]["status"] == rows[f"{corpus}:6"]["status"] == "analysed"
    assert rows[f"{corpus}:2"]["reason"] != "analysis-error"  # an ingest failure is not retried


def test_no_retry_errors_keeps_the_crashed_inputs_as_they_are(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch([str(corpus)], out, load_settings(), _FlakyEngine({2}), chunk_size=2)
    before = out.read_text(encoding="utf-8")
    counts = run_batch([str(corpus)], out, load_settings(), _StubEngine(), chunk_size=2, resume=True,
                       retry_errors=False)
    assert (counts.resumed, counts.analysed) == (6, 0)
    assert out.read_text(encoding="utf-8") == before


def test_a_crash_while_retrying_loses_nothing(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    run_batch([str(corpus)], out, load_settings(), _FlakyEngine({1, 5}), chunk_size=2)
    with pytest.raises(QuellenlageError, match="--resume"):
        run_batch([str(corpus)], out, load_settings(), _StubEngine(fail_after=0), chunk_size=2,
                  resume=True)
    # the crashed run neither duplicated a line nor kept the error lines it was about to replace
    names = [row["input"] for row in _rows(out)]
    assert len(names) == len(set(names)) == 4
    assert {f"{corpus}:1", f"{corpus}:6"}.isdisjoint(names)
    run_batch([str(corpus)], out, load_settings(), _StubEngine(), chunk_size=2, resume=True)
    rows = _one_line_per_input(out, corpus)
    assert rows[f"{corpus}:1"]["status"] == rows[f"{corpus}:6"]["status"] == "analysed"
    assert not list(tmp_path.glob("out.jsonl.*"))  # no temporary file left beside the output


def test_assess_chunk_errors_are_retried_on_resume(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quellenlage import batch

    def crash_on_record_4(article, *settings):  # type: ignore[no-untyped-def]
        if article.title == "Meldung 4":
            raise ValueError("reading crashed")
        return {"article": {"id": article.id}}

    monkeypatch.setattr(batch, "assess", crash_on_record_4)
    out = tmp_path / "out.jsonl"
    run_batch([str(corpus)], out, load_settings(), LocalEngine(1), chunk_size=2)
    crashed = [row for row in _rows(out) if row.get("reason") == "analysis-error"]
    assert [row["input"] for row in crashed] == [f"{corpus}:5"]
    assert "ValueError: reading crashed" in crashed[0]["detail"]
    monkeypatch.setattr(batch, "assess", lambda article, *settings: {"article": {"id": article.id}})
    counts = run_batch([str(corpus)], out, load_settings(), LocalEngine(1), chunk_size=2, resume=True)
    assert (counts.resumed, counts.analysed) == (5, 1)
    assert _one_line_per_input(out, corpus)[f"{corpus}:5"]["status"] == "analysed"


def test_done_inputs_leaves_the_file_alone_unless_asked_to_drop_errors(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    lines = ['{"input": "a", "status": "analysed"}\n',
             '{"input": "b", "status": "failed", "reason": "analysis-error"}\n',
             '{"input": "c", "status": "failed", "reason": "unreadable"}\n']
    path.write_text("".join(lines), encoding="utf-8")
    assert done_inputs(path) == {"a", "b", "c"}
    assert path.read_text(encoding="utf-8") == "".join(lines)
    path.write_text("".join(lines) + '{"input": "d", "sta', encoding="utf-8")  # cut off by a crash
    assert done_inputs(path, retry_errors=True) == {"a", "c"}
    assert path.read_text(encoding="utf-8") == lines[0] + lines[2]


# -- Ctrl-C and the Ray session -----------------------------------------------------------------


def test_ctrl_c_says_how_to_continue_and_exits_130(
    corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from quellenlage import batch

    def interrupted(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(batch, "run_batch", interrupted)
    out = tmp_path / "out file.jsonl"
    result = CliRunner().invoke(cli, ["batch", str(corpus), "--out", str(out), "--workers", "2",
                                      "--chunk-size", "4"])
    assert result.exit_code == 130, result.output
    assert "aborted" in result.stderr
    command = f"quellenlage batch {corpus} --out '{out}' --workers 2 --chunk-size 4 --resume"
    assert command in result.stderr


def test_the_resume_hint_repeats_every_option_that_changes_the_run(tmp_path: Path) -> None:
    from quellenlage.cli.batch_cmd import resume_command

    assert resume_command(["a.jsonl", "b c.warc"], Path("o.jsonl"), "ray", 1, "ray://h:10001", 16,
                          "q.toml", retry_errors=False) == (
        "quellenlage batch a.jsonl 'b c.warc' --out o.jsonl --engine ray --address ray://h:10001 "
        "--config q.toml --no-retry-errors --resume"
    )


class _FakeRay:
    """The parts of the ``ray`` module the engine uses; ``running`` is whether a session exists."""

    def __init__(self, running: bool) -> None:
        self.running = running
        self.inits = self.shutdowns = 0

    def is_initialized(self) -> bool:
        return self.running

    def init(self, **options: object) -> None:
        self.running, self.inits = True, self.inits + 1

    def shutdown(self) -> None:
        self.running, self.shutdowns = False, self.shutdowns + 1

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": 2.0}

    def remote(self, **options: object):  # type: ignore[no-untyped-def]
        return lambda function: function


@pytest.mark.parametrize(("running", "shut_down"), [(False, 1), (True, 0)])
def test_ray_engine_shuts_down_only_the_session_it_started(
    monkeypatch: pytest.MonkeyPatch, running: bool, shut_down: int
) -> None:
    fake = _FakeRay(running)
    monkeypatch.setitem(sys.modules, "ray", fake)
    engine = make_engine("ray", 2)
    assert fake.inits == (0 if running else 1)
    engine.close()
    assert fake.shutdowns == shut_down and fake.running is running


@pytest.mark.slow
def test_ray_engine_leaves_the_callers_ray_session_running() -> None:
    ray = pytest.importorskip("ray", reason="the Ray engine needs the batch extra")
    from quellenlage.batch import RayEngine

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    try:
        engine = RayEngine()
        # a partial (how run_batch passes its settings) of a function Ray workers can import
        descending = functools.partial(sorted, reverse=True)
        assert list(engine.map(descending, iter([[1, 2]]))) == [[2, 1]]  # type: ignore[arg-type]
        engine.close()
        assert ray.is_initialized()
    finally:
        ray.shutdown()
