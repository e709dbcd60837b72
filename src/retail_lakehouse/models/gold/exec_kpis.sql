-- One row per source system and period (today, mtd, ytd) ending on the source's as-of date
-- (its last sale day, never the wall clock): GMV, net revenue, orders, AOV, customers,
-- margin and return rate, next to the same period one year earlier.
with as_of as (
    select * from gold.int_source_as_of
),

periods as (
    select source_system, 'today' as period, as_of_date as period_start, as_of_date as period_end
    from as_of
    union all
    select source_system, 'mtd', as_of_month_start, as_of_date from as_of
    union all
    select source_system, 'ytd', as_of_year_start, as_of_date from as_of
),

windows as (
    select
        *,
        cast(period_start - interval 1 year as date) as prev_start,
        cast(period_end - interval 1 year as date) as prev_end
    from periods
),

lines as (
    select
        w.source_system,
        w.period,
        l.order_date between w.period_start and w.period_end as is_current,
        l.is_sale,
        l.order_id,
        l.customer_key,
        l.quantity,
        l.gross_amount_eur,
        l.return_amount_eur,
        l.net_amount_eur,
        l.cost_amount_eur
    from silver.fact_order_line as l
    inner join windows as w
        on w.source_system = l.source_system
        and (
            l.order_date between w.period_start and w.period_end
            or l.order_date between w.prev_start and w.prev_end
        )
    where l.is_sale or l.is_return
),

measured as (
    select
        source_system,
        period,
        is_current,
        count(distinct case when is_sale then order_id end) as orders,
        count(distinct case when is_sale then customer_key end) as customers,
        sum(case when is_sale then quantity else 0 end) as units,
        sum(gross_amount_eur) as gmv_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as net_revenue_eur,
        sum(case when cost_amount_eur is not null then gross_amount_eur end) as costed_revenue_eur,
        sum(cost_amount_eur) as cost_eur
    from lines
    group by source_system, period, is_current
)

select
    w.source_system,
    w.period,
    w.period_start,
    w.period_end,
    w.prev_start as prev_year_period_start,
    w.prev_end as prev_year_period_end,
    cast(coalesce(c.gmv_eur, 0) as decimal(18, 2)) as gmv_eur,
    cast(coalesce(c.returns_eur, 0) as decimal(18, 2)) as returns_eur,
    cast(coalesce(c.net_revenue_eur, 0) as decimal(18, 2)) as net_revenue_eur,
    cast(coalesce(c.orders, 0) as bigint) as orders,
    cast(coalesce(c.units, 0) as bigint) as units,
    cast(coalesce(c.customers, 0) as bigint) as customers,
    case when c.orders > 0 then cast(c.gmv_eur as double) / c.orders end as aov_eur,
    cast(c.cost_eur as decimal(18, 2)) as cost_eur,
    cast(c.costed_revenue_eur - c.cost_eur as decimal(18, 2)) as gross_margin_eur,
    case when c.costed_revenue_eur > 0
        then cast(c.costed_revenue_eur - c.cost_eur as double) / cast(c.costed_revenue_eur as double)
    end as gross_margin_pct,
    case when c.gmv_eur > 0 then cast(c.returns_eur as double) / cast(c.gmv_eur as double) end
        as return_rate,
    cast(coalesce(p.gmv_eur, 0) as decimal(18, 2)) as prev_year_gmv_eur,
    cast(coalesce(p.net_revenue_eur, 0) as decimal(18, 2)) as prev_year_net_revenue_eur,
    cast(coalesce(p.orders, 0) as bigint) as prev_year_orders,
    cast(coalesce(p.customers, 0) as bigint) as prev_year_customers,
    case when p.orders > 0 then cast(p.gmv_eur as double) / p.orders end as prev_year_aov_eur,
    case when p.gmv_eur > 0 then cast(p.returns_eur as double) / cast(p.gmv_eur as double) end
        as prev_year_return_rate,
    case when p.gmv_eur > 0
        then cast(coalesce(c.gmv_eur, 0) as double) / cast(p.gmv_eur as double) - 1
    end as gmv_yoy_growth,
    case when p.net_revenue_eur > 0
        then cast(coalesce(c.net_revenue_eur, 0) as double) / cast(p.net_revenue_eur as double) - 1
    end as net_revenue_yoy_growth,
    case when p.orders > 0 then cast(coalesce(c.orders, 0) as double) / p.orders - 1 end
        as orders_yoy_growth
from windows as w
left join measured as c
    on c.source_system = w.source_system and c.period = w.period and c.is_current
left join measured as p
    on p.source_system = w.source_system and p.period = w.period and not p.is_current
