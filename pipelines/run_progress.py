"""Quiet `make run`: one line per finished step on the terminal, everything else in a log file.

A whole run writes thousands of lines (Dagster's event log, dbt's output, prophet);
a newcomer needs to see which stage is running and how it ended. `quiet_output`
sends the process's stdout and stderr (file descriptors, so output of C extensions and
subprocesses too) into a log file and hands back a stream on the real terminal;
`StepProgress` follows the run's step events in the instance's event log (a thread
polling it) and prints one line per step.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from dagster import DagsterEventType, DagsterInstance, RunsFilter

LAUNCH_TAG = "brandpulse/launch_id"
"""Tag `make run` gives its run, so the progress printer finds the run before it has an id."""

STEP_EVENTS = {
    DagsterEventType.STEP_START,
    DagsterEventType.STEP_SUCCESS,
    DagsterEventType.STEP_FAILURE,
    DagsterEventType.STEP_SKIPPED,
}


@contextmanager
def quiet_output(log_path: Path) -> Iterator[IO[str]]:
    """Redirect fd 1 and 2 into `log_path` (appending); yield a stream on the old stdout."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_out, saved_err = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(saved_out), "w", buffering=1)
    with open(log_path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield terminal
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved_out, 1)
            os.dup2(saved_err, 2)
            os.close(saved_out)
            os.close(saved_err)
            terminal.close()


class StepProgress:
    """Print `[n] step ... ok (12.3 s)` for every step of the run tagged `launch_id`."""

    def __init__(self, instance: DagsterInstance, launch_id: str, out: IO[str], poll: float = 1.0):
        self._instance = instance
        self._launch_id = launch_id
        self._run_id: str | None = None
        self._out = out
        self._poll = poll
        self._seen = 0
        self._started: dict[str, float] = {}
        self._finished = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="run-progress", daemon=True)

    def __enter__(self) -> StepProgress:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self._drain()  # the last events, after the run ended

    def _follow(self) -> None:
        while not self._stop.wait(self._poll):
            try:
                self._drain()
            except Exception:  # noqa: BLE001 - progress must never break the run
                continue

    def _drain(self) -> None:
        if self._run_id is None:
            ids = self._instance.get_run_ids(
                RunsFilter(tags={LAUNCH_TAG: self._launch_id}), limit=1
            )
            if not ids:
                return
            self._run_id = ids[0]
        records = self._instance.get_records_for_run(self._run_id, of_type=STEP_EVENTS).records
        for record in records[self._seen :]:
            self._print(record.event_log_entry)
        self._seen = len(records)

    def _print(self, entry: Any) -> None:
        event = entry.dagster_event
        step = event.step_key or "?"
        if event.event_type == DagsterEventType.STEP_START:
            self._started[step] = entry.timestamp
            return
        self._finished += 1
        took = entry.timestamp - self._started.get(step, entry.timestamp)
        status = {
            DagsterEventType.STEP_SUCCESS: "ok",
            DagsterEventType.STEP_FAILURE: "FAILED",
            DagsterEventType.STEP_SKIPPED: "skipped",
        }[event.event_type]
        self._out.write(f"  [{self._finished:>3}] {step:<56} {status:<7} {took:6.1f} s\n")
        self._out.flush()


def log_file(data_dir: Path) -> Path:
    """A new log file for this run under <data dir>/logs."""
    return data_dir / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
