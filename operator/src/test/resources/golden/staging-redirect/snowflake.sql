{#- Written by dbt-operator for one staging build; see docs/deploys.md. -#}
{% macro generate_schema_name(custom_schema_name=none, node=none) -%}
  {%- set live = (dbt.generate_schema_name(custom_schema_name, node)) | trim -%}
  {{- {'marts': 'marts__dbtop_20261123080000_3f2a9c41_d'}.get(live | lower, live) -}}
{%- endmacro %}

{% macro ref() -%}
  {%- set relation = builtins.ref(*varargs, **kwargs) -%}
  {%- set staging_schemas = ['marts__dbtop_20261123080000_3f2a9c41_d'] -%}
  {%- if execute and model is mapping and model.get('config', {}).get('materialized') == 'view'
        and relation.schema is string and model.get('schema') is string
        and relation.schema | lower == model.get('schema') | lower
        and relation.schema | lower in staging_schemas -%}
    {%- do return(relation.include(database=false, schema=false)) -%}
  {%- endif -%}
  {%- do return(relation) -%}
{%- endmacro %}
