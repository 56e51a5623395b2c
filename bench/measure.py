"""Wall time and peak memory of a block of work, subprocesses included.

Peak memory is the largest RSS sum of this process and all its descendants, sampled
in a background thread (dbt, Dagster and prophet workers run as subprocesses, so the
process alone would miss most of it). Sampling can miss a short spike between two
samples, so the peak RSS of waited-for children from getrusage(RUSAGE_CHILDREN) is
recorded too: when it rose during the block, one child alone reached that much.
"""

from __future__ import annotations

import resource
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil

SAMPLE_SECONDS = 0.05


def tree_rss(process: psutil.Process) -> int:
    """RSS of `process` plus every live descendant (bytes); vanished processes count 0."""
    total = 0
    try:
        procs = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total


class RssSampler:
    """Samples the process tree's RSS every `interval` seconds until stopped."""

    def __init__(self, interval: float = SAMPLE_SECONDS) -> None:
        self.interval = interval
        self.process = psutil.Process()
        self.peak = tree_rss(self.process)
        self.start_rss = self.peak
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, tree_rss(self.process))

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss(self.process))
        return self.peak


def children_max_rss() -> int:
    """Largest RSS any waited-for child process ever reached (bytes; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024


@dataclass
class Measurement:
    seconds: float = 0.0
    peak_rss_bytes: int = 0
    """max(sampled tree peak, child peak from getrusage when it rose in the block)."""
    sampled_peak_rss_bytes: int = 0
    start_rss_bytes: int = 0
    child_peak_rss_bytes: int | None = None

    def as_dict(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "peak_rss_bytes": self.peak_rss_bytes,
            "sampled_peak_rss_bytes": self.sampled_peak_rss_bytes,
            "start_rss_bytes": self.start_rss_bytes,
            "child_peak_rss_bytes": self.child_peak_rss_bytes,
        }


@contextmanager
def measure(interval: float = SAMPLE_SECONDS) -> Iterator[Measurement]:
    """Time the block and track its peak memory; the Measurement is filled in on exit."""
    result = Measurement()
    children_before = children_max_rss()
    sampler = RssSampler(interval).start()
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
        result.sampled_peak_rss_bytes = sampler.stop()
        result.start_rss_bytes = sampler.start_rss
        children_after = children_max_rss()
        if children_after > children_before:
            result.child_peak_rss_bytes = children_after
        result.peak_rss_bytes = max(result.sampled_peak_rss_bytes, result.child_peak_rss_bytes or 0)


@contextmanager
def timed() -> Iterator[Measurement]:
    """Wall time only (for inner steps of a stage already under `measure`)."""
    result = Measurement()
    started = time.perf_counter()
    try:
        yield result
    finally:
        result.seconds = time.perf_counter() - started
