"""The Markdown report: ratios first, missed targets with their distance, a FLAGGED section."""

from __future__ import annotations

from bench.regression import check_targets, compare_to_baseline, compute_ratios
from bench.report import render_markdown

GIB = 1024**3


def _report(flags: list[dict], note: str | None = None) -> dict:
    stages = {
        "ingest": {
            "seconds": 50.0,
            "peak_rss_bytes": GIB,
            "ok": True,
            "metrics": {
                "ours_events_per_second": 20_000.0,
                "plain_events_per_second": 100_000.0,
                "ours_seconds": 50.0,
            },
        },
        "dbt_build": {"seconds": 80.0, "error": "RuntimeError: boom", "metrics": {}},
        "orchestration": {"seconds": 0.1, "skipped": "needs the ingest stage"},
        "_run": {"seconds": 200.0, "peak_rss_bytes": 2 * GIB},
    }
    ratios = compute_ratios(stages)
    return {
        "started_at": "2026-11-26T10:00:00Z",
        "size": {"name": "1m", "events": 1_000_000, "brands": 20, "days": 90, "seed": 7},
        "load_average_start": [1.0, 1.0, 1.0],
        "load_average_end": [2.0, 1.5, 1.0],
        "machine": {
            "cpu": "Test CPU",
            "logical_cores": 2,
            "physical_cores": 2,
            "ram_bytes": 8 * GIB,
            "os": "Linux",
            "python": "3.11",
            "versions": {"duckdb": "1.5.6"},
        },
        "stages": stages,
        "ratios": ratios,
        "targets": [t.as_dict() for t in check_targets(ratios, stages, 1_000_000)],
        "regression": {
            "threshold": 0.25,
            "flags": flags,
            "baseline_ratios": {"ingest_vs_plain": 0.4},
            "note": note,
        },
    }


def test_markdown_lists_ratios_before_absolute_numbers_and_marks_misses():
    md = render_markdown(_report([]))
    assert md.index("## Ratios") < md.index("## Absolute numbers")
    assert (
        "| ingest: ours / plain DuckDB read_json (events/s) | 0.20x | >= 0.70x | **MISSED** | 0.40x |"
        in md
    )
    assert "71% below target (0.20x < 0.70x)" in md
    assert "| dbt_build | FAILED |" in md
    assert "**dbt_build** failed: RuntimeError: boom" in md
    assert "| orchestration | skipped: needs the ingest stage |" in md
    assert "| whole run | | 200.0 s | 2.00 GiB | |" in md
    assert "- none" in md.split("## FLAGGED")[1].split("##")[0]


def test_markdown_flagged_section_names_each_regression():
    ratios = {"ingest_vs_plain": 0.2}
    flags = [vars(f) for f in compare_to_baseline(ratios, {"ingest_vs_plain": 0.4})]
    md = render_markdown(_report(flags))
    flagged = md.split("## FLAGGED")[1].split("## Absolute")[0]
    assert "**ingest_vs_plain**: 0.20x vs baseline 0.40x (50 % worse)" in flagged
    assert "- none" not in flagged


def test_markdown_says_why_nothing_was_compared():
    md = render_markdown(
        _report([], note="baseline is for size e20000-b4-d30-s7, this run is 1m: not compared")
    )
    assert "not compared" in md.split("## FLAGGED")[1]


def test_markdown_shows_where_the_days_data_work_goes_and_the_memory_limit():
    report = _report([])
    report["machine"]["duckdb_memory_limit"] = "2.5GB"
    report["stages"]["incremental"] = {
        "seconds": 60.0,
        "metrics": {"day_data_work_top_nodes": {"int_funnel_counted_steps": 5.43, "rfm": 0.7}},
    }
    md = render_markdown(report)
    work = md.split("## Where one incremental day's data work goes")[1].split("##")[0]
    assert "| int_funnel_counted_steps | 5.43 |" in work and "| rfm | 0.70 |" in work
    assert md.rstrip().endswith("DuckDB memory_limit 2.5GB")
