{#- Written by dbt-operator for one staging build; see docs/deploys.md. -#}
{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {%- set live = (dbt_operator_project_generate_schema_name(custom_schema_name, node)) | trim -%}
  {{- {'marts': 'marts__dbtop_20261123080000_3f2a9c41_d'}.get(live | lower, live) -}}
{%- endmacro %}
