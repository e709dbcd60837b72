-- ShopMetrics sells through channels, not shops: one store row per channel seen on its
-- orders (web, mobile_app, marketplace). The shop is US-based, so every channel is a US store.
with states as (
    select * from silver.stg_shopmetrics__order
),

channels as (
    select
        channel,
        min(_ingested_at) as _ingested_at
    from states
    group by channel
)

select
    'shopmetrics:' || channel as store_key,
    'shopmetrics' as source_system,
    channel as source_store_id,
    case channel
        when 'web' then 'ShopMetrics web shop'
        when 'mobile_app' then 'ShopMetrics mobile app'
        when 'marketplace' then 'ShopMetrics on marketplaces'
        when 'unknown' then 'ShopMetrics (channel not stated)'
        else 'ShopMetrics ' || channel
    end as store_name,
    case channel
        when 'mobile_app' then 'mobile_app'
        when 'marketplace' then 'marketplace'
        else 'online'
    end as channel,
    'US' as country,
    cast(null as varchar) as region,
    cast(null as date) as open_date,
    cast(null as date) as close_date,
    cast(null as integer) as square_meters,
    _ingested_at
from channels
