"""Run a picklable function over items in a small process pool (forkserver).

CPU-bound work per brand (prophet fits, report charts) is spread over processes. A
forkserver context, not fork: Dagster and DuckDB hold threads and locks. Its server
imports `preload` once, so each worker starts without paying those imports again.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")


def map_in_processes(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int = 2,
    preload: Sequence[str] = (),
    initializer: Callable[[], None] | None = None,
) -> list[R]:
    """`[fn(x) for x in items]`, in `workers` processes when that can pay off.

    With one worker or one item it runs inline (no process start-up at all). Results
    keep the order of `items`; an exception in `fn` is raised here.
    """
    if workers <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(preload))
    n_workers = min(workers, len(items))
    chunksize = max(1, math.ceil(len(items) / (n_workers * 4)))
    with ProcessPoolExecutor(
        max_workers=n_workers, mp_context=ctx, initializer=initializer
    ) as pool:
        return list(pool.map(fn, items, chunksize=chunksize))
