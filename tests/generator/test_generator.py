"""The generator writes the contract layout, deterministically, with the bad input
and ground truth its manifest claims (checked by reading the files back)."""

from __future__ import annotations

import csv
import gzip
import json
import zlib
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from brandpulse.generator import generate
from brandpulse.generator.landing import LandingExistsError

from .readback import brand_ids, classify, event_files, parse_ts, partition_date, read_lines

REPO = Path(__file__).resolve().parents[2]
TINY = dict(brands=3, persons=120, days=20)


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _good_event_rows(landing: Path, manifest: dict):
    """(partition date, row) of every loadable event line (duplicates included)."""
    brands = brand_ids(landing)
    truncated = manifest["truncated_file"]["path"]
    for path in event_files(landing):
        if path.relative_to(landing).as_posix() == truncated:
            continue
        day = partition_date(path)
        for line in read_lines(path):
            if classify(line, day, brands) == "ok":
                yield day, json.loads(line)


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path):
    a = _tree(Path(generate(tmp_path / "a", seed=3, **TINY) and tmp_path / "a"))
    b = _tree(Path(generate(tmp_path / "b", seed=3, **TINY) and tmp_path / "b"))
    c = _tree(Path(generate(tmp_path / "c", seed=4, **TINY) and tmp_path / "c"))
    assert a == b
    assert a.keys() and a != c
    events_a = b"".join(v for k, v in a.items() if k.startswith("events/") and k.endswith(".jsonl"))
    events_c = b"".join(v for k, v in c.items() if k.startswith("events/") and k.endswith(".jsonl"))
    assert events_a != events_c


def test_encoding_in_chunks_gives_the_same_bytes(tmp_path, monkeypatch):
    """json_lines encodes large frames chunk by chunk (memory); the files are the same."""
    from brandpulse.generator import encode

    whole = tmp_path / "whole"
    generate(whole, seed=3, **TINY)
    monkeypatch.setattr(encode, "CHUNK_ROWS", 97)  # many chunks, a ragged last one
    chunked = tmp_path / "chunked"
    generate(chunked, seed=3, **TINY)
    assert _tree(whole) == _tree(chunked)


def test_layout_follows_the_contract(small_landing):
    landing, manifest = small_landing
    for source in ("events", "ai_generation_requests", "shared_resources", "comments"):
        parts = sorted((landing / source).iterdir())
        assert parts and all(p.name.startswith("date=") for p in parts)
        date.fromisoformat(parts[0].name[5:])
    for source in ("brands", "funnels", "cohorts", "segments"):
        assert [p.name for p in (landing / source).iterdir()] == [f"{source}-2026-08-01.jsonl"]
    assert manifest["partitions"] == {
        **manifest["partitions"],
        "first": "2026-08-01",
        "last": "2026-09-15",
    }


def test_malformed_rows_match_manifest(small_landing):
    landing, manifest = small_landing
    brands = brand_ids(landing)
    truncated = manifest["truncated_file"]["path"]
    reasons: Counter = Counter()
    per_file = {}
    for path in event_files(landing):
        rel = path.relative_to(landing).as_posix()
        if rel == truncated:
            continue
        found = Counter(classify(line, partition_date(path), brands) for line in read_lines(path))
        reasons.update(found)
        per_file[rel] = found
    ok = reasons.pop("ok")
    assert dict(reasons) == manifest["events"]["malformed"]
    assert all(n >= 2 for n in reasons.values()) and len(reasons) == 8
    for rec in manifest["files"]:
        if rec["path"] in per_file:
            found = per_file[rec["path"]]
            assert rec["lines"] == sum(found.values())
            assert rec["rows_good"] + rec["duplicates"] == found["ok"]
            assert rec["rejected"] == {k: v for k, v in sorted(found.items()) if k != "ok"}
    assert (
        ok
        == manifest["events"]["loadable_unique"]
        + manifest["events"]["duplicates"]["total_extra_copies"]
    )


def test_duplicates_are_counted_within_and_across_partitions(small_landing):
    landing, manifest = small_landing
    seen: dict[tuple[str, str], list[date]] = {}
    for day, row in _good_event_rows(landing, manifest):
        seen.setdefault((row["brand_id"], row["event_id"]), []).append(day)
    extra = sum(len(v) - 1 for v in seen.values())
    within = sum(len(v) - len(set(v)) for v in seen.values())
    dup = manifest["events"]["duplicates"]
    assert extra == dup["total_extra_copies"] > 0
    assert within == dup["within_partition"] > 0
    assert extra - within == dup["across_partitions"] > 0
    assert len(seen) == manifest["events"]["loadable_unique"]


