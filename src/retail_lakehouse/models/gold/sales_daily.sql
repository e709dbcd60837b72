-- One row per day, source system and country with sales or returns: sales KPIs in EUR (and
-- in the local currency where the group has a single one). The amounts are the fact's
-- KPI columns summed; definitions: see silver/fact_order_line.yml and sales_daily.yml.
-- Incremental: the days that received new lines since the last build are recomputed from
-- all their lines and merged on the grain key (a full build reads every day).
with touched as (
    select distinct order_date
    from silver.fact_order_line
    where _ingested_at > :since
),

lines as (
    select l.*
    from silver.fact_order_line as l
    inner join touched as t on t.order_date = l.order_date
    where l.is_sale or l.is_return
),

daily as (
    select
        order_date,
        source_system,
        country_code,
        count(distinct case when is_sale then order_id end) as orders,
        sum(case when is_sale then quantity else 0 end) as units,
        sum(gross_amount_eur) as gross_revenue_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as net_revenue_eur,
        count(distinct case when is_sale then customer_key end) as customers,
        count(distinct currency) as currencies,
        max(currency) as any_currency,
        sum(gross_amount) as gross_revenue_local,
        sum(return_amount) as returns_local,
        max(_ingested_at) as _ingested_at
    from lines
    group by order_date, source_system, country_code
)

select
    order_date as date,
    source_system,
    country_code,
    cast(orders as bigint) as orders,
    cast(units as bigint) as units,
    cast(gross_revenue_eur as decimal(18, 2)) as gross_revenue_eur,
    cast(returns_eur as decimal(18, 2)) as returns_eur,
    cast(net_revenue_eur as decimal(18, 2)) as net_revenue_eur,
    cast(customers as bigint) as customers,
    case when orders > 0 then cast(gross_revenue_eur as double) / orders end as aov_eur,
    case when currencies = 1 then any_currency end as local_currency,
    case when currencies = 1 then cast(gross_revenue_local as decimal(18, 2)) end
        as gross_revenue_local,
    case when currencies = 1 then cast(returns_local as decimal(18, 2)) end as returns_local,
    case when currencies = 1 then cast(gross_revenue_local - returns_local as decimal(18, 2)) end
        as net_revenue_local,
    _ingested_at
from daily
