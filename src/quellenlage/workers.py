"""Worker-process set-up shared by the process pools (batch job, story profiling)."""

from __future__ import annotations

import os


def single_threaded() -> None:
    """Pool initializer: one BLAS/OpenMP thread per worker, since the workers share the cores.

    The variable covers libraries loaded later; numpy's BLAS may be loaded already (importing the
    package loads it), so its running thread pool is limited directly (threadpoolctl comes with
    scikit-learn).
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)
