-- One row per product of a CRM order: sales_orders.ordered_products (a JSON array of
-- {curr, id, name, price, promotion_info, qty, unit}) exploded, position 1-based.
-- Portable explode: the array is cast to a list of JSON texts (Spark: from_json as
-- array<string>), positions 1..n come from generate_series (Spark: sequence; started at
-- greatest(n, 1) because Spark's sequence(1, 0) counts down), and each element is read by
-- its subscript (Spark: try_element_at, see engines/spark.py).
-- An order number delivered again (a later file, or twice in one batch) is the same order:
-- the first arrival is kept, the copies are dropped by the rule duplicate_order.
with source as (
    select * from bronze.crm_sales_orders
    where _ingested_at > :since
),

orders as (
    select
        trim(order_number) as order_number,
        customer_id,
        order_datetime,
        cast(json(ordered_products) as varchar[]) as products,
        row_number() over (
            partition by trim(order_number)
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence,
        _ingested_at,
        _source_file,
        _source_part,
        _source_line
    from source
),

positions as (
    select
        *,
        unnest(generate_series(1, cast(greatest(array_length(products), 1) as bigint)))
            as line_position
    from orders
),

items as (
    select
        *,
        products[line_position] as item
    from positions
    where line_position <= array_length(products)
),

parsed as (
    select
        order_number,
        customer_id,
        order_datetime,
        line_position,
        json_extract_string(item, '$.id') as product_id,
        json_extract_string(item, '$.name') as product_name,
        cast(json_extract_string(item, '$.price') as decimal(18, 4)) as list_unit_price,
        cast(json_extract_string(item, '$.qty') as bigint) as quantity,
        upper(trim(json_extract_string(item, '$.curr'))) as currency,
        json_extract_string(item, '$.promotion_info.promo_id') as promo_id,
        coalesce(
            cast(json_extract_string(item, '$.promotion_info.promo_disc') as decimal(9, 4)),
            cast(0 as decimal(9, 4))
        ) as promo_discount_rate,
        occurrence,
        _ingested_at,
        _source_file,
        _source_part,
        _source_line
    from items
)

select
    'crm:' || order_number || ':' || cast(line_position as varchar) as order_line_key,
    'crm:' || order_number as order_id,
    cast(line_position as integer) as line_number,
    'crm' as source_system,
    to_timestamp(order_datetime) as order_ts,
    'crm:' || cast(customer_id as varchar) as customer_key,
    'crm:' || product_id as product_key,
    'crm:online' as store_key,
    quantity,
    cast(cast(list_unit_price as decimal(21, 4)) * (1 - promo_discount_rate) as decimal(18, 4))
        as unit_price,
    cast(round(
        cast(list_unit_price as decimal(21, 4)) * cast(quantity as decimal(8, 0))
        * promo_discount_rate,
        2
    ) as decimal(18, 2)) as discount_amount,
    cast(null as decimal(18, 4)) as unit_cost,
    currency,
    case when quantity > 0 and list_unit_price > 0 then 'sale' else 'adjustment' end
        as line_type,
    false as is_returned,
    'completed' as order_status,
    'US' as country,
    cast(null as varchar) as region,
    order_number,
    cast(customer_id as varchar) as source_customer_id,
    product_id as source_product_id,
    product_name,
    list_unit_price,
    promo_id,
    promo_discount_rate,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when occurrence > 1 then 'duplicate_order' end as _drop_rule
from parsed