def test_good_rows_have_every_required_field_and_valid_types(small_landing):
    landing, manifest = small_landing
    n = 0
    names = Counter()
    stitched = 0
    for _day, row in _good_event_rows(landing, manifest):
        n += 1
        assert isinstance(row["event_id"], str) and isinstance(row["brand_id"], str)
        assert 1 <= len(row["event_name"]) <= 200
        assert parse_ts(row["occurred_at"]) is not None
        assert row.get("anonymous_id") or row.get("user_id")
        assert isinstance(row.get("properties", {}), dict) and isinstance(
            row.get("context", {}), dict
        )
        if row["event_name"] == "purchase":
            assert row["revenue"] > 0 and len(row["currency"]) == 3
        else:
            assert "revenue" not in row and "currency" not in row
        names[row["event_name"]] += 1
        stitched += bool(row.get("anonymous_id") and row.get("user_id"))
    assert n > 5000
    assert {
        "page_view",
        "signup",
        "activate",
        "add_to_cart",
        "purchase",
        "search",
        "view_item",
        "ai_generate",
        "share",
        "comment",
        "login",
    } <= set(names)
    # the journey narrows (existing users also cart and buy, without signing up again)
    assert names["page_view"] > names["signup"] > names["activate"]
    assert names["view_item"] > names["add_to_cart"] > names["purchase"] > 0
    assert stitched > names["signup"] * 0.9


def test_late_events_really_arrive_later(small_landing):
    landing, manifest = small_landing
    first_seen: dict[tuple[str, str], tuple[date, date]] = {}
    for day, row in _good_event_rows(landing, manifest):
        key = (row["brand_id"], row["event_id"])
        occurred = parse_ts(row["occurred_at"]).astimezone(UTC).date()
        if key not in first_seen or day < first_seen[key][0]:
            first_seen[key] = (day, occurred)
    lags = Counter((arr - occ).days for arr, occ in first_seen.values() if arr > occ)
    ev = manifest["events"]
    assert sum(lags.values()) == ev["late_events"] + ev["edge_early_events"]
    assert set(lags) <= {1, 2, 3} and ev["late_events"] > 0
    assert all(arr >= occ for arr, occ in first_seen.values() if arr != date(2026, 8, 1))


def test_truncated_gzip_is_really_truncated(small_landing):
    landing, manifest = small_landing
    info = manifest["truncated_file"]
    path = landing / info["path"]
    assert (
        path.name.endswith(".jsonl.gz")
        and path.stat().st_size == info["bytes_written"] < info["bytes_complete"]
    )
    with pytest.raises((EOFError, gzip.BadGzipFile, zlib.error)):
        gzip.decompress(path.read_bytes())
    partial = zlib.decompressobj(wbits=31).decompress(path.read_bytes())
    assert partial.count(b"\n") < info["lines_if_complete"] == info["rows_lost"] > 0


def test_brands_have_distinct_timezones_and_budgets(small_landing):
    landing, _ = small_landing
    rows = [
        json.loads(x) for x in next((landing / "brands").glob("*.jsonl")).read_text().splitlines()
    ]
    tzs = [r["timezone"] for r in rows]
    assert len(set(tzs)) == len(tzs) == 8
    assert {
        "Asia/Tokyo",
        "America/Los_Angeles",
        "Europe/Berlin",
        "Asia/Kolkata",
        "America/Sao_Paulo",
        "Australia/Sydney",
        "UTC",
    } <= set(tzs)
    assert len({r["currency"] for r in rows}) >= 6
    assert min(r["ai_monthly_budget_usd"] for r in rows) < 10 and all(
        r["ai_daily_generation_quota"] > 0 for r in rows
    )
    for r in rows:
        datetime.fromisoformat(r["created_at"].replace("Z", "+00:00"))


def test_definitions_cover_the_kinds_and_invalid_ones_are_recorded(small_landing):
    landing, manifest = small_landing

    def load(source):
        return [
            json.loads(x) for x in next((landing / source).glob("*.jsonl")).read_text().splitlines()
        ]

    funnels, cohorts, segments = load("funnels"), load("cohorts"), load("segments")
    invalid = {d["id"] for d in manifest["invalid_definitions"]}
    assert len(invalid) == 3
    assert {f["order"] for f in funnels} == {"ordered", "strict", "unordered", "sideways"}
    assert any(f.get("exclusions") for f in funnels) and any(
        "where" in s for f in funnels for s in f["steps"]
    )
    assert {f["funnel_id"] for f in funnels if f["order"] == "sideways"} <= invalid
    assert {(c["grain"], c["kind"]) for c in cohorts} >= {
        ("day", "first_time"),
        ("week", "recurring"),
        ("month", "recurring"),
    }
    assert {c["cohort_id"] for c in cohorts if not 1 <= c["periods"] <= 52} <= invalid
    with open(REPO / "dbt_project" / "seeds" / "segment_features.csv") as fh:
        features = {r["feature"] for r in csv.DictReader(fh)}

    def leaves(node):
        if "feature" in node:
            yield node
        for child in node.get("all", []) + node.get("any", []):
            yield from leaves(child)

    for seg in segments:
        used = {leaf["feature"] for leaf in leaves(seg["rules"])}
        assert (used <= features) == (seg["segment_id"] not in invalid)


