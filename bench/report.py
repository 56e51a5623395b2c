"""The run's report: a JSON document with everything, and a short Markdown table.

Markdown order: ratios first (they compare with the committed baseline), then targets
missed, the FLAGGED regressions, then absolute numbers and the machine description.
"""

from __future__ import annotations

import json
import os
import platform
from importlib import metadata
from pathlib import Path

from bench.regression import GIB, SPECS, fmt
from brandpulse.config import get_settings

PACKAGES = (
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "dagster",
    "dagster-dbt",
    "polars",
    "pandas",
    "prophet",
    "pyod",
)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> dict:
    import psutil

    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_bytes": psutil.virtual_memory().total,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "duckdb_memory_limit": get_settings().duckdb_memory_limit,
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def gib(n: int | None) -> str:
    return "n/a" if not n else f"{n / GIB:.2f} GiB"


def _secs(x) -> str:
    return "n/a" if x is None else f"{x:.1f} s"


def _num(x, digits: int = 0) -> str:
    return "n/a" if x is None else f"{x:,.{digits}f}"


def stage_status(stage: dict) -> str:
    if stage.get("skipped"):
        return f"skipped: {stage['skipped']}"
    if stage.get("error"):
        return "FAILED"
    return "ok" if stage.get("ok", True) else "partial"


def _key_numbers(name: str, m: dict) -> str:
    """One cell of headline absolute numbers per stage."""
    if not m:
        return ""
    if name == "ingest":
        return (
            f"ours {_num(m.get('ours_events_per_second'))} ev/s ({_secs(m.get('ours_seconds'))}, "
            f"{_num(m.get('ours_rows_read'))} rows); plain {_num(m.get('plain_events_per_second'))} ev/s "
            f"({_secs(m.get('plain_seconds'))}); CPU (user+sys) ours {_secs(m.get('ours_cpu_seconds'))} "
            f"vs plain {_secs(m.get('plain_cpu_seconds'))} ({m.get('cpu_ratio')}x)"
        )
    if name == "dbt_build":
        return (
            f"wall {_secs(m.get('wall_seconds'))}; models {_secs(m.get('model_seconds'))} ({m.get('models')}), "
            f"tests {_secs(m.get('test_seconds'))}; {m.get('statuses')}"
        )
    if name == "funnel_reference":
        return (
            f"models {_secs(m.get('models_seconds'))} vs reference {_secs(m.get('reference_seconds'))}; "
            f"{m.get('rows_compared')} rows compared, {m.get('rows_differing')} differ; "
            f"in full build {_secs(m.get('in_full_build_seconds'))}"
        )
    if name == "incremental":
        return (
            f"1 day {_secs(m.get('incremental_build_seconds'))} (models {_secs(m.get('incremental_model_seconds'))}) "
            f"vs full {_secs(m.get('full_build_seconds'))} (models {_secs(m.get('full_build_model_seconds'))}); "
            f"dbt fixed cost {_secs(m.get('dbt_fixed_seconds'))} (re-parse {_secs(m.get('dbt_parse_seconds'))}); "
            f"the same day on empty event tables {_secs(m.get('empty_day_build_seconds'))}; "
            f"incremental models {_secs(m.get('incremental_layer_day_seconds'))} vs "
            f"{_secs(m.get('incremental_layer_full_seconds'))} in full, models rebuilt in full "
            f"{_secs(m.get('rebuilt_models_day_seconds'))}"
        )
    if name == "orchestration":
        steps = m.get("dagster_step_seconds") or {}
        dbt_steps = sum(v for k, v in steps.items() if "dbt" in k) if steps else None
        return (
            f"dagster {_secs(m.get('dagster_seconds'))} (imports {_secs(m.get('dagster_import_seconds'))}, "
            f"dbt steps {_secs(dbt_steps)} of which dbt executing "
            f"{_secs(m.get('dagster_dbt_execution_seconds'))}, "
            f"peak {gib(m.get('dagster_peak_rss_bytes'))}) vs "
            f"direct {_secs(m.get('direct_seconds'))} (ingest {_secs(m.get('direct_ingest_seconds'))}, "
            f"dbt {_secs(m.get('direct_dbt_seconds'))} of which executing "
            f"{_secs(m.get('direct_dbt_execution_seconds'))}, "
            f"peak {gib(m.get('direct_peak_rss_bytes'))}); CPU (user+sys) dagster "
            f"{_secs(m.get('dagster_cpu_seconds'))} vs direct {_secs(m.get('direct_cpu_seconds'))}"
        )
    if name == "analytics":
        parts = [
            f"{k} {m[f'{k}_seconds_per_brand']:.3f} s/brand"
            for k in ("forecast", "anomalies", "correlations")
            if m.get(f"{k}_seconds_per_brand") is not None
        ]
        parts.append(
            f"synthetic {m.get('synthetic_brands')}x{m.get('synthetic_days')} forecast "
            f"{_secs(m.get('synthetic_forecast_seconds'))}"
        )
        return "; ".join(parts)
    return ""


def _seconds_table(title: str, header: str, seconds: dict | None, top: int = 10) -> list[str]:
    """A `## title` section listing the first `top` (name, seconds) pairs; none if empty."""
    if not seconds:
        return []
    rows = [f"| {k} | {v:.2f} |" for k, v in list(seconds.items())[:top]]
    return ["", f"## {title}", "", header, "|---|---|", *rows]


