-- One row per customer (current version): purchase history, basket, channel mix, RFM and
-- lifecycle. Recency, tenure and lifecycle are measured from the source's as-of date (its
-- last sale day), so the table does not depend on the day the pipeline runs. RFM is only
-- scored when the source's history is long enough (see customer_360.yml).
with customers as (
    select * from silver.dim_customer where is_current
),

orders as (
    select * from gold.int_customer_order
),

as_of as (
    select * from gold.int_source_as_of
),

sale_lines as (
    select customer_key, product_key
    from silver.fact_order_line
    where customer_key is not null and is_sale
),

products as (
    select product_key, category from silver.dim_product
),

diversity as (
    select
        s.customer_key,
        count(distinct s.product_key) as distinct_products,
        count(distinct coalesce(p.category, 'Other')) as distinct_categories
    from sale_lines as s
    left join products as p on p.product_key = s.product_key
    group by s.customer_key
),

history as (
    select
        customer_key,
        min(case when is_purchase then order_date end) as first_order_date,
        max(case when is_purchase then order_date end) as last_order_date,
        sum(case when is_purchase then 1 else 0 end) as frequency,
        sum(units) as units,
        sum(gross_amount_eur) as gross_revenue_eur,
        sum(return_amount_eur) as returns_eur,
        sum(net_amount_eur) as net_revenue_eur,
        sum(case when is_purchase and channel = 'store' then 1 else 0 end) as store_orders,
        sum(case when is_purchase and channel = 'online' then 1 else 0 end) as online_orders,
        sum(case when is_purchase and channel = 'marketplace' then 1 else 0 end) as marketplace_orders,
        sum(case when is_purchase and channel = 'mobile_app' then 1 else 0 end) as mobile_app_orders,
        count(distinct case when is_purchase then channel end) as channels
    from orders
    group by customer_key
),

buyers as (
    select
        c.customer_key,
        c.source_system,
        cast(date_diff('day', h.last_order_date, a.as_of_date) as integer) as recency_days,
        h.frequency,
        h.net_revenue_eur as monetary_eur,
        a.history_days
    from customers as c
    inner join history as h on h.customer_key = c.customer_key
    inner join as_of as a on a.source_system = c.source_system
    where h.frequency > 0
),

distinct_values as (
    select
        source_system,
        count(distinct recency_days) as recency_values,
        count(distinct frequency) as frequency_values,
        count(distinct monetary_eur) as monetary_values,
        count(*) as buyers
    from buyers
    group by source_system
),

ranked as (
    select
        b.*,
        d.recency_values,
        d.frequency_values,
        d.monetary_values,
        d.buyers,
        rank() over (partition by b.source_system order by b.recency_days desc) as recency_rank,
        rank() over (partition by b.source_system order by b.frequency) as frequency_rank,
        rank() over (partition by b.source_system order by b.monetary_eur) as monetary_rank
    from buyers as b
    inner join distinct_values as d on d.source_system = b.source_system
),

scored as (
    select
        customer_key,
        history_days >= 90 as has_history,
        case
            when recency_values >= 5 then 1 + floor(5.0 * (recency_rank - 1) / buyers)
            when recency_days <= 30 then 5
            when recency_days <= 60 then 4
            when recency_days <= 90 then 3
            when recency_days <= 180 then 2
            else 1
        end as r_score,
        case
            when frequency_values >= 5 then 1 + floor(5.0 * (frequency_rank - 1) / buyers)
            else least(frequency, 5)
        end as f_score,
        case
            when monetary_values >= 5 then 1 + floor(5.0 * (monetary_rank - 1) / buyers)
            when monetary_eur <= 50 then 1
            when monetary_eur <= 100 then 2
            when monetary_eur <= 250 then 3
            when monetary_eur <= 1000 then 4
            else 5
        end as m_score
    from ranked
),

rfm as (
    select
        customer_key,
        cast(case when has_history then r_score end as integer) as r_score,
        cast(case when has_history then f_score end as integer) as f_score,
        cast(case when has_history then m_score end as integer) as m_score,
        has_history
    from scored
)

select
    c.customer_key,
    c.customer_version_key,
    c.source_system,
    c.country_code,
    c.segment as source_segment,
    h.first_order_date,
    h.last_order_date,
    cast(coalesce(h.frequency, 0) as bigint) as frequency,
    cast(coalesce(h.units, 0) as bigint) as units,
    cast(coalesce(h.gross_revenue_eur, 0) as decimal(18, 2)) as gross_revenue_eur,
    cast(coalesce(h.returns_eur, 0) as decimal(18, 2)) as returns_eur,
    cast(coalesce(h.net_revenue_eur, 0) as decimal(18, 2)) as monetary_eur,
    case when h.frequency > 0 then cast(h.gross_revenue_eur as double) / h.frequency end
        as avg_order_value_eur,
    case when h.frequency > 0 then cast(h.units as double) / h.frequency end as avg_basket_units,
    cast(coalesce(d.distinct_products, 0) as bigint) as distinct_products,
    cast(coalesce(d.distinct_categories, 0) as bigint) as distinct_categories,
    cast(date_diff('day', h.first_order_date, a.as_of_date) as integer) as tenure_days,
    cast(date_diff('day', h.last_order_date, a.as_of_date) as integer) as recency_days,
    cast(coalesce(h.store_orders, 0) as bigint) as store_orders,
    cast(coalesce(h.online_orders, 0) as bigint) as online_orders,
    cast(coalesce(h.marketplace_orders, 0) as bigint) as marketplace_orders,
    cast(coalesce(h.mobile_app_orders, 0) as bigint) as mobile_app_orders,
    case
        when coalesce(h.frequency, 0) = 0 then null
        when h.channels > 1 then 'multichannel'
        when h.store_orders > 0 then 'store'
        when h.online_orders > 0 then 'online'
        when h.marketplace_orders > 0 then 'marketplace'
        when h.mobile_app_orders > 0 then 'mobile_app'
        else 'unknown'
    end as channel_mix,
    r.r_score,
    r.f_score,
    r.m_score,
    case
        when r.customer_key is null then 'No purchases'
        when not r.has_history then 'Insufficient history'
        when r.r_score >= 4 and r.f_score >= 4 then 'Champions'
        when r.r_score >= 3 and r.f_score >= 3 then 'Loyal'
        when r.r_score >= 4 then 'Promising'
        when r.r_score = 3 then 'Need Attention'
        when r.f_score >= 4 then 'Cannot Lose Them'
        when r.f_score >= 2 then 'At Risk'
        else 'Hibernating'
    end as rfm_segment,
    case
        when coalesce(h.frequency, 0) = 0 then 'prospect'
        when date_diff('day', h.first_order_date, a.as_of_date) < 90 then 'new'
        when date_diff('day', h.last_order_date, a.as_of_date) < 90 then 'active'
        when date_diff('day', h.last_order_date, a.as_of_date) < 180 then 'at_risk'
        else 'churned'
    end as lifecycle_stage,
    a.as_of_date,
    a.history_days as source_history_days
from customers as c
left join history as h on h.customer_key = c.customer_key
left join diversity as d on d.customer_key = c.customer_key
left join rfm as r on r.customer_key = c.customer_key
left join as_of as a on a.source_system = c.source_system