def test_anomalies_ground_truth(small_landing):
    landing, manifest = small_landing
    anomalies = json.loads((landing / "_generator" / "anomalies.json").read_text())
    per_brand = Counter(a["brand_id"] for a in anomalies)
    assert len(per_brand) == 8 and min(per_brand.values()) >= 2
    assert {a["direction"] for a in anomalies} == {"spike", "drop"}
    allowed = {"active_persons", "sessions", "events", "orders", "revenue"}
    for a in anomalies:
        assert (date.fromisoformat(a["day"]) - date(2026, 8, 1)).days >= 14
        assert set(a["metrics"]) <= allowed
    spikes = [a for a in anomalies if a["kind"] == "traffic_spike"]
    assert all("events" in a["metrics"] for a in spikes)
    assert manifest["anomalies"]["count"] == len(anomalies)


def test_existing_landing_is_refused_without_force(tmp_path):
    generate(tmp_path, seed=1, **TINY)
    with pytest.raises(LandingExistsError):
        generate(tmp_path, seed=1, **TINY)
    generate(tmp_path, seed=2, force=True, **TINY)


def test_no_bad_rows_and_gzip_and_cli(tmp_path, capsys):
    from brandpulse.cli import main

    landing = tmp_path / "clean"
    rc = main(
        [
            "generate",
            "--landing",
            str(landing),
            "--brands",
            "2",
            "--persons",
            "80",
            "--days",
            "10",
            "--no-bad-rows",
            "--gzip",
        ]
    )
    assert rc == 0
    assert "done:" in capsys.readouterr().out
    manifest = json.loads((landing / "_generator" / "manifest.json").read_text())
    assert manifest["truncated_file"] is None and manifest["events"]["malformed_total"] == 0
    brands = brand_ids(landing)
    lines = [(p, line) for p in event_files(landing) for line in read_lines(p)]
    assert all(p.name.endswith(".jsonl.gz") for p, _ in lines)
    assert all(classify(line, partition_date(p), brands) == "ok" for p, line in lines)
    assert (
        len(lines)
        == len({json.loads(x)["event_id"] for _, x in lines})
        == manifest["events"]["generated"]
    )
    assert main(["generate", "--landing", str(landing)]) == 1


def test_parquet_format(tmp_path):
    import polars as pl

    manifest = generate(tmp_path, seed=5, fmt="parquet", **TINY)
    files = sorted((tmp_path / "events").rglob("*.parquet"))
    assert files
    rows = sum(pl.read_parquet(f).height for f in files)
    assert rows == sum(
        r["lines"]
        for r in manifest["files"]
        if r["path"].startswith("events/") and r["path"].endswith(".parquet")
    )
    df = pl.read_parquet(files[len(files) // 2])
    assert {"event_id", "brand_id", "event_name", "occurred_at", "properties", "context"} <= set(
        df.columns
    )
    json.loads(df["context"][0])


def test_planted_series_ride_on_existing_events(small_landing):
    """Every planted event copies the person, session and timestamp of an ordinary event
    (so persons, sessions and funnel times are unchanged), and the truth names the pair,
    its lag and the independent series for every brand."""
    from brandpulse.generator.planted_series import DRIVER, FOLLOWER, INDEPENDENT, SERIES_NAMES

    landing, manifest = small_landing
    truth = json.loads((landing / "_generator" / "planted_series.json").read_text())
    assert manifest["planted_series"]["brands"] == len(truth) == 8
    for t in truth:
        assert (t["driver"], t["follower"], t["independent"]) == (
            DRIVER,
            FOLLOWER,
            list(INDEPENDENT),
        )
        assert 2 <= t["lag_days"] <= 5
    ordinary, planted = set(), []
    for _day, row in _good_event_rows(landing, manifest):
        key = (
            row["brand_id"],
            row.get("anonymous_id"),
            row.get("user_id"),
            row.get("session_id"),
            parse_ts(row["occurred_at"]),
        )
        (planted.append(key) if row["event_name"] in SERIES_NAMES else ordinary.add(key))
        if row["event_name"] in SERIES_NAMES:
            assert "revenue" not in row and "properties" not in row
    assert len(planted) > 500
    # a host row may itself be lost (the truncated file, a malformed copy): a few percent
    orphans = [k for k in planted if k not in ordinary]
    assert len(orphans) <= 0.03 * len(planted), (len(orphans), len(planted))
    assert set(manifest["events"]["by_name"]) >= set(SERIES_NAMES)
