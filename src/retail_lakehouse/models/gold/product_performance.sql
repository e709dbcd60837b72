-- One row per product with sales or returns: units, revenue, orders, its rank within its
-- category and source, and its ABC class (Pareto on net revenue within the source).
-- A table, not incremental: ranks and ABC classes move whenever any product sells. The
-- per-product counts and sums come from int_product_sales, which is incremental.
with sales as (
    select * from gold.int_product_sales
),

products as (
    select product_key, product_name, category, is_product from silver.dim_product
),

described as (
    select
        b.*,
        p.product_name,
        coalesce(p.category, 'Other') as category
    from sales as b
    left join products as p on p.product_key = b.product_key
),

ranked as (
    select
        *,
        rank() over (
            partition by source_system, category order by net_revenue_eur desc
        ) as category_rank,
        sum(net_revenue_eur) over (
            partition by source_system
            order by net_revenue_eur desc, product_key
            rows between unbounded preceding and current row
        ) as cumulative_net_eur,
        sum(case when net_revenue_eur > 0 then net_revenue_eur else 0 end) over (
            partition by source_system
        ) as source_positive_net_eur
    from described
),

classified as (
    select
        *,
        case when source_positive_net_eur > 0 and net_revenue_eur > 0
            then cast(cumulative_net_eur - net_revenue_eur as double)
                / cast(source_positive_net_eur as double)
        end as share_before
    from ranked
)

select
    product_key,
    source_system,
    product_name,
    category,
    orders,
    customers,
    units,
    gross_revenue_eur,
    returns_eur,
    net_revenue_eur,
    case when gross_revenue_eur > 0
        then cast(returns_eur as double) / cast(gross_revenue_eur as double)
    end as return_rate,
    case when units > 0 then cast(gross_revenue_eur as double) / units end as avg_unit_price_eur,
    first_sale_date,
    last_sale_date,
    cast(category_rank as integer) as category_rank,
    case when share_before is not null
        then cast(net_revenue_eur as double) / cast(source_positive_net_eur as double)
    end as net_revenue_share,
    case when share_before is not null
        then cast(cumulative_net_eur as double) / cast(source_positive_net_eur as double)
    end as cumulative_share,
    case
        when share_before is null then 'C'
        when share_before < 0.8 then 'A'
        when share_before < 0.95 then 'B'
        else 'C'
    end as abc_class
from classified
