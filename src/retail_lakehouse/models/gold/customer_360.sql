-- One row per customer (current version): purchase history, RFM scores and lifecycle.
-- Recency is measured against the last sale day of the customer's source system, so the
-- table is reproducible (it does not depend on the day the pipeline runs).
with customers as (
    select * from silver.dim_customer where is_current
),

lines as (
    select * from silver.fact_order_line where customer_key is not null
),

as_of as (
    select source_system, max(order_date) as as_of_date
    from silver.fact_order_line
    where is_sale
    group by source_system
),

history as (
    select
        customer_key,
        min(case when is_sale then order_date end) as first_order_date,
        max(case when is_sale then order_date end) as last_order_date,
        count(distinct case when is_sale then order_id end) as frequency,
        cast(sum(case when is_sale then quantity else 0 end) as bigint) as units,
        cast(sum(gross_amount_eur) as decimal(18, 2)) as gross_revenue_eur,
        cast(sum(return_amount_eur) as decimal(18, 2)) as returns_eur
    from lines
    group by customer_key
),

buyers as (
    select
        c.customer_key,
        c.source_system,
        date_diff('day', h.last_order_date, a.as_of_date) as recency_days,
        h.frequency,
        h.gross_revenue_eur - h.returns_eur as monetary_eur
    from customers as c
    inner join history as h on h.customer_key = c.customer_key
    inner join as_of as a on a.source_system = c.source_system
    where h.frequency > 0
),

scored as (
    select
        customer_key,
        recency_days,
        ntile(5) over (
            partition by source_system order by recency_days desc, customer_key
        ) as r_score,
        ntile(5) over (partition by source_system order by frequency, customer_key) as f_score,
        ntile(5) over (partition by source_system order by monetary_eur, customer_key) as m_score
    from buyers
)

select
    c.customer_key,
    c.customer_version_key,
    c.source_system,
    c.country_code,
    h.first_order_date,
    h.last_order_date,
    coalesce(h.frequency, 0) as frequency,
    coalesce(h.units, 0) as units,
    coalesce(h.gross_revenue_eur, cast(0 as decimal(18, 2))) as gross_revenue_eur,
    coalesce(h.returns_eur, cast(0 as decimal(18, 2))) as returns_eur,
    cast(
        coalesce(h.gross_revenue_eur, 0) - coalesce(h.returns_eur, 0) as decimal(18, 2)
    ) as monetary_eur,
    case when h.frequency > 0 then cast(h.gross_revenue_eur as double) / h.frequency end
        as avg_order_value_eur,
    s.recency_days,
    cast(s.r_score as integer) as r_score,
    cast(s.f_score as integer) as f_score,
    cast(s.m_score as integer) as m_score,
    case
        when s.r_score is null then 'No purchases'
        when s.r_score >= 4 and s.f_score >= 4 then 'Champions'
        when s.r_score >= 3 and s.f_score >= 3 then 'Loyal'
        when s.r_score >= 4 then 'Promising'
        when s.r_score = 3 then 'Need Attention'
        when s.f_score >= 4 then 'Cannot Lose Them'
        when s.f_score >= 2 then 'At Risk'
        else 'Hibernating'
    end as rfm_segment,
    case
        when s.recency_days is null then 'prospect'
        when date_diff('day', h.first_order_date, a.as_of_date) < 90 then 'new'
        when s.recency_days < 90 then 'active'
        when s.recency_days < 180 then 'at_risk'
        else 'churned'
    end as lifecycle_stage,
    a.as_of_date
from customers as c
left join history as h on h.customer_key = c.customer_key
left join scored as s on s.customer_key = c.customer_key
left join as_of as a on a.source_system = c.source_system
