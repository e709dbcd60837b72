-- One row per review of an order.
with reviews as (
    select * from silver.int_review
    where _ingested_at > :since
)

select
    review_key,
    review_id,
    order_id,
    source_system,
    score,
    has_comment,
    created_ts,
    answered_ts,
    _ingested_at,
    _source_file,
    _source_line
from reviews
