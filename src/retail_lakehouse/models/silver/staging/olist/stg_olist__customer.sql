-- Customer observations of Olist: a person is a customer_unique_id; every order carries its
-- own customer_id row with the address the order was shipped to, so each customer_id row is
-- one observation of the person's address, valid from that order's purchase time. A row
-- touched by a new customer or order row is recomputed; a later delivery of the customers
-- file restates a row: the latest copy wins, earlier copies are dropped by the rule
-- superseded_customer_row.
with customers as (
    select * from bronze.olist_customers
),

orders as (
    select * from bronze.olist_orders
),

touched as (
    select customer_id from customers where _ingested_at > :since
    union
    select customer_id from orders where _ingested_at > :since
),

ranked_customers as (
    select
        c.*,
        row_number() over (
            partition by c.customer_id
            order by c._ingested_at desc, c._source_file desc, c._source_line desc
        ) as recency_rank
    from customers as c
    inner join touched as t on t.customer_id = c.customer_id
),

purchases as (
    select
        o.customer_id,
        min(o.order_purchase_timestamp) as purchased_at,
        max(o._ingested_at) as _ingested_at
    from orders as o
    inner join touched as t on t.customer_id = o.customer_id
    group by o.customer_id
)

select
    'olist:' || c.customer_unique_id as customer_key,
    'olist' as source_system,
    c.customer_unique_id as source_customer_id,
    cast(null as varchar) as customer_name,
    cast(null as varchar) as email,
    c.customer_city as city,
    c.customer_state as region,
    c.customer_zip_code_prefix as postal_code,
    'BR' as country,
    cast(null as varchar) as segment,
    cast(null as date) as signup_date,
    p.purchased_at as valid_from,
    c.customer_id as observation_id,
    greatest(c._ingested_at, coalesce(p._ingested_at, c._ingested_at)) as _ingested_at,
    c._source_file,
    c._source_part,
    c._source_line,
    case when c.recency_rank > 1 then 'superseded_customer_row' end as _drop_rule
from ranked_customers as c
left join purchases as p on p.customer_id = c.customer_id
