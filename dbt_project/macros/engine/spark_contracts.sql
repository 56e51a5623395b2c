{#- Contracts on Spark: the marts' YAML declares DuckDB's type names (varchar, double,
    bigint, ...), which Spark spells differently (string). On Spark the contract checks
    that the query returns exactly the declared columns, in order, and leaves the type
    check to DuckDB (the same SQL), whose build checks them on every run. -#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- set declared = model['columns'].values() | map(attribute='name') | list -%}
    {%- set returned = get_column_schema_from_query(sql) | map(attribute='name') | list -%}
    {%- if declared | map('lower') | list != returned | map('lower') | list -%}
        {%- do exceptions.raise_compiler_error(
            'Contract of ' ~ model['name'] ~ ': declared columns ' ~ declared
            ~ ' but the query returns ' ~ returned) -%}
    {%- endif -%}
{%- endmacro %}
