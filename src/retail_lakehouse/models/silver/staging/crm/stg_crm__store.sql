-- The CRM sells online only: a single channel row, present once the source has orders.
with deliveries as (
    select max(_ingested_at) as _ingested_at from bronze.crm_sales_orders
)

select
    'crm:online' as store_key,
    'crm' as source_system,
    'online' as source_store_id,
    'CRM online store' as store_name,
    'online' as channel,
    'US' as country,
    cast(null as varchar) as region,
    cast(null as date) as open_date,
    cast(null as date) as close_date,
    cast(null as integer) as square_meters,
    _ingested_at
from deliveries
where _ingested_at is not null
