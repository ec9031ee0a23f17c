select
    order_id,
    customer_id,
    ordered_at,
    {{ cents_to_euros('amount_cents') }} as amount_eur,
    status
from {{ ref('stg_orders') }}
where status <> 'returned'
