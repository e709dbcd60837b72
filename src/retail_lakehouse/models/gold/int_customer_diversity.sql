-- One row per known customer with a sale line: how many distinct products and canonical
-- categories they bought. customer_360 reads these rows instead of counting distinct
-- products over every line of the fact at each run (its costliest step). Incremental: a
-- customer touched by new lines is counted again from all their sale lines (distinct counts
-- are not additive), as int_product_sales does for products. A product moving to another
-- category updates dim_product, which makes the runner rebuild this table in full.
with touched as (
    select distinct customer_key
    from silver.fact_order_line
    where _ingested_at > :since and customer_key is not null
),

sale_lines as (
    select l.customer_key, l.product_key, l._ingested_at
    from silver.fact_order_line as l
    inner join touched as t on t.customer_key = l.customer_key
    where l.is_sale
),

products as (
    select product_key, category from silver.dim_product
)

select
    s.customer_key,
    cast(count(distinct s.product_key) as bigint) as distinct_products,
    cast(count(distinct coalesce(p.category, 'Other')) as bigint) as distinct_categories,
    max(s._ingested_at) as _ingested_at
from sale_lines as s
left join products as p on p.product_key = s.product_key
group by s.customer_key
