-- One row per order of every source: the latest observed state (status timeline, freight,
-- delivery) and the totals of its lines. Incremental: orders with a new state or new lines
-- since the last build are recomputed from all their rows, so status changes merge in.
-- States and lines are read by name where needed, not through shared CTEs: DuckDB
-- materializes a CTE referenced twice, i.e. copied the whole fact at each run.
with touched as (
    select order_id from silver.int_order where _ingested_at > :since
    union
    select order_id from silver.fact_order_line where _ingested_at > :since
),

latest as (
    select
        s.*,
        row_number() over (
            partition by s.order_id order by s.state_ts desc, s._ingested_at desc
        ) as recency_rank
    from silver.int_order as s
    inner join touched as t on t.order_id = s.order_id
),

totals as (
    select
        l.order_id,
        count(*) as lines,
        cast(sum(case when l.is_sale then l.quantity else 0 end) as bigint) as units,
        cast(sum(l.gross_amount_eur) as decimal(18, 2)) as gross_amount_eur,
        cast(sum(l.return_amount_eur) as decimal(18, 2)) as return_amount_eur,
        cast(sum(l.net_amount_eur) as decimal(18, 2)) as net_amount_eur,
        max(l._ingested_at) as _ingested_at
    from silver.fact_order_line as l
    inner join touched as t on t.order_id = l.order_id
    group by l.order_id
),

rates as (
    select * from silver.fx_rate
)

select
    o.order_id,
    o.source_system,
    o.customer_key,
    o.store_key,
    o.order_ts,
    cast(o.order_ts as date) as order_date,
    o.order_status,
    o.approved_ts,
    o.shipped_ts,
    o.delivered_ts,
    o.estimated_delivery_ts,
    date_diff('day', cast(o.order_ts as date), cast(o.delivered_ts as date)) as delivery_days,
    case
        when o.delivered_ts is null or o.estimated_delivery_ts is null then null
        else cast(o.delivered_ts as date) > cast(o.estimated_delivery_ts as date)
    end as is_late,
    o.freight_amount,
    o.currency,
    cast(round(cast(o.freight_amount as decimal(21, 4)) * coalesce(own.rate_to_eur, seed.rate_to_eur), 2)
        as decimal(18, 2)) as freight_amount_eur,
    coalesce(t.lines, 0) as lines,
    coalesce(t.units, 0) as units,
    coalesce(t.gross_amount_eur, cast(0 as decimal(18, 2))) as gross_amount_eur,
    coalesce(t.return_amount_eur, cast(0 as decimal(18, 2))) as return_amount_eur,
    coalesce(t.net_amount_eur, cast(0 as decimal(18, 2))) as net_amount_eur,
    greatest(o._ingested_at, coalesce(t._ingested_at, o._ingested_at)) as _ingested_at
from latest as o
left join totals as t on t.order_id = o.order_id
left join rates as own
    on own.source_system = o.source_system
    and own.currency = o.currency
    and own.rate_date = cast(o.order_ts as date)
left join rates as seed
    on seed.source_system = 'default'
    and seed.currency = o.currency
    and seed.rate_date = cast(o.order_ts as date)
where o.recency_rank = 1
