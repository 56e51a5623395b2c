"""`make run`'s output: one line per finished step, the rest in a log file; the demo
data ends yesterday."""

from __future__ import annotations

import io
import os
import uuid
from datetime import date
from pathlib import Path

from dagster import DagsterInstance, job, op

from brandpulse.generator.params import GenParams
from pipelines.run import DEMO_SIZE, demo_start_date
from pipelines.run_progress import LAUNCH_TAG, StepProgress, quiet_output


@op
def first_stage(context) -> int:
    context.log.info("a chatty log line that belongs in the log file only")
    return 1


@op
def second_stage(value: int) -> int:
    os.write(2, b"noisy output from a stage (a subprocess, a C extension)\n")
    return value + 1


@job
def two_stages() -> None:
    second_stage(first_stage())


def test_progress_lines_on_the_terminal_and_everything_in_the_log(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "run.log"
    terminal = io.StringIO()
    launch_id = str(uuid.uuid4())
    with DagsterInstance.ephemeral() as instance, quiet_output(log) as _real_terminal:
        with StepProgress(instance, launch_id, terminal, poll=0.05):
            result = two_stages.execute_in_process(instance=instance, tags={LAUNCH_TAG: launch_id})
        os.write(1, b"after the run\n")
    assert result.success
    lines = terminal.getvalue().splitlines()
    assert [line.split()[:4] for line in lines] == [
        ["[", "1]", "first_stage", "ok"],
        ["[", "2]", "second_stage", "ok"],
    ]
    text = log.read_text()
    assert "noisy output from a stage" in text
    assert "after the run" in text


def test_demo_data_ends_yesterday() -> None:
    today = date(2026, 12, 6)
    params = GenParams(
        seed=7,
        brands=1,
        persons=10,
        days=DEMO_SIZE["days"],
        start_date=demo_start_date(today),
        bad_rows=True,
        fmt="jsonl",
        gzip_events=False,
    )
    assert params.end_date == date(2026, 12, 5)
    assert params.last_partition == today  # today's partition exists (end_offset=1)