def render_markdown(report: dict) -> str:
    size, stages, ratios = report["size"], report["stages"], report["ratios"]
    base = (report.get("regression") or {}).get("baseline_ratios") or {}
    lines = [
        f"# brandpulse benchmark: {size['events']:,} events, {size['brands']} brands, {size['days']} days "
        f"(size {size['name']}, seed {size['seed']})",
        "",
        f"Run {report['started_at']}, {_secs(stages.get('_run', {}).get('seconds'))} total; "
        f"load average {report['load_average_start']} at start, {report['load_average_end']} at end.",
        "",
        "## Ratios (each against its baseline measured in the same run)",
        "",
        "| ratio | value | target | status | committed baseline |",
        "|---|---|---|---|---|",
    ]
    targets = {t["name"]: t for t in report["targets"]}
    for key, value in ratios.items():
        spec = SPECS[key]
        target = (
            ""
            if spec.target is None
            else ((">= " if spec.higher_is_better else "<= ") + fmt(spec.target, spec.unit))
        )
        t = targets.get(key)
        status = "" if t is None or t["met"] is None else ("met" if t["met"] else "**MISSED**")
        if value is None:
            status = "not measured"
        lower = key.startswith("incremental") and (stages.get("incremental") or {}).get(
            "lower_bound"
        )
        bound = ">= " if lower and value is not None else ""
        lines.append(
            f"| {spec.label} | {bound}{fmt(value, spec.unit)} | {target} | {status} | {fmt(base.get(key), spec.unit)} |"
        )

    lines += ["", "## Targets", ""]
    for t in report["targets"]:
        unit = t["unit"]
        goal = (">= " if t["higher_is_better"] else "<= ") + fmt(t["target"], unit)
        if t["met"] is None:
            lines.append(
                f"- {t['name']} ({goal}): not checked{': ' + t['note'] if t['note'] else ''}"
            )
        elif t["met"]:
            lines.append(f"- {t['name']} ({goal}): met ({fmt(t['value'], unit)})")
        else:
            lines.append(f"- {t['name']} ({goal}): **MISSED**, {t['miss_by']}")

    regression = report.get("regression") or {}
    lines += [
        "",
        f"## FLAGGED (ratios worse than bench/baseline.json by more than {regression.get('threshold', 0.25) * 100:.0f} %)",
        "",
    ]
    if regression.get("note"):
        lines.append(f"- {regression['note']}")
    flags = regression.get("flags") or []
    for f in flags:
        spec = SPECS[f["key"]]
        lines.append(
            f"- **{f['key']}**: {fmt(f['value'], spec.unit)} vs baseline {fmt(f['baseline'], spec.unit)} "
            f"({f['change'] * 100:.0f} % worse)"
        )
    if not flags and not regression.get("note"):
        lines.append("- none")

    lines += [
        "",
        "## Absolute numbers",
        "",
        "| stage | status | seconds | peak RSS (tree) | numbers |",
        "|---|---|---|---|---|",
    ]
    for name, stage in stages.items():
        if name.startswith("_"):
            continue
        lines.append(
            f"| {name} | {stage_status(stage)} | {_secs(stage.get('seconds'))} | {gib(stage.get('peak_rss_bytes'))} "
            f"| {_key_numbers(name, stage.get('metrics') or {})} |"
        )
    run = stages.get("_run", {})
    lines.append(
        f"| whole run | | {_secs(run.get('seconds'))} | {gib(run.get('peak_rss_bytes'))} | |"
    )

    lines += _seconds_table(
        "Slowest dbt models (full build)",
        "| model | seconds |",
        ((stages.get("dbt_build") or {}).get("metrics") or {}).get("top_models"),
    )
    lines += _seconds_table(
        "Where one incremental day's data work goes",
        "| node | seconds beyond the same node on empty tables |",
        ((stages.get("incremental") or {}).get("metrics") or {}).get("day_data_work_top_nodes"),
    )

    problems = []
    for name, stage in stages.items():
        if stage.get("error"):
            problems.append(f"- **{name}** failed: {stage['error']}")
        for note in stage.get("notes") or []:
            problems.append(f"- {name}: {note}")
    if problems:
        lines += ["", "## Notes and failures", "", *problems]

    m = report["machine"]
    lines += [
        "",
        "## Machine",
        "",
        f"{m['cpu']}, {m['logical_cores']} logical / {m['physical_cores']} physical cores, {gib(m['ram_bytes'])} RAM, "
        f"{m['os']}, Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
        + f"; DuckDB memory_limit {m.get('duckdb_memory_limit', 'n/a')}",
        "",
    ]
    return "\n".join(lines)


def write_report(report: dict, out_dir: Path) -> tuple[Path, Path]:
    """data/bench/results-<timestamp>.json and results.md (the latest run's table)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = report["started_at"].replace(":", "").replace("-", "")
    json_path = out_dir / f"results-{stamp}.json"
    json_path.write_text(json.dumps(report, indent=2, default=str))
    md_path = out_dir / "results.md"
    md_path.write_text(render_markdown(report))
    return json_path, md_path
