select * from {{ ref('daily_revenue') }} where revenue_eur < 0
