-- One row per product and store at the latest inventory snapshot of its source: stock,
-- stock value, demand of the last 30 days, days of cover, stockout days of the last 90
-- days and a slow-mover flag. Demand is the fact's sale lines of the same product and
-- store (net of nothing: returned goods go back to stock and show in the next snapshot).
with snapshots as (
    select * from silver.fact_inventory
),

latest_day as (
    select source_system, max(snapshot_date) as snapshot_date
    from snapshots
    group by source_system
),

current_stock as (
    select s.*
    from snapshots as s
    inner join latest_day as d
        on d.source_system = s.source_system and d.snapshot_date = s.snapshot_date
),

stockouts as (
    select
        s.product_key,
        s.store_key,
        sum(case when s.is_stockout then 1 else 0 end) as stockout_days_90d,
        count(*) as snapshot_days_90d
    from snapshots as s
    inner join latest_day as d on d.source_system = s.source_system
    where s.snapshot_date > cast(d.snapshot_date - interval 90 day as date)
        and s.snapshot_date <= d.snapshot_date
    group by s.product_key, s.store_key
),

sales as (
    select
        l.product_key,
        l.store_key,
        sum(
            case when l.order_date > cast(d.snapshot_date - interval 30 day as date)
                then l.quantity else 0 end
        ) as units_sold_30d,
        sum(
            case when l.order_date > cast(d.snapshot_date - interval 90 day as date)
                then l.quantity else 0 end
        ) as units_sold_90d,
        max(l.order_date) as last_sale_date
    from silver.fact_order_line as l
    inner join latest_day as d on d.source_system = l.source_system
    where l.is_sale and l.order_date <= d.snapshot_date
    group by l.product_key, l.store_key
)

select
    c.product_key,
    c.store_key,
    c.source_system,
    c.snapshot_date,
    cast(c.on_hand_quantity as bigint) as on_hand_quantity,
    cast(c.on_order_quantity as bigint) as on_order_quantity,
    cast(c.reorder_point as bigint) as reorder_point,
    cast(c.safety_stock as bigint) as safety_stock,
    c.is_stockout,
    c.below_reorder_point,
    cast(c.stock_value_eur as decimal(18, 2)) as stock_value_eur,
    cast(coalesce(s.units_sold_30d, 0) as bigint) as units_sold_30d,
    cast(coalesce(s.units_sold_90d, 0) as bigint) as units_sold_90d,
    cast(coalesce(s.units_sold_30d, 0) as double) / 30 as avg_daily_units_30d,
    case when coalesce(s.units_sold_30d, 0) > 0
        then cast(c.on_hand_quantity as double) / nullif(cast(s.units_sold_30d as double) / 30, 0)
    end as stock_cover_days,
    s.last_sale_date,
    cast(date_diff('day', s.last_sale_date, c.snapshot_date) as integer) as days_since_last_sale,
    cast(coalesce(o.stockout_days_90d, 0) as bigint) as stockout_days_90d,
    cast(coalesce(o.snapshot_days_90d, 0) as bigint) as snapshot_days_90d,
    c.on_hand_quantity > 0 and coalesce(s.units_sold_90d, 0) = 0 as is_dead_stock,
    c.on_hand_quantity > 0 and (
        coalesce(s.units_sold_90d, 0) = 0
        or cast(c.on_hand_quantity as double) / nullif(cast(s.units_sold_90d as double) / 90, 0) > 180
    ) as is_slow_mover
from current_stock as c
left join sales as s on s.product_key = c.product_key and s.store_key = c.store_key
left join stockouts as o on o.product_key = c.product_key and o.store_key = c.store_key
