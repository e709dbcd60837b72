-- Customer observations of Online Retail II: the source knows a customer only through
-- invoices, so each invoice is one observation of the customer's country at that moment.
with lines as (
    select * from silver.stg_online_retail__order_line
    where _ingested_at > :since and customer_key is not null
),

per_invoice as (
    select
        customer_key,
        source_customer_id,
        order_id,
        min(order_ts) as valid_from,
        max(country) as country,
        max(_ingested_at) as _ingested_at,
        min(_source_file) as _source_file,
        min(_source_line) as _source_line
    from lines
    group by customer_key, source_customer_id, order_id
)

select
    customer_key,
    'online_retail' as source_system,
    source_customer_id,
    cast(null as varchar) as customer_name,
    cast(null as varchar) as email,
    cast(null as varchar) as city,
    cast(null as varchar) as region,
    cast(null as varchar) as postal_code,
    country,
    cast(null as varchar) as segment,
    cast(null as date) as signup_date,
    valid_from,
    order_id as observation_id,
    _ingested_at,
    _source_file,
    _source_line
from per_invoice
