"""Storing ingested items: the batched writer shared by ``ingest``, ``analyze``, the web app and
the feeds watcher.

:func:`store_items` turns each :class:`~quellenlage.ingest.IngestItem` into its final
:class:`Outcome` (stored, or skipped as a duplicate when the store already had it unchanged) and
records every outcome in the store, batch by batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from .models import Outcome, OutcomeStatus, SkipReason
from .store import Store

if TYPE_CHECKING:
    from .ingest import IngestItem

# Articles per write transaction: one commit per batch keeps commits rare on bulk JSONL, and a batch
# (~3 MB of FANG text) bounds memory and what a crash can lose. Not tuned; re-run bench/ingest.py.
BATCH_SIZE = 500
BATCH_SECONDS = 2.0  # a slow run still stores (and records) what it read at least this often


def store_items(store: Store, items: Iterable[IngestItem], run_id: str) -> Iterator[Outcome]:
    """Store the ready articles among ``items`` and yield each input's final outcome, in order.

    An item whose outcome is ``stored`` and that carries an article is written; if the store
    already had it unchanged, the final outcome is ``skipped``/``duplicate``. Every final outcome
    is recorded under ``run_id`` batch by batch, so an interrupted run keeps what it finished.

    Batches are written by one writer thread while the next batch is being read: SQLite (FTS
    indexing above all) runs without the GIL, and the lines of a large JSONL file are converted in
    a worker process (``ingest/bulk.py``), so reading and storing use both cores.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quellenlage-store") as writer:
        pending: Future[list[Outcome]] | None = None
        for batch in _batches(items):
            submitted = writer.submit(_flush, store, batch, run_id)
            if pending is not None:
                yield from pending.result()
            pending = submitted
        if pending is not None:
            yield from pending.result()


def _batches(items: Iterable[IngestItem]) -> Iterator[list[IngestItem]]:
    """Up to BATCH_SIZE items, or fewer when BATCH_SECONDS passed (slow inputs such as URLs)."""
    batch: list[IngestItem] = []
    started = time.monotonic()
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH_SIZE or time.monotonic() - started >= BATCH_SECONDS:
            yield batch
            batch, started = [], time.monotonic()
    if batch:
        yield batch


def _flush(store: Store, batch: list[IngestItem], run_id: str) -> list[Outcome]:
    ready = [
        (i.article, i.raw, i.raw_type)
        for i in batch
        if i.article is not None and i.outcome.status is OutcomeStatus.STORED
    ]
    changed = iter(store.put_articles(ready))
    outcomes = []
    for item in batch:
        outcome = item.outcome
        if item.article is not None and outcome.status is OutcomeStatus.STORED:
            detail = "" if outcome.detail == "ready to store" else outcome.detail  # the reader's placeholder
            outcome = Outcome(outcome.input, OutcomeStatus.STORED, outcome.reason, detail, item.article.id)
            if not next(changed):
                outcome = Outcome(
                    outcome.input,
                    OutcomeStatus.SKIPPED,
                    SkipReason.DUPLICATE.value,
                    f"article {item.article.id} is already stored with the same content",
                    item.article.id,
                )
        outcomes.append(outcome)
    store.record_outcomes(run_id, outcomes)
    return outcomes
