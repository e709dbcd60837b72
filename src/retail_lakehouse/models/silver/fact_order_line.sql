-- One row per order line of every source, in EUR, joined to the customer version that was
-- valid when the order was placed (point in time).
with online_retail as (
    select * from silver.stg_online_retail_order_line
),

customers as (
    select * from silver.dim_customer
),

fx as (
    select * from silver.fx_rate
),

countries as (
    select * from silver.country
),

lines as (
    select
        order_line_key,
        order_id,
        line_number,
        source_system,
        order_ts,
        order_date,
        customer_key,
        product_key,
        'online_retail:web' as store_key,
        quantity,
        unit_price,
        currency,
        is_return,
        line_type,
        order_status,
        country,
        _source_file,
        _source_line
    from online_retail
),

customer_versions as (
    select
        customer_key,
        customer_version_key,
        valid_from,
        valid_to,
        row_number() over (partition by customer_key order by valid_from) as version_rank
    from customers
)

select
    l.order_line_key,
    l.order_id,
    l.line_number,
    l.source_system,
    l.order_ts,
    l.order_date,
    l.customer_key,
    v.customer_version_key,
    l.product_key,
    l.store_key,
    l.quantity,
    l.unit_price,
    l.currency,
    fx.rate_to_eur as fx_rate_to_eur,
    l.unit_price * fx.rate_to_eur as unit_price_eur,
    l.quantity * l.unit_price * fx.rate_to_eur as net_amount_eur,
    l.is_return,
    l.line_type,
    l.order_status,
    coalesce(k.country_code, 'ZZ') as country_code,
    l._source_file,
    l._source_line
from lines as l
left join fx on fx.currency = l.currency and fx.rate_date = l.order_date
left join countries as k on k.name_key = lower(l.country)
left join customer_versions as v
    on v.customer_key = l.customer_key
    and (
        (l.order_ts >= v.valid_from and (v.valid_to is null or l.order_ts < v.valid_to))
        or (v.version_rank = 1 and l.order_ts < v.valid_from)
    )
