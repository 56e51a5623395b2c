"""Validation SQL generated from a source spec: typed columns plus the first broken rule.

One JSON parse per line (`json_extract` with a list of paths), then cheap checks on the
extracted scalars. The SQL text comes only from the specs in `sources.py`; landing values
and the partition date reach DuckDB as data or bound parameters.
"""

from __future__ import annotations

from brandpulse.ingest.sources import Field, Source

_TS_PATTERN = r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)"
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


def _timestamp_text(text: str) -> str:
    """ISO 8601 allows a comma before the fraction of a second; DuckDB reads only a dot."""
    return f"(CASE WHEN contains({text}, ',') THEN replace({text}, ',', '.') ELSE {text} END)"


def _typed(f: Field, text: str) -> str:
    """A field's typed value from its text (for a timestamp: from `_cast_once`'s column; for
    an object or array: its parsed JSON when the line held one, else the text cast)."""
    if f.kind == "string":
        return text
    if f.kind == "timestamp":
        # the UTC wall time of the instant: its microseconds since the epoch, as a
        # TIMESTAMP (a CAST goes through ICU's calendar: 30x the CPU, and serialized)
        return f"make_timestamp(epoch_us(x_{f.name}))"
    if f.kind == "number":
        return f"TRY_CAST({text} AS DOUBLE)"
    if f.kind == "integer":
        return f"TRY_CAST({text} AS BIGINT)"
    if f.kind == "boolean":
        return f"TRY_CAST({text} AS BOOLEAN)"
    # objects and arrays: the JSON value itself, or a Parquet column's JSON text
    return f"coalesce(o_{f.name}, {text}::JSON)"


def _cast_once(f: Field, text: str, value: str) -> list[str]:
    """Columns computed once for both a field's rules and its typed value: a timestamp's
    cast (`x_`), an object's or array's JSON value as `from_json` gave it (`o_`: not parsed
    again from its text)."""
    if f.kind == "timestamp":
        return [f"TRY_CAST({_timestamp_text(text)} AS TIMESTAMPTZ) AS x_{f.name}"]
    if f.kind in ("object", "array"):
        return [f"CASE WHEN t_{f.name} IN ('OBJECT', 'ARRAY') THEN {value} END AS o_{f.name}"]
    return []


def _cast_columns(f: Field) -> list[str]:
    if f.kind == "timestamp":
        return [f"x_{f.name}"]
    if f.kind in ("object", "array"):
        return [f"o_{f.name}"]
    return []


def _value_rules(f: Field, present: str, text: str) -> list[tuple[str, str]]:
    """The rules on a present value's text: its length and its allowed set."""
    rules: list[tuple[str, str]] = []
    if f.max_length:
        rules.append(
            (
                f"length({text}) > {f.max_length}",
                f"invalid_field: {f.name} is longer than {f.max_length} characters",
            )
        )
    if f.allowed:
        values = ", ".join(f"'{v}'" for v in f.allowed)
        rules.append(
            (
                f"({present} AND {text} NOT IN ({values}))",
                f"invalid_field: {f.name} must be one of {', '.join(f.allowed)}",
            )
        )
    return rules


def _row_rules(source: Source) -> str:
    """The WHEN branches checked after the field rules: the source's extra rules, then the
    brand's existence in raw.brands (unless the source is brands itself)."""
    extra = [f"WHEN {cond} THEN '{reason}'" for cond, reason in source.extra_rules]
    if source.check_brand:
        extra.append(
            "WHEN brand_id NOT IN (SELECT brand_id FROM raw.brands) "
            "THEN 'unknown_brand: brand_id is not in the brands snapshot'"
        )
    return "\n        ".join(extra)


def _field_rules(f: Field, json_type: str, text: str) -> list[tuple[str, str]]:
    present = f"({json_type} IS NOT NULL AND {json_type} <> 'NULL')"
    rules: list[tuple[str, str]] = []
    if f.required:
        # trim() copies the value: only one not starting with visible ASCII can be blank
        empty = (
            f" OR ({json_type} = 'VARCHAR' AND ascii({text}) NOT BETWEEN 33 AND 126 "
            f"AND trim({text}) = '')"
            if f.kind == "string"
            else ""
        )
        rules.append((f"(NOT {present}{empty})", f"missing_field: {f.name} is required"))
    rules.append(
        (
            f"({present} AND {json_type} NOT IN {_JSON_TYPES[f.kind]})",
            f"invalid_field: {f.name} must be {_KIND_NAMES[f.kind]}",
        )
    )
    if f.kind == "timestamp":
        rules.append(
            (
                f"({present} AND (NOT regexp_full_match({text}, '{_TS_PATTERN}') "
                f"OR x_{f.name} IS NULL))",
                f"bad_timestamp: {f.name} must be an ISO-8601 timestamp with a UTC offset or Z",
            )
        )
    return rules + _value_rules(f, present, text)


