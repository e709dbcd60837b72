-- One row per source system, acquisition cohort (month of a customer's first purchase) and
-- month since acquisition, up to the source's as-of month: how many of the cohort bought
-- again in that month and what they spent. Months in which nobody of the cohort bought are
-- rows with zeros, so retention curves have no gaps.
with orders as (
    select * from gold.int_customer_order where is_purchase
),

as_of as (
    select * from gold.int_source_as_of
),

first_purchase as (
    select customer_key, source_system, min(order_month) as cohort_month
    from orders
    group by customer_key, source_system
),

cohorts as (
    select source_system, cohort_month, count(*) as cohort_customers
    from first_purchase
    group by source_system, cohort_month
),

months as (
    select date_key as month
    from silver.dim_date
    where day_of_month = 1
),

grid as (
    select
        c.source_system,
        c.cohort_month,
        c.cohort_customers,
        m.month as activity_month
    from cohorts as c
    inner join as_of as a on a.source_system = c.source_system
    inner join months as m on m.month >= c.cohort_month and m.month <= a.as_of_month_start
),

activity as (
    select
        f.source_system,
        f.cohort_month,
        o.order_month as activity_month,
        count(distinct o.customer_key) as active_customers,
        count(*) as orders,
        sum(o.net_amount_eur) as net_revenue_eur
    from orders as o
    inner join first_purchase as f on f.customer_key = o.customer_key
    group by f.source_system, f.cohort_month, o.order_month
)

select
    g.source_system,
    g.cohort_month,
    cast(
        (year(g.activity_month) * 12 + month(g.activity_month))
        - (year(g.cohort_month) * 12 + month(g.cohort_month))
        as integer
    ) as months_since_first_order,
    g.activity_month,
    cast(g.cohort_customers as bigint) as cohort_customers,
    cast(coalesce(a.active_customers, 0) as bigint) as active_customers,
    cast(coalesce(a.active_customers, 0) as double) / g.cohort_customers as retention_rate,
    cast(coalesce(a.orders, 0) as bigint) as orders,
    cast(coalesce(a.net_revenue_eur, 0) as decimal(18, 2)) as net_revenue_eur
from grid as g
left join activity as a
    on a.source_system = g.source_system
    and a.cohort_month = g.cohort_month
    and a.activity_month = g.activity_month
