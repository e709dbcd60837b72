-- Latest state per customer from the raw change feed.
with changes as (
    select * from bronze.test_customers
),

ranked as (
    select
        *,
        row_number() over (partition by customer_id order by updated_at desc) as recency_rank
    from changes
)

select
    'test:' || customer_id as customer_key,
    email,
    city,
    updated_at as valid_from
from ranked
where recency_rank = 1
