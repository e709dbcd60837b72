-- Product observations of the CRM: every order line shows the item's id, name, list price
-- and currency at the order time. The brand (the name's first word, retail-org's
-- product_category) is the source category; category_map.csv maps crm '*' to
-- Electronics & Computers.
with lines as (
    select * from silver.stg_crm__order_line
    where _ingested_at > :since
)

select
    product_key,
    'crm' as source_system,
    source_product_id,
    product_name,
    split_part(trim(product_name), ' ', 1) as source_category,
    cast(null as varchar) as subcategory,
    split_part(trim(product_name), ' ', 1) as brand,
    true as is_product,
    'merchandise' as product_type,
    list_unit_price as list_price,
    cast(null as decimal(18, 4)) as unit_cost,
    currency,
    order_ts as valid_from,
    order_line_key as observation_id,
    _ingested_at
from lines
