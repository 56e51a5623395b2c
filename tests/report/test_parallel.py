"""brandpulse.parallel: the process pool the report and the forecast spread brands over."""

from __future__ import annotations

import os

import pytest

from brandpulse.parallel import map_in_processes


def _pid_and_square(x: int) -> tuple[int, int]:
    return os.getpid(), x * x


def _fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


def test_results_keep_the_order_of_the_items_and_run_in_other_processes() -> None:
    results = map_in_processes(_pid_and_square, list(range(8)), workers=2)
    assert [square for _, square in results] == [x * x for x in range(8)]
    assert os.getpid() not in {pid for pid, _ in results}


def test_one_worker_runs_inline() -> None:
    assert map_in_processes(_pid_and_square, [1, 2], workers=1) == [
        (os.getpid(), 1),
        (os.getpid(), 4),
    ]


def test_a_worker_exception_reaches_the_caller() -> None:
    with pytest.raises(ValueError, match="three"):
        map_in_processes(_fail_on_three, [1, 2, 3, 4], workers=2)
