-- Olist order items as canonical order lines: one line per item (Olist writes one row per
-- unit, so quantity is 1), priced in BRL, sold through the marketplace. The order (status,
-- purchase time, person) comes from stg_olist__order; a line is emitted again whenever its
-- item or its order changes, so a status change re-classifies the lines. A later delivery
-- of the items file restates an item: the latest copy wins, earlier copies are dropped by
-- the rule superseded_item.
with items as (
    select * from bronze.olist_order_items
),

orders as (
    select * from silver.stg_olist__order
),

touched as (
    select order_id from items where _ingested_at > :since
    union
    select source_order_id as order_id from orders where _ingested_at > :since
),

ranked_items as (
    select
        i.*,
        row_number() over (
            partition by i.order_id, i.order_item_id
            order by i._ingested_at desc, i._source_file desc, i._source_line desc
        ) as recency_rank
    from items as i
    inner join touched as t on t.order_id = i.order_id
)

select
    'olist:' || i.order_id || ':' || cast(i.order_item_id as varchar) as order_line_key,
    'olist:' || i.order_id as order_id,
    cast(i.order_item_id as integer) as line_number,
    'olist' as source_system,
    o.order_ts,
    o.customer_key,
    'olist:' || i.product_id as product_key,
    'olist:marketplace' as store_key,
    cast(1 as bigint) as quantity,
    cast(i.price as decimal(18, 4)) as unit_price,
    cast(0 as decimal(18, 2)) as discount_amount,
    cast(null as decimal(18, 4)) as unit_cost,
    'BRL' as currency,
    case when o.order_status = 'cancelled' then 'cancelled' else 'sale' end as line_type,
    false as is_returned,
    o.order_status,
    'BR' as country,
    o.customer_region as region,
    i.order_id as source_order_id,
    i.product_id as source_product_id,
    i.seller_id,
    cast(i.freight_value as decimal(18, 2)) as freight_value,
    i.shipping_limit_date as shipping_limit_ts,
    greatest(i._ingested_at, coalesce(o._ingested_at, i._ingested_at)) as _ingested_at,
    i._source_file,
    i._source_part,
    i._source_line,
    case when i.recency_rank > 1 then 'superseded_item' end as _drop_rule
from ranked_items as i
left join orders as o on o.source_order_id = i.order_id
