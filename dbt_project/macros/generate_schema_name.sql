{#- Use the configured schema name as is (raw, staging, intermediate, marts, ...),
    not dbt's default "<target>_<schema>" prefixing. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
