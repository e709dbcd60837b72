-- One row per month and source system with sales or returns: the month's KPIs (MTD for
-- the as-of month), year to date, and growth against the same period a year earlier.
-- Incremental: YTD and YoY of a month depend on earlier months, so a source's rows are
-- recomputed from the earliest month that received new lines (or the month of its previous
-- as-of date, whose "partial month" flag may change) onward, reading lines from January of
-- the year before so YTD and the prior-year comparison are complete. Earlier months only
-- need their sums: the distinct counts (orders, customers, days) are taken for the
-- recomputed months alone (over every month they were most of the model's time).
with new_lines as (
    select source_system, min(order_date) as first_new_date
    from silver.fact_order_line
    where _ingested_at > :since
    group by source_system
),

previous_as_of as (
    select source_system, max(order_date) as as_of_date
    from silver.fact_order_line
    where _ingested_at <= :since and is_sale
    group by source_system
),

touched as (
    select
        n.source_system,
        cast(date_trunc('month', least(n.first_new_date, coalesce(p.as_of_date, n.first_new_date))) as date)
            as from_month
    from new_lines as n
    left join previous_as_of as p on p.source_system = n.source_system
),

as_of as (
    select * from gold.int_source_as_of
),

lines as (
    select
        l.source_system,
        cast(date_trunc('month', l.order_date) as date) as month,
        l.is_sale,
        l.quantity,
        l.gross_amount_eur,
        l.return_amount_eur,
        l.net_amount_eur,
        l._ingested_at,
        day(l.order_date) <= day(a.as_of_date) as within_as_of_day
    from silver.fact_order_line as l
    inner join as_of as a on a.source_system = l.source_system
    -- One scalar bound, not a join (or IN) to `touched`: a planner cannot know that
    -- `touched` has a row per source at most, and hashed the whole fact instead (out of
    -- memory at 10x under LAKEHOUSE_MEMORY_LIMIT). Lines a source does not need (another
    -- source, earlier months) fall outside the grid of touched months below.
    where (l.is_sale or l.is_return)
        and l.order_date >= (
            select min(cast(date_trunc('year', from_month) - interval 1 year as date))
            from touched
        )
),

monthly as (
    select
        source_system,
        month,
        sum(case when is_sale then quantity else 0 end) as units,
        sum(gross_amount_eur) as gross_revenue_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as net_revenue_eur,
        sum(case when within_as_of_day then net_amount_eur else 0 end) as net_to_as_of_day_eur,
        max(_ingested_at) as _ingested_at
    from lines
    group by source_system, month
),

counted as (
    select
        source_system,
        cast(date_trunc('month', order_date) as date) as month,
        count(distinct case when is_sale then order_id end) as orders,
        count(distinct case when is_sale then customer_key end) as customers,
        count(distinct order_date) as days_with_data
    from silver.fact_order_line
    where (is_sale or is_return)
        and order_date >= (select min(from_month) from touched)
    group by source_system, cast(date_trunc('month', order_date) as date)
),

last_month as (
    select source_system, max(month) as last_month
    from monthly
    group by source_system
),

grid as (
    select t.source_system, d.date_key as month
    from touched as t
    inner join last_month as m on m.source_system = t.source_system
    inner join silver.dim_date as d
        on d.day_of_month = 1
        and d.date_key >= cast(date_trunc('year', t.from_month) - interval 1 year as date)
        and d.date_key <= m.last_month
),

dense as (
    select
        g.source_system,
        g.month,
        coalesce(k.orders, 0) as orders,
        coalesce(k.customers, 0) as customers,
        coalesce(m.units, 0) as units,
        coalesce(m.gross_revenue_eur, 0) as gross_revenue_eur,
        coalesce(m.returns_eur, 0) as returns_eur,
        coalesce(m.net_revenue_eur, 0) as net_revenue_eur,
        coalesce(m.net_to_as_of_day_eur, 0) as net_to_as_of_day_eur,
        coalesce(k.days_with_data, 0) as days_with_data,
        m._ingested_at
    from grid as g
    left join monthly as m on m.source_system = g.source_system and m.month = g.month
    left join counted as k on k.source_system = g.source_system and k.month = g.month
),

with_ytd as (
    select
        d.*,
        year(d.month) as year,
        sum(d.net_revenue_eur) over (
            partition by d.source_system, year(d.month)
            order by d.month
            rows between unbounded preceding and current row
        ) as ytd_net_revenue_eur
    from dense as d
),

compared as (
    select
        c.*,
        a.as_of_date,
        c.month = a.as_of_month_start as is_as_of_month,
        p.month >= cast(date_trunc('month', a.first_sale_date) as date) as has_prev_year,
        p.net_revenue_eur as prev_year_net_revenue_eur,
        p.net_to_as_of_day_eur as prev_year_net_to_as_of_day_eur,
        p.ytd_net_revenue_eur - p.net_revenue_eur + p.net_to_as_of_day_eur
            as prev_year_ytd_to_as_of_day_eur,
        p.ytd_net_revenue_eur as prev_year_ytd_net_revenue_eur
    from with_ytd as c
    inner join as_of as a on a.source_system = c.source_system
    left join with_ytd as p
        on p.source_system = c.source_system
        and p.month = cast(c.month - interval 1 year as date)
),

comparable as (
    select
        *,
        case
            when not coalesce(has_prev_year, false) then null
            when is_as_of_month then prev_year_net_to_as_of_day_eur
            else prev_year_net_revenue_eur
        end as prev_year_comparable_eur,
        case
            when not coalesce(has_prev_year, false) then null
            when is_as_of_month then prev_year_ytd_to_as_of_day_eur
            else prev_year_ytd_net_revenue_eur
        end as prev_year_ytd_comparable_eur
    from compared
)

select
    c.month,
    cast(c.year as integer) as year,
    c.source_system,
    cast(c.orders as bigint) as orders,
    cast(c.customers as bigint) as customers,
    cast(c.units as bigint) as units,
    cast(c.gross_revenue_eur as decimal(18, 2)) as gross_revenue_eur,
    cast(c.returns_eur as decimal(18, 2)) as returns_eur,
    cast(c.net_revenue_eur as decimal(18, 2)) as net_revenue_eur,
    case when c.orders > 0 then cast(c.gross_revenue_eur as double) / c.orders end as aov_eur,
    cast(c.ytd_net_revenue_eur as decimal(18, 2)) as ytd_net_revenue_eur,
    cast(c.prev_year_comparable_eur as decimal(18, 2)) as prev_year_net_revenue_eur,
    case when c.prev_year_comparable_eur > 0
        then cast(c.net_revenue_eur as double) / cast(c.prev_year_comparable_eur as double) - 1
    end as yoy_growth,
    cast(c.prev_year_ytd_comparable_eur as decimal(18, 2)) as prev_year_ytd_net_revenue_eur,
    case when c.prev_year_ytd_comparable_eur > 0
        then cast(c.ytd_net_revenue_eur as double) / cast(c.prev_year_ytd_comparable_eur as double) - 1
    end as ytd_yoy_growth,
    cast(c.days_with_data as bigint) as days_with_data,
    c.is_as_of_month,
    c.as_of_date,
    c._ingested_at
from comparable as c
inner join touched as t on t.source_system = c.source_system
where c.month >= t.from_month and c.days_with_data > 0
