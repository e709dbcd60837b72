-- Olist is one marketplace: a single channel row, present once orders have arrived.
with deliveries as (
    select max(_ingested_at) as _ingested_at from bronze.olist_orders
)

select
    'olist:marketplace' as store_key,
    'olist' as source_system,
    'marketplace' as source_store_id,
    'Olist marketplace' as store_name,
    'marketplace' as channel,
    'BR' as country,
    cast(null as varchar) as region,
    cast(null as date) as open_date,
    cast(null as date) as close_date,
    cast(null as integer) as square_meters,
    _ingested_at
from deliveries
where _ingested_at is not null
