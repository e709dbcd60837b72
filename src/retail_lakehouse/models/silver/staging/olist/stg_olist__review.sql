-- Olist review answers, one per review and order (a review id can cover several orders).
-- A later delivery of the reviews file restates a review: the latest copy wins, earlier
-- copies are dropped by the rule superseded_review.
with reviews as (
    select * from bronze.olist_order_reviews
),

touched as (
    select distinct review_id, order_id
    from reviews
    where _ingested_at > :since
),

ranked as (
    select
        r.*,
        row_number() over (
            partition by r.review_id, r.order_id
            order by r._ingested_at desc, r._source_file desc, r._source_line desc
        ) as recency_rank
    from reviews as r
    inner join touched as t on t.review_id = r.review_id and t.order_id = r.order_id
)

select
    'olist:' || review_id || ':' || order_id as review_key,
    review_id,
    'olist:' || order_id as order_id,
    'olist' as source_system,
    cast(review_score as integer) as score,
    coalesce(trim(review_comment_title), '') <> ''
        or coalesce(trim(review_comment_message), '') <> '' as has_comment,
    review_creation_date as created_ts,
    review_answer_timestamp as answered_ts,
    order_id as source_order_id,
    _ingested_at,
    _source_file,
    _source_part,
    _source_line,
    case when recency_rank > 1 then 'superseded_review' end as _drop_rule
from ranked
