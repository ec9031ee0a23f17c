select
    c.customer_id,
    c.customer_name,
    c.country,
    count(o.order_id) as order_count,
    coalesce(sum(o.amount_eur), 0) as lifetime_eur
from {{ ref('stg_customers') }} c
left join {{ ref('orders') }} o on o.customer_id = c.customer_id
group by 1, 2, 3
