"""The dbt build (seeds, models, tests) of the freshly ingested warehouse, total and per model.

dbt runs as a subprocess exactly as `make run` would (`dbt build --full-refresh` with the
production flags: dbt unit tests run in `make test`, not on every build), with
its target and log folders in the bench work folder so the shared dbt_project/target is
never touched. Per-node times come from target/run_results.json; a failed build is
still measured and its failing nodes are reported.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import timed
from bench.stages import BenchContext, StageSkipped
from brandpulse.config import DBT_PRODUCTION_BUILD_FLAGS, REPO_ROOT
from brandpulse.dbt_cli import PROJECT_ARGS, dbt_executable

FULL_PARSE_MARKERS = ("Unable to do partial parsing", "Partial parsing not enabled")
"""dbt's messages when it parses the whole project."""


@dataclass
class DbtRun:
    args: list[str]
    seconds: float
    returncode: int
    results: list[dict] = field(default_factory=list)
    output_tail: str = ""
    timed_out: bool = False
    full_parse: bool = False
    """dbt parsed the whole project (no usable partial-parse state, or a changed input such
    as new `--vars`): it says so in its output."""

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def seconds_by(self, resource_type: str) -> dict[str, float]:
        """Execution seconds per node name of one resource type (model, test, seed, unit_test)."""
        return {
            r["unique_id"].split(".")[-1]: r["execution_time"]
            for r in self.results
            if r["unique_id"].split(".")[0] == resource_type
        }

    def failures(self) -> list[dict]:
        return [
            {
                "node": r["unique_id"],
                "status": r["status"],
                "message": (r.get("message") or "")[:300],
            }
            for r in self.results
            if r["status"] in ("error", "fail", "runtime error")
        ]

    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.results:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return dict(sorted(counts.items()))

    def summary(self, top: int = 15) -> dict:
        models = self.seconds_by("model")
        tests = {**self.seconds_by("test"), **self.seconds_by("unit_test")}
        return {
            "wall_seconds": round(self.seconds, 3),
            "ok": self.ok,
            "statuses": self.status_counts(),
            "models": len(models),
            "model_seconds": round(sum(models.values()), 3),
            "test_seconds": round(sum(tests.values()), 3),
            "seed_seconds": round(sum(self.seconds_by("seed").values()), 3),
            "top_models": {
                k: round(v, 3) for k, v in sorted(models.items(), key=lambda kv: -kv[1])[:top]
            },
            "per_model_seconds": {
                k: round(v, 3) for k, v in sorted(models.items(), key=lambda kv: -kv[1])
            },
            "failures": self.failures(),
        }


def run_dbt(
    ctx: BenchContext,
    warehouse: Path,
    args: list[str],
    timeout: float | None = None,
    extra_env: dict[str, str] | None = None,
) -> DbtRun:
    """Run one dbt command against `warehouse` (with `extra_env`, e.g. a partition window);
    per-node results from run_results.json.

    With `timeout`, a run still going after that many seconds is killed and reported
    as timed out (its seconds are then a lower bound)."""
    target = ctx.work / "dbt-target"
    results_file = target / "run_results.json"
    results_file.unlink(missing_ok=True)
    cmd = [
        dbt_executable(),
        *args,
        *PROJECT_ARGS,
        "--target-path",
        str(target),
        "--log-path",
        str(ctx.work / "dbt-logs"),
    ]
    timed_out = False
    with timed() as t:
        try:
            proc = subprocess.run(
                cmd,
                cwd=REPO_ROOT,
                env={**ctx.env(warehouse), **(extra_env or {})},
                capture_output=True,
                text=True,
                check=False,
                timeout=timeout,
            )
            returncode, output = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            timed_out, returncode = True, -1
            output = (
                (exc.stdout or b"").decode(errors="replace")
                if isinstance(exc.stdout, bytes)
                else (exc.stdout or "")
            )
            output += f"\n(killed after {timeout:.0f} s; {last_started_node(ctx.work / 'dbt-logs' / 'dbt.log')})"
    results = []
    if results_file.exists():
        results = [
            {
                "unique_id": r["unique_id"],
                "status": r["status"],
                "execution_time": r.get("execution_time") or 0.0,
                "message": r.get("message"),
            }
            for r in json.loads(results_file.read_text())["results"]
        ]
    tail = "\n".join(output.strip().splitlines()[-25:]) if returncode else ""
    full_parse = any(marker in output for marker in FULL_PARSE_MARKERS)
    return DbtRun(args, t.seconds, returncode, results, tail, timed_out, full_parse)


def last_started_node(log: Path) -> str:
    """The node dbt was running when it was stopped: the last START line of its log."""
    try:
        with log.open("rb") as fh:
            fh.seek(max(0, log.stat().st_size - (4 << 20)))
            lines = fh.read().decode(errors="replace").splitlines()
    except OSError:
        return "no dbt log"
    for line in reversed(lines):
        if " START " in line:
            return "running: " + line.split(" START ", 1)[1].split("..")[0].strip()
    return "no node started"


def manifest(ctx: BenchContext) -> dict:
    """target/manifest.json of the last dbt run (for model lineage)."""
    return json.loads((ctx.work / "dbt-target" / "manifest.json").read_text())


def run(ctx: BenchContext) -> dict:
    warehouse = ctx.state.get("warehouse")
    if warehouse is None:
        raise StageSkipped("no ingested warehouse (the ingest stage failed)")
    build = run_dbt(ctx, warehouse, ["build", "--full-refresh", *DBT_PRODUCTION_BUILD_FLAGS])
    ctx.state["full_build"] = build
    summary = build.summary()
    notes = []
    if not build.ok:
        failing = (
            ", ".join(f["node"] for f in summary["failures"]) or "(none recorded; see error_detail)"
        )
        notes.append(f"dbt build failed (exit {build.returncode}); failing nodes: {failing}")
    ctx.state["built"] = build.ok or bool(build.seconds_by("model"))
    try:
        nodes = manifest(ctx)["nodes"].values()
        summary["incremental_models"] = sorted(
            n["name"]
            for n in nodes
            if n["resource_type"] == "model" and n["config"].get("materialized") == "incremental"
        )
    except (OSError, KeyError, ValueError):
        summary["incremental_models"] = None
    ctx.state["incremental_models"] = summary["incremental_models"]
    return {
        "metrics": summary,
        "notes": notes,
        "error_detail": build.output_tail or None,
        "ok": build.ok,
    }
