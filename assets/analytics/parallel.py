"""Prophet fits in a process pool: brandpulse.parallel with prophet preloaded and quiet.

Fitting prophet is CPU-bound and single-threaded per model, so brands are spread over
processes whose forkserver preloads prophet (each worker skips the ~2 s import).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

from brandpulse import parallel

T = TypeVar("T")
R = TypeVar("R")

PRELOAD = ["assets.analytics.prophet_env"]


def _init_worker() -> None:
    """Each worker: silence prophet/cmdstanpy and library warnings."""
    warnings.simplefilter("ignore")
    from assets.analytics.prophet_env import quiet_prophet_logging

    quiet_prophet_logging()


def map_in_processes(fn: Callable[[T], R], items: Sequence[T], workers: int = 2) -> list[R]:
    """`[fn(x) for x in items]` in `workers` quiet processes (inline for one worker or item)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return parallel.map_in_processes(
            fn, items, workers, preload=PRELOAD, initializer=_init_worker
        )
