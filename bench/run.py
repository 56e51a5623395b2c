"""`make bench` / `python -m bench.run`: generate (or reuse) a dataset, run every stage, report.

    python -m bench.run                      # 1M events, 20 brands, 90 days
    python -m bench.run --size 10m --brands 50
    python -m bench.run --quick              # tiny smoke size
    python -m bench.run --stages ingest,dbt_build --strict
    python -m bench.run --write-baseline     # store this run as bench/baseline.json

Exit code 0 even when ratios regressed (they are listed under FLAGGED); --strict makes
a flagged ratio, a missed target or a failed stage exit 1.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from datetime import UTC, datetime

os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
# every stage measures the DuckDB engine; spark_build passes its own engine to its dbt run
os.environ["BRANDPULSE_ENGINE"] = "duckdb"

from bench import regression  # noqa: E402
from bench.measure import measure  # noqa: E402
from bench.report import load_average, machine_info, render_markdown, write_report  # noqa: E402
from bench.sizes import (  # noqa: E402
    DEFAULT_BRANDS,
    DEFAULT_DAYS,
    ensure_landing,
    ensure_landing_in_subprocess,
    parse_size,
)
from bench.stages import BenchContext, StageSkipped  # noqa: E402

STAGES = (
    "ingest",
    "dbt_build",
    "funnel_reference",
    "analytics",
    "query",
    "incremental",
    "orchestration",
    "app_extract",
    "ai_throughput",
    "spark_build",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--size", default="1m", help="quick, 1m (default), 5m, 10m or an event count (e.g. 250k)"
    )
    p.add_argument("--quick", action="store_true", help="tiny smoke size (same as --size quick)")
    p.add_argument(
        "--brands", type=int, default=None, help=f"brands (default {DEFAULT_BRANDS}; quick: 4)"
    )
    p.add_argument("--days", type=int, default=None, help=f"days of data (default {DEFAULT_DAYS})")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument(
        "--stages", default=",".join(STAGES), help="comma-separated subset of: " + ", ".join(STAGES)
    )
    p.add_argument("--workers", type=int, default=2, help="analytics worker processes (default 2)")
    p.add_argument(
        "--dbt-timeout",
        type=float,
        default=1800.0,
        help="stop the incremental dbt build after this many seconds (reported as a lower bound)",
    )
    p.add_argument(
        "--threshold",
        type=float,
        default=regression.DEFAULT_THRESHOLD,
        help="relative worsening of a ratio that is flagged (default 0.25)",
    )
    p.add_argument(
        "--baseline", default=str(regression.BASELINE_PATH), help="baseline JSON to compare with"
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 on a flagged ratio, missed target or failed stage",
    )
    p.add_argument(
        "--write-baseline", action="store_true", help="write this run's numbers to --baseline"
    )
    return p.parse_args(argv)


MEMORY_BUDGET_LIMIT = "2.5GB"
"""DuckDB memory_limit the 10M runs use unless BRANDPULSE_DUCKDB_MEMORY_LIMIT is set:
the 10M target is a 4 GiB peak of the whole process tree (dbt's Python, DuckDB's buffer
pool and what DuckDB allocates outside it); 2.5GB kept the full build at 3.3 GiB."""


def apply_memory_budget(events: int, environ: dict[str, str]) -> str | None:
    """At 10M events and more, default the DuckDB memory limit to MEMORY_BUDGET_LIMIT (the
    stages' dbt and Dagster subprocesses inherit the environment). Returns what it set."""
    if events < 10_000_000 or environ.get("BRANDPULSE_DUCKDB_MEMORY_LIMIT"):
        return None
    environ["BRANDPULSE_DUCKDB_MEMORY_LIMIT"] = MEMORY_BUDGET_LIMIT
    return MEMORY_BUDGET_LIMIT


def say(msg: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {msg}", flush=True)


def run_stage(name: str, ctx: BenchContext) -> dict:
    """Run one stage under `measure`; errors and skips are recorded, never raised."""
    module = importlib.import_module(f"bench.stages.{name}")
    entry: dict = {}
    say(f"stage {name} ...")
    with measure() as m:
        try:
            result = module.run(ctx)
            entry.update(result)
        except StageSkipped as exc:
            entry["skipped"] = str(exc)
        except Exception as exc:  # one broken stage must not hide the others' numbers
            entry["error"] = f"{type(exc).__name__}: {exc}"
            entry["traceback"] = traceback.format_exc(limit=6)
    entry.update(m.as_dict())
    status = (
        entry.get("skipped")
        and f"skipped ({entry['skipped']})"
        or entry.get("error")
        or ("ok" if entry.get("ok", True) else "partial")
    )
    say(f"stage {name}: {status} in {m.seconds:.1f}s, peak {m.peak_rss_bytes / 2**30:.2f} GiB")
    return entry


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from brandpulse.config import get_settings

    size = parse_size("quick" if args.quick else args.size, args.brands, args.days, args.seed)
    chosen = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in STAGES]
    if unknown:
        print(
            f"unknown stage(s): {', '.join(unknown)}; choose from {', '.join(STAGES)}",
            file=sys.stderr,
        )
        return 2
    budget = apply_memory_budget(size.events, os.environ)
    if budget:
        say(f"{size.events:,} events: DuckDB memory_limit {budget} (the 4 GiB target's budget)")
    bench_dir = get_settings().bench_dir
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    load_start = load_average()
    say(
        f"size {size.key} ({size.persons:,} persons); load average {load_start}; data under {bench_dir}"
    )

    stages: dict[str, dict] = {}
    with measure() as whole:
        with measure() as generation:
            generated = ensure_landing_in_subprocess(size, bench_dir, progress=say)
        landing, manifest, _ = ensure_landing(size, bench_dir, progress=say)
        gen_seconds = generation.seconds if generated else None
        work = bench_dir / "runs" / size.key
        work.mkdir(parents=True, exist_ok=True)
        ctx = BenchContext(
            size=size,
            landing=landing,
            manifest=manifest,
            work=work,
            quick=size.name == "quick",
            workers=args.workers,
            dbt_timeout=args.dbt_timeout,
        )
        for name in STAGES:
            if name in chosen:
                stages[name] = run_stage(name, ctx)
    stages["_run"] = whole.as_dict()

    ratios = regression.compute_ratios(stages)
    targets = regression.check_targets(ratios, stages, size.events)
    baseline = regression.load_baseline(__import__("pathlib").Path(args.baseline))
    reg: dict = {"threshold": args.threshold, "flags": [], "baseline_ratios": {}}
    if baseline is None:
        reg["note"] = f"no baseline at {args.baseline}: nothing compared"
    elif baseline.get("size", {}).get("key") != size.key:
        reg["note"] = (
            f"baseline is for size {baseline.get('size', {}).get('key')}, this run is {size.key}: not compared"
        )
    else:
        reg["baseline_ratios"] = baseline.get("ratios", {})
        reg["flags"] = [
            vars(f)
            for f in regression.compare_to_baseline(ratios, reg["baseline_ratios"], args.threshold)
        ]

    report = {
        "started_at": started_at,
        "size": {
            "name": size.name,
            "key": size.key,
            "events": size.events,
            "brands": size.brands,
            "days": size.days,
            "seed": size.seed,
            "persons": size.persons,
            "generated_events": manifest.get("events", {}).get("generated"),
            "generation_seconds": None if gen_seconds is None else round(gen_seconds, 1),
        },
        "load_average_start": load_start,
        "load_average_end": load_average(),
        "machine": machine_info(),
        "stages": stages,
        "ratios": {k: (None if v is None else round(v, 4)) for k, v in ratios.items()},
        "targets": [t.as_dict() for t in targets],
        "regression": reg,
    }
    json_path, md_path = write_report(report, bench_dir)
    print()
    print(render_markdown(report))
    say(f"wrote {json_path} and {md_path}")
    if args.write_baseline:
        path = __import__("pathlib").Path(args.baseline)
        path.write_text(
            json.dumps(regression.baseline_from_report(report), indent=2, default=str) + "\n"
        )
        say(f"wrote the baseline {path}")

    failed = [
        n
        for n, s in stages.items()
        if not n.startswith("_") and (s.get("error") or s.get("ok") is False)
    ]
    missed = [t.name for t in targets if t.met is False]
    if args.strict and (reg["flags"] or missed or failed):
        say(
            f"--strict: flagged {[f['key'] for f in reg['flags']]}, missed {missed}, failed {failed}"
        )
        return 1
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    sys.exit(main())
