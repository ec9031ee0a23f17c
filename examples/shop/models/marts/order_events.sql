{{ config(materialized='incremental', unique_key='order_id') }}

select
    order_id,
    status,
    ordered_at
from {{ ref('stg_orders') }}
{% if is_incremental() %}
where ordered_at >= (select coalesce(max(ordered_at), '1900-01-01') from {{ this }})
{% endif %}
