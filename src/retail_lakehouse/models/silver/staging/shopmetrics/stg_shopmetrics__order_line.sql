-- ShopMetrics order lines: order_items.csv rows with their order's latest status. Items are
-- written once, in the batch where their order is placed; the order's status moves in later
-- batches. An order touched by a new item or a new state since the last build is recomputed
-- from all its rows, so a status change re-emits its lines (merged on order_line_key).
-- unit_price is net of the line discount: the source's total_amount is
-- Σ quantity × unit_price − discount, so quantity × unit_price here gives the amount paid.
with all_items as (
    select * from bronze.shopmetrics_order_items
),

all_states as (
    select * from silver.stg_shopmetrics__order
),

touched as (
    select distinct trim(order_id) as source_order_id from all_items where _ingested_at > :since
    union
    select distinct source_order_id from all_states where _ingested_at > :since
),

items as (
    select
        trim(i.order_id) as source_order_id,
        i.line_number,
        trim(i.product_id) as product_id,
        i.quantity,
        cast(i.unit_price as decimal(18, 4)) as list_unit_price,
        cast(coalesce(i.discount, 0) as decimal(18, 2)) as discount_amount,
        i.updated_at,
        i._ingested_at,
        i._source_file,
        i._source_part,
        i._source_line
    from all_items as i
    inner join touched as t on t.source_order_id = trim(i.order_id)
),

hashed as (
    select
        *,
        md5(concat_ws(
            '|',
            product_id,
            cast(quantity as varchar),
            cast(list_unit_price as varchar),
            cast(discount_amount as varchar),
            coalesce(strftime(updated_at, '%Y-%m-%d %H:%M:%S'), '<null>')
        )) as item_hash
    from items
),

copies as (
    select
        *,
        row_number() over (
            partition by source_order_id, line_number, item_hash
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence
    from hashed
),

versions as (
    select
        *,
        case
            when occurrence = 1 then row_number() over (
                partition by source_order_id, line_number, occurrence
                order by _ingested_at desc, _source_file desc, _source_part desc, _source_line desc
            )
        end as version_rank
    from copies
),

latest_state as (
    select *
    from (
        select
            s.*,
            row_number() over (
                partition by s.source_order_id
                order by s.state_ts desc, s._ingested_at desc, s.source_status
            ) as recency_rank
        from all_states as s
        inner join touched as t on t.source_order_id = s.source_order_id
    ) as ranked
    where recency_rank = 1
),

priced as (
    select
        v.*,
        cast(
            cast(v.quantity as decimal(8, 0)) * cast(v.list_unit_price as decimal(12, 4))
            - v.discount_amount
            as decimal(18, 4)
        ) as net_line_amount
    from versions as v
),

lines as (
    select
        p.*,
        -- net unit price to 4 decimals, rounded half up in integer arithmetic (exact and
        -- equal on every engine): quantity × unit_price then rounds to the net amount's cent
        -- for quantities below 100
        case
            when p.quantity > 0 then cast(
                cast(
                    (2 * cast(p.net_line_amount * 10000 as bigint) + p.quantity)
                    // (2 * p.quantity) as decimal(18, 0)
                ) * cast(0.0001 as decimal(5, 4))
                as decimal(18, 4)
            )
        end as unit_price,
        s.order_id,
        s.customer_key,
        s.store_key,
        s.order_ts,
        s.order_status,
        s.currency,
        s.shipping_country,
        s._ingested_at as state_ingested_at
    from priced as p
    left join latest_state as s on s.source_order_id = p.source_order_id
)

select
    'shopmetrics:' || source_order_id || ':' || cast(line_number as varchar) as order_line_key,
    'shopmetrics:' || source_order_id as order_id,
    cast(line_number as integer) as line_number,
    'shopmetrics' as source_system,
    order_ts,
    customer_key,
    'shopmetrics:' || product_id as product_key,
    store_key,
    quantity,
    unit_price,
    discount_amount,
    cast(null as decimal(18, 4)) as unit_cost,
    currency,
    case when order_status = 'cancelled' then 'cancelled' else 'sale' end as line_type,
    coalesce(order_status = 'returned', false) as is_returned,
    order_status,
    shipping_country as country,
    cast(null as varchar) as region,
    source_order_id,
    product_id as source_product_id,
    list_unit_price,
    net_line_amount,
    case
        when state_ingested_at > _ingested_at then state_ingested_at else _ingested_at
    end as _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case
        when occurrence > 1 then 'redelivered_line'
        when version_rank > 1 then 'superseded_line'
    end as _drop_rule
from lines
