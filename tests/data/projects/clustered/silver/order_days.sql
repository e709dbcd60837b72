-- Latest delivery of each order; a re-delivery may move the order to another day.
with ranked as (
    select
        *,
        row_number() over (partition by order_id order by _ingested_at desc) as recency_rank
    from bronze.test_dated_orders
)

select order_id, order_date, amount, _ingested_at
from ranked
where recency_rank = 1
