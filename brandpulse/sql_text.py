"""Quoting of identifiers and literals that SQL cannot take as bound parameters.

DuckDB binds values (`?`) but not table names, schema names or ATTACH paths. The
names quoted here come from the catalog or from brandpulse's own configuration,
never from a query user; quoting still makes any name safe to splice.
"""

from __future__ import annotations

from pathlib import Path


def ident(name: str) -> str:
    """Quote one identifier: `a"b` becomes `"a""b"`."""
    return '"' + name.replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    """Quote a dotted name part by part: ("marts", "x") becomes `"marts"."x"`."""
    return ".".join(ident(p) for p in parts)


def literal(value: str | Path) -> str:
    """Quote a string literal, for the few places DuckDB does not accept `?` (ATTACH)."""
    return "'" + str(value).replace("'", "''") + "'"
