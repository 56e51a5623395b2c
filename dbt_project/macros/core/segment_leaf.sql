{#- Whether a segment leaf holds for a person's feature value: numeric ops
    > >= < <= = != on value_number, text ops = != in not_in on value_text /
    value_list. A missing (NULL) feature value is false for every op. `leaf` and
    `feature` are aliases of rows with the raw.segment_rule_nodes and
    int_person_features_long columns. -#}
{% macro core_segment_leaf_matches(leaf, feature) -%}
    coalesce(case
        when {{ feature }}.value_number is null and {{ feature }}.value_text is null then false
        when {{ leaf }}.op = 'in' then {{ list_has(leaf ~ '.value_list', feature ~ '.value_text') }}
        when {{ leaf }}.op = 'not_in' then not {{ list_has(leaf ~ '.value_list', feature ~ '.value_text') }}
        when {{ feature }}.value_text is not null then case {{ leaf }}.op
            when '=' then {{ feature }}.value_text = {{ leaf }}.value_text
            when '!=' then {{ feature }}.value_text <> {{ leaf }}.value_text
        end
        else case {{ leaf }}.op
            when '>' then {{ feature }}.value_number > {{ leaf }}.value_number
            when '>=' then {{ feature }}.value_number >= {{ leaf }}.value_number
            when '<' then {{ feature }}.value_number < {{ leaf }}.value_number
            when '<=' then {{ feature }}.value_number <= {{ leaf }}.value_number
            when '=' then {{ feature }}.value_number = {{ leaf }}.value_number
            when '!=' then {{ feature }}.value_number <> {{ leaf }}.value_number
        end
    end, false)
{%- endmacro %}
