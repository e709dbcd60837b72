-- Invoice headers of Online Retail II, derived from the lines (the source has no header
-- file). Freight is the invoice's postage lines (POST, DOT, C2). An invoice touched by new
-- lines is recomputed from all its lines.
-- The lines are read twice by name, not through a shared CTE: DuckDB materializes a CTE
-- referenced twice, i.e. copied every line of the table at each run.
with touched as (
    select distinct order_id
    from silver.stg_online_retail__order_line
    where _ingested_at > :since
),

lines as (
    select l.*
    from silver.stg_online_retail__order_line as l
    inner join touched as t on t.order_id = l.order_id
)

select
    order_id,
    'online_retail' as source_system,
    max(customer_key) as customer_key,
    'online_retail:web' as store_key,
    min(order_ts) as order_ts,
    max(order_status) as order_status,
    cast(null as timestamptz) as approved_ts,
    cast(null as timestamptz) as shipped_ts,
    cast(null as timestamptz) as delivered_ts,
    cast(null as timestamptz) as estimated_delivery_ts,
    cast(coalesce(sum(
        case when upper(stock_code) in ('POST', 'DOT', 'C2') then quantity * unit_price end
    ), 0) as decimal(18, 2)) as freight_amount,
    'GBP' as currency,
    min(order_ts) as state_ts,
    max(_ingested_at) as _ingested_at
from lines
group by order_id
