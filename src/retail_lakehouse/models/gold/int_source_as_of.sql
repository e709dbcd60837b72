-- One row per source system with sales: the data's own "today" (its last sale day) and how
-- much history it holds. Every mart that needs "today", recency or a minimum history reads
-- it from here, so no mart ever looks at the wall clock.
with sales as (
    select source_system, order_date, _ingested_at
    from silver.fact_order_line
    where is_sale
),

bounds as (
    select
        source_system,
        min(order_date) as first_sale_date,
        max(order_date) as as_of_date,
        count(distinct order_date) as days_with_sales,
        max(_ingested_at) as last_ingested_at
    from sales
    group by source_system
)

select
    source_system,
    first_sale_date,
    as_of_date,
    cast(date_diff('day', first_sale_date, as_of_date) + 1 as integer) as history_days,
    cast(days_with_sales as bigint) as days_with_sales,
    cast(date_trunc('month', as_of_date) as date) as as_of_month_start,
    cast(date_trunc('year', as_of_date) as date) as as_of_year_start,
    last_ingested_at
from bounds
