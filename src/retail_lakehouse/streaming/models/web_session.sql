-- One row per web session: the events of one client session (session_id) split where
-- more than 30 minutes pass between two consecutive events. Definitions: web_session.yml.
with events as (
    select * from bronze.clickstream_events
),

deduplicated as (
    -- An event delivered twice (a producer re-run) counts once: its copies are identical.
    select distinct
        event_id,
        event_type,
        event_ts,
        session_id,
        visitor_id,
        customer_key,
        revenue_eur,
        device,
        referrer,
        utm_campaign,
        country
    from events
),

gaps as (
    select
        *,
        case
            when lag(event_ts) over (partition by session_id order by event_ts, event_id) is null
                then 1
            when event_ts > lag(event_ts) over (partition by session_id order by event_ts, event_id)
                + interval 30 minute
                then 1
            else 0
        end as starts_session
    from deduplicated
),

numbered as (
    select
        *,
        sum(starts_session) over (
            partition by session_id
            order by event_ts, event_id
            rows between unbounded preceding and current row
        ) as session_number
    from gaps
),

ranked as (
    select
        *,
        row_number() over (
            partition by session_id, session_number order by event_ts, event_id
        ) as event_rank
    from numbered
),

sessions as (
    select
        session_id,
        session_number,
        min(event_ts) as session_start,
        max(event_ts) as session_end,
        max(visitor_id) as visitor_id,
        max(customer_key) as customer_key,
        count(*) as events,
        sum(case when event_type = 'page_view' then 1 else 0 end) as page_views,
        sum(case when event_type = 'product_view' then 1 else 0 end) as product_views,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_cart,
        sum(case when event_type = 'remove_from_cart' then 1 else 0 end) as remove_from_cart,
        max(case when event_type = 'begin_checkout' then 1 else 0 end) as checkout_flag,
        max(case when event_type = 'purchase' then 1 else 0 end) as purchase_flag,
        sum(case when event_type = 'purchase' then revenue_eur end) as revenue_sum,
        max(case when event_rank = 1 then device end) as device,
        max(case when event_rank = 1 then referrer end) as referrer,
        max(case when event_rank = 1 then utm_campaign end) as utm_campaign,
        max(case when event_rank = 1 then country end) as country
    from ranked
    group by session_id, session_number
)

select
    session_id || '-' || strftime(session_start, '%Y%m%d%H%M%S%f') as session_key,
    session_id,
    visitor_id,
    customer_key,
    session_start,
    session_end,
    cast(events as bigint) as events,
    cast(page_views as bigint) as page_views,
    cast(product_views as bigint) as product_views,
    cast(add_to_cart as bigint) as add_to_cart,
    cast(remove_from_cart as bigint) as remove_from_cart,
    checkout_flag = 1 as reached_checkout,
    purchase_flag = 1 as has_purchase,
    cast(coalesce(revenue_sum, 0) as decimal(18, 2)) as revenue_eur,
    device,
    referrer,
    utm_campaign,
    country,
    events = 1 as is_bounce
from sessions
