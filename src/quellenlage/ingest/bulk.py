"""JSONL lines → articles, moved to a worker process once a stream proves large.

Reading a bulk file is pure Python (JSON, normalisation, language id, origins) and holds the GIL,
while the store's writer thread needs it too; a worker process gives the reader a core of its own.
The first :data:`INLINE_LINES` lines are converted here, so small inputs never start a worker; then
a forked worker (which inherits the loaded language model, so it starts at once) takes chunks of
lines while this process reads the file, builds the outcomes and stores.

:func:`convert_lines` yields every line with its conversion, in input order, whichever process did
the work; if no worker can be started or the worker dies, the lines are converted here instead, so
every line still gets exactly one result.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import fields
from typing import Any

from ..models import Article, Paragraph
from .build import make_article
from .jsonl import BadRecord, Broken, Line, parse_record

# Lines converted in this process before a worker is started: a file this small is read in well
# under a second, so a worker process would not pay off. Not tuned; re-run bench/ingest.py.
INLINE_LINES = 1_000
# Lines per task sent to the worker, and tasks kept in flight: ~250 x 7 KB = 1.7 MB per chunk, so
# at most ~7 MB of lines wait in the pipe. Not tuned finely; re-run bench/ingest.py after changing.
CHUNK_LINES = 250
IN_FLIGHT = 4
# One worker: on two cores the other one runs the store's writer, which bounds the pace of
# `quellenlage ingest` (bench/ingest.py: jsonl_writer_cpu_s vs jsonl_reader_cpu_s).
WORKERS = 1
# Seconds to wait for one chunk before the worker counts as hung (a chunk takes ~0.1 s; a forked
# worker could block on a lock copied while held). A hung worker is killed and its lines are
# converted here, as for a dead one.
CHUNK_TIMEOUT_S = 120.0

Converted = Article | BadRecord | None  # None: the line is not converted (too long, broken, empty text)
_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_PARAGRAPHS = _ARTICLE_FIELDS.index("paragraphs")


def convert_line(data: bytes) -> Article | BadRecord | None:
    """One JSONL line → its article; the :class:`BadRecord` when it is not a record; None when the
    record's text is empty."""
    try:
        record = parse_record(data)
    except BadRecord as exc:
        return exc
    if not record.text.strip():
        return None
    return make_article(
        record.text,
        url=record.url,
        title=record.title,
        published=record.published,
        site_name=record.source,
        source_label=record.label,
        language=record.language,
    )


def convert_lines(
    lines: Iterable[Line | Broken],
    *,
    inline_lines: int | None = None,
    workers: int | None = None,
    chunk_lines: int | None = None,
) -> Iterator[tuple[Line | Broken, Converted]]:
    """Each of ``lines`` with its conversion, in order; a worker process takes over after
    ``inline_lines`` lines (``workers=0``: never). Unset options take the module's constants."""
    inline_lines = INLINE_LINES if inline_lines is None else inline_lines
    workers = WORKERS if workers is None else workers
    chunk_lines = CHUNK_LINES if chunk_lines is None else chunk_lines
    lines = iter(lines)
    started: tuple[ProcessPoolExecutor, Future[None]] | None = None
    try:
        for count, line in enumerate(lines, 1):
            yield line, _convert_here(line)
            if count >= inline_lines and workers > 0:
                started = _start_pool(workers)
                break
        else:
            return
        if started is None:  # no worker could be started: convert everything here
            yield from ((line, _convert_here(line)) for line in lines)
            return
        pool, warm = started
        yield from _convert_in_pool(pool, warm, lines, chunk_lines, workers)
    finally:
        if started is not None:
            started[0].shutdown(wait=True, cancel_futures=True)


def _convert_here(line: Line | Broken) -> Converted:
    if isinstance(line, Broken) or line.data is None:
        return None
    return convert_line(line.data)


def _start_pool(workers: int) -> tuple[ProcessPoolExecutor, Future[None]] | None:
    """A pool and its warm-up call (spawning happens in the background), or None if it cannot start."""
    # "fork", not "spawn": a spawned worker re-imports the caller's main module (running an
    # unguarded script twice) and must import the ingest package and load the language model
    # (~2 CPU-seconds). The caller may run threads (the store's writer thread) when it forks; the
    # child only runs the pure conversion code below and never touches the store, a lock, logging
    # or the network, so a lock copied while held cannot block it. Python 3.12+ warns about forking
    # a threaded process in general; that warning is silenced here for this reason.
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    except (OSError, ValueError):  # no fork on this platform, no semaphores
        return None
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".*use of fork\\(\\) may lead to deadlocks", DeprecationWarning)
            return pool, pool.submit(_warm_up)
    except (OSError, RuntimeError, AssertionError):  # cannot fork now (interpreter shutdown, a daemon)
        pool.shutdown(wait=False)
        return None


def _convert_in_pool(
    pool: ProcessPoolExecutor,
    warm: Future[None],
    lines: Iterator[Line | Broken],
    chunk_lines: int,
    workers: int,
) -> Iterator[tuple[Line | Broken, Converted]]:
    """Chunks go to the pool once ``warm`` is done; chunks before that are converted here."""
    pending: deque[tuple[list[Line | Broken], Future[list[Any]] | None]] = deque()
    broken = False
    while True:
        chunk = [line for _, line in zip(range(chunk_lines), lines, strict=False)]
        if not chunk and not pending:
            return
        if chunk:
            if broken or not warm.done():
                pending.append((chunk, None))  # converted here, in order
            else:
                try:
                    pending.append((chunk, pool.submit(_convert_chunk, [_data(line) for line in chunk])))
                except (BrokenProcessPool, RuntimeError):
                    broken = True
                    pending.append((chunk, None))
        while pending and (not chunk or pending[0][1] is None or len(pending) > IN_FLIGHT * workers):
            done, future = pending.popleft()
            results = None
            if future is not None:
                try:
                    results = [_unpack(value) for value in future.result(timeout=CHUNK_TIMEOUT_S)]
                except (BrokenProcessPool, TimeoutError):  # the worker died or hangs: redo it here
                    broken = True
                    _kill_workers(pool)
            if results is None:
                results = [_convert_here(line) for line in done]
            yield from zip(done, results, strict=True)


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Kill a broken or hung pool's processes, so that its shutdown cannot block on them."""
    # ProcessPoolExecutor has no public handle on its processes; ``_processes`` is stable since 3.2.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()


def _data(line: Line | Broken) -> bytes | None:
    return None if isinstance(line, Broken) else line.data


# -- in the worker ---------------------------------------------------------------------------------


def _warm_up() -> None:
    """Answer once the worker runs (and load the language model, if this process had not)."""
    make_article("Der Stadtrat hat am Dienstag den Haushalt beschlossen.")


def _convert_chunk(chunk: list[bytes | None]) -> list[Any]:
    return [_pack(None if data is None else convert_line(data)) for data in chunk]


def _pack(value: Converted) -> Any:
    """Articles travel as flat tuples: pickling each Paragraph dataclass costs twice the time."""
    if not isinstance(value, Article):
        return value
    values = [getattr(value, name) for name in _ARTICLE_FIELDS]
    values[_PARAGRAPHS] = tuple(offset for p in value.paragraphs for offset in (p.start, p.end))
    return tuple(values)


def _unpack(value: Any) -> Converted:
    if not isinstance(value, tuple):
        return value  # type: ignore[no-any-return]
    offsets = iter(value[_PARAGRAPHS])
    values = list(value)
    values[_PARAGRAPHS] = tuple(map(Paragraph, offsets, offsets))
    return Article(*values)
