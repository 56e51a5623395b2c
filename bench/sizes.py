"""Benchmark sizes and the cached landing zone of each size.

A size is (events, brands, days, seed); the generator takes persons, so persons are
derived from the measured ~24.5 events per person of the generator. A landing zone is
generated once per size under `<bench_dir>/datasets/<key>/landing` and reused by later
runs: it is written to a temporary folder and renamed only when complete, so an
interrupted generation is never mistaken for a cached one.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

EVENTS_PER_PERSON_90_DAYS = 24.5
"""Measured from the generator (8 or 20 brands, 90 days): ~24.5-24.7 events per person;
roughly proportional to the number of days (persons keep being active)."""

PRESETS: dict[str, tuple[int, int | None, int | None]] = {
    # name: (events, brands or None = the --brands default, days or None = the --days default)
    "quick": (20_000, 4, 30),
    "1m": (1_000_000, None, None),
    "5m": (5_000_000, None, None),
    "10m": (10_000_000, None, None),
}
DEFAULT_BRANDS = 20
DEFAULT_DAYS = 90
START_DATE = date(2026, 8, 1)


@dataclass(frozen=True)
class BenchSize:
    name: str
    events: int
    brands: int
    days: int
    seed: int = 7

    @property
    def persons(self) -> int:
        """Persons for the generator: about `events` events in total, at least 20 per brand."""
        per_person = EVENTS_PER_PERSON_90_DAYS * self.days / 90
        return max(20 * self.brands, round(self.events / per_person))

    @property
    def key(self) -> str:
        return f"e{self.events}-b{self.brands}-d{self.days}-s{self.seed}"

    def generator_arguments(self) -> dict:
        return {
            "seed": self.seed,
            "brands": self.brands,
            "persons": self.persons,
            "days": self.days,
            "start_date": START_DATE,
        }


def parse_size(
    name: str, brands: int | None = None, days: int | None = None, seed: int = 7
) -> BenchSize:
    """A preset name (quick, 1m, 5m, 10m) or a plain event count such as `250000` or `2m`."""
    key = name.lower()
    if key in PRESETS:
        events, preset_brands, preset_days = PRESETS[key]
    else:
        multiplier = 1_000_000 if key.endswith("m") else 1_000 if key.endswith("k") else 1
        try:
            events = int(float(key.rstrip("mk")) * multiplier)
        except ValueError:
            raise ValueError(
                f"unknown size {name!r}: use {', '.join(PRESETS)} or an event count"
            ) from None
        preset_brands = preset_days = None
    if not 1 <= (brands or preset_brands or DEFAULT_BRANDS) <= 1000:
        raise ValueError("brands must be between 1 and 1000")
    return BenchSize(
        name=key,
        events=events,
        brands=brands or preset_brands or DEFAULT_BRANDS,
        days=days or preset_days or DEFAULT_DAYS,
        seed=seed,
    )


def _manifest_matches(landing: Path, size: BenchSize) -> dict | None:
    path = landing / "_generator" / "manifest.json"
    if not path.exists():
        return None
    manifest = json.loads(path.read_text())
    args = manifest.get("arguments", {})
    wanted = {
        k: (v.isoformat() if isinstance(v, date) else v)
        for k, v in size.generator_arguments().items()
    }
    if any(str(args.get(k)) != str(v) for k, v in wanted.items()):
        return None
    return manifest


def ensure_landing(
    size: BenchSize, bench_dir: Path, progress: Callable[[str], None] = print
) -> tuple[Path, dict, float | None]:
    """(landing dir, generator manifest, generation seconds or None when cached)."""
    from brandpulse.generator import generate

    root = bench_dir / "datasets" / size.key
    landing = root / "landing"
    manifest = _manifest_matches(landing, size)
    if manifest is not None:
        progress(f"reusing the cached landing zone {landing}")
        return landing, manifest, None
    partial = root / "landing.partial"
    shutil.rmtree(partial, ignore_errors=True)
    shutil.rmtree(landing, ignore_errors=True)
    progress(
        f"generating {size.events:,} events ({size.persons:,} persons, {size.brands} brands, {size.days} days)"
    )
    started = time.perf_counter()
    manifest = generate(partial, **size.generator_arguments(), force=True, progress=progress)
    seconds = time.perf_counter() - started
    partial.rename(landing)
    return landing, manifest, seconds


def ensure_landing_in_subprocess(
    size: BenchSize, bench_dir: Path, progress: Callable[[str], None] = print
) -> None:
    """Generate (if needed) in a child process, so the generator's memory never counts
    towards the measuring process's RSS in the stages that follow; True if generated."""
    import subprocess
    import sys

    if _manifest_matches(bench_dir / "datasets" / size.key / "landing", size) is not None:
        return False
    args = [
        sys.executable,
        "-m",
        "bench.sizes",
        str(size.events),
        str(size.brands),
        str(size.days),
        str(size.seed),
    ]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        progress(line.rstrip())
    if proc.wait() != 0:
        raise RuntimeError(f"dataset generation failed (exit {proc.returncode})")
    return True


if __name__ == "__main__":
    import sys

    from brandpulse.config import get_settings

    events, brands, days, seed = (int(x) for x in sys.argv[1:5])
    ensure_landing(
        BenchSize(str(events), events, brands, days, seed),
        get_settings().bench_dir,
        progress=lambda s: print(s, flush=True),
    )
