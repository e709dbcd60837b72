-- One row per month, source system and canonical category with sales or returns: revenue,
-- units, margin where the cost is known, return rate and share of the source's month.
-- Incremental: the months that received new lines are recomputed from all their lines
-- (shares need the whole month). A product moving to another category rewrites
-- dim_product, which makes the runner rebuild this table in full.
with touched as (
    select distinct source_system, cast(date_trunc('month', order_date) as date) as month
    from silver.fact_order_line
    where _ingested_at > :since
),

products as (
    select product_key, category from silver.dim_product
),

lines as (
    select
        l.*,
        cast(date_trunc('month', l.order_date) as date) as month,
        coalesce(p.category, 'Other') as category
    from silver.fact_order_line as l
    inner join touched as t
        on t.source_system = l.source_system
        and t.month = cast(date_trunc('month', l.order_date) as date)
    left join products as p on p.product_key = l.product_key
    where (l.is_sale or l.is_return)
        -- implied by the join; as a plain bound the scan skips the files of earlier days
        and l.order_date >= (select min(month) from touched)
),

by_category as (
    select
        month,
        source_system,
        category,
        count(distinct case when is_sale then order_id end) as orders,
        sum(case when is_sale then quantity else 0 end) as units,
        sum(gross_amount_eur) as gross_revenue_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as net_revenue_eur,
        sum(case when cost_amount_eur is not null then gross_amount_eur end) as costed_revenue_eur,
        sum(cost_amount_eur) as cost_eur,
        max(_ingested_at) as _ingested_at
    from lines
    group by month, source_system, category
),

with_share as (
    select
        *,
        sum(net_revenue_eur) over (partition by month, source_system) as source_net_revenue_eur
    from by_category
)

select
    month,
    source_system,
    category,
    cast(orders as bigint) as orders,
    cast(units as bigint) as units,
    cast(gross_revenue_eur as decimal(18, 2)) as gross_revenue_eur,
    cast(returns_eur as decimal(18, 2)) as returns_eur,
    cast(net_revenue_eur as decimal(18, 2)) as net_revenue_eur,
    cast(costed_revenue_eur as decimal(18, 2)) as costed_revenue_eur,
    cast(cost_eur as decimal(18, 2)) as cost_eur,
    cast(costed_revenue_eur - cost_eur as decimal(18, 2)) as gross_margin_eur,
    case when costed_revenue_eur > 0
        then cast(costed_revenue_eur - cost_eur as double) / cast(costed_revenue_eur as double)
    end as gross_margin_pct,
    case when gross_revenue_eur > 0
        then cast(coalesce(costed_revenue_eur, 0) as double) / cast(gross_revenue_eur as double)
    end as cost_coverage,
    case when gross_revenue_eur > 0
        then cast(returns_eur as double) / cast(gross_revenue_eur as double)
    end as return_rate,
    case when source_net_revenue_eur > 0
        then cast(net_revenue_eur as double) / cast(source_net_revenue_eur as double)
    end as net_revenue_share,
    _ingested_at
from with_share
