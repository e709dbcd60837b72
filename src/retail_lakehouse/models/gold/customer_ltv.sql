-- One row per customer with a purchase: historical lifetime value (net revenue to date)
-- and its High / Medium / Low tier within the source. Tiers rank customers, so this is a
-- table rebuilt in full.
with orders as (
    select * from gold.int_customer_order
),

as_of as (
    select * from gold.int_source_as_of
),

history as (
    select
        customer_key,
        source_system,
        min(case when is_purchase then order_date end) as first_order_date,
        max(case when is_purchase then order_date end) as last_order_date,
        sum(case when is_purchase then 1 else 0 end) as orders,
        sum(gross_amount_eur) as gross_revenue_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as ltv_eur
    from orders
    group by customer_key, source_system
),

buyers as (
    select
        h.*,
        a.as_of_date,
        date_diff('day', h.first_order_date, a.as_of_date) as tenure_days
    from history as h
    inner join as_of as a on a.source_system = h.source_system
    where h.orders > 0
),

ranked as (
    select
        *,
        rank() over (partition by source_system order by ltv_eur desc) as ltv_rank,
        count(*) over (partition by source_system) as buyers
    from buyers
)

select
    customer_key,
    source_system,
    first_order_date,
    last_order_date,
    cast(tenure_days as integer) as tenure_days,
    cast(orders as bigint) as orders,
    cast(gross_revenue_eur as decimal(18, 2)) as gross_revenue_eur,
    cast(returns_eur as decimal(18, 2)) as returns_eur,
    cast(ltv_eur as decimal(18, 2)) as ltv_eur,
    cast(gross_revenue_eur as double) / orders as avg_order_value_eur,
    cast(orders as double) / (floor(tenure_days / 30.4375) + 1) as orders_per_month,
    cast(ltv_rank as integer) as ltv_rank,
    cast(ltv_rank as double) / buyers as ltv_top_share,
    case
        when ltv_eur <= 0 then 'Low'
        when cast(ltv_rank as double) / buyers <= 0.2 then 'High'
        when cast(ltv_rank as double) / buyers <= 0.5 then 'Medium'
        else 'Low'
    end as ltv_tier,
    as_of_date
from ranked
