"""Benchmark: funnel dbt models vs the hand-written reference (bench/funnel_reference.sql).

Generates N synthetic events (default 1,000,000) into a fresh DuckDB under
$BRANDPULSE_DATA_DIR/bench, builds the upstream core models once (not timed), then
times (a) the funnel models as dbt executes them (sum of model execution times from
run_results.json, so dbt's start-up is not counted; the ratio counts the models that
compute what the reference computes, see EXTRA_MARTS) and (b) the reference query run
as CREATE TABLE in DuckDB with the same settings. Both must give the same
funnel_conversion numbers for the ordered benchmark funnels.

    .venv/bin/python bench/funnel_bench.py [--events 1000000] [--repeat 3] [--all-orders]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from brandpulse import db  # noqa: E402
from brandpulse.config import get_settings  # noqa: E402
from brandpulse.raw_schema import ensure_ai_schema, ensure_raw_schema  # noqa: E402

DBT = REPO / ".venv" / "bin" / "dbt"
FUNNEL_MODELS = [
    "path:models/staging/funnels",
    "path:models/intermediate/funnels",
    "path:models/marts/funnels",
]
# What the reference computes (issue 3): the funnel staging/intermediate models and the
# marts funnel_persons and funnel_conversion. funnel_daily, funnel_breakdown and
# funnel_person_steps (every counted step event) are extra marts the reference has no
# counterpart for: reported, not part of the ratio (the same lineage as the bench stage).
EXTRA_MARTS = {"funnel_daily", "funnel_breakdown", "funnel_person_steps"}
# (funnel_id, order, window_seconds, steps); ordered ones are compared with the reference.
FUNNELS = [
    ("shop", "ordered", 7 * 86400, ["view_item", "add_to_cart", "checkout", "purchase"]),
    ("browse", "ordered", 86400, ["page_view", "view_item", "add_to_cart"]),
    ("signup", "ordered", 14 * 86400, ["signup", "page_view", "purchase"]),
]
OTHER_ORDERS = [
    ("strict_cart", "strict", 3600, ["view_item", "add_to_cart"]),
    ("any_order", "unordered", 86400, ["view_item", "add_to_cart", "purchase"]),
]


def generate(path: Path, n_events: int, funnels: list[tuple[str, str, int, list[str]]]) -> None:
    con = duckdb.connect(str(path))
    ensure_raw_schema(con)
    ensure_ai_schema(con)
    con.execute(
        "INSERT INTO raw.brands (brand_id, name, timezone) VALUES ('b1', 'b1', 'Europe/Berlin')"
    )
    persons = max(1, n_events // 20)
    con.execute(
        """
        INSERT INTO raw.events (brand_id, event_id, event_name, occurred_at, user_id, properties, context)
        SELECT 'b1', 'e' || i,
            CASE WHEN r < 0.45 THEN 'page_view' WHEN r < 0.70 THEN 'view_item' WHEN r < 0.82 THEN 'add_to_cart'
                 WHEN r < 0.88 THEN 'checkout' WHEN r < 0.92 THEN 'purchase' WHEN r < 0.94 THEN 'signup'
                 ELSE 'other' END,
            TIMESTAMP '2026-08-01' + to_seconds(cast(hash(i, 7) % (30 * 86400) AS BIGINT)),
            'u' || (hash(i, 3) % ?), '{}', '{}'
        FROM (SELECT i, (hash(i, 11) % 1000000) / 1000000.0 AS r FROM range(?) t(i))
        """,
        [persons, n_events],
    )
    for funnel_id, order, window, steps in funnels:
        con.execute(
            "INSERT INTO raw.funnels (funnel_id, brand_id, name, funnel_order, window_seconds, step_count) "
            "VALUES (?, 'b1', ?, ?, ?, ?)",
            [funnel_id, funnel_id, order, window, len(steps)],
        )
        for n, name in enumerate(steps, start=1):
            con.execute(
                "INSERT INTO raw.funnel_steps VALUES ('b1', ?, ?, ?, 0)", [funnel_id, n, name]
            )
    con.close()


def dbt(path: Path, work: Path, *args: str) -> None:
    env = {
        **os.environ,
        "BRANDPULSE_WAREHOUSE": str(path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_LOG_PATH": str(work / "dbt-logs"),
    }
    cmd = [
        str(DBT),
        *args,
        "--project-dir",
        "dbt_project",
        "--profiles-dir",
        "dbt_project",
        "--target-path",
        str(work / "dbt-target"),
    ]
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stdout[-5000:])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument(
        "--all-orders", action="store_true", help="also build a strict and an unordered funnel"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run models and reference N times, alternating; report the best of each "
        "(the machine is shared: the minimum is the least disturbed run)",
    )
    args = parser.parse_args()
    work = get_settings().bench_dir / "funnels"
    work.mkdir(parents=True, exist_ok=True)
    path = work / "funnel_bench.duckdb"
    path.unlink(missing_ok=True)
    generate(path, args.events, FUNNELS + (OTHER_ORDERS if args.all_orders else []))
    dbt(
        path,
        work,
        "run",
        "--select",
        "+int_events_resolved",
        "int_brands",
        "int_persons",
        "int_sessions",
        "int_identity_map",
    )

    runs = []
    con = None
    for _ in range(max(1, args.repeat)):
        if con is not None:
            con.close()
        dbt(path, work, "run", "--select", *FUNNEL_MODELS)
        results = json.loads((work / "dbt-target" / "run_results.json").read_text())["results"]
        model_seconds = {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results}
        con = db.connect(path)
        con.execute("SET asof_loop_join_threshold = 0")  # see bench/funnel_reference.sql
        sql = (REPO / "bench" / "funnel_reference.sql").read_text()
        started = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TABLE main.funnel_reference AS {sql}")
        reference_seconds = time.perf_counter() - started
        runs.append((model_seconds, reference_seconds, os.getloadavg()[0]))
    best = min(runs, key=lambda r: sum(v for k, v in r[0].items() if k not in EXTRA_MARTS))
    model_seconds = best[0]
    funnel_total = sum(v for k, v in model_seconds.items() if k not in EXTRA_MARTS)
    all_total = sum(model_seconds.values())
    reference_seconds = min(r[1] for r in runs)

    diff = con.execute(
        """
        SELECT count(*) FROM main.funnel_reference AS r
        FULL JOIN (SELECT * FROM marts.funnel_conversion WHERE funnel_order = 'ordered') AS m
            USING (brand_id, funnel_id, step_number)
        WHERE r.persons IS DISTINCT FROM m.persons
           OR abs(coalesce(r.conversion_from_previous, -1) - coalesce(m.conversion_from_previous, -1)) > 1e-9
           OR abs(coalesce(r.avg_seconds_from_previous, -1) - coalesce(m.avg_seconds_from_previous, -1)) > 1e-6
           OR abs(coalesce(r.median_seconds_from_previous, -1) - coalesce(m.median_seconds_from_previous, -1)) > 1e-6
        """
    ).fetchone()[0]
    print(
        json.dumps(
            {
                "events": args.events,
                "funnels": len(FUNNELS) + (len(OTHER_ORDERS) if args.all_orders else 0),
                "funnel_models_seconds": round(funnel_total, 2),
                "all_funnel_models_seconds": round(all_total, 2),
                "per_model_seconds": {
                    k: round(v, 2) for k, v in sorted(model_seconds.items(), key=lambda kv: -kv[1])
                },
                "reference_seconds": round(reference_seconds, 2),
                "ratio": round(funnel_total / reference_seconds, 2),
                "ratio_all_models": round(all_total / reference_seconds, 2),
                "load_average": [round(x, 2) for x in os.getloadavg()],
                "runs": [
                    {
                        "models": round(sum(v for k, v in m.items() if k not in EXTRA_MARTS), 2),
                        "reference": round(ref, 2),
                        "load1": round(load, 2),
                    }
                    for m, ref, load in runs
                ],
                "conversion_rows_differing": diff,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
