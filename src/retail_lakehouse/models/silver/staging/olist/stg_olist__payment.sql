-- Olist payments, one per order and payment_sequential (vouchers split an order's payment
-- into several rows). A later delivery of the payments file restates a payment: the latest
-- copy wins, earlier copies are dropped by the rule superseded_payment.
with payments as (
    select * from bronze.olist_order_payments
),

touched as (
    select distinct order_id, payment_sequential
    from payments
    where _ingested_at > :since
),

ranked as (
    select
        p.*,
        row_number() over (
            partition by p.order_id, p.payment_sequential
            order by p._ingested_at desc, p._source_file desc, p._source_line desc
        ) as recency_rank
    from payments as p
    inner join touched as t
        on t.order_id = p.order_id and t.payment_sequential = p.payment_sequential
)

select
    'olist:' || order_id || ':' || cast(payment_sequential as varchar) as payment_key,
    'olist:' || order_id as order_id,
    'olist' as source_system,
    cast(payment_sequential as integer) as payment_sequential,
    payment_type,
    cast(payment_installments as integer) as installments,
    cast(payment_value as decimal(18, 2)) as amount,
    'BRL' as currency,
    order_id as source_order_id,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when recency_rank > 1 then 'superseded_payment' end as _drop_rule
from ranked
