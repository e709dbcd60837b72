-- Product observations of ShopMetrics: every products.csv row (the historical catalogue,
-- then each delta batch's launches, price changes and discontinuations) is the product's
-- state as of its updated_at. dim_product keeps the latest (SCD1), product_price_history
-- every price. Prices are USD (the catalogue's currency; products.csv states none). A copy
-- of an observation already seen is dropped by the rule redelivered_observation.
with source as (
    select * from bronze.shopmetrics_products
    where _ingested_at > :since
),

normalized as (
    select
        trim(product_id) as product_id,
        nullif(trim(sku), '') as sku,
        nullif(trim(product_name), '') as product_name,
        nullif(trim(category), '') as category,
        nullif(trim(brand), '') as brand,
        cast(price as decimal(18, 4)) as list_price,
        cast(cost as decimal(18, 4)) as unit_cost,
        is_active,
        updated_at,
        coalesce(updated_at, _ingested_at) as valid_from,
        _ingested_at,
        _source_file,
        _source_part,
        _source_line
    from source
),

hashed as (
    select
        *,
        md5(concat_ws(
            '|',
            strftime(valid_from, '%Y-%m-%d %H:%M:%S'),
            coalesce(sku, '<null>'),
            coalesce(product_name, '<null>'),
            coalesce(category, '<null>'),
            coalesce(brand, '<null>'),
            coalesce(cast(list_price as varchar), '<null>'),
            coalesce(cast(unit_cost as varchar), '<null>'),
            coalesce(cast(is_active as varchar), '<null>')
        )) as observation_hash
    from normalized
),

flagged as (
    select
        *,
        row_number() over (
            partition by product_id, observation_hash
            order by _ingested_at, _source_file, _source_part, _source_line
        ) as occurrence
    from hashed
)

select
    'shopmetrics:' || product_id as product_key,
    'shopmetrics' as source_system,
    product_id as source_product_id,
    product_name,
    category as source_category,
    cast(null as varchar) as subcategory,
    brand,
    true as is_product,
    'merchandise' as product_type,
    list_price,
    unit_cost,
    'USD' as currency,
    valid_from,
    substr(observation_hash, 1, 16) as observation_id,
    sku,
    is_active,
    updated_at,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when occurrence > 1 then 'redelivered_observation' end as _drop_rule
from flagged
