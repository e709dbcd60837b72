-- CRM order headers, one per sales_orders row. The export holds placed orders only, with
-- no fulfilment timeline and no freight: status completed, freight 0. An order number
-- delivered again is the same order: copies are dropped by the rule duplicate_order.
with source as (
    select * from bronze.crm_sales_orders
    where _ingested_at > :since
),

orders as (
    select
        *,
        trim(order_number) as clean_order_number,
        array_length(cast(json(ordered_products) as varchar[])) as product_count,
        row_number() over (
            partition by trim(order_number)
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence
    from source
)

select
    'crm:' || clean_order_number as order_id,
    'crm' as source_system,
    'crm:' || cast(customer_id as varchar) as customer_key,
    'crm:online' as store_key,
    to_timestamp(order_datetime) as order_ts,
    'completed' as order_status,
    cast(null as timestamptz) as approved_ts,
    cast(null as timestamptz) as shipped_ts,
    cast(null as timestamptz) as delivered_ts,
    cast(null as timestamptz) as estimated_delivery_ts,
    cast(0 as decimal(18, 2)) as freight_amount,
    'USD' as currency,
    to_timestamp(order_datetime) as state_ts,
    clean_order_number as order_number,
    number_of_line_items,
    cast(coalesce(product_count, 0) as integer) as product_count,
    promo_info is not null and trim(promo_info) not in ('', '[]', 'null') as has_promotion,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when occurrence > 1 then 'duplicate_order' end as _drop_rule
from orders
