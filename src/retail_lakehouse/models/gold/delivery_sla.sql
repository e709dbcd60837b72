-- Delivery service level of every source whose orders carry a delivery and a promised date
-- (Olist today): on-time rate, delivery time and delay, and what lateness does to review
-- scores; overall and by customer region, by store/seller and by category. One row per
-- (source, dimension, value); an order counts once per value it touches (an order with
-- products of two categories counts in both).
with orders as (
    select * from silver.fact_order
    where delivered_ts is not null and estimated_delivery_ts is not null
),

lines as (  -- only the delivered orders' lines: most sources have none
    select distinct l.order_id, l.product_key, l.store_key, l.region
    from silver.fact_order_line as l
    inner join orders as o on o.order_id = l.order_id
    where l.is_sale
),

products as (
    select product_key, category from silver.dim_product
),

reviews as (
    select order_id, avg(cast(score as double)) as review_score
    from silver.fact_review
    group by order_id
),

delivered as (
    select
        o.order_id,
        o.source_system,
        o.is_late,
        o.delivery_days,
        date_diff('day', cast(o.estimated_delivery_ts as date), cast(o.delivered_ts as date))
            as days_vs_estimate,
        r.review_score
    from orders as o
    left join reviews as r on r.order_id = o.order_id
),

order_dimensions as (
    select order_id, 'all' as dimension, 'all' as dimension_value from delivered
    union
    select l.order_id, 'customer_region' as dimension, coalesce(nullif(trim(l.region), ''), '(none)')
    from lines as l
    union
    select l.order_id, 'store' as dimension, l.store_key from lines as l
    union
    select l.order_id, 'category' as dimension, coalesce(p.category, 'Other')
    from lines as l
    left join products as p on p.product_key = l.product_key
),

measured as (
    select
        d.source_system,
        od.dimension,
        od.dimension_value,
        count(*) as delivered_orders,
        sum(case when d.is_late then 0 else 1 end) as on_time_orders,
        sum(case when d.is_late then 1 else 0 end) as late_orders,
        avg(cast(d.delivery_days as double)) as avg_delivery_days,
        avg(cast(d.days_vs_estimate as double)) as avg_days_vs_estimate,
        avg(case when d.is_late then cast(d.days_vs_estimate as double) end) as avg_delay_days_late,
        count(d.review_score) as reviewed_orders,
        avg(case when not d.is_late then d.review_score end) as avg_review_score_on_time,
        avg(case when d.is_late then d.review_score end) as avg_review_score_late
    from delivered as d
    inner join order_dimensions as od on od.order_id = d.order_id
    group by d.source_system, od.dimension, od.dimension_value
)

select
    source_system,
    dimension,
    dimension_value,
    cast(delivered_orders as bigint) as delivered_orders,
    cast(on_time_orders as bigint) as on_time_orders,
    cast(late_orders as bigint) as late_orders,
    cast(on_time_orders as double) / delivered_orders as on_time_rate,
    avg_delivery_days,
    avg_days_vs_estimate,
    avg_delay_days_late,
    cast(reviewed_orders as bigint) as reviewed_orders,
    avg_review_score_on_time,
    avg_review_score_late,
    avg_review_score_on_time - avg_review_score_late as review_score_gap
from measured
