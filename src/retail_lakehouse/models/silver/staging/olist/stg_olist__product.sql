-- Product observations of Olist: one per product row of each delivery of the products file.
-- The file has no timestamp, so an observation is valid from the delivery's bronze arrival
-- (_ingested_at). The Portuguese category is the source category (seeds/category_map.csv is
-- keyed on it); its English name from the translation file, when delivered, is the
-- subcategory. Olist has no list price (sellers price each sale: see fact_order_line).
-- Products whose category gets a new translation are emitted again.
with products as (
    select * from bronze.olist_products
),

translations as (
    select * from bronze.olist_product_category_name_translation
),

latest_translations as (
    select
        trim(product_category_name) as category_name,
        trim(product_category_name_english) as category_name_english,
        _ingested_at,
        row_number() over (
            partition by trim(product_category_name)
            order by _ingested_at desc, _source_file desc, _source_line desc
        ) as recency_rank
    from translations
),

retranslated as (
    select distinct category_name
    from latest_translations
    where _ingested_at > :since
),

touched as (
    select
        p.*,
        nullif(trim(p.product_category_name), '') as category_name
    from products as p
    left join retranslated as r on r.category_name = trim(p.product_category_name)
    where p._ingested_at > :since or r.category_name is not null
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_id, _ingested_at
            order by _source_file desc, _source_line desc
        ) as delivery_rank
    from touched
)

select
    'olist:' || p.product_id as product_key,
    'olist' as source_system,
    p.product_id as source_product_id,
    cast(null as varchar) as product_name,
    p.category_name as source_category,
    t.category_name_english as subcategory,
    cast(null as varchar) as brand,
    true as is_product,
    'merchandise' as product_type,
    cast(null as decimal(18, 4)) as list_price,
    cast(null as decimal(18, 4)) as unit_cost,
    'BRL' as currency,
    p._ingested_at as valid_from,
    cast(p.product_photos_qty as integer) as photos,
    cast(p.product_weight_g as integer) as weight_g,
    cast(p.product_length_cm as integer) as length_cm,
    cast(p.product_height_cm as integer) as height_cm,
    cast(p.product_width_cm as integer) as width_cm,
    greatest(p._ingested_at, coalesce(t._ingested_at, p._ingested_at)) as _ingested_at,
    p._source_file,
    p._source_part,
    p._source_line,
    case when p.delivery_rank > 1 then 'duplicate_product_row' end as _drop_rule
from ranked as p
left join latest_translations as t
    on t.category_name = p.category_name and t.recency_rank = 1
