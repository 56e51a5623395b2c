"""`brandpulse query` on the published snapshot: a brand's daily event count, brand-scoped
against unscoped (target: scoped <= 2x unscoped).

The built warehouse is published into this run's scratch folder (its time is reported),
then each query runs the way the CLI runs it (a session opened per query, the result
fetched), best of a few runs: unscoped with `WHERE brand_id = ?`, and scoped (the
session attaches the brand's own file of the snapshot, written at publish; the publish
time includes writing those files).
"""

from __future__ import annotations

from bench.measure import timed
from bench.stages import BenchContext, StageSkipped

RUNS = 3
TARGET_RATIO = 2.0
SCOPED = "SELECT event_day, count(*) AS events FROM marts.events GROUP BY 1 ORDER BY 1"
UNSCOPED = "SELECT event_day, count(*) AS events FROM marts.events WHERE brand_id = ? GROUP BY 1 ORDER BY 1"


def _best(fn, runs: int = RUNS) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(runs):
        with timed() as t:
            out = fn()
        best = min(best, t.seconds)
    return best, out


def run(ctx: BenchContext) -> dict:
    from brandpulse import db
    from brandpulse.publish import publish_snapshot
    from brandpulse.query import execute

    if not ctx.state.get("built"):
        raise StageSkipped("no built warehouse (the dbt_build stage failed)")
    published = ctx.work / "published"
    with timed() as t:
        publish_snapshot(ctx.state["warehouse"], published)
    publish_seconds = t.seconds
    con = db.connect(ctx.state["warehouse"], read_only=True)
    try:
        brand, events = con.execute(
            "SELECT brand_id, count(*) FROM marts.events GROUP BY 1 ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()

    def unscoped() -> list:
        with execute(UNSCOPED, None, [brand], published) as result:
            return result.fetchall()

    def scoped() -> list:
        with execute(SCOPED, brand, None, published) as result:
            return result.fetchall()

    unscoped_seconds, expected = _best(unscoped)
    scoped_seconds, got = _best(scoped)
    ratio = scoped_seconds / unscoped_seconds if unscoped_seconds else None
    notes = [f"brand {brand} ({events:,} events); best of {RUNS} runs each"]
    if got != expected:
        notes.append("scoped and unscoped results differ")
    return {
        "metrics": {
            "publish_seconds": round(publish_seconds, 3),
            "brand_events": int(events),
            "unscoped_seconds": round(unscoped_seconds, 3),
            "scoped_seconds": round(scoped_seconds, 3),
            "scoped_to_unscoped": round(ratio, 2) if ratio else None,
            "target_ratio": TARGET_RATIO,
        },
        "notes": notes,
        "ok": got == expected,
    }
