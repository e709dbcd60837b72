-- Product observations of Contoso: product.csv is a snapshot without a change time, so
-- each delivered row is one observation valid from the delivery's _ingested_at. List price
-- and cost stay in USD as delivered; dim_product keeps the latest, product_price_history
-- a version per price change.
with products as (
    select * from bronze.contoso_product
    where _ingested_at > :since
),

observations as (
    select
        *,
        row_number() over (
            partition by product_key, _ingested_at
            order by _source_file desc, _source_line desc
        ) as delivery_rank
    from products
)

select
    'contoso:' || cast(product_key as varchar) as product_key,
    'contoso' as source_system,
    cast(product_key as varchar) as source_product_id,
    nullif(trim(product_name), '') as product_name,
    nullif(trim(category_name), '') as source_category,
    nullif(trim(sub_category_name), '') as subcategory,
    nullif(trim(brand), '') as brand,
    true as is_product,
    'merchandise' as product_type,
    cast(price as decimal(18, 4)) as list_price,
    cast(cost as decimal(18, 4)) as unit_cost,
    'USD' as currency,
    _ingested_at as valid_from,
    _file_sha256 || ':' || cast(_source_line as varchar) as observation_id,
    nullif(trim(product_code), '') as product_code,
    nullif(trim(manufacturer), '') as manufacturer,
    nullif(trim(color), '') as color,
    weight,
    nullif(trim(weight_unit), '') as weight_unit,
    category_key,
    sub_category_key,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when delivery_rank > 1 then 'superseded_in_delivery' end as _drop_rule
from observations
