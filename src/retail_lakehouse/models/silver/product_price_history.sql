-- Every list price a product had, from the products' observations; the scd2
-- materialization keeps one version per price change.
with observations as (
    select * from silver.int_product
)

select
    product_key,
    source_system,
    list_price,
    currency,
    valid_from,
    _ingested_at
from observations
where list_price is not null
