-- Stores and channels of every source, with the country mapped to ISO 3166-1 alpha-2.
with stores as (
    select * from silver.int_store
),

countries as (
    select * from silver.country
)

select
    s.store_key,
    s.source_system,
    s.source_store_id,
    s.store_name,
    s.channel,
    coalesce(k.country_code, 'ZZ') as country_code,
    s.country as source_country,
    s.region,
    s.open_date,
    s.close_date,
    s.square_meters
from stores as s
left join countries as k on k.name_key = lower(trim(s.country))
