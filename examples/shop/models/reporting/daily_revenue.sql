select
    ordered_at as day,
    sum(amount_eur) as revenue_eur,
    count(*) as orders
from {{ ref('orders') }}
group by 1
