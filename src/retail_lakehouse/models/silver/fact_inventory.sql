-- End-of-day stock per product, store and day, with the stock value in EUR.
with snapshots as (
    select * from silver.int_inventory
    where _ingested_at > :since
),

rates as (
    select * from silver.fx_rate
)

select
    s.inventory_key,
    s.snapshot_date,
    s.product_key,
    s.store_key,
    s.source_system,
    s.on_hand_quantity,
    s.on_order_quantity,
    s.reorder_point,
    s.safety_stock,
    s.on_hand_quantity <= s.reorder_point as below_reorder_point,
    s.on_hand_quantity <= 0 as is_stockout,
    s.unit_cost,
    s.currency,
    cast(round(
        cast(
            cast(s.on_hand_quantity as decimal(8, 0)) * cast(s.unit_cost as decimal(12, 4))
            as decimal(21, 4)
        ) * coalesce(own.rate_to_eur, seed.rate_to_eur),
        2
    ) as decimal(18, 2)) as stock_value_eur,
    s._ingested_at,
    s._source_file,
    s._source_line
from snapshots as s
left join rates as own
    on own.source_system = s.source_system
    and own.currency = s.currency
    and own.rate_date = s.snapshot_date
left join rates as seed
    on seed.source_system = 'default'
    and seed.currency = s.currency
    and seed.rate_date = s.snapshot_date
