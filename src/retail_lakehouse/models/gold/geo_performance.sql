-- One row per month, source system, country and region with sales or returns, and the
-- country's share of the source's net revenue in the month. Incremental: the months that
-- received new lines are recomputed from all their lines.
with touched as (
    select distinct source_system, cast(date_trunc('month', order_date) as date) as month
    from silver.fact_order_line
    where _ingested_at > :since
),

countries as (
    select country_code, min(country_name) as country_name
    from silver.country
    group by country_code
),

lines as (
    select
        l.*,
        cast(date_trunc('month', l.order_date) as date) as month,
        coalesce(nullif(trim(l.region), ''), '(none)') as region_name
    from silver.fact_order_line as l
    inner join touched as t
        on t.source_system = l.source_system
        and t.month = cast(date_trunc('month', l.order_date) as date)
    where (l.is_sale or l.is_return)
        -- implied by the join; as a plain bound the scan skips the files of earlier days
        and l.order_date >= (select min(month) from touched)
),

by_region as (
    select
        month,
        source_system,
        country_code,
        region_name,
        count(distinct case when is_sale then order_id end) as orders,
        count(distinct case when is_sale then customer_key end) as customers,
        sum(case when is_sale then quantity else 0 end) as units,
        sum(gross_amount_eur) as gross_revenue_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as net_revenue_eur,
        max(_ingested_at) as _ingested_at
    from lines
    group by month, source_system, country_code, region_name
),

with_share as (
    select
        *,
        sum(net_revenue_eur) over (partition by month, source_system) as source_net_revenue_eur
    from by_region
)

select
    r.month,
    r.source_system,
    r.country_code,
    coalesce(c.country_name, 'Unknown') as country_name,
    r.region_name as region,
    cast(r.orders as bigint) as orders,
    cast(r.customers as bigint) as customers,
    cast(r.units as bigint) as units,
    cast(r.gross_revenue_eur as decimal(18, 2)) as gross_revenue_eur,
    cast(r.returns_eur as decimal(18, 2)) as returns_eur,
    cast(r.net_revenue_eur as decimal(18, 2)) as net_revenue_eur,
    case when r.orders > 0 then cast(r.gross_revenue_eur as double) / r.orders end as aov_eur,
    case when r.gross_revenue_eur > 0
        then cast(r.returns_eur as double) / cast(r.gross_revenue_eur as double)
    end as return_rate,
    case when r.source_net_revenue_eur > 0
        then cast(r.net_revenue_eur as double) / cast(r.source_net_revenue_eur as double)
    end as net_revenue_share,
    r._ingested_at
from with_share as r
left join countries as c on c.country_code = r.country_code
