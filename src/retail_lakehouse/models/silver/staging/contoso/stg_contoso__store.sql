-- Contoso stores from store.csv (small reference file, rebuilt in full). StoreKey 999999
-- (CountryName 'Online') is the online store: channel online, no country of its own.
-- When store.csv is delivered again, each store's latest row wins.
with stores as (
    select * from bronze.contoso_store
),

ranked as (
    select
        *,
        store_key = 999999 or lower(trim(country_name)) = 'online' as is_online,
        row_number() over (
            partition by store_key
            order by _ingested_at desc, _source_file desc, _source_line desc
        ) as recency_rank
    from stores
)

select
    'contoso:' || cast(store_key as varchar) as store_key,
    'contoso' as source_system,
    cast(store_key as varchar) as source_store_id,
    coalesce(nullif(trim(description), ''), 'Contoso store ' || cast(store_key as varchar))
        as store_name,
    case when is_online then 'online' else 'store' end as channel,
    case when not is_online then nullif(trim(country_code), '') end as country,
    case when not is_online then nullif(trim(state), '') end as region,
    open_date,
    close_date,
    cast(square_meters as integer) as square_meters,
    cast(store_code as varchar) as store_code,
    nullif(trim(status), '') as store_status,
    geo_area_key,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when recency_rank > 1 then 'superseded_delivery' end as _drop_rule
from ranked
