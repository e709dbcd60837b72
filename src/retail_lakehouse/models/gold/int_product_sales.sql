-- One row per product with a sale or a return line: its lifetime orders, customers, units,
-- EUR sums and first/last sale day. product_performance ranks these rows instead of counting
-- distinct orders and customers over every line at each run (12 s of a 64 s incremental run
-- at 10x scale). Incremental: a product touched by new lines is summed again from all its
-- lines (the distinct counts are not additive), as int_customer_order does for orders.
with touched as (
    select distinct product_key
    from silver.fact_order_line
    where _ingested_at > :since
),

lines as (
    select l.*
    from silver.fact_order_line as l
    inner join touched as t on t.product_key = l.product_key
    where l.is_sale or l.is_return
)

select
    product_key,
    source_system,
    cast(count(distinct case when is_sale then order_id end) as bigint) as orders,
    cast(count(distinct case when is_sale then customer_key end) as bigint) as customers,
    cast(sum(case when is_sale then quantity else 0 end) as bigint) as units,
    cast(sum(gross_amount_eur) as decimal(18, 2)) as gross_revenue_eur,
    cast(sum(return_amount_eur) as decimal(18, 2)) as returns_eur,
    cast(sum(net_amount_eur) as decimal(18, 2)) as net_revenue_eur,
    min(case when is_sale then order_date end) as first_sale_date,
    max(case when is_sale then order_date end) as last_sale_date,
    max(_ingested_at) as _ingested_at
from lines
group by product_key, source_system
