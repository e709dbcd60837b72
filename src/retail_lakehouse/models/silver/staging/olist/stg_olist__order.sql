-- Olist orders at their latest known state: the status timeline of the orders file, freight
-- summed over the order's items, and the person (customer_unique_id) behind the per-order
-- customer_id. A later delivery of the orders file restates an order: the row with the
-- latest event (then the latest delivery) wins, earlier rows are dropped by the rule
-- superseded_order_state. An order touched by a new order, item or customer row is
-- recomputed from all its rows, so incremental runs equal a full build.
with orders as (
    select * from bronze.olist_orders
),

items as (
    select * from bronze.olist_order_items
),

customers as (
    select * from bronze.olist_customers
),

touched as (
    select order_id from orders where _ingested_at > :since
    union
    select order_id from items where _ingested_at > :since
    union
    select o.order_id
    from orders as o
    inner join customers as c on c.customer_id = o.customer_id
    where c._ingested_at > :since
),

order_rows as (
    select
        o.*,
        greatest(
            o.order_purchase_timestamp,
            coalesce(o.order_approved_at, o.order_purchase_timestamp),
            coalesce(o.order_delivered_carrier_date, o.order_purchase_timestamp),
            coalesce(o.order_delivered_customer_date, o.order_purchase_timestamp)
        ) as state_ts
    from orders as o
    inner join touched as t on t.order_id = o.order_id
),

ranked_orders as (
    select
        *,
        row_number() over (
            partition by order_id
            order by state_ts desc, _ingested_at desc, _source_file desc, _source_line desc
        ) as recency_rank,
        max(_ingested_at) over (partition by order_id) as order_ingested_at
    from order_rows
),

latest_items as (
    select
        i.order_id,
        i.freight_value,
        i._ingested_at,
        row_number() over (
            partition by i.order_id, i.order_item_id
            order by i._ingested_at desc, i._source_file desc, i._source_line desc
        ) as recency_rank
    from items as i
    inner join touched as t on t.order_id = i.order_id
),

freight as (
    select
        order_id,
        sum(cast(freight_value as decimal(18, 2))) as freight_amount,
        max(_ingested_at) as _ingested_at
    from latest_items
    where recency_rank = 1
    group by order_id
),

people as (
    select
        customer_id,
        customer_unique_id,
        customer_state,
        _ingested_at,
        row_number() over (
            partition by customer_id
            order by _ingested_at desc, _source_file desc, _source_line desc
        ) as recency_rank
    from customers
),

statuses as (
    select
        o.*,
        case lower(trim(o.order_status))
            when 'delivered' then 'delivered'
            when 'shipped' then 'shipped'
            when 'created' then 'processing'
            when 'approved' then 'processing'
            when 'invoiced' then 'processing'
            when 'processing' then 'processing'
            when 'canceled' then 'cancelled'
            when 'unavailable' then 'cancelled'
            else lower(trim(o.order_status))
        end as canonical_status
    from ranked_orders as o
)

select
    'olist:' || s.order_id as order_id,
    'olist' as source_system,
    case when p.customer_unique_id is not null then 'olist:' || p.customer_unique_id end
        as customer_key,
    'olist:marketplace' as store_key,
    s.order_purchase_timestamp as order_ts,
    s.canonical_status as order_status,
    s.order_approved_at as approved_ts,
    s.order_delivered_carrier_date as shipped_ts,
    s.order_delivered_customer_date as delivered_ts,
    s.order_estimated_delivery_date as estimated_delivery_ts,
    cast(coalesce(f.freight_amount, 0) as decimal(18, 2)) as freight_amount,
    'BRL' as currency,
    s.state_ts,
    greatest(
        s.order_ingested_at,
        coalesce(f._ingested_at, s.order_ingested_at),
        coalesce(p._ingested_at, s.order_ingested_at)
    ) as _ingested_at,
    s.order_id as source_order_id,
    s.customer_id as source_customer_id,
    s.order_status as source_status,
    p.customer_state as customer_region,
    s._source_file,
    s._source_part,
    s._source_line,
    case when s.recency_rank > 1 then 'superseded_order_state' end as _drop_rule
from statuses as s
left join freight as f on f.order_id = s.order_id
left join people as p on p.customer_id = s.customer_id and p.recency_rank = 1
