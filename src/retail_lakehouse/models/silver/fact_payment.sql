-- One row per payment, with the amount in EUR at the order day's rate.
with payments as (
    select * from silver.int_payment
    where _ingested_at > :since
),

orders as (
    select order_id, order_ts from silver.fact_order
),

rates as (
    select * from silver.fx_rate
)

select
    p.payment_key,
    p.order_id,
    p.source_system,
    p.payment_sequential,
    p.payment_type,
    p.installments,
    p.amount,
    p.currency,
    cast(round(cast(p.amount as decimal(21, 4)) * coalesce(own.rate_to_eur, seed.rate_to_eur), 2) as decimal(18, 2))
        as amount_eur,
    cast(o.order_ts as date) as order_date,
    p._ingested_at,
    p._source_file,
    p._source_line
from payments as p
left join orders as o on o.order_id = p.order_id
left join rates as own
    on own.source_system = p.source_system
    and own.currency = p.currency
    and own.rate_date = cast(o.order_ts as date)
left join rates as seed
    on seed.source_system = 'default'
    and seed.currency = p.currency
    and seed.rate_date = cast(o.order_ts as date)
