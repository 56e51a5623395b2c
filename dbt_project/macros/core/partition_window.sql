{#- A bound of the run's partition window, 'min_date' or 'max_date' (UTC arrival days, ISO
    strings), or none when the run has no window (it then admits every event).

    Dagster and the bench hand the window in as the environment variables
    BRANDPULSE_WINDOW_MIN_DATE / BRANDPULSE_WINDOW_MAX_DATE, read only while executing:
    dbt hashes `--vars` into its partial-parse check, so a new window passed as vars
    re-parsed the whole project on every daily run (~5 s), while an env var read outside
    parsing (`execute` is false then) is not recorded by the parser and re-parses nothing.
    The window is not needed to parse: it only changes the SQL a run executes.
    A `--vars` value still wins (tests and manual runs). -#}
{% macro core_window_bound(name) -%}
    {%- set value = var(name) -%}
    {%- if not value and execute -%}
        {%- set value = env_var('BRANDPULSE_WINDOW_' ~ (name | upper), '') -%}
    {%- endif -%}
    {{- return(value or none) -}}
{%- endmacro %}
