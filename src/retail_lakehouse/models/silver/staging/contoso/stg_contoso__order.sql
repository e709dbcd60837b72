-- Contoso order headers, from `orders` (normalized flavour) and from the lines of `sales`
-- (denormalized flavour). An order touched by a new row of either is recomputed from all
-- its rows: the header of its latest `sales` delivery when sales has the order (as its
-- lines), else of its latest `orders` delivery. V2 has no status timeline: an order with
-- a DeliveryDate is delivered (delivered_ts = DeliveryDate); freight is not recorded (0).
with sales as (
    select * from bronze.contoso_sales
),

orders as (
    select * from bronze.contoso_orders
),

touched as (
    select order_key from sales where _ingested_at > :since
    union
    select order_key from orders where _ingested_at > :since
),

candidates as (
    select
        s.order_key,
        s.customer_key,
        s.store_key,
        s.order_date,
        s.delivery_date,
        s.currency_code,
        0 as flavour_rank,
        s._ingested_at,
        s._source_file,
        s._source_line
    from sales as s
    inner join touched as t on t.order_key = s.order_key
    union all
    select
        o.order_key,
        o.customer_key,
        o.store_key,
        o.order_date,
        o.delivery_date,
        o.currency_code,
        1 as flavour_rank,
        o._ingested_at,
        o._source_file,
        o._source_line
    from orders as o
    inner join touched as t on t.order_key = o.order_key
),

ranked as (
    select
        *,
        row_number() over (
            partition by order_key
            order by flavour_rank, _ingested_at desc, _source_file desc, _source_line desc
        ) as header_rank,
        max(_ingested_at) over (partition by order_key) as last_ingested_at
    from candidates
)

select
    'contoso:' || cast(order_key as varchar) as order_id,
    'contoso' as source_system,
    'contoso:' || cast(customer_key as varchar) as customer_key,
    'contoso:' || cast(store_key as varchar) as store_key,
    cast(order_date as timestamptz) as order_ts,
    case when delivery_date is not null then 'delivered' else 'processing' end as order_status,
    cast(null as timestamptz) as approved_ts,
    cast(null as timestamptz) as shipped_ts,
    cast(delivery_date as timestamptz) as delivered_ts,
    cast(null as timestamptz) as estimated_delivery_ts,
    cast(0 as decimal(18, 2)) as freight_amount,
    currency_code as currency,
    cast(order_date as timestamptz) as state_ts,
    case when flavour_rank = 0 then 'sales' else 'orders' end as delivery_flavour,
    last_ingested_at as _ingested_at
from ranked
where header_rank = 1
