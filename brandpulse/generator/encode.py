"""Rows -> JSON Lines text, fast and byte-stable.

Each row's JSON is assembled column-wise with polars string expressions (one Rust
pass, no Python per row). Null fields are omitted, as an SDK omits unset fields,
rather than written as null. Strings are escaped for quotes and backslashes; the
generator produces no control characters. Numbers use polars' shortest round-trip
formatting, so the text is identical run after run.
"""

from __future__ import annotations

import polars as pl


def _value(name: str, dtype: pl.DataType) -> pl.Expr:
    """JSON text of a non-null value of flat column `name` (null stays null)."""
    expr = pl.col(name)
    if dtype == pl.String:
        esc = expr.str.replace_all("\\", "\\\\", literal=True).str.replace_all(
            '"', '\\"', literal=True
        )
        return pl.concat_str([pl.lit('"'), esc, pl.lit('"')])
    if dtype == pl.Boolean:
        return pl.when(expr).then(pl.lit("true")).otherwise(pl.lit("false"))
    if dtype.is_numeric():
        return expr.cast(pl.String)
    raise TypeError(f"cannot encode {dtype}")


def _object(fields: list[tuple[str, str, pl.DataType]], prefix: str = "") -> pl.Expr:
    """'{...}' with only the non-null fields; '{}' when all are null.

    `fields` are (key, flat column, dtype); struct dtypes recurse over the flat
    columns "<column>.<field>".
    """
    pieces = []
    for key, col, dtype in fields:
        if dtype == pl.Null:
            continue
        if isinstance(dtype, pl.Struct):
            sub = [(f.name, f"{col}.{f.name}", f.dtype) for f in dtype.fields]
            present = pl.any_horizontal(
                [pl.col(c).is_not_null() for _, c, d in sub if d != pl.Null] or [pl.lit(False)]
            )
            text = pl.when(present).then(_object(sub))
        else:
            text = _value(col, dtype)
        pieces.append(pl.concat_str([pl.lit(f',"{key}":'), text], ignore_nulls=False).fill_null(""))
    if not pieces:
        return pl.lit("{}")
    return pl.concat_str([pl.lit("{"), pl.concat_str(pieces).str.slice(1), pl.lit("}")])


def _flatten(df: pl.DataFrame) -> pl.DataFrame:
    """Struct columns unnested (recursively) into columns named "<column>.<field>"."""
    cols: list[pl.Series] = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Struct):
            inner = df[name].struct.unnest()
            flat = _flatten(inner)
            cols.extend(s.alias(f"{name}.{s.name}") for s in flat.iter_columns())
        else:
            cols.append(df[name])
    return pl.DataFrame(cols)


CHUNK_ROWS = 250_000
"""Rows encoded at a time: a row's text depends on that row only, and the encoder's
intermediate frames (flattened columns, groups) then stay a chunk's size."""


def json_lines(df: pl.DataFrame) -> pl.Series:
    """One JSON object per row of `df` (all its columns, in order), nulls omitted."""
    if df.height == 0:
        return pl.Series("line", [], dtype=pl.String)
    if df.height > CHUNK_ROWS:
        return pl.concat(
            [_json_lines(df.slice(start, CHUNK_ROWS)) for start in range(0, df.height, CHUNK_ROWS)]
        )
    return _json_lines(df)


def _json_lines(df: pl.DataFrame) -> pl.Series:
    flat = _flatten(df)
    if flat.width > 63:
        fields = [(name, name, dtype) for name, dtype in df.schema.items()]
        return flat.select(_object(fields).alias("line")).to_series()
    # rows with the same set of non-null fields are encoded together by polars'
    # json_encode over just those fields (a few dozen patterns for real data)
    cols = flat.columns
    mask = pl.sum_horizontal(
        [pl.col(c).is_not_null().cast(pl.UInt64) * (1 << k) for k, c in enumerate(cols)]
    ).alias("__mask")
    keyed = flat.with_columns(mask, pl.int_range(pl.len(), dtype=pl.UInt32).alias("__row"))
    out = []
    for (m,), group in keyed.group_by(["__mask"]):
        present = {c for k, c in enumerate(cols) if int(m) >> k & 1}
        line = (
            _struct_expr(df.schema, present, "").struct.json_encode()
            if present
            else pl.lit("{}", dtype=pl.String)  # every field null (an empty properties object)
        )
        out.append(group.select(pl.col("__row"), line.alias("line")))
    return pl.concat(out).sort("__row")["line"]


def _struct_expr(schema, present: set[str], prefix: str) -> pl.Expr:
    """pl.struct of the present flat columns, nested like the original schema."""
    parts = []
    for name, dtype in schema.items():
        flat_name = f"{prefix}{name}"
        if isinstance(dtype, pl.Struct):
            inner = {f.name: f.dtype for f in dtype.fields}
            if any(c.startswith(flat_name + ".") for c in present):
                parts.append(_struct_expr(inner, present, flat_name + ".").alias(name))
        elif flat_name in present:
            parts.append(pl.col(flat_name).alias(name))
    return pl.struct(parts)


def public_columns(df: pl.DataFrame) -> pl.DataFrame:
    """Drop the generator's internal `_` columns."""
    return df.select([c for c in df.columns if not c.startswith("_")])
