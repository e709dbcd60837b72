-- One row per day, source system and country: sales KPIs in EUR (and in the local currency
-- where the group has a single one). Definitions: see sales_daily.yml.
with lines as (
    select * from silver.fact_order_line
),

daily as (
    select
        order_date,
        source_system,
        country_code,
        count(distinct case when line_type = 'sale' then order_id end) as orders,
        cast(sum(case when line_type = 'sale' then quantity else 0 end) as bigint) as units,
        sum(case when line_type = 'sale' then quantity * unit_price_eur else 0 end)
            as gross_revenue_eur,
        sum(case when line_type = 'return' then abs(quantity) * unit_price_eur else 0 end)
            as returns_eur,
        count(distinct case when line_type = 'sale' then customer_key end) as customers,
        count(distinct currency) as currencies,
        max(currency) as any_currency,
        sum(case when line_type = 'sale' then quantity * unit_price else 0 end)
            as gross_revenue_local,
        sum(case when line_type = 'return' then abs(quantity) * unit_price else 0 end)
            as returns_local
    from lines
    group by order_date, source_system, country_code
)

select
    order_date as date,
    source_system,
    country_code,
    orders,
    units,
    gross_revenue_eur,
    returns_eur,
    gross_revenue_eur - returns_eur as net_revenue_eur,
    customers,
    case when orders > 0 then gross_revenue_eur / orders end as aov_eur,
    case when currencies = 1 then any_currency end as local_currency,
    case when currencies = 1 then gross_revenue_local end as gross_revenue_local,
    case when currencies = 1 then returns_local end as returns_local,
    case when currencies = 1 then gross_revenue_local - returns_local end as net_revenue_local
from daily
