-- One row per known customer and order with a sale or a return line: the order's EUR
-- amounts (sums of the fact's KPI columns), units and channel. Customer marts
-- (customer_360, customer_ltv, cohort_retention) read these rows instead of re-deriving
-- per-order sales from the lines each on their own. Incremental: an order touched by new
-- lines is summed again from all its lines.
with touched as (
    select distinct order_id
    from silver.fact_order_line
    where _ingested_at > :since
),

lines as (
    select l.*
    from silver.fact_order_line as l
    inner join touched as t on t.order_id = l.order_id
    where l.customer_key is not null and (l.is_sale or l.is_return)
),

stores as (
    select store_key, channel from silver.dim_store
),

orders as (
    select
        l.customer_key,
        l.order_id,
        l.source_system,
        min(l.order_date) as order_date,
        max(case when l.is_sale then 1 else 0 end) as has_sale,
        count(*) as lines,
        sum(case when l.is_sale then l.quantity else 0 end) as units,
        count(distinct case when l.is_sale then l.product_key end) as products,
        sum(l.gross_amount_eur) as gross_amount_eur,
        sum(l.return_amount_eur) as return_amount_eur,
        sum(l.net_amount_eur) as net_amount_eur,
        max(l.store_key) as store_key,
        max(l._ingested_at) as _ingested_at
    from lines as l
    group by l.customer_key, l.order_id, l.source_system
)

select
    o.customer_key,
    o.order_id,
    o.source_system,
    o.order_date,
    cast(date_trunc('month', o.order_date) as date) as order_month,
    o.has_sale = 1 as is_purchase,
    cast(o.lines as bigint) as lines,
    cast(o.units as bigint) as units,
    cast(o.products as bigint) as products,
    cast(o.gross_amount_eur as decimal(18, 2)) as gross_amount_eur,
    cast(o.return_amount_eur as decimal(18, 2)) as return_amount_eur,
    cast(o.net_amount_eur as decimal(18, 2)) as net_amount_eur,
    o.store_key,
    coalesce(s.channel, 'unknown') as channel,
    o._ingested_at
from orders as o
left join stores as s on s.store_key = o.store_key