def _json_type(f: Field, json_type: str, text: str) -> str:
    """The JSON type a field's rules check: its own, or for an object or array field of a
    Parquet file stored as JSON text (Parquet has no JSON object type; our generator and
    most exporters write such columns as text) the type of the JSON that text holds.

    `_typed` then casts the text to JSON either way: json_extract_string gives an object's
    JSON text, and a string's content.
    """
    if f.kind not in ("object", "array"):
        return json_type
    return (
        f"(CASE WHEN {json_type} = 'VARCHAR' AND suffix(file, '.parquet') AND json_valid({text}) "
        f"THEN json_type({text}) ELSE {json_type} END)"
    )


def _value_type(f: Field, value: str) -> str:
    """The JSON type name `json_type` gives a field's value, read from the value's JSON text.

    `value` is the field's JSON text as `from_json` returns it (NULL when the field is
    absent or JSON null: the rules treat both alike). Valid JSON text tells its type by its
    first character; only an integer field parses its number to tell BIGINT from DOUBLE.
    """
    number = f"json_type({value})" if f.kind == "integer" else "'DOUBLE'"
    return f"""(CASE WHEN {value} IS NULL THEN NULL
            WHEN prefix({value}, '"') THEN 'VARCHAR'
            WHEN prefix({value}, '{{') THEN 'OBJECT'
            WHEN prefix({value}, '[') THEN 'ARRAY'
            WHEN {value} IN ('true', 'false') THEN 'BOOLEAN'
            ELSE {number} END)"""


def _value_text(value: str) -> str:
    """What `json_extract_string` gives for a field: a string's content, any other value's
    JSON text. A string without a backslash has no escape to undo: its content is the text
    between the quotes; only a string with one is parsed."""
    return (
        f"""(CASE WHEN prefix({value}, '"') THEN (CASE WHEN contains({value}, '\\') """
        f"""THEN json_extract_string({value}, '$') ELSE {value}[2:-2] END) ELSE {value} END)"""
    )


def validation_sql(source: Source) -> str:
    """SQL over table `lines` (reader.LINES_SCHEMA) giving typed columns and `reason`.

    `reason` is NULL for a good row; a line the reader rejected keeps the reader's reason; `_partition_date` (the arrival day) is carried along.
    A line is parsed twice whatever the field count: `json_valid`, then one `from_json`
    into a struct of every field's JSON text, whose first character gives its JSON type
    (a line starting with `{` that is valid JSON is an object; any other line asks
    `json_type`). Brand existence is checked against `raw.brands` unless the source is
    brands itself.
    """
    struct = ", ".join(f'"{f.name}": "JSON"' for f in source.fields)
    values = {f.name: f"j_{f.name}" for f in source.fields}
    json_cols = ", ".join(f"CAST(v.{f.name} AS VARCHAR) AS j_{f.name}" for f in source.fields)
    value_cols = ",\n        ".join(
        f"{_value_type(f, values[f.name])} AS t_{f.name}, {_value_text(values[f.name])} AS s_{f.name}"
        for f in source.fields
    )
    once = [c for f in source.fields for c in _cast_once(f, f"s_{f.name}", f"v.{f.name}")]
    once_cols = [c for f in source.fields for c in _cast_columns(f)]
    types = {f.name: _json_type(f, f"t_{f.name}", f"s_{f.name}") for f in source.fields}
    texts = {f.name: f"s_{f.name}" for f in source.fields}
    rules: list[tuple[str, str]] = []
    for f in source.fields:
        rules += _field_rules(f, types[f.name], texts[f.name])
    typed_cols = ",\n        ".join(
        f"{_typed(f, texts[f.name])} AS {f.name}" for f in source.fields
    )
    carried = [*texts.values(), *once_cols]
    nulled = ", ".join(f"CASE WHEN field_reason IS NULL THEN {t} END AS {t}" for t in carried)
    field_case = "\n            ".join(f"WHEN {cond} THEN '{reason}'" for cond, reason in rules)
    return f"""
WITH parsed AS (
    SELECT file, line, raw, _partition_date, reader_reason,
        CASE WHEN reader_reason IS NULL AND json_valid(raw)
             THEN (CASE WHEN prefix(raw, '{{') THEN 'OBJECT' ELSE json_type(raw) END) END AS doc_type
    FROM lines
    -- blank lines are not rows; a line starting with '{{' never is one, and DuckDB's
    -- trim() reads the whole line (1.3 s of a million events for nothing). A CASE, not
    -- an OR: DuckDB 1.5 still ran trim() on part of the rows the OR had decided (0.2 s
    -- of CPU per 700k lines against 0.02 s)
    WHERE CASE WHEN prefix(raw, '{{') OR reader_reason IS NOT NULL THEN true ELSE trim(raw) <> '' END
),
extracted AS (
    SELECT *, {", ".join(once) if once else "NULL AS _no_casts"}
    FROM (
        SELECT file, line, raw, _partition_date, reader_reason, doc_type, v,
            {value_cols}
        FROM (
            SELECT *, {json_cols}
            FROM (
                SELECT *,
                    CASE WHEN doc_type = 'OBJECT' THEN from_json(raw, '{{{struct}}}') END AS v
                FROM parsed
            )
        )
    )
),
checked AS (
    SELECT file, line, raw, _partition_date, {", ".join(carried)},
        CASE
            WHEN reader_reason IS NOT NULL THEN reader_reason
            WHEN doc_type IS NULL THEN 'invalid_json: line is not valid JSON'
            WHEN doc_type <> 'OBJECT' THEN 'invalid_json: line is not a JSON object'
            {field_case}
        END AS field_reason
    FROM extracted
),
typed AS (
    SELECT file, line, raw, _partition_date, field_reason,
        {typed_cols}
    FROM (SELECT * REPLACE ({nulled}) FROM checked)
)
SELECT *,
    CASE
        WHEN field_reason IS NOT NULL THEN field_reason
        {_row_rules(source)}
    END AS reason
FROM typed
"""


