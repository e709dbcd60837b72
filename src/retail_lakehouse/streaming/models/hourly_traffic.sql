-- One row per hour: traffic, funnel and revenue of the web sessions that started in it.
-- Definitions: hourly_traffic.yml.
with sessions as (
    select * from silver.web_session
),

hourly as (
    select
        date_trunc('hour', session_start) as hour,
        count(*) as sessions,
        count(distinct visitor_id) as users,
        count(distinct customer_key) as customers,
        sum(page_views) as page_views,
        sum(case when product_views > 0 then 1 else 0 end) as product_view_sessions,
        sum(case when add_to_cart > 0 then 1 else 0 end) as add_to_cart_sessions,
        sum(case when reached_checkout then 1 else 0 end) as checkout_sessions,
        sum(case when has_purchase then 1 else 0 end) as purchase_sessions,
        sum(case when is_bounce then 1 else 0 end) as bounce_sessions,
        sum(revenue_eur) as revenue_eur
    from sessions
    group by date_trunc('hour', session_start)
)

select
    hour,
    cast(sessions as bigint) as sessions,
    cast(users as bigint) as users,
    cast(customers as bigint) as customers,
    cast(page_views as bigint) as page_views,
    cast(product_view_sessions as bigint) as product_view_sessions,
    cast(add_to_cart_sessions as bigint) as add_to_cart_sessions,
    cast(checkout_sessions as bigint) as checkout_sessions,
    cast(purchase_sessions as bigint) as purchase_sessions,
    cast(bounce_sessions as bigint) as bounce_sessions,
    cast(product_view_sessions as double) / sessions as product_view_rate,
    cast(add_to_cart_sessions as double) / sessions as add_to_cart_rate,
    cast(checkout_sessions as double) / sessions as checkout_rate,
    cast(purchase_sessions as double) / sessions as conversion_rate,
    cast(bounce_sessions as double) / sessions as bounce_rate,
    cast(revenue_eur as decimal(18, 2)) as revenue_eur
from hourly
