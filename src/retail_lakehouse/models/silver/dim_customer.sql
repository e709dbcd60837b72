-- Observations of every source's customers, with the country mapped to ISO 3166-1
-- alpha-2; the scd2 materialization turns them into versions.
with observations as (
    select * from silver.int_customer
),

countries as (
    select * from silver.country
)

select
    o.customer_key,
    o.source_system,
    o.source_customer_id,
    o.customer_name,
    o.email,
    o.city,
    o.region,
    o.postal_code,
    coalesce(k.country_code, 'ZZ') as country_code,
    coalesce(k.country_name, 'Unknown') as country_name,
    o.country as source_country,
    o.segment,
    o.signup_date,
    o.valid_from,
    o._ingested_at,
    o._source_file,
    o._source_line
from observations as o
left join countries as k on k.name_key = lower(trim(o.country))
