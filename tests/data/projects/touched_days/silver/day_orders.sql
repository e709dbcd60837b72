-- Every order of each day that received new orders: stored orders come back unchanged
-- (as the fact's lines of a customer whose dimension row was re-delivered do).
with touched as (
    select distinct order_date from bronze.test_dated_orders where _ingested_at > :since
)

select o.order_id, o.order_date, o.amount, o._ingested_at
from bronze.test_dated_orders as o
inner join touched as t on t.order_date = o.order_date
