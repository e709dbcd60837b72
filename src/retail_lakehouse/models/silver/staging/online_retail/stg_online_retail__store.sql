-- Online Retail II sells through one web shop: a single channel row, present once the
-- source has data.
with deliveries as (
    select max(_ingested_at) as _ingested_at from bronze.online_retail_transactions
)

select
    'online_retail:web' as store_key,
    'online_retail' as source_system,
    'web' as source_store_id,
    'Online Retail II web shop' as store_name,
    'online' as channel,
    'United Kingdom' as country,
    cast(null as varchar) as region,
    cast(null as date) as open_date,
    cast(null as date) as close_date,
    cast(null as integer) as square_meters,
    _ingested_at
from deliveries
where _ingested_at is not null
