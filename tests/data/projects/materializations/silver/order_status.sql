-- Latest status per order; new feed rows arrive with a later _ingested_at.
with feed as (
    select * from bronze.test_orders
),

ranked as (
    select
        *,
        row_number() over (partition by order_id order by _ingested_at desc) as recency_rank
    from feed
)

select order_id, status, amount, _ingested_at
from ranked
where recency_rank = 1
