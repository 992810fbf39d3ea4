"""The batch job: read and rate every article of a corpus, spread over processes or a Ray cluster.

    ingest (one process, in order) ─chunks→ engine.map(assess_chunk) ─ordered results→ JSONL file

Ingest stays in the driver: it is cheap (≈1,000 JSONL articles/s), keeps the one-outcome-per-input
contract of :func:`quellenlage.ingest.iter_ingest` (skipped and failed inputs are written too, so
nothing is lost) and deduplicates by article id. The expensive part — the reading layer, content
and source signals and the reliability score, ≈20–50 articles/s per core — runs per chunk on an
:class:`Engine`:

- :class:`LocalEngine` — ``workers`` processes on this machine (``workers=1`` runs inline);
- :class:`RayEngine` — tasks on an existing Ray cluster (``pip install 'quellenlage[batch]'``;
  every node needs ``quellenlage`` installed). ``address=None`` starts a local Ray instance.

Both keep a bounded number of chunks in flight (memory stays flat on any corpus size) and yield
results in input order. Every input gets exactly one output line naming it (``input``: the path, URL
or ``path:line`` for JSONL); skipped and failed inputs are written as soon as ingest meets them,
analysed articles when their chunk returns. :func:`done_inputs` reads the names back, so an
interrupted run continues with ``--resume`` without losing or repeating an input; inputs whose
analysis crashed (``analysis-error``) are analysed again, and their old lines dropped (see there).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from .errors import InputError, QuellenlageError
from .ingest import iter_ingest
from .models import Article
from .serialize import to_dict
from .settings import SETTINGS, Settings
from .workers import ordered_map, process_pool

CHUNK_SIZE = 16  # articles per task: big enough to amortise the hand-off, small enough to balance
IN_FLIGHT_PER_WORKER = 2  # chunks queued per worker (bounds memory)
TOP_ENTITIES = 10  # entities listed per article, by mention count
# Failure reasons that ``--resume`` retries: a crash in reading or signals on one article may be a
# bug fixed since, or a worker's memory; an ingest failure (bad line, unreadable, fetch error) is a
# property of the input and is kept.
RETRIED_REASONS = frozenset({"analysis-error"})


def assess(
    article: Article, subjectivity: str = SETTINGS["subjectivity"][0], entities: str = SETTINGS["entities"][0]
) -> dict[str, Any]:
    """One article's reading summary, signals and reliability score, as plain JSON-ready data.

    ``subjectivity`` and ``entities`` are the settings of those names (a model is loaded once per
    worker process)."""
    from .nlp import read
    from .reliability import score_article
    from .signals import article_signals, subjectivity_hook

    reading = read(article, entities=entities)
    signals = article_signals(reading, subjectivity=subjectivity_hook(subjectivity))
    reliability = score_article(article)
    entities = sorted(reading.entities, key=lambda e: (-len(e.mentions), e.name))
    return {
        "article": {
            "id": article.id,
            "url": article.url,
            "outlet": article.outlet,
            "title": article.title,
            "published": article.published.isoformat() if article.published else None,
            "language": article.language,
            "chars": len(article.text),
        },
        "reading": {
            "sentences": len(reading.sentences),
            "entities": len(reading.entities),
            "quotes": len(reading.quotes),
            "dates": len(reading.dates),
            "numbers": len(reading.numbers),
            "top_entities": [
                {"name": e.name, "type": e.type.value, "mentions": len(e.mentions),
                 "first_span": to_dict(e.mentions[0].span)}
                for e in entities[:TOP_ENTITIES]
            ],
        },
        "signals": [to_dict(signal) for signal in signals],
        "reliability": to_dict(reliability),
    }


def assess_chunk(
    articles: Sequence[Article],
    subjectivity: str = SETTINGS["subjectivity"][0],
    entities: str = SETTINGS["entities"][0],
) -> list[dict[str, Any]]:
    """:func:`assess` on each article; an error in one article is recorded, not raised."""
    out = []
    for article in articles:
        try:
            out.append({"status": "analysed", **assess(article, subjectivity, entities)})
        except Exception as exc:  # noqa: BLE001 — one bad article must not sink a long batch
            out.append({"status": "failed", "reason": "analysis-error",
                        "detail": f"{type(exc).__name__}: {exc}", "article": {"id": article.id}})
    return out


class Engine(Protocol):
    """Runs ``function`` over chunks and yields the results in the order of the chunks."""

    workers: int

    def map(self, function: Callable[[list[Article]], list[dict[str, Any]]],
            chunks: Iterable[list[Article]]) -> Iterator[list[dict[str, Any]]]: ...

    def close(self) -> None: ...


@dataclass
class LocalEngine:
    """``workers`` worker processes on this machine; ``workers=1`` runs in the calling process."""

    workers: int = 1

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise InputError(f"--workers must be at least 1, got {self.workers}")
        self._pool: ProcessPoolExecutor | None = process_pool(self.workers) if self.workers > 1 else None

    def map(self, function: Callable[[list[Article]], list[dict[str, Any]]],
            chunks: Iterable[list[Article]]) -> Iterator[list[dict[str, Any]]]:
        if self._pool is None:
            for chunk in chunks:
                yield function(chunk)
            return
        ahead = self.workers * IN_FLIGHT_PER_WORKER
        for _chunk, results in ordered_map(self._pool, function, chunks, ahead):
            yield results

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


class RayEngine:
    """Tasks on a Ray cluster: ``address`` of an existing cluster (``"auto"``, ``"ray://host:10001"``)
    or ``None`` for a local Ray instance with ``workers`` CPUs."""

    def __init__(self, workers: int = 0, address: str | None = None) -> None:
        try:
            import ray  # type: ignore[import-not-found]
        except ImportError as exc:
            raise QuellenlageError(
                "the Ray engine needs the batch extra: pip install 'quellenlage[batch]' "
                "(or use --engine local)"
            ) from exc
        self._ray = ray
        # Whether this engine starts the Ray session (and so shuts it down in close()); a session
        # the caller started (a notebook, a driver script) is theirs to end.
        self._started = not ray.is_initialized()
        if self._started:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            try:
                if address:
                    ray.init(address=address, **options)
                else:
                    ray.init(num_cpus=workers or os.cpu_count() or 1, **options)
            except (ConnectionError, RuntimeError, ValueError, OSError) as exc:
                where = f"the Ray cluster at {address!r}" if address else "a local Ray instance"
                raise QuellenlageError(
                    f"cannot start or reach {where}: {exc}; check --address and that the cluster "
                    "runs ('ray status' on the head node), or use --engine local"
                ) from exc
        self.workers = int(ray.cluster_resources().get("CPU", 1))
        self._task = ray.remote(num_cpus=1)(_apply)

    def map(self, function: Callable[[list[Article]], list[dict[str, Any]]],
            chunks: Iterable[list[Article]]) -> Iterator[list[dict[str, Any]]]:
        function_ref = self._ray.put(function)  # sent to the cluster once, not with every chunk
        pending: deque[Any] = deque()
        limit = self.workers * IN_FLIGHT_PER_WORKER
        for chunk in chunks:
            pending.append(self._task.remote(function_ref, chunk))
            if len(pending) >= limit:
                yield self._ray.get(pending.popleft())
        while pending:
            yield self._ray.get(pending.popleft())

    def close(self) -> None:
        """Shut down the Ray session if this engine started it."""
        if self._started:
            self._ray.shutdown()
            self._started = False


def _apply(function: Callable[[list[Article]], list[dict[str, Any]]],
           chunk: list[Article]) -> list[dict[str, Any]]:
    """The Ray task: ``function`` may be any picklable callable (a ``functools.partial`` too, which
    ``ray.remote`` does not take itself)."""
    return function(chunk)


def make_engine(name: str, workers: int, address: str | None = None) -> Engine:
    if name == "local":
        if address:
            raise InputError("--address is only used with --engine ray")
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(workers, address)
    raise InputError(f"unknown engine {name!r}: use 'local' or 'ray'")


def done_inputs(path: Path, *, retry_errors: bool = False) -> set[str]:
    """Inputs already written to an output file of an earlier run (for ``--resume``).

    A last line cut off by a crash is removed from the file, so the resumed run rewrites it.

    With ``retry_errors``, the lines of inputs whose analysis crashed (:data:`RETRIED_REASONS`) are
    removed too and their inputs are not returned, so the resumed run analyses them again and the
    file still ends with exactly one line per input. The kept lines are written to a temporary file
    beside ``path`` which then replaces it in one atomic rename: a crash while rewriting leaves the
    old file whole; a crash of the resumed run afterwards loses nothing either, since the dropped
    inputs are simply missing from the file and the next ``--resume`` analyses them.
    """
    if not path.exists():
        return set()
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    done: set[str] = set()
    kept: list[bytes] = []
    lines = complete.splitlines(keepends=True)
    for number, line in enumerate(lines, 1):
        try:
            row = json.loads(line)
            name = row["input"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}:{number} is not a quellenlage batch result line ({exc}); "
                             "choose another --out file or delete it") from exc
        if retry_errors and row.get("status") == "failed" and row.get("reason") in RETRIED_REASONS:
            continue
        done.add(name)
        kept.append(line)
    if len(kept) < len(lines):
        _replace(path, b"".join(kept))
    elif len(complete) != len(data):
        with path.open("r+b") as handle:
            handle.truncate(len(complete))
    return done


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file in ``path``'s folder, then rename it over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f"{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass
class Counts:
    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    resumed: int = 0  # inputs found in the output file already and not analysed again

    def add(self, status: str) -> None:
        setattr(self, status, getattr(self, status) + 1)


def run_batch(
    inputs: Sequence[str],
    out: Path,
    settings: Settings,
    engine: Engine,
    *,
    resume: bool = False,
    retry_errors: bool = True,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[int], None] | None = None,
) -> Counts:
    """Ingest ``inputs``, assess every article on ``engine``, append one JSON line per input to ``out``.

    ``progress(n)`` is called with the number of inputs finished since the last call. With
    ``resume``, inputs already in ``out`` are skipped, except those whose analysis crashed when
    ``retry_errors`` (see :func:`done_inputs`).
    """
    if out.exists() and not resume:
        raise InputError(f"{out} exists: pass --resume to continue that run, or choose another --out")
    skip = done_inputs(out, retry_errors=retry_errors) if resume else set()
    counts = Counts()
    tick = progress or (lambda n: None)
    # backslashreplace: a lone surrogate (an undecodable byte in a file name, kept by Python's
    # surrogateescape) becomes the JSON escape "\\udcff", which json.loads reads back unchanged.
    try:
        output = out.open("a", encoding="utf-8", errors="backslashreplace")
    except OSError as exc:
        raise InputError(
            f"cannot write {out}: {exc.strerror}; check that its folder exists and is writable, "
            "or choose another --out"
        ) from None
    with output as handle:

        def write(row: dict[str, Any]) -> None:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            counts.add(row["status"])

        def chunks() -> Iterator[list[Article]]:
            # Inputs that need no analysis (skipped, failed) are written as they come; articles are
            # batched. Their input names travel beside the chunk in ``names`` (same order).
            batch: list[Article] = []
            handled: set[str] = set()  # names written or queued in this run
            for item in iter_ingest(inputs, settings):
                name = item.outcome.input
                if name in handled:
                    # The same input again (a file given twice): its "duplicate" outcome must not
                    # get a line of its own — written before the first reading returns, it would
                    # make --resume skip an input whose reading was never written.
                    continue
                handled.add(name)
                if name in skip:
                    counts.resumed += 1
                    tick(1)
                    continue
                if item.article is None:
                    write({"input": name, "status": item.outcome.status.value,
                           "reason": item.outcome.reason, "detail": item.outcome.detail})
                    tick(1)
                    continue
                names.append(name)
                batch.append(item.article)
                if len(batch) >= chunk_size:
                    yield batch
                    batch = []
            if batch:
                yield batch

        names: deque[str] = deque()
        try:
            assess_with = partial(assess_chunk, subjectivity=settings.subjectivity, entities=settings.entities)
            for results in engine.map(assess_with, chunks()):
                for result in results:
                    write({"input": names.popleft(), **result})
                handle.flush()
                tick(len(results))
        except Exception as exc:  # a dead worker or cluster: the lines written so far are complete
            raise QuellenlageError(
                f"the batch stopped ({type(exc).__name__}: {exc}); the {sum(vars(counts).values())} "
                f"lines written to {out} are kept: run the same command with --resume to continue"
            ) from exc
    return counts


__all__ = ["CHUNK_SIZE", "RETRIED_REASONS", "Counts", "Engine", "LocalEngine", "RayEngine", "assess", "assess_chunk",
           "done_inputs", "make_engine", "run_batch"]
