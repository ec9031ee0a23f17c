{% macro cents_to_euros(column) -%}
  round({{ column }} / 100.0, 2)
{%- endmacro %}
