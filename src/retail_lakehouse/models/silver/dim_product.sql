-- One row per product of every source (SCD1: the latest observation wins), with the
-- canonical category: the source's own category through the mapping seed, the source's
-- default mapping, else keywords in the product name; non-products are 'Non-product'.
with observations as (
    select * from silver.int_product
),

category_map as (
    select * from silver.category_map
),

keywords as (
    select * from silver.category_keyword
),

fx as (
    select * from silver.fx_rate where source_system = 'default'
),

ranked as (
    select
        *,
        row_number() over (
            partition by product_key order by valid_from desc, _ingested_at desc
        ) as recency_rank,
        min(valid_from) over (partition by product_key) as first_seen_ts
    from observations
),

latest as (
    select * from ranked where recency_rank = 1
),

by_keyword as (
    select
        l.product_key,
        k.category,
        row_number() over (partition by l.product_key order by k.priority, k.keyword) as match_rank
    from latest as l
    inner join keywords as k on upper(l.product_name) like '%' || k.keyword || '%'
)

select
    l.product_key,
    l.source_system,
    l.source_product_id,
    l.product_name,
    l.is_product,
    l.product_type,
    case
        when not l.is_product then 'Non-product'
        else coalesce(exact.category, fallback.category, kw.category, 'Other')
    end as category,
    l.source_category,
    l.subcategory,
    l.brand,
    l.currency,
    l.list_price,
    l.unit_cost,
    cast(round(cast(l.list_price as decimal(21, 4)) * fx.rate_to_eur, 2) as decimal(18, 2)) as list_price_eur,
    cast(round(cast(l.unit_cost as decimal(21, 4)) * fx.rate_to_eur, 2) as decimal(18, 2)) as unit_cost_eur,
    l.first_seen_ts,
    l.valid_from as last_seen_ts
from latest as l
left join category_map as exact
    on exact.source_system = l.source_system
    and exact.category_key = lower(trim(l.source_category))
left join category_map as fallback
    on fallback.source_system = l.source_system and fallback.category_key = '*'
left join by_keyword as kw on kw.product_key = l.product_key and kw.match_rank = 1
left join fx on fx.currency = l.currency and fx.rate_date = cast(l.valid_from as date)