def _typed_field_rules(f: Field) -> list[tuple[str, str]]:
    """The rules of `_field_rules` over an already typed column (rows from a typed source,
    the app database): same conditions where they apply, same reasons.

    Two cheap tests come first and decide nearly every row (DuckDB evaluates the rest of an
    AND only for the rows still in question; together ~0.25 s of CPU per 1M events):
    - a value whose first character is visible ASCII is not blank (trim() strips space
      separators only), so trim(), which copies the value, runs only for the others;
    - an object/array column holds JSON that its cast already parsed, so a value starting
      with '{' (resp. '[') is an object (an array) without a second parse by json_type().
    """
    col = f.name
    rules: list[tuple[str, str]] = []
    if f.required:
        empty = (
            f" OR (ascii({col}) NOT BETWEEN 33 AND 126 AND trim({col}) = '')"
            if f.kind == "string"
            else ""
        )
        rules.append((f"({col} IS NULL{empty})", f"missing_field: {f.name} is required"))
    if f.kind in ("object", "array"):
        expected, opening = ("OBJECT", "{") if f.kind == "object" else ("ARRAY", "[")
        rules.append(
            (
                f"({col} IS NOT NULL AND NOT prefix({col}, '{opening}') "
                f"AND json_type({col}) NOT IN ('{expected}', 'NULL'))",
                f"invalid_field: {f.name} must be {_KIND_NAMES[f.kind]}",
            )
        )
    return rules + _value_rules(f, f"{col} IS NOT NULL", col)


def typed_validation_sql(source: Source) -> str:
    """The validation of `validation_sql` over table `typed_lines` (file, line,
    _partition_date and every field as a typed column), for sources whose rows arrive
    typed: no JSON text to parse, the same field rules, extra rules, brand rule and
    reasons. Output columns match `validation_sql` (`raw` is NULL)."""
    rules: list[tuple[str, str]] = []
    for f in source.fields:
        rules += _typed_field_rules(f)
    field_case = "\n            ".join(f"WHEN {cond} THEN '{reason}'" for cond, reason in rules)
    cols = ", ".join(f.name for f in source.fields)
    field_reason = f"CASE {field_case} END" if rules else "CAST(NULL AS VARCHAR)"
    return f"""
WITH checked AS (
    SELECT file, line, CAST(NULL AS VARCHAR) AS raw, _partition_date, {cols},
        {field_reason} AS field_reason
    FROM typed_lines
)
SELECT *,
    CASE
        WHEN field_reason IS NOT NULL THEN field_reason
        {_row_rules(source)}
    END AS reason
FROM checked
"""
