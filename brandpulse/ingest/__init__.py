"""Loading the landing zone into `raw.*`: read, validate, de-duplicate, replace atomically."""

from brandpulse.ingest.load import LoadReport, load_partition, load_partitions, load_snapshot
from brandpulse.ingest.sources import PARTITIONED_SOURCES, SNAPSHOT_SOURCES, SOURCES

__all__ = [
    "PARTITIONED_SOURCES",
    "SNAPSHOT_SOURCES",
    "SOURCES",
    "LoadReport",
    "load_partition",
    "load_partitions",
    "load_snapshot",
]
