"""Run a picklable function over items in a small process pool (forkserver, quiet workers).

Fitting prophet is CPU-bound and single-threaded per model, so brands are spread over
processes. A forkserver context (not fork: Dagster and DuckDB hold threads and locks)
whose server preloads prophet, so each worker starts without paying the ~2 s import.
"""

from __future__ import annotations

import math
import multiprocessing
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PRELOAD = ["assets.analytics.prophet_env"]


def _init_worker() -> None:
    """Each worker: silence prophet/cmdstanpy and library warnings."""
    warnings.simplefilter("ignore")
    from assets.analytics.prophet_env import quiet_prophet_logging

    quiet_prophet_logging()


def map_in_processes(fn: Callable[[T], R], items: Sequence[T], workers: int = 2) -> list[R]:
    """`[fn(x) for x in items]`, in `workers` processes when that can pay off.

    With one worker or one item it runs inline (no process start-up at all). Results
    keep the order of `items`.
    """
    if workers <= 1 or len(items) <= 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return [fn(x) for x in items]
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    n_workers = min(workers, len(items))
    chunksize = max(1, math.ceil(len(items) / (n_workers * 4)))
    with ProcessPoolExecutor(
        max_workers=n_workers, mp_context=ctx, initializer=_init_worker
    ) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))
