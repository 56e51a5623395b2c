"""Deterministic, unique, random-looking ids without a per-row Python loop.

An id is splitmix64 of (seed, brand, stream, counter): splitmix64 is a bijection on
64-bit integers, so distinct counters can never collide, and the hex text is built
with numpy lookups instead of string formatting per row.
"""

from __future__ import annotations

import numpy as np
import polars as pl

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_SHIFTS = np.arange(60, -4, -4, dtype=np.uint64)

STREAMS = {
    "event": 1,
    "session": 2,
    "anon": 3,
    "anon2": 4,
    "user": 5,
    "request": 6,
    "order": 7,
    "share": 8,
    "comment": 9,
    "bad": 10,
    "collection": 11,
    "series_event": 12,
}


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser (a bijection on uint64)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _C1
        z = (z ^ (z >> np.uint64(27))) * _C2
        return z ^ (z >> np.uint64(31))


def id_values(seed: int, brand: int, stream: str, counters: np.ndarray) -> np.ndarray:
    """Unique 64-bit values for (seed, brand, stream, counter)."""
    key = (np.uint64(brand & 0xFFFF) << np.uint64(48)) | (
        np.uint64(STREAMS[stream]) << np.uint64(40)
    )
    with np.errstate(over="ignore"):
        salted = counters.astype(np.uint64) | key
        return splitmix64(salted ^ splitmix64(np.array([seed], dtype=np.uint64))[0])


def hex_strings(values: np.ndarray, prefix: str = "", width: int = 16) -> pl.Series:
    """`prefix` + the low `width` hex digits of each value, as a polars String series."""
    nibbles = ((values.astype(np.uint64)[:, None] >> _SHIFTS[16 - width :]) & np.uint64(15)).astype(
        np.uint8
    )
    chars = np.ascontiguousarray(_HEX[nibbles])
    text = pl.Series(chars.view(f"S{width}").ravel()).cast(pl.String)
    return (prefix + text) if prefix else text


def make_ids(seed: int, brand: int, stream: str, n: int, prefix: str, width: int = 16) -> pl.Series:
    """n distinct ids `prefix<hex>` for one brand and stream."""
    return hex_strings(id_values(seed, brand, stream, np.arange(n, dtype=np.uint64)), prefix, width)
