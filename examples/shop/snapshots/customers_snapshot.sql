{% snapshot customers_snapshot %}
{{ config(schema='marts', unique_key='customer_id', strategy='check', check_cols=['customer_name', 'country']) }}
select * from {{ ref('stg_customers') }}
{% endsnapshot %}
