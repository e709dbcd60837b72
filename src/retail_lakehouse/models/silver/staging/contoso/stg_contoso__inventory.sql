-- Contoso end-of-day stock per product, store and day (inventory.csv, this project's
-- addition to V2). The largest Contoso file: only new bronze rows are read, typed and
-- keyed, nothing else is joined. A snapshot delivered again replaces the earlier one
-- (rule superseded_snapshot for the older copy within a batch; later batches merge).
with snapshots as (
    select * from bronze.contoso_inventory
    where _ingested_at > :since
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_key, store_key, date
            order by _ingested_at desc, _source_file desc, _source_line desc
        ) as recency_rank
    from snapshots
)

select
    'contoso:' || cast(product_key as varchar) || '|contoso:' || cast(store_key as varchar)
        || '|' || cast(date as varchar) as inventory_key,
    date as snapshot_date,
    'contoso:' || cast(product_key as varchar) as product_key,
    'contoso:' || cast(store_key as varchar) as store_key,
    'contoso' as source_system,
    on_hand_quantity,
    on_order_quantity,
    reorder_point,
    safety_stock,
    cast(unit_cost as decimal(18, 4)) as unit_cost,
    'USD' as currency,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when recency_rank > 1 then 'superseded_snapshot' end as _drop_rule
from ranked
