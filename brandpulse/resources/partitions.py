"""The one daily partitions definition: landing arrival days (UTC)."""

from __future__ import annotations

from dagster import BackfillPolicy, DailyPartitionsDefinition

from brandpulse.config import get_settings

daily_partitions = DailyPartitionsDefinition(
    start_date=get_settings().start_date.isoformat(),
    timezone="UTC",
    end_offset=1,  # today's partition exists: files land during the day
)

single_run_backfill = BackfillPolicy.single_run()
"""Shared by the ingest, dbt and AI assets so a backfill is one run, not one per day."""
