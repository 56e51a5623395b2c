"""The knobs of one generator run, and the volume rates derived from them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from brandpulse.config import DEFAULT_START_DATE

FORMATS = ("jsonl", "parquet")


@dataclass(frozen=True)
class GenParams:
    """Everything that decides the output: same params, byte-identical files."""

    seed: int = 7
    brands: int = 8
    persons: int = 3000
    days: int = 90
    start_date: date = DEFAULT_START_DATE
    bad_rows: bool = True
    fmt: str = "jsonl"
    gzip_events: bool = False

    def __post_init__(self) -> None:
        if self.brands < 1 or self.persons < self.brands or self.days < 1:
            raise ValueError("need brands >= 1, persons >= brands and days >= 1")
        if self.fmt not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}")

    @property
    def end_date(self) -> date:
        """Last brand-local day of generated activity."""
        return self.start_date + timedelta(days=self.days - 1)

    @property
    def last_partition(self) -> date:
        """Last arrival day: the day after end_date holds the UTC tail of west-of-UTC brands."""
        return self.end_date + timedelta(days=1)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["start_date"] = self.start_date.isoformat()
        return d
