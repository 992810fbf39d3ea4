"""Worker processes shared by the batch job and story profiling: one pool recipe, one ordered map."""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from multiprocessing import get_context
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def single_threaded() -> None:
    """Pool initializer: one BLAS/OpenMP thread per worker, since the workers share the cores.

    The variable covers libraries loaded later; numpy's BLAS may be loaded already (importing the
    package loads it), so its running thread pool is limited directly (threadpoolctl comes with
    scikit-learn).
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)


def process_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` spawned, single-threaded processes. Spawn, not fork: callers run threads (progress
    bars, the store's writer), and forking a threaded process can deadlock; each worker loads its
    models once (module-level caches)."""
    return ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=single_threaded)


def ordered_map(
    pool: Executor, function: Callable[[T], R], items: Iterable[T], ahead: int
) -> Iterator[tuple[T, R]]:
    """``(item, function(item))`` in input order, computed on ``pool`` with at most ``ahead`` items
    submitted beyond the one being waited for (bounded memory on any input size)."""
    pending: deque[tuple[T, Future[R]]] = deque()
    for item in items:
        pending.append((item, pool.submit(function, item)))
        if len(pending) > ahead:
            done, future = pending.popleft()
            yield done, future.result()
    while pending:
        done, future = pending.popleft()
        yield done, future.result()
