"""Validation SQL generated from a source spec: typed columns plus the first broken rule.

One JSON parse per line (`json_extract` with a list of paths), then cheap checks on the
extracted scalars. The SQL text comes only from the specs in `sources.py`; landing values
and the partition date reach DuckDB as data or bound parameters.
"""

from __future__ import annotations

from brandpulse.ingest.sources import Field, Source

_TS_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)"
_JSON_TYPES = {
    "string": "('VARCHAR')",
    "timestamp": "('VARCHAR')",
    "number": "('BIGINT', 'UBIGINT', 'DOUBLE')",
    "integer": "('BIGINT', 'UBIGINT')",
    "boolean": "('BOOLEAN')",
    "object": "('OBJECT')",
    "array": "('ARRAY')",
}
_KIND_NAMES = {
    "string": "a string",
    "timestamp": "an ISO-8601 string",
    "number": "a number",
    "integer": "an integer",
    "boolean": "true or false",
    "object": "a JSON object",
    "array": "a JSON array",
}


def _typed(f: Field, slot: str) -> str:
    text = f"({slot} ->> '$')"
    if f.kind == "string":
        return f"{text}::VARCHAR"
    if f.kind == "timestamp":
        return f"CAST(TRY_CAST({text} AS TIMESTAMPTZ) AS TIMESTAMP)"
    if f.kind == "number":
        return f"TRY_CAST({text} AS DOUBLE)"
    if f.kind == "integer":
        return f"TRY_CAST({text} AS BIGINT)"
    if f.kind == "boolean":
        return f"TRY_CAST({text} AS BOOLEAN)"
    return f"{slot}::JSON"


def _field_rules(f: Field, slot: str) -> list[tuple[str, str]]:
    present = f"(json_type({slot}) IS NOT NULL AND json_type({slot}) <> 'NULL')"
    rules: list[tuple[str, str]] = []
    if f.required:
        empty = (
            f" OR (json_type({slot}) = 'VARCHAR' AND trim({slot} ->> '$') = '')"
            if f.kind == "string"
            else ""
        )
        rules.append((f"(NOT {present}{empty})", f"missing_field: {f.name} is required"))
    rules.append(
        (
            f"({present} AND json_type({slot}) NOT IN {_JSON_TYPES[f.kind]})",
            f"invalid_field: {f.name} must be {_KIND_NAMES[f.kind]}",
        )
    )
    if f.kind == "timestamp":
        rules.append(
            (
                f"({present} AND (NOT regexp_full_match({slot} ->> '$', '{_TS_PATTERN}') "
                f"OR TRY_CAST({slot} ->> '$' AS TIMESTAMPTZ) IS NULL))",
                f"bad_timestamp: {f.name} must be an ISO-8601 timestamp with a UTC offset or Z",
            )
        )
    if f.max_length:
        rules.append(
            (
                f"length({slot} ->> '$') > {f.max_length}",
                f"invalid_field: {f.name} is longer than {f.max_length} characters",
            )
        )
    if f.allowed:
        values = ", ".join(f"'{v}'" for v in f.allowed)
        rules.append(
            (
                f"({present} AND ({slot} ->> '$') NOT IN ({values}))",
                f"invalid_field: {f.name} must be one of {', '.join(f.allowed)}",
            )
        )
    return rules


def validation_sql(source: Source) -> str:
    """SQL over table `lines` (file, line, raw, _partition_date) giving typed columns and `reason`.

    `reason` is NULL for a good row; `_partition_date` (the arrival day) is carried along.
    Brand existence is checked against `raw.brands` unless the source is brands itself.
    """
    paths = ", ".join(f"'$.\"{f.name}\"'" for f in source.fields)
    slots = {f.name: f"v[{i + 1}]" for i, f in enumerate(source.fields)}
    rules: list[tuple[str, str]] = []
    for f in source.fields:
        rules += _field_rules(f, slots[f.name])
    typed_cols = ",\n        ".join(
        f"{_typed(f, slots[f.name])} AS {f.name}" for f in source.fields
    )
    field_case = "\n            ".join(f"WHEN {cond} THEN '{reason}'" for cond, reason in rules)
    extra_case = "\n            ".join(
        f"WHEN {cond} THEN '{reason}'" for cond, reason in source.extra_rules
    )
    brand_rule = (
        "WHEN brand_id NOT IN (SELECT brand_id FROM raw.brands) THEN 'unknown_brand: brand_id is not in the brands snapshot'"
        if source.check_brand
        else ""
    )
    return f"""
WITH parsed AS (
    SELECT file, line, raw, _partition_date,
        CASE WHEN json_valid(raw) THEN json_type(raw) END AS doc_type,
        CASE WHEN json_valid(raw) AND json_type(raw) = 'OBJECT' THEN json_extract(raw, [{paths}]) END AS v
    FROM lines
    WHERE trim(raw) <> ''
),
checked AS (
    SELECT file, line, raw, _partition_date,
        CASE
            WHEN doc_type IS NULL THEN 'invalid_json: line is not valid JSON'
            WHEN doc_type <> 'OBJECT' THEN 'invalid_json: line is not a JSON object'
            {field_case}
        END AS field_reason,
        CASE WHEN field_reason IS NULL THEN v END AS v
    FROM parsed
),
typed AS (
    SELECT file, line, raw, _partition_date, field_reason,
        {typed_cols}
    FROM checked
)
SELECT *,
    CASE
        WHEN field_reason IS NOT NULL THEN field_reason
        {extra_case}
        {brand_rule}
    END AS reason
FROM typed
"""
