-- One row per store or sales channel; online channels are stores too.
select
    'online_retail:web' as store_key,
    'online_retail' as source_system,
    'web' as source_store_id,
    'Online Retail II web shop' as store_name,
    'online' as channel,
    'GB' as country_code
