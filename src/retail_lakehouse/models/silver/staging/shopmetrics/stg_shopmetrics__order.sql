-- Order states of ShopMetrics: every orders.csv row is the order as of its updated_at (an
-- order appears again in a later batch when its status moved). Each row carries the status
-- timeline observed up to it (the first time the order was seen paid, shipped, delivered),
-- so fact_order's latest row has the whole timeline. An order touched by a new row is
-- recomputed from all its rows; copies of a state already seen (same order, instant and
-- status) are dropped by the rule redelivered_state, keeping the first arrival.
with all_rows as (
    select * from bronze.shopmetrics_orders
),

touched as (
    select distinct trim(order_id) as order_id from all_rows where _ingested_at > :since
),

normalized as (
    select
        trim(r.order_id) as order_id,
        trim(r.customer_id) as customer_id,
        r.order_ts,
        lower(trim(r.status)) as source_status,
        coalesce(nullif(lower(trim(r.channel)), ''), 'unknown') as channel,
        nullif(trim(r.shipping_city), '') as shipping_city,
        nullif(trim(r.shipping_country), '') as shipping_country,
        cast(r.total_amount as decimal(18, 2)) as total_amount,
        coalesce(upper(trim(r.currency)), 'USD') as currency,
        coalesce(r.updated_at, r.order_ts) as state_ts,
        r._ingested_at,
        r._source_file,
        r._source_part,
        r._source_line
    from all_rows as r
    inner join touched as t on t.order_id = trim(r.order_id)
),

flagged as (
    select
        *,
        case source_status
            when 'placed' then 'created'
            when 'created' then 'created'
            when 'paid' then 'approved'
            when 'shipped' then 'shipped'
            when 'delivered' then 'delivered'
            when 'cancelled' then 'cancelled'
            when 'canceled' then 'cancelled'
            when 'returned' then 'returned'
        end as order_status,
        row_number() over (
            partition by order_id, state_ts, source_status
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence
    from normalized
),

kept as (
    select * from flagged where occurrence = 1
),

timelines as (
    select
        *,
        min(case when order_status = 'approved' then state_ts end) over (
            partition by order_id order by state_ts, _ingested_at, source_status
            rows between unbounded preceding and current row
        ) as approved_ts,
        min(case when order_status = 'shipped' then state_ts end) over (
            partition by order_id order by state_ts, _ingested_at, source_status
            rows between unbounded preceding and current row
        ) as shipped_ts,
        min(case when order_status = 'delivered' then state_ts end) over (
            partition by order_id order by state_ts, _ingested_at, source_status
            rows between unbounded preceding and current row
        ) as delivered_ts,
        max(_ingested_at) over (
            partition by order_id order by state_ts, _ingested_at, source_status
            rows between unbounded preceding and current row
        ) as timeline_ingested_at
    from kept
),

states as (
    select
        order_id,
        customer_id,
        order_ts,
        source_status,
        order_status,
        channel,
        shipping_city,
        shipping_country,
        total_amount,
        currency,
        state_ts,
        approved_ts,
        shipped_ts,
        delivered_ts,
        timeline_ingested_at as _ingested_at,
        _source_file,
        _source_part,
        _source_line,
        cast(null as varchar) as _drop_rule
    from timelines
    union all
    select
        order_id,
        customer_id,
        order_ts,
        source_status,
        order_status,
        channel,
        shipping_city,
        shipping_country,
        total_amount,
        currency,
        state_ts,
        cast(null as timestamptz) as approved_ts,
        cast(null as timestamptz) as shipped_ts,
        cast(null as timestamptz) as delivered_ts,
        _ingested_at,
        _source_file,
        _source_part,
        _source_line,
        'redelivered_state' as _drop_rule
    from flagged
    where occurrence > 1
)

select
    'shopmetrics:' || order_id as order_id,
    'shopmetrics' as source_system,
    'shopmetrics:' || customer_id as customer_key,
    'shopmetrics:' || channel as store_key,
    order_ts,
    order_status,
    approved_ts,
    shipped_ts,
    delivered_ts,
    cast(null as timestamptz) as estimated_delivery_ts,
    cast(null as decimal(18, 2)) as freight_amount,
    currency,
    state_ts,
    order_id as source_order_id,
    customer_id as source_customer_id,
    source_status,
    channel,
    shipping_city,
    shipping_country,
    total_amount,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    _drop_rule
from states
